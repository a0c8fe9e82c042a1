"""What the report shows, read from the store in a few set-based queries (no per-unit loops)."""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from decimal import Decimal

from sqlalchemy import Connection, text

# Key figures on a unit's page, as canonical cells (filings.md).
KEY_FIGURES = {
    "收入总计": ("01", "31", 1),
    "支出总计": ("01", "62", 2),
    "基本支出": ("03", "合计", 2),
    "项目支出": ("03", "合计", 3),
    "三公经费决算": ("09", "1", 7),
}
STATUSES = (
    "present",
    "late",
    "date_unknown",
    "missing",
    "not_yet_due",
    "withdrawn",
    "parse_failed",
    "deadline_unknown",
)


@dataclass
class ReportData:
    generated_at: str
    matrix: list[dict]  # one row per unit × year × kind, with status
    jurisdictions: dict[str, dict]  # code → {name, parent, level}
    findings: list[dict]
    figures: list[dict]  # unit_code, fiscal_year, figure, value
    filings: list[dict]  # every filing with its versions count, status, parse status
    sites: list[dict]
    units: dict[str, dict] = field(default_factory=dict)
    crawl_history: dict[str, list[dict]] = field(default_factory=dict)  # site key → runs, newest first
    unidentified: list[dict] = field(default_factory=list)  # filings not matched to a unit, year or kind


def _dicts(conn: Connection, sql: str, **params) -> list[dict]:
    return [dict(r._mapping) for r in conn.execute(text(sql), params)]


