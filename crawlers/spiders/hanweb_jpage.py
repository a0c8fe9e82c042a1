"""Hanweb (大汉) sites: a column page /col/col{N}/index.html whose rows come from POSTs to the
jpage proxy (/module/web/jpage/dataproxy.jsp) answering <datastore> XML; static pageNum URLs
answer 404.

What real column pages vary (sites.md), and how this reads them:
- the jpage call may omit totalRecord: the count comes from the proxy's <totalrecord> or
  <totalpage>, and without either the spider asks until a page comes back short;
- the page may carry no rows, or the first N inline: every record is asked for from the first;
- proxyUrl may be absolute, site-relative, or already carry the site's path prefix;
- the proxy's parameters (columnid, unitid, webid…) may sit in the call or in the query of a
  <nextgroup> link; they are sent both in the form and in the query.
"""

from __future__ import annotations

import re
from urllib.parse import parse_qsl, urlencode, urljoin, urlparse

import scrapy
from parsel import Selector

from crawlers.events import CrawlError
from crawlers.health import LIST
from crawlers.listing import link_date, link_title
from crawlers.spiders.base import FilingSpider
from registry.families import HANWEB_JPAGE

RECORD = re.compile(r"<record>\s*<!\[CDATA\[(.*?)\]\]>\s*</record>", re.DOTALL)
SETTING = re.compile(
    r"""\b(proxyUrl|perPage|totalRecord|columnid|unitid|webid|appid|path|webname|permissiontype)"""
    r"""\s*:\s*(?:["']([^"']*)["']|([^"',}\s]+))"""
)
NEXTGROUP = re.compile(r"<nextgroup>\s*<!\[CDATA\[.*?href=['\"]([^'\"]+)['\"]", re.DOTALL)
TOTAL = re.compile(r"<total(record|page)>\s*(\d+)\s*</total\1>", re.IGNORECASE)
COLUMN_IN_URL = re.compile(r"/col/col(\d+)/")
UNIT_DIV = re.compile(r"""<div[^>]+id=["'](\d+)["'][^>]*>\s*<script[^>]+text/xml""")
DEFAULT_PROXY = "/module/web/jpage/dataproxy.jsp"
DEFAULT_PER_PAGE = 15
FORM_KEYS = ("columnid", "unitid", "webid", "appid", "path", "webname", "permissiontype")


def jpage_settings(html: str, page_url: str) -> dict[str, str]:
    """The jpage call's settings, completed from a <nextgroup> proxy link, the column id in
    the page's URL and the id of the div that holds the inline records."""
    settings = {
        k: (quoted if quoted is not None and quoted != "" else bare) for k, quoted, bare in SETTING.findall(html)
    }
    group = NEXTGROUP.search(html)
    if group:
        parsed = urlparse(group.group(1).replace("&amp;", "&"))
        settings.setdefault("proxyUrl", parsed.path)
        for key, value in parse_qsl(parsed.query):
            settings.setdefault(key, value)
    col = COLUMN_IN_URL.search(urlparse(page_url).path)
    if col:
        settings.setdefault("columnid", col.group(1))
    unit = UNIT_DIV.search(html)
    if unit:
        settings.setdefault("unitid", unit.group(1))
    return settings


def proxy_url(page_url: str, proxy: str, prefix: str = "") -> str:
    """The proxy's URL as the page writes it: absolute as is; site-relative under the site's
    path prefix unless it already carries it; relative to the column page otherwise."""
    if urlparse(proxy).scheme:
        return proxy
    origin = "{0.scheme}://{0.netloc}".format(urlparse(page_url))
    if proxy.startswith("/"):
        prefix = "/" + prefix.strip("/") if prefix.strip("/") else ""
        if prefix and (proxy == prefix or proxy.startswith(prefix + "/")):
            return origin + proxy
        return origin + prefix + proxy
    return urljoin(page_url, proxy)


def proxy_totals(xml: str) -> tuple[int | None, int | None]:
    """(<totalrecord>, <totalpage>) of a proxy answer, each None when absent."""
    found = {k.lower(): int(v) for k, v in TOTAL.findall(xml)}
    return found.get("record"), found.get("page")


def records(xml: str) -> list[str]:
    return RECORD.findall(xml)


class HanwebJpageSpider(FilingSpider):
    name = family = HANWEB_JPAGE

    def parse_list(self, response):
        self.crawler.stats.inc_value("disclosure/list_pages")
        settings = jpage_settings(response.text, response.url)
        if "columnid" not in settings or not (settings.get("proxyUrl") or "jpage" in response.text):
            inline = records(response.text)
            if inline:  # no proxy to ask: the rows the page carries are all there is
                yield from self._records(response, inline)
                return
            yield CrawlError(
                url=response.url,
                scope=LIST,
                reason="Hanweb column page without jpage settings or records (layout changed?)",
            )
            return
        per_page = int(settings.get("perPage") or self.config.get("per_page") or DEFAULT_PER_PAGE)
        url = proxy_url(response.url, settings.get("proxyUrl") or DEFAULT_PROXY, self.config.get("prefix", ""))
        form = {k: settings[k] for k in FORM_KEYS if k in settings}
        total = int(settings["totalRecord"]) if settings.get("totalRecord", "").isdigit() else None
        if self.budget("list_pages"):
            yield self._proxy_request(url, form, 1, per_page, total)

    def _proxy_request(self, url: str, form: dict, start: int, per_page: int, total: int | None):
        end = start + per_page - 1 if total is None else min(start + per_page - 1, total)
        # Some proxies read the query string, some the form: the parameters go in both.
        query = urlencode({"startrecord": start, "endrecord": end, "perpage": per_page, **form})
        return scrapy.FormRequest(
            f"{url}?{query}",
            formdata=form,
            callback=self.parse_proxy,
            errback=self.on_error,
            cb_kwargs={"url": url, "form": form, "start": start, "per_page": per_page, "total": total},
            dont_filter=True,
        )

    def parse_proxy(self, response, url: str, form: dict, start: int, per_page: int, total: int | None):
        self.crawler.stats.inc_value("disclosure/list_pages")
        found = records(response.text)
        yield from self._records(response, found)
        total_record, total_page = proxy_totals(response.text)
        total = total_record or (total_page * per_page if total_page else None) or total
        if total is None:  # no count anywhere: ask on until a page comes back short
            if len(found) >= per_page and self.budget("list_pages"):
                yield self._proxy_request(url, form, start + per_page, per_page, None)
        elif start == 1:  # the first answer fans out the rest
            for next_start in range(start + per_page, total + 1, per_page):  # a huge total stops at the cap
                if not self.budget("list_pages"):
                    break
                yield self._proxy_request(url, form, next_start, per_page, total)

    def _records(self, response, found: list[str]):
        for record in found:
            sel = Selector(text=record)
            for a in sel.css("a[href]")[:1]:  # one entry per record
                yield from self.follow_detail(response, a.attrib["href"], link_title(a), link_date(a))
