"""Turn what changed in the store into alerts, each raised once (dedupe_key), set-based."""

from __future__ import annotations

from sqlalchemy import Connection, text


def _streak(status: str) -> str:
    """CTE `streak`: per site, its last runs in a row of `status` (those after its last run of
    any other status), the first of them naming the streak, with the new filings they found and
    the new filings and file versions of the nights after the first (is it getting anywhere?)."""
    return f"""
        other AS (
            SELECT site_id, max(started_at) AS at FROM disclosure.crawl_run WHERE status <> '{status}'
            GROUP BY site_id),
        runs AS (
            SELECT cr.site_id, cr.id, coalesce((cr.stats->>'new_filings')::int, 0) AS new_filings,
                   coalesce((cr.stats->>'new_file_versions')::int, 0) AS new_files,
                   row_number() OVER (PARTITION BY cr.site_id ORDER BY cr.started_at, cr.id) AS night
            FROM disclosure.crawl_run cr LEFT JOIN other ON other.site_id = cr.site_id
            WHERE cr.status = '{status}' AND (other.at IS NULL OR cr.started_at > other.at)),
        streak AS (
            SELECT site_id, min(id) AS first_id, count(*) AS nights, sum(new_filings) AS new_filings,
                   coalesce(sum(new_filings + new_files) FILTER (WHERE night > 1), 0) AS later_progress
            FROM runs GROUP BY site_id)"""


_NIGHTS_RUNNING = "st.nights || CASE WHEN st.nights = 1 THEN ' night' ELSE ' nights' END || ' running'"


