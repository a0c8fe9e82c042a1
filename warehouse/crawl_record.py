"""Record one crawl's manifest in the store: filings, file versions, withdrawals, run health."""
from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import date, datetime

from sqlalchemy import Connection, text

from crawlers.runner import CrawlOutcome
from crawlers.urls import url_key
from parsers.identity import identify
from registry.model import FILING_KINDS, Registry, Site
from warehouse.filing_identity import registered_unit_id


@dataclass
class CrawlHealth:
    status: str  # ok | failed
    problems: list[str]


def known_for_crawl(conn: Connection, site_key: str, full: bool = False) -> dict:
    """What the spider may skip or ask for conditionally: validators of every file's newest
    version, and the detail pages whose files are archived (not read again unless `full`).
    Both are keyed by `url_key`: a page seen over https is the one archived over http."""
    details: dict[str, list[str]] = {}
    if not full:
        for detail_key, source_url in conn.execute(text("""
                SELECT DISTINCT f.detail_key, af.source_url FROM disclosure.archived_file af
                JOIN disclosure.filing f ON f.id = af.filing_id JOIN disclosure.site s ON s.id = f.site_id
                WHERE s.key = :key AND f.status = 'present'"""), {"key": site_key}):
            details.setdefault(detail_key, []).append(source_url)
    return {"files": known_files(conn, site_key), "details": details}


def known_files(conn: Connection, site_key: str) -> dict[str, dict]:
    """Validators of the newest version of every file the site served: for conditional GETs."""
    rows = conn.execute(text("""
        SELECT DISTINCT ON (af.source_url) af.source_url, af.http_headers
        FROM disclosure.archived_file af
        JOIN disclosure.filing f ON f.id = af.filing_id
        JOIN disclosure.site s ON s.id = f.site_id
        WHERE s.key = :key
        ORDER BY af.source_url, af.fetched_at DESC"""), {"key": site_key})
    out = {}
    for url, headers in rows:
        h = {k.lower(): v for k, v in (headers or {}).items()}
        out[url_key(url)] = {"etag": h.get("etag"), "last_modified": h.get("last-modified")}
    return out


def _previous_filings_found(conn: Connection, site_id: int) -> int:
    value = conn.execute(text("""
        SELECT (stats->>'filings')::int FROM disclosure.crawl_run
        WHERE site_id = :s AND status = 'ok' ORDER BY started_at DESC LIMIT 1"""), {"s": site_id}).scalar()
    return value or 0


def judge_health(outcome: CrawlOutcome, filings_found: int, previously_found: int) -> CrawlHealth:
    """A crawl that ends with errors or finds nothing where it found filings before has failed,
    whatever Scrapy's exit code says."""
    problems = []
    if outcome.returncode != 0:
        problems.append(f"crawler process exited {outcome.returncode}: {outcome.stderr[-300:]}")
    reason = outcome.stats.get("finish_reason")
    if reason != "finished":
        problems.append(f"finish reason {reason!r}")
    if not outcome.stats.get("disclosure/list_pages"):
        problems.append("no list page could be read")
    if filings_found == 0 and previously_found > 0:
        problems.append(f"found no filings where the last good crawl found {previously_found}")
    errors = outcome.of_type("error")
    if errors:
        problems.append(f"{len(errors)} error(s), first: {errors[0]['url']}: {errors[0]['reason']}")
    return CrawlHealth("failed" if problems else "ok", problems)


def _identity(conn: Connection, registry: Registry, event: dict) -> tuple[int | None, int | None, str | None, str]:
    """Unit, year and kind from the crawled title; what it cannot tell, from what the platform's
    row states (unified platforms name the department, year and kind in fields)."""
    ident = identify(event["title"])
    unit_id = registered_unit_id(conn, registry, ident.unit)
    year, kind, source = ident.year, ident.kind, "title"
    stated = event.get("stated") or {}
    if unit_id is None and stated.get("unit"):
        unit_id, source = registered_unit_id(conn, registry, stated["unit"]), "platform"
    if year is None and str(stated.get("year") or "").isdigit():
        year, source = int(stated["year"]), "platform"
    if kind is None and stated.get("kind") in FILING_KINDS:
        kind, source = stated["kind"], "platform"
    return unit_id, year, kind, source


def _published(value: str | None) -> date | None:
    try:
        return date.fromisoformat(value.strip()) if value else None
    except ValueError:
        return None


def _warc_params(warc: dict | None) -> dict:
    warc = warc or {}
    return {"warc_path": warc.get("path"), "warc_offset": warc.get("offset"), "warc_id": warc.get("record_id")}


