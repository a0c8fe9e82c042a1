"""What a crawl reports, one dataclass per kind: the spiders yield them (Scrapy takes dataclass
items through itemadapter), crawlers.pipelines archives the files and writes them to the
manifest, crawlers.site_crawl reads them back, crawlers.health judges them and the store
(warehouse.crawl_record) records them.

The manifest is JSON lines, each with its "type" (the class's KIND); `encode` writes one,
`decode` reads one back and fails with TypeError or KeyError on a line that does not fit its
kind (the reader records such a line as an error of the crawl, never drops it silently).
This module imports nothing: the store and the crawler both depend on it.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field, fields
from typing import ClassVar


@dataclass
class FilingFound:
    """A list entry read for the first time (or again: `--full`, a changed entry): its detail
    page, or the file it links to straight (`direct`), or a platform's row."""

    KIND: ClassVar[str] = "filing"
    detail_url: str
    title: str
    published: str | None = None
    attachments: list[dict] = field(default_factory=list)  # {"url", "text"} each
    inline: bool = False  # the detail page is the filing (its tables printed as HTML)
    direct: bool = False  # the list links to the file itself
    list_title: str | None = None  # as the list printed it, when the page told a better one
    stated: dict | None = None  # unit, year, kind as a unified platform's row states them
    entry: str | None = None  # fingerprint of the list entry (crawlers.revalidation)


@dataclass
class Listed:
    """A known detail page seen on a list again: it is still published (not read again)."""

    KIND: ClassVar[str] = "listed"
    detail_url: str
    title: str
    published: str | None = None
    entry: str | None = None


@dataclass
class FileFetched:
    """A file's answer with its bytes: spider → pipeline only, never written to the manifest
    (the pipeline turns it into FileArchived, or a CrawlError when the bytes are no document)."""

    KIND: ClassVar[str] = "fetched"
    detail_url: str
    source_url: str  # the URL asked for (before redirects)
    final_url: str
    link_text: str
    status: int
    headers: dict[str, str]
    file_name: str | None
    fetched_at: str
    body: bytes = field(repr=False)
    inline: bool = False
    wire_length: int | None = None  # bytes as sent, before decoding (crawlers.wire)
    warc: dict | None = None  # where the response sits in the crawl's WARC


@dataclass
class FileArchived:
    """A file stored in the archive by its hash (a new version or one seen before)."""

    KIND: ClassVar[str] = "file"
    detail_url: str
    source_url: str
    final_url: str
    link_text: str
    status: int
    headers: dict[str, str]
    file_name: str | None
    fetched_at: str
    media_type: str
    size_bytes: int
    sha256: str
    storage_key: str
    inline: bool = False
    wire_length: int | None = None
    warc: dict | None = None


@dataclass
class NotModified:
    """A conditional GET answered 304: the archived version is still the one served."""

    KIND: ClassVar[str] = "not_modified"
    detail_url: str
    source_url: str
    link_text: str = ""
    inline: bool = False


@dataclass
class CrawlError:
    """Something not read or refused. `scope` (crawlers.health: list, detail, link, file) says
    what it may have hidden; `refused` marks a file refused for its content."""

    KIND: ClassVar[str] = "error"
    url: str | None
    reason: str
    detail_url: str | None = None
    scope: str | None = None  # None: of unknown origin, judged as if it hid a list entry
    status: int | None = None
    refused: bool = False


@dataclass
class Skipped:
    """A dry run's list entry that is not followed (no 决算/预算/绩效 in its title, no file)."""

    KIND: ClassVar[str] = "skipped"
    detail_url: str
    title: str
    reason: str
    published: str | None = None


@dataclass
class WouldFetch:
    """A dry run's file that a crawl would fetch."""

    KIND: ClassVar[str] = "would_fetch"
    url: str
    detail_url: str
    link_text: str = ""
    maybe: bool = False  # a download script: a file only if it answers one
    inline: bool = False


@dataclass
class CrawlStats:
    """The manifest's last line: Scrapy's stats (finish_reason set when the crawl was cut)."""

    KIND: ClassVar[str] = "stats"
    stats: dict


Event = FilingFound | Listed | FileArchived | NotModified | CrawlError | Skipped | WouldFetch | CrawlStats
MANIFEST_KINDS: dict[str, type] = {
    cls.KIND: cls
    for cls in (FilingFound, Listed, FileArchived, NotModified, CrawlError, Skipped, WouldFetch, CrawlStats)
}


def encode(event) -> dict:
    """The manifest line of an event (FileFetched has bytes and is never written)."""
    if type(event).KIND not in MANIFEST_KINDS:
        raise TypeError(f"{type(event).__name__} is not written to the manifest")
    return {"type": event.KIND, **asdict(event)}


def decode(line: dict):
    """The event of one manifest line; TypeError/KeyError when it does not fit its kind."""
    if not isinstance(line, dict):
        raise TypeError(f"a manifest line is an object, not {type(line).__name__}")
    values = dict(line)
    cls = MANIFEST_KINDS.get(values.pop("type", None))
    if cls is None:
        raise KeyError(f"unknown event type {line.get('type')!r}")
    names = {f.name for f in fields(cls)}
    unknown = sorted(set(values) - names)
    if unknown:
        raise TypeError(f"{cls.KIND} event with unknown field(s) {unknown}")
    return cls(**values)