# Each source: (kind, SELECT of dedupe_key, subject, payload). Only rows whose key is new land.
# Completeness (missing_filing, late_filing) covers every kind in the matrix, budgets included:
# the key names unit, year and kind, so a late 单位预算 and a late 单位决算 are two alerts, each once.
SOURCES: dict[str, str] = {
    "failed_identity": """
        SELECT 'identity:' || cp.filing_id || ':' || fd.rule_id || ':' || fd.subject,
               f.title || ' — ' || fd.rule_id || CASE WHEN fd.subject <> '' THEN ' [' || fd.subject || ']' ELSE '' END,
               jsonb_build_object('filing_id', cp.filing_id, 'rule_id', fd.rule_id, 'expected', fd.expected,
                                  'actual', fd.actual, 'difference', fd.difference, 'evidence', fd.evidence)
        FROM disclosure.current_parse cp
        JOIN disclosure.finding fd ON fd.parse_run_id = cp.id AND fd.status = 'failed'
        JOIN disclosure.filing f ON f.id = cp.filing_id""",
    "parse_failed": """
        SELECT 'parse_failed:' || af.id, f.title || ' — ' || af.source_url,
               jsonb_build_object('archived_file_id', af.id, 'error', pr.error, 'url', af.source_url)
        FROM disclosure.parse_run pr
        JOIN disclosure.archived_file af ON af.id = pr.archived_file_id
        JOIN disclosure.filing f ON f.id = af.filing_id
        WHERE pr.status = 'failed'""",
    # A filing by its identity whose parse read fewer tables than its template requires, or
    # none: raised once per file version and status, with the problems that name what is missing.
    "incomplete_parse": """
        SELECT 'incomplete:' || pr.archived_file_id || ':' || pr.document_status,
               f.title || ' — ' || pr.document_status || ': ' || coalesce(pr.problems->>-1, ''),
               jsonb_build_object('filing_id', f.id, 'archived_file_id', pr.archived_file_id, 'url', cp.source_url,
                                  'status', pr.document_status, 'problems', pr.problems,
                                  'tables_read', pr.coverage->'tables_read')
        FROM disclosure.current_parse cp
        JOIN disclosure.parse_run pr ON pr.id = cp.id
        JOIN disclosure.filing f ON f.id = cp.filing_id
        WHERE pr.document_status IN ('partial', 'unrecognised')""",
    "unidentified_filing": """
        SELECT 'unidentified:' || f.id, f.title,
               jsonb_build_object('filing_id', f.id, 'url', f.detail_url, 'year', f.fiscal_year, 'kind', f.kind)
        FROM disclosure.filing f WHERE f.unit_id IS NULL OR f.fiscal_year IS NULL OR f.kind IS NULL""",
    "withdrawn_filing": """
        SELECT 'withdrawn:' || f.id || ':' || f.withdrawn_at, f.title,
               jsonb_build_object('filing_id', f.id, 'url', f.detail_url, 'withdrawn_at', f.withdrawn_at)
        FROM disclosure.filing f WHERE f.status = 'withdrawn'""",
    "revised_filing": """
        SELECT 'revised:' || af.id, f.title || ' — new version of ' || af.source_url,
               jsonb_build_object('filing_id', f.id, 'archived_file_id', af.id, 'sha256', af.sha256)
        FROM disclosure.archived_file af JOIN disclosure.filing f ON f.id = af.filing_id
        WHERE EXISTS (SELECT 1 FROM disclosure.archived_file older WHERE older.filing_id = af.filing_id
                      AND older.source_url = af.source_url AND older.fetched_at < af.fetched_at)""",
    "missing_filing": """
        SELECT 'missing:' || c.unit_id || ':' || c.fiscal_year || ':' || c.kind,
               c.unit_name || ' ' || c.fiscal_year || ' ' || c.kind || ' — missing (due ' || c.due_on || ')',
               jsonb_build_object('jurisdiction', c.jurisdiction, 'unit', c.unit_code, 'year', c.fiscal_year,
                                  'kind', c.kind, 'due_on', c.due_on, 'due_basis', c.due_basis)
        FROM disclosure.completeness c WHERE c.status = 'missing'""",
    "late_filing": """
        SELECT 'late:' || c.unit_id || ':' || c.fiscal_year || ':' || c.kind,
               c.unit_name || ' ' || c.fiscal_year || ' ' || c.kind || ' — published ' || c.published_on
                   || ', due ' || c.due_on,
               jsonb_build_object('jurisdiction', c.jurisdiction, 'unit', c.unit_code, 'year', c.fiscal_year,
                                  'kind', c.kind, 'due_on', c.due_on, 'due_basis', c.due_basis,
                                  'published_on', c.published_on)
        FROM disclosure.completeness c WHERE c.status = 'late'""",
    "resolved_identity": """
        SELECT 'resolved:' || fs.filing_id || ':' || fs.source_url || ':' || fs.rule_id || ':' || fs.subject,
               f.title || ' — ' || fs.rule_id || ' resolved by a corrected file',
               jsonb_build_object('filing_id', fs.filing_id, 'rule_id', fs.rule_id, 'subject', fs.subject)
        FROM disclosure.finding_status fs JOIN disclosure.filing f ON f.id = fs.filing_id
        WHERE fs.status = 'resolved'""",
    "site_down": f"""
        WITH {_streak("failed")}
        SELECT 'site_down:' || s.key || ':' || st.first_id, s.key || ': failed ' || {_NIGHTS_RUNNING},
               jsonb_build_object('site', s.key, 'nights', st.nights)
        FROM streak st JOIN disclosure.site s ON s.id = st.site_id
        WHERE st.nights >= :nights""",
    # A site cut by its time limit night after night: normal for a few nights of a big first
    # crawl, a problem when it never gets through its list. The subject says whether the nights
    # after the first still brought new filings or files (progress) or nothing (a stall).
    "site_unfinished": f"""
        WITH {_streak("incomplete")}
        SELECT 'site_unfinished:' || s.key || ':' || st.first_id,
               s.key || ': cut by its time limit ' || {_NIGHTS_RUNNING} || ', '
                   || CASE WHEN st.nights = 1 THEN st.new_filings || ' new filings found'
                           WHEN st.later_progress = 0
                               THEN 'nothing new after its first night (the walk gets no further)'
                           ELSE st.later_progress || ' new filings and files after its first night' END
                   || '; raise DISCLOSURE_CRAWL_TIME_LIMIT for it to finish',
               jsonb_build_object('site', s.key, 'nights', st.nights, 'new_filings', st.new_filings,
                                  'later_progress', st.later_progress)
        FROM streak st JOIN disclosure.site s ON s.id = st.site_id
        WHERE st.nights >= :unfinished_nights""",
    "site_failed": """
        SELECT 'site_failed:' || cr.id, s.key || ': ' || coalesce(cr.error, 'crawl failed'),
               jsonb_build_object('site', s.key, 'crawl_run_id', cr.id, 'error', cr.error, 'stats', cr.stats)
        FROM disclosure.crawl_run cr JOIN disclosure.site s ON s.id = cr.site_id WHERE cr.status = 'failed'""",
}


def raise_alerts(conn: Connection, site_down_nights: int = 3, site_unfinished_nights: int = 5) -> list[dict]:
    """Insert the alerts not raised before; return the new ones."""
    new: list[dict] = []
    thresholds = {"nights": site_down_nights, "unfinished_nights": site_unfinished_nights}
    for kind, select in SOURCES.items():
        params = {"kind": kind} | {k: v for k, v in thresholds.items() if f":{k}" in select}
        rows = (
            conn.execute(
                text(f"""
            INSERT INTO disclosure.alert (dedupe_key, kind, subject, payload)
            SELECT key, :kind, subject, payload FROM ({select}) AS src(key, subject, payload)
            ON CONFLICT (dedupe_key) DO NOTHING
            RETURNING id, kind, subject, payload"""),
                params,
            )
            .mappings()
            .all()
        )
        new.extend(dict(r) for r in rows)
    return new
