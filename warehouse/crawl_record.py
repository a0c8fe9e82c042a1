"""Record one crawl's events (crawlers.events) in the store: filings, file versions, when each
file was last asked for, withdrawals, and the run with the health crawlers.health judged."""

from __future__ import annotations

import json
import logging
from datetime import UTC, date, datetime

from sqlalchemy import Connection, text
from sqlalchemy.exc import DataError, IntegrityError, ProgrammingError

from crawlers.events import CrawlError, FileArchived, FilingFound, Listed, NotModified
from crawlers.fields import BadField, clean_text, published_date
from crawlers.health import LIST, caps_reached, judge_health
from crawlers.revalidation import night_number
from crawlers.site_crawl import CrawlOutcome
from crawlers.urls import url_key
from parsers.identity import identify
from registry.model import FILING_KINDS, Registry, Site
from warehouse.filing_identity import registered_unit_id


def known_for_crawl(conn: Connection, site_key: str, full: bool = False) -> dict:
    """What the spider may skip or ask for conditionally: validators of every file's newest
    version and the night it was last asked for (crawlers.revalidation), and the detail pages
    whose files are archived or listed, with the list entry they were recorded from (not read
    again unless `full` or the entry changed). Keyed by `url_key`: a page seen over https is the one
    archived over http. A detail's files are the attachments its page listed and the files
    archived from it: one a crawl cut short never fetched is fetched the next night."""
    details: dict[str, dict] = {}
    if not full:
        for detail_key, entry, attachments, archived in conn.execute(
            text("""
                SELECT f.detail_key, f.list_entry, f.attachment_urls,
                       array_agg(DISTINCT af.source_url) FILTER (WHERE af.id IS NOT NULL)
                FROM disclosure.filing f JOIN disclosure.site s ON s.id = f.site_id
                LEFT JOIN disclosure.archived_file af ON af.filing_id = f.id
                WHERE s.key = :key AND f.status = 'present'
                GROUP BY f.id
                -- a page with nothing to fetch is read again (an attachment may come later)
                HAVING count(af.id) > 0 OR cardinality(f.attachment_urls) > 0"""),
            {"key": site_key},
        ):
            files = list(dict.fromkeys([*(attachments or []), *(archived or [])]))
            details[detail_key] = {"files": files, "entry": entry}
    return {"files": known_files(conn, site_key), "details": details}


def known_files(conn: Connection, site_key: str) -> dict[str, dict]:
    """Validators of the newest version of every file the site served (for conditional GETs)
    and the night it was last asked for (checked_night: None when never recorded)."""
    rows = conn.execute(
        text("""
        SELECT DISTINCT ON (af.source_url) af.source_url, af.http_headers, af.checked_at
        FROM disclosure.archived_file af
        JOIN disclosure.filing f ON f.id = af.filing_id
        JOIN disclosure.site s ON s.id = f.site_id
        WHERE s.key = :key
        ORDER BY af.source_url, af.fetched_at DESC"""),
        {"key": site_key},
    )
    out = {}
    for url, headers, checked_at in rows:
        h = {k.lower(): v for k, v in (headers or {}).items()}
        checked = night_number(checked_at.astimezone(UTC).date()) if checked_at else None
        out[url_key(url)] = {"etag": h.get("etag"), "last_modified": h.get("last-modified"), "checked_night": checked}
    return out


def _previous_filings_found(conn: Connection, site_id: int) -> int:
    value = conn.execute(
        text("""
        SELECT (stats->>'filings')::int FROM disclosure.crawl_run
        WHERE site_id = :s AND status = 'ok' ORDER BY started_at DESC LIMIT 1"""),
        {"s": site_id},
    ).scalar()
    return value or 0


