"""Plain static list pages: every link whose text names a filing is a detail page."""
from __future__ import annotations

import re

from crawlers.spiders.base import FilingSpider
from registry.families import STATIC_LIST

DATE = re.compile(r"20\d{2}-\d{2}-\d{2}")


class StaticListSpider(FilingSpider):
    name = "static_list"
    family = STATIC_LIST

    def parse_list(self, response):
        self.crawler.stats.inc_value("disclosure/list_pages")
        for a in response.css("a[href]"):
            title = " ".join(a.css("::text").getall()).strip()
            tail = a.xpath("following-sibling::text()[1]").get() or ""
            date = DATE.search(tail)
            yield from self.follow_detail(response, a.attrib["href"], title, date.group(0) if date else None)
        for href in response.css("a.next::attr(href)").getall():
            request = self.list_request(response, href)  # an endless `next` chain stops at the cap
            if request is not None:
                yield request
