"""Saved pages of each CMS family (tests/pages/<family>/…, built from sites.md, not from the
spiders) as Scrapy responses, and a spider to call the callbacks of directly (city-scrapers
style: no server, no reactor, milliseconds a test)."""

from __future__ import annotations

from pathlib import Path

import scrapy
from scrapy.http import HtmlResponse, Response, TextResponse, XmlResponse
from scrapy.utils.test import get_crawler

PAGES = Path(__file__).with_name("pages")


def saved(
    name: str,
    url: str,
    *,
    meta: dict | None = None,
    headers: dict | None = None,
    body: bytes | None = None,
    method: str = "GET",
    cls=None,
) -> Response:
    """tests/pages/<name> served as `url`; the class by extension (HTML, XML, JSON as text),
    the charset from the page itself, as Scrapy does when the server does not say."""
    data = (PAGES / name).read_bytes() if body is None else body
    if cls is None:
        cls = {".xml": XmlResponse, ".json": TextResponse}.get(Path(name).suffix, HtmlResponse)
    request = scrapy.Request(url, method=method, meta=meta or {})
    return cls(
        url=url,
        body=data,
        headers=headers or {},
        request=request,
        **({"encoding": "utf-8"} if cls is TextResponse else {}),
    )


def make_spider(cls, start_url: str, config: dict | None = None, known: dict | None = None, dry_run=False):
    crawler = get_crawler(cls)
    return cls.from_crawler(
        crawler, site_key="saved", start_urls=[start_url], config=config or {}, known=known or {}, dry_run=dry_run
    )


def split(results) -> tuple[list[dict], list[scrapy.Request]]:
    """A callback's output: (items, requests)."""
    items, requests = [], []
    for r in results or ():
        (requests if isinstance(r, scrapy.Request) else items).append(r)
    return items, requests