def _identity(
    conn: Connection, registry: Registry, title: str, stated: dict | None
) -> tuple[int | None, int | None, str | None, str]:
    """Unit, year and kind from the crawled title; what it cannot tell, from what the platform's
    row states (unified platforms name the department, year and kind in fields)."""
    ident = identify(title)
    unit_id = registered_unit_id(conn, registry, ident.unit)
    year, kind, source = ident.year, ident.kind, "title"
    stated = stated if isinstance(stated, dict) else {}
    if unit_id is None and isinstance(stated.get("unit"), str):
        unit_id = registered_unit_id(conn, registry, stated["unit"])
        source = "platform" if unit_id is not None else source
    if year is None and str(stated.get("year") or "").isdigit():
        year, source = int(stated["year"]), "platform"
    if kind is None and stated.get("kind") in FILING_KINDS:
        kind, source = stated["kind"], "platform"
    return unit_id, year, kind, source


log = logging.getLogger("disclosure.crawl_record")
# What one bad manifest event can raise; it is recorded as an error of the crawl, the rest
# of the crawl is stored. A lost connection (OperationalError) is not among them: the stage waits.
EVENT_ERRORS = (BadField, KeyError, TypeError, ValueError, DataError, IntegrityError, ProgrammingError)


def _published(value) -> date | None:
    iso = published_date(value)
    return date.fromisoformat(iso) if iso else None


def _text(value, field: str, max_length: int = 2000) -> str:
    """Text for the store: what the crawler wrote is checked again (NUL, type) here."""
    return clean_text(value, field, max_length)


def _warc_params(warc: dict | None) -> dict:
    warc = warc or {}
    return {"warc_path": warc.get("path"), "warc_offset": warc.get("offset"), "warc_id": warc.get("record_id")}


def _attachment_urls(event: FilingFound) -> list[str]:
    urls = [a.get("url") for a in event.attachments or [] if isinstance(a, dict)]
    return [_text(u, "attachment url") for u in urls if u is not None]


def _record_filing(conn: Connection, registry: Registry, site_id: int, event: FilingFound, now: datetime):
    title = _text(event.title, "title", 500)
    unit_id, year, kind, source = _identity(conn, registry, title, event.stated)
    detail_url = _text(event.detail_url, "detail_url")
    return conn.execute(
        text("""
        INSERT INTO disclosure.filing (site_id, detail_url, detail_key, title, unit_id, fiscal_year, kind,
                                       published_on, first_seen_at, last_seen_at, identity_source,
                                       list_entry, attachment_urls)
        VALUES (:s, :url, :key, :title, :unit, :year, :kind, :pub, :now, :now, :source, :entry,
                CAST(:attachments AS text[]))
        ON CONFLICT (site_id, detail_key) DO UPDATE SET detail_url = EXCLUDED.detail_url,
            -- what the document told (identity_source 'document') is not lost to a title that cannot tell
            title = EXCLUDED.title, unit_id = COALESCE(EXCLUDED.unit_id, disclosure.filing.unit_id),
            fiscal_year = COALESCE(EXCLUDED.fiscal_year, disclosure.filing.fiscal_year),
            kind = COALESCE(EXCLUDED.kind, disclosure.filing.kind),
            published_on = COALESCE(EXCLUDED.published_on, disclosure.filing.published_on),
            last_seen_at = EXCLUDED.last_seen_at, status = 'present', withdrawn_at = NULL,
            list_entry = COALESCE(EXCLUDED.list_entry, disclosure.filing.list_entry),
            attachment_urls = EXCLUDED.attachment_urls
        RETURNING id, (xmax = 0) AS inserted"""),
        {
            "s": site_id,
            "url": detail_url,
            "key": url_key(detail_url),
            "title": title,
            "unit": unit_id,
            "year": year,
            "kind": kind,
            "pub": _published(event.published),
            "now": now,
            "source": source,
            "entry": event.entry,
            "attachments": _attachment_urls(event),
        },
    ).one()


