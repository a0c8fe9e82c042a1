"""Run the catalogue over every parse not yet validated and store what did not plainly pass."""

from __future__ import annotations

import json
from collections import defaultdict

from sqlalchemy import Connection, text

from validation.engine import validate_filing

BATCH = 500
SEVERITY = {"failed": "error", "not_evaluated": "warning", "rounding": "info"}


def _evaluations(conn: Connection, run_ids: list[int]) -> dict[int, list[dict]]:
    """Evaluations as the parser returned them, read back from the store."""
    indicators: dict[tuple[int, int], list[dict]] = defaultdict(list)
    for row in conn.execute(
        text("""
            SELECT parse_run_id, seq, line, description, weight::text AS weight, score::text AS score
            FROM disclosure.evaluation_indicator WHERE parse_run_id = ANY(:ids) ORDER BY parse_run_id, seq, line"""),
        {"ids": run_ids},
    ).mappings():
        indicators[(row["parse_run_id"], row["seq"])].append(
            {
                "line": row["line"],
                "texts": row["description"].split(" / "),
                "weight": row["weight"],
                "score": row["score"],
            }
        )
    out: dict[int, list[dict]] = defaultdict(list)
    for row in conn.execute(
        text("""
            SELECT parse_run_id, seq, scope, title, project_name, budget_lines, total_score::text AS total_score,
                   grade, page FROM disclosure.evaluation WHERE parse_run_id = ANY(:ids) ORDER BY parse_run_id, seq"""),
        {"ids": run_ids},
    ).mappings():
        ev = dict(row)
        ev["indicators"] = indicators[(row["parse_run_id"], row["seq"])]
        out[row["parse_run_id"]].append(ev)
    return out


INVALIDATE_NEXT_YEARS = """
    UPDATE disclosure.parse_run pr SET validated_at = NULL
    FROM disclosure.current_parse cp JOIN disclosure.filing f ON f.id = cp.filing_id
    WHERE pr.id = cp.id AND pr.validated_at IS NOT NULL AND f.unit_id IS NOT NULL AND EXISTS (
        SELECT 1 FROM disclosure.current_parse prev JOIN disclosure.filing pf ON pf.id = prev.filing_id
        WHERE pf.unit_id = f.unit_id AND pf.kind = f.kind AND pf.fiscal_year = f.fiscal_year - 1
          AND prev.parsed_at > pr.validated_at)"""

PREVIOUS_YEAR = """
    SELECT pr.id, f.fiscal_year, prev.id AS previous_id
    FROM disclosure.parse_run pr
    JOIN disclosure.archived_file af ON af.id = pr.archived_file_id
    JOIN disclosure.filing f ON f.id = af.filing_id
    LEFT JOIN LATERAL (
        SELECT cp.id FROM disclosure.current_parse cp JOIN disclosure.filing pf ON pf.id = cp.filing_id
        WHERE pf.unit_id = f.unit_id AND pf.kind = f.kind AND pf.fiscal_year = f.fiscal_year - 1
          AND pf.status = 'present' AND cp.status = 'ok'
        ORDER BY cp.parsed_at DESC LIMIT 1) prev ON true
    WHERE pr.id = ANY(:ids)"""


def _cells(conn: Connection, run_ids: list[int]) -> dict[int, dict]:
    cells: dict[int, dict] = defaultdict(dict)
    for run_id, table, row, col, value in conn.execute(
        text(
            "SELECT parse_run_id, table_code, row_key, col, value FROM disclosure.cell WHERE parse_run_id = ANY(:ids)"
        ),
        {"ids": run_ids},
    ):
        cells[run_id][(table, row, col)] = value
    return cells


def invalidate_next_years(conn: Connection) -> None:
    """Mark for validation again every parse whose unit's previous year has a newer parse than
    its validation (the cross-year rules may now be evaluated). Run once before the batches."""
    conn.execute(text(INVALIDATE_NEXT_YEARS))


