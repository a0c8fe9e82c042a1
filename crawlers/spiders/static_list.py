"""Plain static list pages: every link whose title names a filing is a detail page, or the
filing's file itself when the list links straight to it."""
from __future__ import annotations

from crawlers.listing import link_date, link_title
from crawlers.spiders.base import FilingSpider


class StaticListSpider(FilingSpider):
    name = "static_list"
    family = "static_list"

    def parse_list(self, response):
        self.crawler.stats.inc_value("disclosure/list_pages")
        for a in response.css("a[href]"):
            href = a.attrib["href"].strip()
            if not _followable(href):
                continue
            if "next" in a.attrib.get("class", "").split():
                yield response.follow(href, callback=self.parse_list, errback=self.on_error)
            else:
                yield from self.follow_detail(response, href, link_title(a), link_date(a))


def _followable(href: str) -> bool:
    return bool(href) and not href.lower().startswith(("javascript:", "mailto:", "#"))