def _record_listed(conn: Connection, site_id: int, event: Listed, now: datetime) -> int | None:
    detail_url = _text(event.detail_url, "detail_url")
    return conn.execute(
        text("""
        UPDATE disclosure.filing SET last_seen_at = :now, status = 'present', withdrawn_at = NULL,
            detail_url = :url, list_entry = COALESCE(:entry, list_entry)
        WHERE site_id = :s AND detail_key = :key RETURNING id"""),
        {"s": site_id, "url": detail_url, "key": url_key(detail_url), "now": now, "entry": event.entry},
    ).scalar()


def _record_file(conn: Connection, filing_id: int, event: FileArchived, now: datetime) -> tuple[bool, bool]:
    """(a new version stored, it replaced other bytes at the same URL)."""
    had_url = conn.execute(
        text("SELECT count(*) FROM disclosure.archived_file WHERE filing_id = :f AND source_url = :u"),
        {"f": filing_id, "u": event.source_url},
    ).scalar()
    inserted = conn.execute(
        text("""
        INSERT INTO disclosure.archived_file (filing_id, sha256, source_url, final_url, link_text, fetched_at,
            http_status, http_headers, storage_key, size_bytes, media_type, warc_path, warc_offset, warc_record_id,
            checked_at)
        VALUES (:f, :sha, :src, :final, :link, :at, :status, CAST(:headers AS jsonb), :key, :size, :media,
                :warc_path, :warc_offset, :warc_id, :now)
        ON CONFLICT (filing_id, source_url, sha256) DO NOTHING RETURNING id"""),
        {
            "f": filing_id,
            "sha": event.sha256,
            "src": _text(event.source_url, "source_url"),
            "final": _text(event.final_url, "final_url"),
            "link": _text(event.link_text, "link_text", 500),
            "at": event.fetched_at,
            "status": event.status,
            "headers": json.dumps(event.headers).replace("\\u0000", ""),
            "key": event.storage_key,
            "size": event.size_bytes,
            "media": event.media_type,
            "now": now,
            **_warc_params(event.warc),
        },
    ).scalar()
    return inserted is not None, inserted is not None and had_url > 0


def _record_checked(conn: Connection, answered: list[tuple[int, str]], now: datetime) -> None:
    """Every file that answered tonight (a version, or 304) was asked for tonight: one
    statement for the whole crawl, so the rotation starts again from here."""
    if not answered:
        return
    conn.execute(
        text("""
        UPDATE disclosure.archived_file af SET checked_at = :now
        FROM unnest(CAST(:filings AS bigint[]), CAST(:urls AS text[])) AS t(filing_id, source_url)
        WHERE af.filing_id = t.filing_id AND af.source_url = t.source_url"""),
        {"now": now, "filings": [f for f, _ in answered], "urls": [u for _, u in answered]},
    )


def _each(conn: Connection, events: list, store, refused: list[str]):
    """Store every event in its own savepoint: a value the store refuses costs that event
    only, and is kept as an error of the crawl (never raised: the run goes on)."""
    for event in events:
        try:
            with conn.begin_nested():
                yield event, store(event)
        except EVENT_ERRORS as exc:
            where = getattr(event, "source_url", None) or getattr(event, "detail_url", None)
            refused.append(f"{str(where)[:200]}: not recorded ({exc.__class__.__name__}: {str(exc)[:200]})")
            log.warning("crawl event not recorded: %s", refused[-1])