def record_crawl(conn: Connection, registry: Registry, site: Site, outcome: CrawlOutcome,
                 started_at: datetime) -> dict:
    site_id = conn.execute(text("SELECT id FROM disclosure.site WHERE key = :k"), {"k": site.key}).scalar_one()
    previously_found = _previous_filings_found(conn, site_id)
    filing_ids: dict[str, int] = {}
    new_filings = 0
    for event in outcome.of_type("filing"):
        unit_id, year, kind, source = _identity(conn, registry, event)
        row = conn.execute(text("""
            INSERT INTO disclosure.filing (site_id, detail_url, detail_key, title, unit_id, fiscal_year, kind,
                                           published_on, first_seen_at, last_seen_at, identity_source)
            VALUES (:s, :url, :key, :title, :unit, :year, :kind, :pub, :now, :now, :source)
            ON CONFLICT (site_id, detail_key) DO UPDATE SET detail_url = EXCLUDED.detail_url,
                -- what the document told (identity_source 'document') is not lost to a title that cannot tell
                title = EXCLUDED.title, unit_id = COALESCE(EXCLUDED.unit_id, disclosure.filing.unit_id),
                fiscal_year = COALESCE(EXCLUDED.fiscal_year, disclosure.filing.fiscal_year),
                kind = COALESCE(EXCLUDED.kind, disclosure.filing.kind),
                published_on = COALESCE(EXCLUDED.published_on, disclosure.filing.published_on),
                last_seen_at = EXCLUDED.last_seen_at, status = 'present', withdrawn_at = NULL
            RETURNING id, (xmax = 0) AS inserted"""),
            {"s": site_id, "url": event["detail_url"], "key": url_key(event["detail_url"]), "title": event["title"],
             "unit": unit_id, "year": year,
             "kind": kind, "pub": _published(event.get("published")), "now": started_at,
             "source": source}).one()
        filing_ids[event["detail_url"]] = row.id
        new_filings += int(row.inserted)
    for event in outcome.of_type("listed"):  # known detail pages seen on a list page again
        filing_id = conn.execute(text("""
            UPDATE disclosure.filing SET last_seen_at = :now, status = 'present', withdrawn_at = NULL,
                detail_url = :url
            WHERE site_id = :s AND detail_key = :key RETURNING id"""),
            {"s": site_id, "url": event["detail_url"], "key": url_key(event["detail_url"]), "now": started_at}).scalar()
        if filing_id is not None:
            filing_ids[event["detail_url"]] = filing_id
    new_files = changed_files = 0
    for event in outcome.of_type("file"):
        filing_id = filing_ids.get(event["detail_url"])
        if filing_id is None:
            continue
        had_url = conn.execute(text("SELECT count(*) FROM disclosure.archived_file WHERE filing_id = :f "
                                    "AND source_url = :u"), {"f": filing_id, "u": event["source_url"]}).scalar()
        inserted = conn.execute(text("""
            INSERT INTO disclosure.archived_file (filing_id, sha256, source_url, final_url, link_text, fetched_at,
                http_status, http_headers, storage_key, size_bytes, media_type, warc_path, warc_offset, warc_record_id)
            VALUES (:f, :sha, :src, :final, :link, :at, :status, CAST(:headers AS jsonb), :key, :size, :media,
                    :warc_path, :warc_offset, :warc_id)
            ON CONFLICT (filing_id, source_url, sha256) DO NOTHING RETURNING id"""),
            {"f": filing_id, "sha": event["sha256"], "src": event["source_url"], "final": event["final_url"],
             "link": event.get("link_text"), "at": event["fetched_at"], "status": event["status"],
             "headers": json.dumps(event["headers"]), "key": event["storage_key"], "size": event["size_bytes"],
             "media": event["media_type"], **_warc_params(event.get("warc"))}).scalar()
        if inserted is not None:
            new_files += 1
            changed_files += int(had_url > 0)  # same URL, new bytes: a new version
    health = judge_health(outcome, len(filing_ids), previously_found)
    withdrawn = 0
    if health.status == "ok":
        withdrawn = conn.execute(text("""
            UPDATE disclosure.filing SET status = 'withdrawn', withdrawn_at = :now
            WHERE site_id = :s AND status = 'present' AND last_seen_at < :now"""),
            {"s": site_id, "now": started_at}).rowcount
    stats = {
        "list_pages": outcome.stats.get("disclosure/list_pages", 0),
        "requests": outcome.stats.get("downloader/request_count", 0),
        "filings": len(filing_ids), "new_filings": new_filings,
        "files_downloaded": len(outcome.of_type("file")), "new_file_versions": new_files,
        "changed_files": changed_files, "not_modified": len(outcome.of_type("not_modified")),
        "withdrawn": withdrawn, "errors": [f"{e['url']}: {e['reason']}" for e in outcome.of_type("error")],
        "finish_reason": outcome.stats.get("finish_reason"),
    }
    conn.execute(text("""
        INSERT INTO disclosure.crawl_run (site_id, started_at, finished_at, status, stats, error, warc_path)
        VALUES (:s, :start, now(), :status, CAST(:stats AS jsonb), :error, :warc)"""),
        {"s": site_id, "start": started_at, "status": health.status, "stats": json.dumps(stats, ensure_ascii=False),
         "error": "; ".join(health.problems) or None, "warc": outcome.warc_path})
    return {"site": site.key, "status": health.status, "problems": health.problems, **stats}
