"""Run the catalogue over every parse not yet validated and store what did not plainly pass."""

from __future__ import annotations

import json
from collections import defaultdict

from sqlalchemy import Connection, text

from validation.across_documents import budget_against_previous_final, final_against_budget
from validation.core import Filing
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
            # reviewed_cell: a value a person confirmed or corrected wins over the parse (warehouse.reviews)
            "SELECT parse_run_id, table_code, row_key, col, value FROM disclosure.reviewed_cell "
            "WHERE parse_run_id = ANY(:ids)"
        ),
        {"ids": run_ids},
    ):
        cells[run_id][(table, row, col)] = value
    return cells


def invalidate_next_years(conn: Connection) -> None:
    """Mark for validation again every parse whose unit's previous year has a newer parse than
    its validation (the cross-year rules may now be evaluated), and every parse whose other
    document (the budget of a final account's year, the final account of a budget's year
    before) has. Run once before the shards."""
    conn.execute(text(INVALIDATE_NEXT_YEARS))
    conn.execute(text(INVALIDATE_COUNTERPARTS), {"final": FINAL_KIND, "budget": BUDGET_KIND})


# --- Across documents: a final account and its year's budget; a budget and last year's final ----
FINAL_KIND, BUDGET_KIND = "%决算", "%预算"  # 部门/单位决算, 部门/单位预算 (filing.kind)

# The document each one is checked against: the same year's budget of a final account's unit,
# the previous year's final account of a budget's unit; one set-based statement for the batch.
# Of several (a unit publishing both 部门 and 单位 kinds) the same level wins, then the newest.
COUNTERPARTS = """
    WITH mine AS (
        SELECT pr.id, f.unit_id, f.fiscal_year, f.kind, f.kind LIKE :final AS is_final, af.id AS archived_file_id,
               af.storage_key, af.source_url, f.id AS filing_id
        FROM disclosure.parse_run pr
        JOIN disclosure.archived_file af ON af.id = pr.archived_file_id
        JOIN disclosure.filing f ON f.id = af.filing_id
        WHERE pr.id = ANY(:ids) AND f.unit_id IS NOT NULL AND f.fiscal_year IS NOT NULL
          AND (f.kind LIKE :final OR f.kind LIKE :budget)),
    candidate AS MATERIALIZED (  -- the current parses of the batch's units, computed once (not per row)
        SELECT cp.id, cp.archived_file_id, caf.storage_key, cp.source_url, cp.filing_id, cp.parsed_at,
               cf.unit_id, cf.fiscal_year, cf.kind
        FROM disclosure.current_parse cp
        JOIN disclosure.filing cf ON cf.id = cp.filing_id
        JOIN disclosure.archived_file caf ON caf.id = cp.archived_file_id
        JOIN disclosure.parse_run cpr ON cpr.id = cp.id  -- the view predates document_status
        WHERE cf.unit_id IN (SELECT unit_id FROM mine) AND cf.status = 'present' AND cp.status = 'ok'
          AND cpr.document_status IS DISTINCT FROM 'not_a_filing')
    SELECT DISTINCT ON (m.id) m.id, m.fiscal_year, m.is_final, m.archived_file_id, m.storage_key, m.source_url,
           m.filing_id, m.kind, c.id AS other_id, c.archived_file_id AS other_file_id,
           c.storage_key AS other_storage_key, c.source_url AS other_url, c.filing_id AS other_filing_id,
           c.fiscal_year AS other_year, c.kind AS other_kind
    FROM mine m
    LEFT JOIN candidate c ON c.unit_id = m.unit_id
         AND (m.is_final AND c.kind LIKE :budget AND c.fiscal_year = m.fiscal_year
              OR NOT m.is_final AND c.kind LIKE :final AND c.fiscal_year = m.fiscal_year - 1)
    ORDER BY m.id, left(c.kind, 2) = left(m.kind, 2) DESC, c.parsed_at DESC"""

INVALIDATE_COUNTERPARTS = """
    UPDATE disclosure.parse_run pr SET validated_at = NULL
    FROM disclosure.current_parse cp JOIN disclosure.filing f ON f.id = cp.filing_id
    WHERE pr.id = cp.id AND pr.validated_at IS NOT NULL AND f.unit_id IS NOT NULL AND EXISTS (
        SELECT 1 FROM disclosure.current_parse other JOIN disclosure.filing cf ON cf.id = other.filing_id
        WHERE cf.unit_id = f.unit_id AND other.parsed_at > pr.validated_at
          AND (f.kind LIKE :final AND cf.kind LIKE :budget AND cf.fiscal_year = f.fiscal_year
               OR f.kind LIKE :budget AND cf.kind LIKE :final AND cf.fiscal_year = f.fiscal_year - 1))"""


