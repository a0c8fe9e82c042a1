"""TRS WCM sites: index.html, index_1.html … with the page count only in createPageHTML(N, …).

List entries are detail pages ./YYYYMM/tYYYYMMDD_id.html (or .shtml), or, on some columns,
the attachment itself (./YYYYMM/P0….pdf) with no detail page."""

from __future__ import annotations

import re

from crawlers.attachments import is_file_link
from crawlers.listing import link_date, link_title
from crawlers.spiders.base import FilingSpider
from registry.families import TRS_WCM

PAGE_COUNT = re.compile(
    r"""createPageHTML\(\s*['"]?(\d+)['"]?\s*,\s*['"]?(\d+)['"]?"""
    r"""(?:\s*,\s*['"]([^'"]*)['"]\s*,\s*['"]([^'"]*)['"])?"""
)
DETAIL = re.compile(r"t\d{8}_\d+\.s?html?$")


class TrsWcmSpider(FilingSpider):
    name = family = TRS_WCM

    def parse_list(self, response):
        self.crawler.stats.inc_value("disclosure/list_pages")
        for a in response.css("a[href]"):
            href = a.attrib["href"].strip()
            if DETAIL.search(href.split("?")[0]) or is_file_link(response.urljoin(href)):
                yield from self.follow_detail(response, href, link_title(a), link_date(a))
        match = PAGE_COUNT.search(response.text)
        if match and int(match.group(2)) == 0:  # only the first page fans out the others
            stem, ext = match.group(3) or "index", match.group(4) or "html"
            for n in range(1, int(match.group(1))):  # createPageHTML(10000, …) stops at the cap
                request = self.list_request(response, f"{stem}_{n}.{ext}")
                if request is None:
                    break
                yield request
