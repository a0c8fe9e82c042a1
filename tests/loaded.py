"""A unit of Yantai and its filings put straight into a migrated store, for the store tests of
documents no replica site publishes (the real Yantai budget, a final account beside it)."""

from __future__ import annotations

from sqlalchemy import Connection, text

UNIT_CODE, UNIT_NAME = "yt-tjj", "烟台市统计局"


def yantai_unit(conn: Connection) -> None:
    conn.execute(
        text("""
        WITH j AS (INSERT INTO disclosure.jurisdiction (code, name, level) VALUES ('yt', '烟台市', 'city') RETURNING id),
             u AS (INSERT INTO disclosure.unit (jurisdiction_id, code, name, kind)
                   SELECT id, :code, :name, 'department' FROM j)
        INSERT INTO disclosure.site (key, jurisdiction_id, family, start_urls)
        SELECT 'yt-site', id, 'static', ARRAY['http://yt.invalid/'] FROM j"""),
        {"code": UNIT_CODE, "name": UNIT_NAME},
    )


def archived(conn: Connection, title: str, kind: str, year: int, url: str) -> int:
    """A present filing of the Yantai unit with its archived file; the file's id."""
    return conn.execute(
        text("""
        WITH f AS (
            INSERT INTO disclosure.filing (site_id, detail_url, detail_key, title, unit_id, fiscal_year, kind,
                                           published_on, first_seen_at, last_seen_at)
            SELECT s.id, :url, :url, :title, u.id, :year, :kind, make_date(:year, 2, 10), now(), now()
            FROM disclosure.site s, disclosure.unit u WHERE s.key = 'yt-site' AND u.code = :code
            RETURNING id)
        INSERT INTO disclosure.archived_file (filing_id, sha256, source_url, final_url, fetched_at, http_status,
                                              storage_key, size_bytes, media_type)
        SELECT f.id, md5(:url), :url, :url, now(), 200, md5(:url), 1, 'application/pdf' FROM f RETURNING id"""),
        {"url": url, "title": title, "kind": kind, "year": year, "code": UNIT_CODE},
    ).scalar()