def _cell_pages(conn: Connection, run_ids: list[int]) -> dict[int, dict]:
    pages: dict[int, dict] = defaultdict(dict)
    for run_id, table, row, col, page in conn.execute(
        text("SELECT parse_run_id, table_code, row_key, col, page FROM disclosure.cell WHERE parse_run_id = ANY(:ids)"),
        {"ids": run_ids},
    ):
        pages[run_id][(table, row, col)] = page
    return pages


def _document(run_id: int, file_id: int, storage_key: str, url: str, filing_id: int, year: int, kind: str) -> dict:
    """Where a document of a cross-document finding is: what the report links to."""
    return {
        "parse_run_id": run_id,
        "archived_file_id": file_id,
        "storage_key": storage_key,
        "source_url": url,
        "filing_id": filing_id,
        "fiscal_year": year,
        "kind": kind,
    }


def across_documents(conn: Connection, batch: list[int], filings: dict[int, Filing]) -> dict[int, list]:
    """The cross-document outcomes of each final account and budget of the batch, with both
    documents named: {run id: [(Outcome, {role: document with its pages})]}."""
    pairs = conn.execute(text(COUNTERPARTS), {"ids": batch, "final": FINAL_KIND, "budget": BUDGET_KIND}).all()
    others = sorted({p.other_id for p in pairs if p.other_id is not None})
    other_cells = _cells(conn, others)
    other_pages = _cell_pages(conn, others)
    other_tables = dict(
        conn.execute(text("SELECT id, tables FROM disclosure.parse_run WHERE id = ANY(:ids)"), {"ids": others}).all()
    )
    out: dict[int, list] = defaultdict(list)
    for p in pairs:
        mine = _document(p.id, p.archived_file_id, p.storage_key, p.source_url, p.filing_id, p.fiscal_year, p.kind)
        other_doc, other = None, None
        if p.other_id is not None:
            other_doc = _document(
                p.other_id,
                p.other_file_id,
                p.other_storage_key,
                p.other_url,
                p.other_filing_id,
                p.other_year,
                p.other_kind,
            )
            other = Filing(other_cells[p.other_id], other_tables[p.other_id], p.other_kind, [], [])
        if p.is_final:
            roles = {"final": mine, "budget": other_doc}
            results = final_against_budget(filings[p.id], other, p.fiscal_year, other_pages.get(p.other_id))
        else:
            roles = {"final": other_doc, "budget": mine}
            results = budget_against_previous_final(filings[p.id], other, p.fiscal_year)
        for r in results:
            documents = {
                role: {**doc, "pages": r.pages.get(role, [])} for role, doc in roles.items() if doc is not None
            }
            out[p.id].append((r.outcome, documents))
    return out


def pending_runs(conn: Connection, shard: tuple[int, int] = (0, 1)) -> list[int]:
    """Parse runs of filings not validated yet; shard (k, n) takes those whose id ≡ k (mod n)."""
    k, n = shard
    return [
        r[0]
        for r in conn.execute(
            text(
                "SELECT id FROM disclosure.parse_run WHERE status = 'ok' AND validated_at IS NULL AND id % :n = :k "
                "AND document_status IS DISTINCT FROM 'not_a_filing' "  # a checklist or landing page is never validated
                "ORDER BY id"
            ),
            {"n": n, "k": k},
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
    tables, kinds, required, reading = {}, {}, {}, {}
    for run_id, parsed_tables, kind, coverage in conn.execute(
        text("SELECT id, tables, kind, coverage FROM disclosure.parse_run WHERE id = ANY(:ids)"), {"ids": batch}
    ):
        tables[run_id], kinds[run_id] = parsed_tables, kind
        required[run_id] = tuple((coverage or {}).get("required") or ())  # the template's tables
        reading[run_id] = (coverage or {}).get("reading") or {}  # parsers.careful, kept beside the coverage
    claims: dict[int, list[dict]] = defaultdict(list)
    for row in conn.execute(
        text("""
            SELECT parse_run_id, seq, claim_kind AS kind, restates, share_of, value::text AS value, sentence, page
            FROM disclosure.narrative_claim WHERE parse_run_id = ANY(:ids) ORDER BY parse_run_id, seq"""),
        {"ids": batch},
    ).mappings():
        claims[row["parse_run_id"]].append(dict(row))
    evaluations = _evaluations(conn, batch)
    filings = {
        run_id: Filing(cells[run_id], tables[run_id], kinds[run_id], claims[run_id], evaluations[run_id])
        for run_id in batch
    }
    crossed = across_documents(conn, batch, filings)
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
            reading[run_id],
        )
        documents = {}
        for o, docs in crossed.get(run_id, []):
            outcomes.append(o)
            documents[(o.rule_id, o.subject)] = docs
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
                            {"cells": o.cells, "pages": o.pages, "reason": o.reason}
                            | ({"documents": documents[key]} if (key := (o.rule_id, o.subject)) in documents else {}),
                            ensure_ascii=False,
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
