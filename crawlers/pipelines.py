"""Item pipeline: validate downloaded files by content, archive them, write the manifest
(one JSON line per event of crawlers.events)."""

from __future__ import annotations

import json
from dataclasses import asdict
from pathlib import Path

from w3lib.encoding import html_to_unicode

from archive.store import store_bytes
from crawlers.events import CrawlError, FileArchived, FileFetched, encode
from crawlers.health import FILE
from crawlers.spiders.base import is_inline_filing
from parsers.formats import READ_CONTAINERS as ACCEPTED_MEDIA
from parsers.sniff import sniff_media_type

# Refusals for what a file holds (an error page, not a document): an item of the crawl, not
# a failure of the site (crawlers.health). A truncated download is the wire failing instead.
CONTENT_REFUSALS = ("empty file", "HTML page served", "not a filing document")


def check_file(body: bytes, headers: dict[str, str], wire_length: int | None = None) -> tuple[str, str | None]:
    """(media type sniffed from the bytes, reason to reject or None). HTML counts only when
    it holds a filing's tables (some sites publish them so); any other page is an error page.
    Content-Length counts the bytes as sent: a gzip-encoded file is compared by its wire
    length (`wire_length`, crawlers.wire), never by its decoded size."""
    media = sniff_media_type(body[:2048])
    declared = {k.lower(): v for k, v in headers.items()}.get("content-length")
    sent = len(body) if wire_length is None else wire_length
    if declared is not None and declared.isdigit() and int(declared) != sent:
        return media, f"truncated download: {sent} of {declared} bytes"
    if media == "application/x-empty":
        return media, "empty file (0 bytes)"
    if media == "text/html":
        _, text = html_to_unicode(None, body)
        return media, None if is_inline_filing(text) else "HTML page served where a file was linked"
    if media not in ACCEPTED_MEDIA:
        return media, f"not a filing document ({media})"
    return media, None


class ManifestPipeline:
    def __init__(self, manifest: str, archive: str):
        self.manifest_path = Path(manifest)
        self.archive = archive
        self.fh = None

    @classmethod
    def from_crawler(cls, crawler):
        s = crawler.settings
        return cls(s.get("DISCLOSURE_MANIFEST"), s.get("DISCLOSURE_ARCHIVE"))

    def open_spider(self, spider=None):
        self.manifest_path.parent.mkdir(parents=True, exist_ok=True)
        self.fh = self.manifest_path.open("a", encoding="utf-8")

    def close_spider(self, spider=None):
        self.fh.close()

    def process_item(self, item, spider=None):
        if isinstance(item, FileFetched):
            item = self.archived(item)
        self.fh.write(json.dumps(encode(item), ensure_ascii=False) + "\n")
        self.fh.flush()
        return item

    def archived(self, fetched: FileFetched) -> FileArchived | CrawlError:
        """The file stored by its hash, or the reason its bytes are no filing document."""
        media, problem = check_file(fetched.body, fetched.headers, fetched.wire_length)
        if problem:
            return CrawlError(
                url=fetched.source_url,
                detail_url=fetched.detail_url,
                reason=problem,
                status=fetched.status,
                scope=FILE,
                refused=problem.startswith(CONTENT_REFUSALS),
            )
        sha256, storage_key = store_bytes(self.archive, fetched.body)
        described = {k: v for k, v in asdict(fetched).items() if k != "body"}
        return FileArchived(
            **described, media_type=media, size_bytes=len(fetched.body), sha256=sha256, storage_key=storage_key
        )
