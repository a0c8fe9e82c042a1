"""The base spider: detail pages, attachments and file downloads, shared by every CMS family.

A family subclass only says how to walk its list pages (`parse_list`). A new site of a
known family is a registry entry, not code. Items are the dataclasses of crawlers.events;
crawlers.pipelines archives the files and writes every item to the manifest.

Known filings (the store's record, `known`) are not read again: their files are asked for
conditionally on a rotation (crawlers.revalidation), and at once when the list entry changed.
"""

from __future__ import annotations

from datetime import UTC, datetime

import scrapy
from scrapy.exceptions import IgnoreRequest
from scrapy.http import Response, TextResponse

from crawlers.attachments import (
    answer_is_file,
    disposition_file_name,
    file_name_in_url,
    find_attachments,
    is_download_script,
    is_file_link,
)
from crawlers.caps import site_caps
from crawlers.events import CrawlError, FileFetched, FilingFound, Listed, NotModified, Skipped, WouldFetch
from crawlers.fields import BadField, clean_text, web_url
from crawlers.health import CAP_STAT, DETAIL, FILE, LINK, LIST
from crawlers.listing import best_title, page_date
from crawlers.origins import AllowedOrigins
from crawlers.revalidation import entry_fingerprint, is_due
from crawlers.urls import url_key

FILING_WORDS = ("决算", "预算", "绩效")


def looks_like_filing(title: str) -> bool:
    return any(word in title for word in FILING_WORDS)


def is_inline_filing(html: str) -> bool:
    """A detail page that is itself the filing: the tables printed as HTML, markers and all."""
    return html.count("<table") >= 3 and "公开01表" in html


