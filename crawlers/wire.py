"""Two downloader middlewares at the edges of the wire.

OriginGuard (priority 40, before robots.txt is asked for and before Scrapy's own filters):
a request — a link, a redirect, robots.txt — to an origin the site did not register is
refused with IgnoreRequest, so the spider's errback records it as an error (a file that
moved off-site never vanishes silently; 127.0.0.1:5432 is never asked for anything).

WireMeter (priority 960, the first to see a response as it came off the wire, before
redirects are followed and before gzip is decoded): notes the body length as sent, which
is what Content-Length promised, and counts the crawl's bytes against its cap. It also
bounds every list page (anything but a detail page or a file) to the list-page byte cap:
a list answer is parsed whole in memory, so it may not be as large as a file.
"""

from __future__ import annotations

from scrapy.exceptions import IgnoreRequest
from scrapy.utils.defer import _schedule_coro

from crawlers.caps import site_caps
from crawlers.health import CAP_STAT
from crawlers.origins import origin_of, shown


class OriginGuard:
    def __init__(self, crawler):
        self.crawler = crawler

    @classmethod
    def from_crawler(cls, crawler):
        return cls(crawler)

    def process_request(self, request, spider=None):
        allowed = getattr(self.crawler.spider, "allowed_origins", None)
        if allowed is None or allowed.allows(request.url):
            return
        self.crawler.stats.inc_value("disclosure/refused_origin")
        came_from = (request.meta.get("redirect_urls") or [None])[0]
        target = origin_of(request.url)
        where = shown(target) if target else request.url
        how = f"redirect from {came_from} to" if came_from else "request to"
        raise IgnoreRequest(
            f"refused {how} {where}: {allowed.why_not(request.url)}; add it to the site's "
            "allowed_hosts or allowed_origins if it is the publisher's"
        )


NOT_LIST_CALLBACKS = {"parse_detail", "parse_file"}


class WireMeter:
    def __init__(self, crawler, max_bytes: int, max_list_page_bytes: int):
        self.crawler = crawler
        self.max_bytes = max_bytes
        self.max_list_page_bytes = max_list_page_bytes
        self.total = 0
        self.closing = False

    @classmethod
    def from_crawler(cls, crawler):
        s = crawler.settings
        caps = site_caps(s.getdict("DISCLOSURE_CAPS"))
        return cls(crawler, s.getint("DISCLOSURE_CRAWL_MAX_BYTES", caps.max_bytes), caps.max_list_page_bytes)

    def process_request(self, request, spider=None):
        if getattr(request.callback, "__name__", "") not in NOT_LIST_CALLBACKS:
            request.meta.setdefault("download_maxsize", self.max_list_page_bytes)

    def process_response(self, request, response, spider=None):
        size = len(response.body)
        request.meta["wire_length"] = size
        self.total += size
        self.crawler.stats.set_value("disclosure/wire_bytes", self.total)
        if self.total > self.max_bytes and not self.closing:
            self.closing = True
            self.crawler.stats.set_value(CAP_STAT + "bytes", self.max_bytes)
            _schedule_coro(self.crawler.engine.close_spider_async(reason="capped_bytes"))
        return response