def load_report_data(conn: Connection) -> ReportData:
    now = conn.execute(text("SELECT to_char(now(), 'YYYY-MM-DD HH24:MI TZ')")).scalar()
    # A filing that is present but whose current file failed to parse is shown as such.
    matrix = _dicts(
        conn,
        """
        SELECT c.jurisdiction, c.unit_code, c.unit_name, c.fiscal_year, c.kind, c.due_on, c.published_on, c.due_basis,
               CASE WHEN c.status IN ('present', 'late', 'date_unknown') AND failed.unit_id IS NOT NULL
                         AND ok.unit_id IS NULL THEN 'parse_failed' ELSE c.status END AS status
        FROM disclosure.completeness c
        LEFT JOIN (SELECT DISTINCT f.unit_id, f.fiscal_year, f.kind FROM disclosure.current_parse cp
                   JOIN disclosure.filing f ON f.id = cp.filing_id WHERE cp.status = 'failed') failed
               ON failed.unit_id = c.unit_id AND failed.fiscal_year = c.fiscal_year AND failed.kind = c.kind
        LEFT JOIN (SELECT DISTINCT f.unit_id, f.fiscal_year, f.kind FROM disclosure.current_parse cp
                   JOIN disclosure.filing f ON f.id = cp.filing_id WHERE cp.status = 'ok') ok
               ON ok.unit_id = c.unit_id AND ok.fiscal_year = c.fiscal_year AND ok.kind = c.kind
        ORDER BY c.jurisdiction, c.unit_code, c.fiscal_year, c.kind""",
    )
    jurisdictions = {
        r["code"]: r
        for r in _dicts(
            conn,
            """
        SELECT j.code, j.name, j.level, p.code AS parent FROM disclosure.jurisdiction j
        LEFT JOIN disclosure.jurisdiction p ON p.id = j.parent_id""",
        )
    }
    findings = _dicts(
        conn,
        """
        SELECT o.jurisdiction, o.unit_code, o.unit_name, o.fiscal_year, o.kind, o.title, o.rule_id, o.subject,
               o.family, o.severity, o.expected, o.actual, o.difference, o.evidence, o.source_url,
               af.storage_key, af.media_type, cp.tables -> left(o.rule_id, 2) ->> 'amount_unit' AS amount_unit,
               cp.id AS parse_run_id
        FROM disclosure.open_findings o
        JOIN disclosure.current_parse cp ON cp.filing_id = o.filing_id AND cp.source_url = o.source_url
        JOIN disclosure.archived_file af ON af.id = cp.archived_file_id
        ORDER BY o.family, o.unit_code, o.fiscal_year, o.rule_id, o.subject""",
    )
    figures = _dicts(
        conn,
        """
        SELECT cs.jurisdiction, cs.unit_code, cs.fiscal_year, cs.kind, k.figure, cs.value
        FROM disclosure.cell_series cs
        JOIN jsonb_to_recordset(CAST(:figures AS jsonb)) AS k(figure text, table_code text, row_key text, col int)
          ON cs.table_code = k.table_code AND cs.row_key = k.row_key AND cs.col = k.col
        ORDER BY cs.unit_code, cs.fiscal_year""",
        figures=json.dumps(
            [{"figure": name, "table_code": t, "row_key": r, "col": c} for name, (t, r, c) in KEY_FIGURES.items()],
            ensure_ascii=False,
        ),
    )
    filings = _dicts(
        conn,
        """
        SELECT u.code AS unit_code, uj.code AS jurisdiction, f.fiscal_year, f.kind, f.title, f.detail_url, f.status, f.withdrawn_at,
               f.first_seen_at, s.key AS site, count(af.id) AS versions,
               max(af.fetched_at) AS last_fetched, (array_agg(af.storage_key ORDER BY af.fetched_at DESC))[1] AS storage_key,
               (array_agg(af.media_type ORDER BY af.fetched_at DESC))[1] AS media_type,
               (array_agg(pr.status ORDER BY af.fetched_at DESC))[1] AS parse_status,
               (array_agg(pr.error ORDER BY af.fetched_at DESC))[1] AS parse_error,
               (array_agg(pr.document_status ORDER BY af.fetched_at DESC))[1] AS document_status,
               (array_agg(pr.problems ORDER BY af.fetched_at DESC))[1] AS parse_problems
        FROM disclosure.filing f JOIN disclosure.site s ON s.id = f.site_id
        LEFT JOIN disclosure.unit u ON u.id = f.unit_id
        LEFT JOIN disclosure.jurisdiction uj ON uj.id = u.jurisdiction_id
        LEFT JOIN disclosure.archived_file af ON af.filing_id = f.id
        LEFT JOIN disclosure.parse_run pr ON pr.archived_file_id = af.id
        GROUP BY u.code, uj.code, f.id, s.key ORDER BY u.code NULLS LAST, f.fiscal_year, f.title""",
    )
    sites = _dicts(
        conn,
        """
        SELECT s.key, j.code AS jurisdiction, s.family,
               last.status AS last_status, last.started_at AS last_run, last.error AS last_error,
               last.stats->>'filings' AS filings_found, jsonb_array_length(COALESCE(last.stats->'errors', '[]'))
                   AS errors,
               (SELECT max(started_at) FROM disclosure.crawl_run ok WHERE ok.site_id = s.id AND ok.status = 'ok')
                   AS last_success
        FROM disclosure.site s JOIN disclosure.jurisdiction j ON j.id = s.jurisdiction_id
        LEFT JOIN LATERAL (SELECT * FROM disclosure.crawl_run cr WHERE cr.site_id = s.id
                           ORDER BY cr.started_at DESC LIMIT 1) last ON true
        ORDER BY s.key""",
    )
    units = {
        r["code"]: r
        for r in _dicts(
            conn,
            """
        SELECT u.code, u.name, j.code AS jurisdiction, COALESCE(p.name, u.name) AS department
        FROM disclosure.unit u JOIN disclosure.jurisdiction j ON j.id = u.jurisdiction_id
        LEFT JOIN disclosure.unit p ON p.code = u.parent_code AND p.jurisdiction_id = u.jurisdiction_id""",
        )
    }
    history: dict[str, list[dict]] = {}
    for run in _dicts(
        conn,
        """
            SELECT s.key, cr.started_at, cr.status, cr.error, cr.stats->>'filings' AS filings_found
            FROM disclosure.crawl_run cr JOIN disclosure.site s ON s.id = cr.site_id
            ORDER BY s.key, cr.started_at DESC""",
    ):
        history.setdefault(run.pop("key"), []).append(run)
    unidentified = _dicts(
        conn,
        """
        SELECT site, jurisdiction, title, detail_url, fiscal_year, kind, problem, first_seen_at
        FROM disclosure.identification_findings ORDER BY site, title""",
    )
    return ReportData(now, matrix, jurisdictions, findings, figures, filings, sites, units, history, unidentified)


def plain(value):
    """Decimals and dates as JSON-friendly values for the charts."""
    if isinstance(value, Decimal):
        return float(value)
    return value
