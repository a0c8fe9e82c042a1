"""Per-site bounds on one crawl: list pages, list entries followed, bytes downloaded.

A page that claims 10,000 list pages or 2,000,000 records, or a list answer of a gigabyte,
costs at most these; a crawl that
reaches one stops that part of the walk and is recorded as capped (failed, and nothing is
withdrawn after it). Defaults here, tuned per site in the registry:

    sites:
      - key: big-portal
        limits: {max_list_pages: 1000, max_records: 20000}
"""

from __future__ import annotations

from dataclasses import dataclass, fields


@dataclass(frozen=True)
class SiteCaps:
    max_list_pages: int = 200  # list pages, API pages and Hanweb proxy pages, start pages included
    max_records: int = 5000  # list entries that look like filings and are followed
    max_bytes: int = 2 * 1024**3  # response bytes (as sent, before decoding) of the whole crawl
    max_list_page_bytes: int = 20 * 1024**2  # one list page or API answer (files keep DOWNLOAD_MAXSIZE)
    max_files_per_filing: int = 100  # attachments fetched from one detail page or API row

    @property
    def max_responses(self) -> int:
        """Scrapy's CLOSESPIDER_PAGECOUNT backstop: every list page, and per record a detail
        page and a few files, with room for redirects and retries."""
        return 2 * (self.max_list_pages + 6 * self.max_records)


CAP_NAMES = tuple(f.name for f in fields(SiteCaps))


def site_caps(limits: dict | None) -> SiteCaps:
    """The caps of a site from its registry `limits` mapping; a wrong key or value is an error
    that names it (a typo must not silently leave a site unbounded)."""
    limits = limits or {}
    if not isinstance(limits, dict):
        raise ValueError(f"limits must be a mapping, not {type(limits).__name__}")
    unknown = sorted(set(limits) - set(CAP_NAMES))
    if unknown:
        raise ValueError(f"limits: unknown key(s) {unknown}; known: {list(CAP_NAMES)}")
    for key, value in limits.items():
        if isinstance(value, bool) or not isinstance(value, int) or value < 1:
            raise ValueError(f"limits.{key} must be a positive integer, not {value!r}")
    return SiteCaps(**limits)
