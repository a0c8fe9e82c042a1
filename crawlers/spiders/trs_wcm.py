"""TRS WCM sites: index.html, index_1.html … with the page count only in createPageHTML(N, …)."""
from __future__ import annotations

import re

from crawlers.spiders.base import FilingSpider
from registry.families import TRS_WCM

PAGE_COUNT = re.compile(r"createPageHTML\(\s*(\d+)\s*,\s*(\d+)")
DETAIL = re.compile(r"t\d{8}_\d+\.s?html$")


class TrsWcmSpider(FilingSpider):
    name = "trs_wcm"
    family = TRS_WCM

    def parse_list(self, response):
        self.crawler.stats.inc_value("disclosure/list_pages")
        for a in response.css("a[href]"):
            href = a.attrib["href"]
            if DETAIL.search(href):
                title = a.attrib.get("title") or " ".join(a.css("::text").getall()).strip()
                published = a.xpath("following-sibling::span[1]/text()").get()
                yield from self.follow_detail(response, href, title, published)
        match = PAGE_COUNT.search(response.text)
        if match and int(match.group(2)) == 0:  # only the first page fans out the others
            for n in range(1, int(match.group(1))):  # createPageHTML(10000, …) stops at the cap
                request = self.list_request(response, f"index_{n}.html")
                if request is None:
                    break
                yield request
