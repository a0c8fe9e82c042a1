"""Adding a site in minutes: `disclosure sites probe URL` and `disclosure crawl SITE --dry-run`.

probe: fetch one page politely (robots.txt first, our user agent, one request at a time),
recognise its CMS family by what the page itself carries, and propose a registry entry:
- TRS WCM: the createPageHTML(N, …) paging call;
- Hanweb jpage: a jpage call or <datastore> records, and the dataproxy.jsp it posts to (the
  path prefix the site lives under is proposed when the proxy does not carry it already);
- the unified platform: a JSON answer holding a list of rows (departments, or filings);
- a static list: an HTML page with links whose titles name 决算/预算.
dry run: what a crawl would fetch and what it takes each entry to be (`dry_run_entries`).
"""

from __future__ import annotations

import json
import urllib.error
import urllib.request
from dataclasses import dataclass, field
from urllib.parse import urlparse
from urllib.robotparser import RobotFileParser

from parsel import Selector
from w3lib.encoding import html_to_unicode

from crawlers.events import FilingFound, Listed, Skipped, WouldFetch
from crawlers.listing import link_title
from crawlers.spiders.base import looks_like_filing
from crawlers.spiders.hanweb_jpage import jpage_settings
from crawlers.spiders.trs_wcm import PAGE_COUNT
from crawlers.spiders.unified_json import is_department_row, rows_and_pages

MAX_PROBE_BYTES = 5 * 1024 * 1024


class ProbeError(RuntimeError):
    """The page could not be fetched (or robots.txt forbids it); the message names the URL."""


@dataclass
class ProbeResult:
    url: str
    family: str | None
    evidence: str
    config: dict = field(default_factory=dict)
    filing_links: int = 0
    notes: list[str] = field(default_factory=list)

    def registry_entry(self, key: str | None = None, jurisdiction: str = "CHANGE-ME") -> dict:
        """The proposed `sites:` entry (verified: false until a person has looked)."""
        host = urlparse(self.url).hostname or "site"
        entry = {
            "key": key or host.replace(".", "-"),
            "jurisdiction": jurisdiction,
            "family": self.family or "CHANGE-ME",
            "verified": False,
            "start_urls": [self.url],
        }
        if self.config:
            entry["config"] = dict(self.config)
        return entry


def fetch(url: str, user_agent: str, timeout: float = 30.0) -> tuple[bytes, dict[str, str]]:
    """One GET, after asking robots.txt whether we may; (body, headers)."""
    parsed = urlparse(url)
    robots = RobotFileParser(f"{parsed.scheme}://{parsed.netloc}/robots.txt")
    try:
        with urllib.request.urlopen(
            urllib.request.Request(robots.url, headers={"User-Agent": user_agent}), timeout=timeout
        ) as answer:
            robots.parse(answer.read(512 * 1024).decode("utf-8", "replace").splitlines())
    except urllib.error.HTTPError as exc:  # 4xx: no robots.txt, everything allowed; 5xx: stay away
        if exc.code >= 500:
            raise ProbeError(f"{robots.url}: answered {exc.code}; not probing a site that cannot say") from exc
        robots.allow_all = True
    except (urllib.error.URLError, OSError) as exc:
        raise ProbeError(f"{url}: cannot reach the site ({exc})") from exc
    if not robots.can_fetch(user_agent, url):
        raise ProbeError(f"{url}: robots.txt does not allow this crawler to fetch it")
    try:
        request = urllib.request.Request(url, headers={"User-Agent": user_agent, "Accept": "*/*"})
        with urllib.request.urlopen(request, timeout=timeout) as answer:
            return answer.read(MAX_PROBE_BYTES), dict(answer.headers.items())
    except urllib.error.HTTPError as exc:
        raise ProbeError(f"{url}: answered {exc.code} {exc.reason}") from exc
    except (urllib.error.URLError, OSError) as exc:
        raise ProbeError(f"{url}: {exc}") from exc


def _hanweb_prefix(page_url: str, proxy: str | None) -> str | None:
    """The path a Hanweb site lives under (/yunzhou of /yunzhou/col/col4521/index.html) when
    the page's proxyUrl is site-relative and does not carry it already."""
    path = urlparse(page_url).path
    at = path.find("/col/")
    prefix = path[:at] if at > 0 else ""
    if not prefix or (proxy and (urlparse(proxy).scheme or proxy.startswith(prefix + "/"))):
        return None
    return prefix