class FilingSpider(scrapy.Spider):
    name = "filings"
    family = "base"

    def __init__(
        self,
        site_key: str,
        start_urls: list[str],
        known: dict | None = None,
        config: dict | None = None,
        caps: dict | None = None,
        dry_run: bool = False,
        night: int = 0,
        revalidate_every: int = 1,
        **kwargs,
    ):
        super().__init__(**kwargs)
        self.site_key = site_key
        self.start_urls = list(start_urls)
        known = known or {}
        # Both keyed by url_key (no scheme, no port): a site that moved to https is still known.
        # file url key → {"etag", "last_modified", "checked_night"}
        self.known_files = known.get("files", {})
        # detail url key → {"files": its attachments' and archived files' urls, "entry": fingerprint}
        self.known_details = known.get("details", {})
        self.night = int(night)
        self.revalidate_every = max(1, int(revalidate_every))
        self.config = config or {}
        self.dry_run = bool(dry_run)
        # Crawlers stay on the registered origins (crawlers.wire.OriginGuard enforces it); a
        # site whose files live elsewhere (a CDN) names it in allowed_hosts / allowed_origins.
        self.allowed_origins = AllowedOrigins.for_site(self.start_urls, self.config)
        self.caps = site_caps(caps)
        self._used: dict[str, int] = {}

    async def start(self):
        for url in self.start_urls:
            if self.budget("list_pages"):
                yield scrapy.Request(url, callback=self.parse_list, errback=self.on_error)

    def budget(self, cap: str) -> bool:
        """Take one unit of a cap (list_pages, records); False, and the cap recorded in the
        stats, once it is spent: the caller stops that part of the walk."""
        used = self._used[cap] = self._used.get(cap, 0) + 1
        limit = getattr(self.caps, f"max_{cap}")
        if used <= limit:
            return True
        self.crawler.stats.set_value(CAP_STAT + cap, limit)
        return False

    def within_file_cap(self, attachments: list) -> list:
        """The first max_files_per_filing attachments of one filing (the cap recorded if hit)."""
        limit = self.caps.max_files_per_filing
        if len(attachments) > limit:
            self.crawler.stats.set_value(CAP_STAT + "files_per_filing", limit)
        return attachments[:limit]

    def list_request(self, response: Response, href: str, callback=None, **kwargs) -> scrapy.Request | None:
        """A further list page within the site's list-page cap; None when the cap is spent
        (recorded in the stats) or the paging link is not a web address (counted, skipped)."""
        try:
            url = web_url(href, response.url, "list page link")
        except BadField:
            self.crawler.stats.inc_value("disclosure/bad_list_links")
            return None
        if not self.budget("list_pages"):
            return None
        return scrapy.Request(url, callback=callback or self.parse_list, errback=self.on_error, **kwargs)

    def parse_list(self, response: Response):  # pragma: no cover - families override
        raise NotImplementedError

    def follow_detail(self, response: Response, href: str, title: str, published: str | None):
        """A list entry: a known detail page is not read again, its files are asked for
        conditionally (a corrected file is still caught); an unknown one is read. An entry
        that links straight to a file (no detail page) is a filing of its own: that file."""
        self.crawler.stats.inc_value("disclosure/list_links")
        try:
            title = clean_text(title, "title")
            if not looks_like_filing(title):
                self.crawler.stats.inc_value("disclosure/other_notices")
                if self.dry_run:
                    yield Skipped(response.urljoin(href), title, "the title names no 决算/预算/绩效", published)
                return
            url = web_url(href, response.url, "detail link")
        except BadField as exc:  # this entry only: the rest of the list is still read
            self.crawler.stats.inc_value("disclosure/bad_links")
            yield CrawlError(url=response.url, scope=LINK, reason=f"list entry {title!r:.80} skipped: {exc}")
            return
        if not self.budget("records"):
            return
        entry = entry_fingerprint(title, published)
        if self.is_known_entry(url, entry):
            yield Listed(url, title, published, entry)
            yield from self.revalidate(url, self.known_details[url_key(url)]["files"])
            return
        if is_file_link(url) or is_download_script(url):
            self.crawler.stats.inc_value("disclosure/direct_files")
            yield FilingFound(url, title, published, [{"url": url, "text": title}], direct=True, entry=entry)
            yield self.file_request(url, url, title, maybe=not is_file_link(url))
            return
        yield scrapy.Request(
            url,
            callback=self.parse_detail,
            errback=self.on_error,
            cb_kwargs={"list_title": title, "published": published, "entry": entry},
        )

    def is_known_entry(self, detail_url: str, entry: str) -> bool:
        """A detail page the store holds, listed as it was recorded: not read again. One whose
        entry changed (title, date, links) is read again at once, as if new."""
        known = self.known_details.get(url_key(detail_url))
        if known is None:
            return False
        if known.get("entry") not in (None, entry):
            self.crawler.stats.inc_value("disclosure/changed_entries")
            return False
        self.crawler.stats.inc_value("disclosure/known_details")
        return True

    def revalidate(self, detail_url: str, file_urls: list[str]):
        """The conditional GETs a known filing's files are due tonight (crawlers.revalidation);
        a file never archived (a crawl cut short before it) is fetched whatever the night."""
        for file_url in file_urls:
            key = url_key(file_url)
            known = self.known_files.get(key)
            if known is not None and not is_due(key, self.night, self.revalidate_every, known.get("checked_night")):
                self.crawler.stats.inc_value("disclosure/revalidation_deferred")
                continue
            if self.allowed_origins.allows(file_url):
                yield self.file_request(file_url, detail_url, "")

    def parse_detail(self, response: Response, list_title: str, published: str | None, entry: str | None = None):
        if not isinstance(response, TextResponse):  # the "detail page" was the file itself
            attachment = [{"url": response.url, "text": list_title}]
            yield FilingFound(response.url, list_title, published, attachment, direct=True, entry=entry)
            response.meta.update(detail_url=response.url, link_text=list_title)
            yield from self.parse_file(response)
            return
        page = response.selector
        attachments = self.within_file_cap(find_attachments(response.text, response.url))
        inline = not attachments and is_inline_filing(response.text)
        yield FilingFound(
            response.url,
            best_title(list_title, page),
            published or page_date(page, response.text),
            [{"url": a.url, "text": a.text} for a in attachments],
            inline=inline,
            list_title=list_title,
            entry=entry,
        )
        if inline:  # the filing is the page itself: its tables are published as HTML
            yield from self.parse_file(response, inline=True)
        for att in attachments:
            if self.allowed_origins.allows(att.url):
                yield self.file_request(att.url, response.url, att.text, maybe=not att.certain)
            else:
                yield CrawlError(
                    url=att.url,
                    detail_url=response.url,
                    scope=FILE,
                    reason=f"attachment on {self.allowed_origins.why_not(att.url)}; add it to the "
                    "site's allowed_hosts or allowed_origins if it is the publisher's",
                )

    def file_request(self, url: str, detail_url: str, link_text: str, maybe: bool = False):
        """A conditional GET when the archive holds a version of this file already. `maybe`: a
        download script, a file only if its answer is one. A dry run fetches no file."""
        if self.dry_run:
            return WouldFetch(url, detail_url, link_text, maybe)
        headers = {}
        known = self.known_files.get(url_key(url)) or {}
        if known.get("etag"):
            headers["If-None-Match"] = known["etag"]
        if known.get("last_modified"):
            headers["If-Modified-Since"] = known["last_modified"]
        return scrapy.Request(
            url,
            callback=self.parse_file,
            errback=self.on_error,
            headers=headers,
            meta={
                "handle_httpstatus_list": [304],
                "detail_url": detail_url,
                "link_text": link_text,
                "maybe_file": maybe,
            },
        )

    def parse_file(self, response: Response, inline: bool = False):
        meta = {"detail_url": response.url, "link_text": ""} if inline else response.meta
        if self.dry_run:  # read already (an inline filing, a "detail page" that was the file): not kept
            yield WouldFetch(response.url, meta["detail_url"], meta["link_text"], inline=inline)
            return
        if response.status == 304:
            yield NotModified(meta["detail_url"], response.request.url, meta["link_text"], inline)
            return
        headers = {k.decode("latin-1"): v[0].decode("latin-1") for k, v in response.headers.items()}
        if meta.get("maybe_file") and not answer_is_file(headers, response.body[:512]):
            self.crawler.stats.inc_value("disclosure/not_files")  # a download script that answered a page
            return
        redirects = response.meta.get("redirect_urls") or []
        yield FileFetched(
            detail_url=meta["detail_url"],
            source_url=redirects[0] if redirects else response.request.url,
            final_url=response.url,
            link_text=meta["link_text"],
            status=response.status,
            headers=headers,
            file_name=disposition_file_name(response.headers.get("Content-Disposition"))
            or file_name_in_url(response.url),
            fetched_at=datetime.now(UTC).isoformat(),
            body=response.body,
            inline=inline,
            wire_length=response.meta.get("wire_length"),  # before decoding (crawlers.wire)
            warc=response.meta.get("warc"),
        )

    def on_error(self, failure):
        request = failure.request
        if failure.check(IgnoreRequest) and "robots.txt" in failure.getErrorMessage():
            # The site asks us not to: obeyed, counted, and no failure of the crawl.
            self.crawler.stats.inc_value("disclosure/forbidden_by_robots")
            return
        yield CrawlError(
            url=(request.meta.get("redirect_urls") or [request.url])[0],
            detail_url=request.meta.get("detail_url"),
            scope=self.scope_of(request),
            reason=f"{failure.type.__name__}: {failure.getErrorMessage()}",
        )

    def scope_of(self, request) -> str:
        """Where a failed request sat in the walk (crawlers.health decides what that costs)."""
        name = getattr(request.callback, "__name__", "")
        return {"parse_file": FILE, "parse_detail": DETAIL}.get(name, LIST)
