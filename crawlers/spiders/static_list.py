"""Plain static list pages: every link whose title names a filing is a detail page, or the
filing's file itself when the list links straight to it."""

from __future__ import annotations

from crawlers.listing import link_date, link_title
from crawlers.spiders.base import FilingSpider
from registry.families import STATIC_LIST


class StaticListSpider(FilingSpider):
    name = family = STATIC_LIST

    def parse_list(self, response):
        self.crawler.stats.inc_value("disclosure/list_pages")
        for a in response.css("a[href]"):
            href = a.attrib["href"].strip()
            if "next" in a.attrib.get("class", "").split():
                request = self.list_request(response, href)  # an endless `next` chain stops at the cap
                if request is not None:
                    yield request
            else:
                yield from self.follow_detail(response, href, link_title(a), link_date(a))