def recognise(url: str, body: bytes, headers: dict[str, str] | None = None) -> ProbeResult:
    """The CMS family of one answer, by what it carries (pure)."""
    ctype = {k.lower(): v for k, v in (headers or {}).items()}.get("content-type", "")
    stripped = body.lstrip()
    if stripped[:1] in (b"{", b"[") or "json" in ctype:
        try:
            rows, pages, _ = rows_and_pages(json.loads(body.decode("utf-8-sig", "replace")))
        except (ValueError, TypeError, AttributeError) as exc:
            return ProbeResult(url, None, f"JSON without a list of rows ({exc})")
        result = ProbeResult(
            url, "unified_json", f"JSON list of {len(rows)} rows" + (f", {pages} pages" if pages else "")
        )
        if rows and all(is_department_row(r) for r in rows):
            result.notes.append(
                "the rows are departments: set config.items_url to the address of one "
                'department\'s items, e.g. "itemsandpag.do?deptId={deptid}&pageNo=1", and '
                'config.download_url if rows name files only by id ("download.do?iid={iid}")'
            )
        return result
    _, text = html_to_unicode(ctype or None, body)
    if PAGE_COUNT.search(text):
        m = PAGE_COUNT.search(text)
        return ProbeResult(url, "trs_wcm", f"createPageHTML({m.group(1)}, {m.group(2)}, …): {m.group(1)} list pages")
    if "jpage" in text or "<datastore" in text or "dataproxy.jsp" in text:
        settings = jpage_settings(text, url)
        result = ProbeResult(
            url,
            "hanweb_jpage",
            "Hanweb jpage list" + (f" (column {settings['columnid']})" if "columnid" in settings else ""),
        )
        prefix = _hanweb_prefix(url, settings.get("proxyUrl"))
        if prefix:
            result.config["prefix"] = prefix
        if "columnid" not in settings:
            result.notes.append("no column id found in the page: check that this is a /col/colN/ list page")
        return result
    sel = Selector(text=text)
    filings = [a for a in sel.css("a[href]") if looks_like_filing(link_title(a))]
    if filings:
        return ProbeResult(
            url,
            "static_list",
            f"static HTML list with {len(filings)} links naming 决算/预算",
            filing_links=len(filings),
        )
    return ProbeResult(url, None, "no known CMS family: no createPageHTML, jpage, JSON list or filing links")


def probe(url: str, user_agent: str, timeout: float = 30.0) -> ProbeResult:
    body, headers = fetch(url, user_agent, timeout)
    return recognise(url, body, headers)


@dataclass(frozen=True)
class DryRunEntry:
    """What a crawl takes one list entry to be, and what it would fetch for it."""

    url: str
    title: str
    is_filing: bool
    unit: str | None  # the registered unit's code, or None
    unit_as_printed: str | None
    year: int | None
    kind: str | None
    published: str | None
    fetch: tuple[str, ...] = ()
    reason: str = ""


def dry_run_entries(events: list, registry) -> list[DryRunEntry]:
    """Turn a dry run's events (FilingFound, Listed, Skipped, WouldFetch) into one entry per
    list entry, identified as the store would (title, then the platform's row)."""
    from parsers.identity import identify

    fetches: dict[str, list[str]] = {}
    for e in events:
        if isinstance(e, WouldFetch):
            fetches.setdefault(e.detail_url, []).append(e.url + (" (if it answers a file)" if e.maybe else ""))
    out = []
    for e in events:
        if isinstance(e, FilingFound | Listed):
            ident = identify(e.title)
            stated = getattr(e, "stated", None) or {}
            unit = registry.resolve_unit(ident.unit) or registry.resolve_unit(stated.get("unit"))
            out.append(
                DryRunEntry(
                    e.detail_url,
                    e.title,
                    True,
                    unit.code if unit else None,
                    ident.unit or stated.get("unit"),
                    ident.year,
                    ident.kind,
                    e.published,
                    tuple(fetches.get(e.detail_url, ())),
                    "" if unit else "names no registered unit (the document may, after parsing)",
                )
            )
        elif isinstance(e, Skipped):
            out.append(DryRunEntry(e.detail_url, e.title, False, None, None, None, None, e.published, reason=e.reason))
    return out


def _hanweb_check(site_config: dict, url: str, text: str) -> list[str]:
    """A Hanweb site's prefix checked against its page: a proxy that carries it already, or a
    page not under it, means the setting is wrong."""
    prefix = site_config.get("prefix")
    if not prefix:
        return []
    proxy = jpage_settings(text, url).get("proxyUrl") or ""
    if not urlparse(url).path.startswith(prefix.rstrip("/") + "/"):
        return [f"config.prefix {prefix!r}: the start page {url} is not under it"]
    if proxy and not proxy.startswith("/") and not urlparse(proxy).scheme:
        return [f"config.prefix {prefix!r}: the page's proxyUrl {proxy} is relative to the page, not under a prefix"]
    return []


def check_site(site, user_agent: str) -> list[str]:
    """A registered site's settings against its pages: the family each start page shows, and
    family settings (a Hanweb path prefix) that do not fit. [] when everything agrees."""
    problems = []
    for url in site.start_urls:
        try:
            body, headers = fetch(url, user_agent)
        except ProbeError as exc:
            problems.append(str(exc))
            continue
        found = recognise(url, body, headers)
        if found.family != site.family:
            problems.append(
                f"{url}: registered as {site.family}, the page looks like {found.family} ({found.evidence})"
            )
        if site.family == "hanweb_jpage":
            problems += _hanweb_check(site.config, url, html_to_unicode(None, body)[1])
    return problems
