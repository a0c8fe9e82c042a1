"""Run the catalogue over every parse not yet validated and store what did not plainly pass."""
from __future__ import annotations

import json
from collections import defaultdict

from sqlalchemy import Connection, text

from validation.engine import validate
from validation.narrative import validate_claims
from validation.performance import validate_evaluations

BATCH = 500
SEVERITY = {"failed": "error", "not_evaluated": "warning", "rounding": "info"}


def _evaluations(conn: Connection, run_ids: list[int]) -> dict[int, list[dict]]:
    """Evaluations as the parser returned them, read back from the store."""
    indicators: dict[tuple[int, int], list[dict]] = defaultdict(list)
    for row in conn.execute(text("""
            SELECT parse_run_id, seq, line, description, weight::text AS weight, score::text AS score
            FROM disclosure.evaluation_indicator WHERE parse_run_id = ANY(:ids) ORDER BY parse_run_id, seq, line"""),
            {"ids": run_ids}).mappings():
        indicators[(row["parse_run_id"], row["seq"])].append(
            {"line": row["line"], "texts": row["description"].split(" / "), "weight": row["weight"],
             "score": row["score"]})
    out: dict[int, list[dict]] = defaultdict(list)
    for row in conn.execute(text("""
            SELECT parse_run_id, seq, scope, title, project_name, budget_lines, total_score::text AS total_score,
                   grade, page FROM disclosure.evaluation WHERE parse_run_id = ANY(:ids) ORDER BY parse_run_id, seq"""),
            {"ids": run_ids}).mappings():
        ev = dict(row)
        ev["indicators"] = indicators[(row["parse_run_id"], row["seq"])]
        out[row["parse_run_id"]].append(ev)
    return out


def validate_pending(conn: Connection) -> dict[str, int]:
    ids = [r[0] for r in conn.execute(text(
        "SELECT id FROM disclosure.parse_run WHERE status = 'ok' AND validated_at IS NULL ORDER BY id"))]
    counts: dict[str, int] = defaultdict(int)
    for start in range(0, len(ids), BATCH):
        batch = ids[start:start + BATCH]
        cells: dict[int, dict] = defaultdict(dict)
        for run_id, table, row, col, value in conn.execute(text(
                "SELECT parse_run_id, table_code, row_key, col, value FROM disclosure.cell "
                "WHERE parse_run_id = ANY(:ids)"), {"ids": batch}):
            cells[run_id][(table, row, col)] = value
        tables = dict(conn.execute(text("SELECT id, tables FROM disclosure.parse_run WHERE id = ANY(:ids)"),
                                   {"ids": batch}).all())
        claims: dict[int, list[dict]] = defaultdict(list)
        for row in conn.execute(text("""
                SELECT parse_run_id, seq, claim_kind AS kind, restates, share_of, value::text AS value, sentence, page
                FROM disclosure.narrative_claim WHERE parse_run_id = ANY(:ids) ORDER BY parse_run_id, seq"""),
                {"ids": batch}).mappings():
            claims[row["parse_run_id"]].append(dict(row))
        evaluations = _evaluations(conn, batch)
        rows = []
        for run_id in batch:
            statuses = {code: t["status"] for code, t in tables[run_id].items()}
            pages = {code: t["pages"] for code, t in tables[run_id].items()}
            outcomes = (validate(cells[run_id], statuses, pages)
                        + validate_claims(claims[run_id], cells[run_id], statuses, pages, evaluations[run_id])
                        + validate_evaluations(evaluations[run_id]))
            for o in outcomes:
                counts[o.status] += 1
                if o.status != "passed":
                    rows.append({"run": run_id, "rule": o.rule_id, "subject": o.subject, "family": o.family,
                                 "status": o.status, "severity": SEVERITY[o.status], "expected": o.expected, "actual": o.actual,
                                 "difference": o.difference, "tolerance": o.tolerance,
                                 "evidence": json.dumps({"cells": o.cells, "pages": o.pages, "reason": o.reason},
                                                        ensure_ascii=False)})
        if rows:
            conn.execute(text("""
                INSERT INTO disclosure.finding (parse_run_id, rule_id, subject, family, status, severity, expected,
                                                actual, difference, tolerance, evidence)
                VALUES (:run, :rule, :subject, :family, :status, :severity, :expected, :actual, :difference,
                        :tolerance, CAST(:evidence AS jsonb))
                ON CONFLICT (parse_run_id, rule_id, subject) DO NOTHING"""), rows)
        conn.execute(text("UPDATE disclosure.parse_run SET validated_at = now() WHERE id = ANY(:ids)"),
                     {"ids": batch})
    return {"parses": len(ids), **counts}
