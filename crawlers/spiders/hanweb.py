"""Hanweb (大汉) sites: the column page holds the first records inline as XML and the jpage
settings; the rest come only from POSTs to dataproxy.jsp (static pageNum URLs answer 404)."""
from __future__ import annotations

import re

import scrapy
from parsel import Selector

from crawlers.spiders.base import FilingSpider
from registry.families import HANWEB_JPAGE

RECORD = re.compile(r"<record><!\[CDATA\[(.*?)\]\]></record>", re.S)
SETTING = re.compile(r"""\b(proxyUrl|perPage|totalRecord|columnid|unitid|webid)\s*:\s*["']?([^"',}\s]+)""")
DATE = re.compile(r"20\d{2}-\d{2}-\d{2}")


class HanwebSpider(FilingSpider):
    name = "hanweb"
    family = HANWEB_JPAGE

    def parse_list(self, response):
        self.crawler.stats.inc_value("disclosure/list_pages")
        yield from self._records(response, response.text)
        settings = dict(SETTING.findall(response.text))
        if not {"proxyUrl", "perPage", "totalRecord", "columnid"} <= settings.keys():
            yield {"type": "error", "url": response.url, "detail_url": None,
                   "reason": "Hanweb column page without jpage settings (layout changed?)"}
            return
        per_page, total = int(settings["perPage"]), int(settings["totalRecord"])
        form = {k: settings[k] for k in ("columnid", "unitid", "webid") if k in settings}
        for start in range(per_page + 1, total + 1, per_page):  # totalRecord 2,000,000 stops at the cap
            if not self.budget("list_pages"):
                break
            end = min(start + per_page - 1, total)
            # Hanweb paths are site-relative: the proxy lives under the site's own prefix.
            url = response.urljoin(self.config.get("prefix", "") + settings["proxyUrl"]) + \
                f"?startrecord={start}&endrecord={end}&perpage={per_page}"
            yield scrapy.FormRequest(url, formdata=form, callback=self.parse_proxy, errback=self.on_error)

    def parse_proxy(self, response):
        self.crawler.stats.inc_value("disclosure/list_pages")
        yield from self._records(response, response.text)

    def _records(self, response, text: str):
        for record in RECORD.findall(text):
            sel = Selector(text=record)
            for a in sel.css("a[href]"):
                title = a.attrib.get("title") or " ".join(a.css("::text").getall()).strip()
                date = DATE.search(record)
                yield from self.follow_detail(response, a.attrib["href"], title, date.group(0) if date else None)
