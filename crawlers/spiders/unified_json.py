"""The provincial unified disclosure platform: a JSON list API, attachments by download id.

There are no detail pages: the API row is the filing, and its `detail_url` is the API
row's own address so that it is stable across nights (what the store keys filings by).
"""
from __future__ import annotations

import json
from urllib.parse import urlencode

import scrapy

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
        except (ValueError, KeyError, TypeError) as exc:
            yield {"type": "error", "url": response.url, "detail_url": None,
                   "reason": f"unified platform answered something other than its JSON list ({exc!r})"}
            return
        for row in rows:
            yield from self._row(response, row)
        if page == 1:
            for n in range(2, pages + 1):
                yield scrapy.Request(self._page_url(response.url, n), callback=self.parse_list, errback=self.on_error)

    @staticmethod
    def _page_url(url: str, page: int) -> str:
        base, _, query = url.partition("?")
        params = dict(p.split("=", 1) for p in query.split("&") if "=" in p)
        params["pageNo"] = str(page)
        return f"{base}?{urlencode(params)}"

    def _row(self, response, row: dict):
        self.crawler.stats.inc_value("disclosure/list_links")
        title = row.get("title") or ""
        if not looks_like_filing(title) or not row.get("attachments"):
            self.crawler.stats.inc_value("disclosure/other_notices")
            return
        detail_url = response.urljoin(f"?id={row['id']}").split("?")[0] + f"#id={row['id']}"
        files = [(response.urljoin(a["fileUrl"]), a.get("fileName", "")) for a in row["attachments"]]
        if url_key(detail_url) in self.known_details:
            self.crawler.stats.inc_value("disclosure/known_details")
            yield {"type": "listed", "detail_url": detail_url, "title": title, "published": row.get("publishDate")}
        else:
            yield {"type": "filing", "detail_url": detail_url, "title": title, "published": row.get("publishDate"),
                   "attachments": [{"url": u, "text": t} for u, t in files]}
        for url, text in files:
            yield self.file_request(url, detail_url, text)