def record_crawl(conn: Connection, registry: Registry, site: Site, outcome: CrawlOutcome, started_at: datetime) -> dict:
    site_id = conn.execute(text("SELECT id FROM disclosure.site WHERE key = :k"), {"k": site.key}).scalar_one()
    previously_found = _previous_filings_found(conn, site_id)
    filing_ids: dict[str, int] = {}
    not_recorded: list[str] = []
    new_filings = 0
    for event, row in _each(
        conn, outcome.of(FilingFound), lambda e: _record_filing(conn, registry, site_id, e, started_at), not_recorded
    ):
        filing_ids[event.detail_url] = row.id
        new_filings += int(row.inserted)
    # known detail pages seen on a list page again
    for event, filing_id in _each(
        conn, outcome.of(Listed), lambda e: _record_listed(conn, site_id, e, started_at), not_recorded
    ):
        if filing_id is not None:
            filing_ids[event.detail_url] = filing_id
    files = [e for e in outcome.of(FileArchived) if filing_ids.get(e.detail_url) is not None]
    new_files = changed_files = 0
    for _event, (new, changed) in _each(
        conn, files, lambda e: _record_file(conn, filing_ids[e.detail_url], e, started_at), not_recorded
    ):
        new_files += int(new)
        changed_files += int(changed)
    answered = [
        (filing_ids[e.detail_url], e.source_url)
        for e in outcome.events
        if isinstance(e, FileArchived | NotModified) and filing_ids.get(e.detail_url) is not None
    ]
    _record_checked(conn, answered, started_at)
    events = outcome.events + [CrawlError(url="store", reason=r, scope=LIST) for r in not_recorded]
    health = judge_health(events, outcome.stats, outcome.returncode, outcome.stderr, len(filing_ids), previously_found)
    withdrawn = 0
    if health.saw_whole_list:  # a crawl that may have missed entries withdraws nothing
        withdrawn = conn.execute(
            text("""
            UPDATE disclosure.filing SET status = 'withdrawn', withdrawn_at = :now
            WHERE site_id = :s AND status = 'present' AND last_seen_at < :now"""),
            {"s": site_id, "now": started_at},
        ).rowcount
    errors = [f"{e.url}: {e.reason}" for e in events if isinstance(e, CrawlError)]
    stats = {
        "list_pages": outcome.stats.get("disclosure/list_pages", 0),
        "requests": outcome.stats.get("downloader/request_count", 0),
        "filings": len(filing_ids),
        "new_filings": new_filings,
        "files_downloaded": len(outcome.of(FileArchived)),
        "new_file_versions": new_files,
        "changed_files": changed_files,
        "not_modified": len(outcome.of(NotModified)),
        # archived files not asked for tonight (their night on the rotation is another one)
        "revalidation_deferred": outcome.stats.get("disclosure/revalidation_deferred", 0),
        "changed_entries": outcome.stats.get("disclosure/changed_entries", 0),
        "withdrawn": withdrawn,
        "errors": [_text(e, "error", 1000) for e in errors[:200]],
        "error_count": len(errors),
        "saw_whole_list": health.saw_whole_list,
        "capped": caps_reached(outcome.stats),
        "finish_reason": outcome.stats.get("finish_reason"),
    }
    conn.execute(
        text("""
        INSERT INTO disclosure.crawl_run (site_id, started_at, finished_at, status, stats, error, warc_path)
        VALUES (:s, :start, now(), :status, CAST(:stats AS jsonb), :error, :warc)"""),
        {
            "s": site_id,
            "start": started_at,
            "status": health.status,
            "stats": json.dumps(stats, ensure_ascii=False),
            "error": _text("; ".join(health.problems), "problems", 4000) or None,
            "warc": outcome.warc_path,
        },
    )
    return {"site": site.key, "status": health.status, "problems": health.problems, **stats}


def record_unrecordable(conn: Connection, site: Site, started_at: datetime, exc: BaseException) -> None:
    """The crawl whose manifest could not be stored at all, kept as a failed run that says why."""
    conn.execute(
        text("""
        INSERT INTO disclosure.crawl_run (site_id, started_at, finished_at, status, stats, error)
        SELECT id, :start, now(), 'failed', '{}'::jsonb, :error FROM disclosure.site WHERE key = :k"""),
        {
            "k": site.key,
            "start": started_at,
            "error": _text(f"crawl not recorded: {exc.__class__.__name__}: {exc}", "error", 4000),
        },
    )
