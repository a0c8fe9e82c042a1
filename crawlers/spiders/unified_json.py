"""The provincial unified disclosure platform: a JSON list API, attachments by download id.

There are no detail pages: the API row is the filing, and its `detail_url` is the API
row's own address so that it is stable across nights (what the store keys filings by).
"""
from __future__ import annotations

import json
from urllib.parse import urlencode

from crawlers.fields import BadField, clean_text, published_date, row_id, web_url
from crawlers.health import FILE, LINK, LIST
from crawlers.spiders.base import FilingSpider, looks_like_filing
from crawlers.urls import url_key
from registry.families import UNIFIED_JSON


class UnifiedJsonSpider(FilingSpider):
    name = "unified_json"
    family = UNIFIED_JSON

    def parse_list(self, response):
        self.crawler.stats.inc_value("disclosure/list_pages")
        try:
            doc = json.loads(response.text)
            data = doc["data"]
            rows, pages, page = data["list"], int(data["pages"]), int(data.get("pageNo", 1))
            if not isinstance(rows, list):
                raise TypeError(f"list is a {type(rows).__name__}")
        except (ValueError, KeyError, TypeError) as exc:
            yield {"type": "error", "url": response.url, "detail_url": None, "scope": LIST,
                   "reason": f"unified platform answered something other than its JSON list ({exc!r})"}
            return
        for n, row in enumerate(rows):
            try:
                yield from self._row(response, row)
            except BadField as exc:  # this row only: the rest of the page is kept
                self.crawler.stats.inc_value("disclosure/bad_rows")
                yield {"type": "error", "url": response.url, "detail_url": None, "scope": LINK,
                       "reason": f"row {n} skipped: {exc}"}
        if page == 1:
            for n in range(2, pages + 1):  # pages: 1000000 stops at the cap
                request = self.list_request(response, self._page_url(response.url, n))
                if request is None:
                    break
                yield request

    @staticmethod
    def _page_url(url: str, page: int) -> str:
        base, _, query = url.partition("?")
        params = dict(p.split("=", 1) for p in query.split("&") if "=" in p)
        params["pageNo"] = str(page)
        return f"{base}?{urlencode(params)}"

    def _row(self, response, row):
        """One API row, every field checked (crawlers.fields); BadField skips the row, a bad
        attachment skips only itself (recorded)."""
        self.crawler.stats.inc_value("disclosure/list_links")
        if not isinstance(row, dict):
            raise BadField(f"a {type(row).__name__}, not an object")
        title = clean_text(row.get("title"), "title")
        attachments = row.get("attachments") or []
        if not isinstance(attachments, list):
            raise BadField(f"attachments is a {type(attachments).__name__}, expected a list")
        if not looks_like_filing(title) or not attachments:
            self.crawler.stats.inc_value("disclosure/other_notices")
            return
        doc_id = row_id(row.get("id"))
        if not self.budget("records"):
            return
        published = published_date(row.get("publishDate"))
        detail_url = response.urljoin(f"?id={doc_id}").split("?")[0] + f"#id={doc_id}"
        files = []
        for k, a in enumerate(self.within_file_cap(attachments)):
            try:
                if not isinstance(a, dict):
                    raise BadField(f"a {type(a).__name__}, not an object")
                files.append((web_url(a.get("fileUrl"), response.url, "fileUrl"),
                              clean_text(a.get("fileName"), "fileName")))
            except BadField as exc:
                yield {"type": "error", "url": response.url, "detail_url": detail_url, "scope": LINK,
                       "reason": f"row {doc_id} attachment {k} skipped: {exc}"}
        if url_key(detail_url) in self.known_details:
            self.crawler.stats.inc_value("disclosure/known_details")
            yield {"type": "listed", "detail_url": detail_url, "title": title, "published": published}
        else:
            yield {"type": "filing", "detail_url": detail_url, "title": title, "published": published,
                   "attachments": [{"url": u, "text": t} for u, t in files]}
        for url, text in files:
            if self.allowed_origins.allows(url):
                yield self.file_request(url, detail_url, text)
            else:
                yield {"type": "error", "url": url, "detail_url": detail_url, "scope": FILE,
                       "reason": f"attachment on {self.allowed_origins.why_not(url)}"}