def pending_runs(conn: Connection, id_range: tuple[int, int] | None = None) -> list[int]:
    """Parse runs of filings not validated yet; `id_range` (first, last): those with ids in it."""
    first, last = id_range or (None, None)
    return [
        r[0]
        for r in conn.execute(
            text(
                "SELECT id FROM disclosure.parse_run WHERE status = 'ok' AND validated_at IS NULL "
                "AND (CAST(:first AS bigint) IS NULL OR id BETWEEN :first AND :last) "
                "AND document_status IS DISTINCT FROM 'not_a_filing' "  # a checklist or landing page is never validated
                "ORDER BY id"
            ),
            {"first": first, "last": last},
        )
    ]


def validate_batch(conn: Connection, batch: list[int]) -> dict[str, int]:
    """Validate these parse runs, replace their findings and mark them validated: idempotent,
    so a batch interrupted midway is simply done again."""
    counts: dict[str, int] = defaultdict(int)
    if not batch:
        return {}
    cells = _cells(conn, batch)
    previous = {r.id: (r.fiscal_year, r.previous_id) for r in conn.execute(text(PREVIOUS_YEAR), {"ids": batch})}
    previous_cells = _cells(conn, [p for _y, p in previous.values() if p is not None])
    tables, kinds, required = {}, {}, {}
    for run_id, parsed_tables, kind, coverage in conn.execute(
        text("SELECT id, tables, kind, coverage FROM disclosure.parse_run WHERE id = ANY(:ids)"), {"ids": batch}
    ):
        tables[run_id], kinds[run_id] = parsed_tables, kind
        required[run_id] = tuple((coverage or {}).get("required") or ())  # the template's tables
    claims: dict[int, list[dict]] = defaultdict(list)
    for row in conn.execute(
        text("""
            SELECT parse_run_id, seq, claim_kind AS kind, restates, share_of, value::text AS value, sentence, page
            FROM disclosure.narrative_claim WHERE parse_run_id = ANY(:ids) ORDER BY parse_run_id, seq"""),
        {"ids": batch},
    ).mappings():
        claims[row["parse_run_id"]].append(dict(row))
    evaluations = _evaluations(conn, batch)
    rows = []
    for run_id in batch:
        year, previous_id = previous.get(run_id, (None, None))
        outcomes = validate_filing(
            cells[run_id],
            tables[run_id],
            kinds[run_id],
            claims[run_id],
            evaluations[run_id],
            previous_cells[previous_id] if previous_id else None,
            year,
            required[run_id],
        )
        for o in outcomes:
            counts[o.status] += 1
            if o.status != "passed":
                rows.append(
                    {
                        "run": run_id,
                        "rule": o.rule_id,
                        "subject": o.subject,
                        "family": o.family,
                        "status": o.status,
                        "severity": SEVERITY[o.status],
                        "expected": o.expected,
                        "actual": o.actual,
                        "difference": o.difference,
                        "tolerance": o.tolerance,
                        "evidence": json.dumps(
                            {"cells": o.cells, "pages": o.pages, "reason": o.reason}, ensure_ascii=False
                        ),
                    }
                )
    conn.execute(text("DELETE FROM disclosure.finding WHERE parse_run_id = ANY(:ids)"), {"ids": batch})
    if rows:
        conn.execute(
            text("""
            INSERT INTO disclosure.finding (parse_run_id, rule_id, subject, family, status, severity, expected,
                                            actual, difference, tolerance, evidence)
            VALUES (:run, :rule, :subject, :family, :status, :severity, :expected, :actual, :difference,
                    :tolerance, CAST(:evidence AS jsonb))
            ON CONFLICT (parse_run_id, rule_id, subject) DO NOTHING"""),
            rows,
        )
    conn.execute(text("UPDATE disclosure.parse_run SET validated_at = now() WHERE id = ANY(:ids)"), {"ids": batch})
    return dict(counts)
