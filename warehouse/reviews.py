"""The review queue and the reviews a person records (disclosure.cell_review, migration 0013).

A cell read with low confidence — by OCR, or in a table recognised only by weak evidence
(parsers.model.WEAK_EVIDENCE) — waits in the queue until a person confirms the value as
parsed or corrects it. The queue puts first what most needs a person: the readings OCR itself
doubted (with the other readings it found plausible, `alternatives`), then the cells a failed
check cites, then the rest by OCR score (`priority` 1, 2, 3). A review belongs to the file version and the cell's key, not to a
parse, so it outlives every re-parse; the views (disclosure.reviewed_cell, cell_series) and
validation read the reviewed value. Recording one marks the file's parses for validation again.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation

from sqlalchemy import Connection, text

from parsers.model import WEAK_EVIDENCE

ACTIONS = ("confirmed", "corrected")
CELL_REF = re.compile(r"^\s*(?P<table>[0-9A-Z]{1,3})\[(?P<row>[^\]]+)\]\.(?P<col>\d+)\s*$")

_WEAK = ", ".join("'" + e.replace("'", "''") + "'" for e in WEAK_EVIDENCE)
# Every queued cell of the current filings, reviewed or not (review is NULL while it waits);
# the export dataset `review` and the report's review page read it. First the readings OCR
# itself doubted (parsers.ocr lists them in the parse's coverage `ocr_doubtful`, each already
# attached to its cell's key, with the other readings it found plausible), then the cells a
# failed check of the same parse cites — any check, not only the table identities that
# validation.misreads names: a 说明 that disagrees with a scanned cell is as good a reason to
# look at the crop (the reading or the document is wrong, the person tells which) — then the
# rest, lowest OCR score first.
QUEUE_SQL = f"""
    WITH queued AS (
        SELECT j.code AS jurisdiction, u.code AS unit_code, u.name AS unit_name, f.fiscal_year, f.kind,
               rc.archived_file_id, rc.parse_run_id, rc.table_code, rc.row_key, rc.col, rc.row_label, rc.parsed_value,
               rc.value, rc.page, rc.box_x0, rc.box_top, rc.box_x1, rc.box_bottom, rc.ocr_score,
               cp.tables -> rtrim(rc.table_code) ->> 'evidence' AS evidence, rc.review, rc.reviewer,
               rc.reviewed_at, cp.source_url,
               rtrim(rc.table_code) || '[' || rc.row_key || '].' || rc.col AS label
        FROM disclosure.current_parse cp
        JOIN disclosure.filing f ON f.id = cp.filing_id AND f.status = 'present'
        LEFT JOIN disclosure.unit u ON u.id = f.unit_id
        LEFT JOIN disclosure.jurisdiction j ON j.id = u.jurisdiction_id
        JOIN disclosure.reviewed_cell rc ON rc.parse_run_id = cp.id
        WHERE rc.ocr_score IS NOT NULL OR cp.tables -> rtrim(rc.table_code) ->> 'evidence' IN ({_WEAK})),
    doubtful AS (
        SELECT pr.id AS parse_run_id, d.*
        FROM disclosure.parse_run pr
        CROSS JOIN LATERAL jsonb_to_recordset(pr.coverage -> 'ocr_doubtful')
            AS d("table" text, "row" text, col int, value text, chosen text, alternatives jsonb)
        WHERE pr.id IN (SELECT parse_run_id FROM queued WHERE ocr_score IS NOT NULL)),
    failed AS (
        SELECT fd.parse_run_id, cited.label, string_agg(DISTINCT fd.rule_id, ', ' ORDER BY fd.rule_id) AS rules
        FROM disclosure.finding fd CROSS JOIN LATERAL jsonb_object_keys(fd.evidence -> 'cells') AS cited(label)
        WHERE fd.status = 'failed' AND fd.parse_run_id IN (SELECT parse_run_id FROM queued)
        GROUP BY fd.parse_run_id, cited.label)
    SELECT q.jurisdiction, q.unit_code, q.unit_name, q.fiscal_year, q.kind, q.archived_file_id, q.table_code,
           q.row_key, q.col, q.row_label, q.parsed_value, q.value, q.page, q.box_x0, q.box_top, q.box_x1,
           q.box_bottom, q.ocr_score,
           CASE WHEN d.parse_run_id IS NOT NULL
                THEN 'ocr_doubtful' || COALESCE(': ' || q.parsed_value || ' or ' || replace(alt.readings, ', ', ' or '), '')
                     || COALESCE(' (the identities chose ' || d.chosen || ' over ' || d.value || ')', '')
                WHEN failed.rules IS NOT NULL THEN 'failed_check: ' || failed.rules
                WHEN q.ocr_score IS NOT NULL THEN 'ocr'
                ELSE 'table_evidence:' || q.evidence END AS reason,
           alt.readings AS alternatives,
           CASE WHEN d.parse_run_id IS NOT NULL THEN 1 WHEN failed.rules IS NOT NULL THEN 2 ELSE 3 END AS priority,
           q.review, q.reviewer, q.reviewed_at, q.source_url
    FROM queued q
    LEFT JOIN doubtful d ON d.parse_run_id = q.parse_run_id AND d."table" = rtrim(q.table_code)
         AND d."row" = q.row_key AND d.col = q.col
    LEFT JOIN failed ON failed.parse_run_id = q.parse_run_id AND failed.label = q.label
    -- What else OCR read there: its reading and its alternatives, but the value the parse kept.
    LEFT JOIN LATERAL (
        SELECT string_agg(r.reading, ', ' ORDER BY r.n) AS readings
        FROM jsonb_array_elements_text(jsonb_build_array(d.value) || COALESCE(d.alternatives, '[]'))
             WITH ORDINALITY AS r(reading, n)
        WHERE r.reading::numeric <> q.parsed_value) alt ON true"""
QUEUE_ORDER = "priority, ocr_score NULLS LAST, jurisdiction, unit_code, fiscal_year, kind, table_code, row_key, col"


class ReviewError(ValueError):
    """A review that cannot be recorded; the message says which file or cell and why."""


@dataclass(frozen=True)
class CellRef:
    table: str
    row: str
    col: int

    @classmethod
    def parse(cls, ref: str) -> CellRef:
        m = CELL_REF.match(ref)
        if m is None:
            raise ReviewError(f"{ref!r}: a cell is written TABLE[ROW].COL, e.g. 01[27].1")
        return cls(m["table"], m["row"], int(m["col"]))

    def __str__(self) -> str:
        return f"{self.table}[{self.row}].{self.col}"


def parse_value(value: str) -> Decimal:
    try:
        return Decimal(value.replace(",", "").strip())
    except InvalidOperation as exc:
        raise ReviewError(f"{value!r} is not an amount") from exc


def queue(conn: Connection, pending_only: bool = True, limit: int | None = None) -> list[dict]:
    """The queued cells in QUEUE_ORDER (those not reviewed yet, unless pending_only=False)."""
    where = "WHERE q.review IS NULL" if pending_only else ""
    rows = conn.execute(
        text(f"SELECT * FROM ({QUEUE_SQL}) q {where} ORDER BY {QUEUE_ORDER} LIMIT :limit"), {"limit": limit}
    )
    return [dict(r) for r in rows.mappings()]


def queue_size(conn: Connection) -> int:
    return conn.execute(text(f"SELECT count(*) FROM ({QUEUE_SQL}) q WHERE q.review IS NULL")).scalar_one()


def record_review(
    conn: Connection,
    archived_file_id: int,
    cell: CellRef,
    reviewer: str,
    new_value: Decimal | None = None,
    note: str | None = None,
) -> dict:
    """Confirm (new_value None) or correct a cell of a file version as its newest parse read it.

    Stores who, when, the parsed and the reviewed value, and marks the file's parses for
    validation again (their findings then follow the reviewed value). Call in a transaction."""
    if not reviewer.strip():
        raise ReviewError("a review names who made it (--by)")
    parsed = conn.execute(
        text("""
            SELECT c.value FROM disclosure.cell c JOIN disclosure.parse_run pr ON pr.id = c.parse_run_id
            WHERE pr.archived_file_id = :af AND rtrim(c.table_code) = :t AND c.row_key = :r AND c.col = :c
            ORDER BY pr.parsed_at DESC LIMIT 1"""),
        {"af": archived_file_id, "t": cell.table, "r": cell.row, "c": cell.col},
    ).first()
    if parsed is None:
        known = conn.execute(
            text("SELECT 1 FROM disclosure.archived_file WHERE id = :af"), {"af": archived_file_id}
        ).first()
        if known is None:
            raise ReviewError(f"archived file {archived_file_id}: no such file in the store")
        raise ReviewError(f"archived file {archived_file_id}: its parse holds no cell {cell}")
    old = parsed[0]
    action = "confirmed" if new_value is None or new_value == old else "corrected"
    row = (
        conn.execute(
            text("""
            INSERT INTO disclosure.cell_review (archived_file_id, table_code, row_key, col, action, old_value,
                                                new_value, reviewer, note)
            VALUES (:af, :t, :r, :c, :action, :old, :new, :who, :note)
            RETURNING id, action, old_value, new_value, reviewer, reviewed_at"""),
            {
                "af": archived_file_id,
                "t": cell.table,
                "r": cell.row,
                "c": cell.col,
                "action": action,
                "old": old,
                "new": old if new_value is None else new_value,
                "who": reviewer.strip(),
                "note": note,
            },
        )
        .mappings()
        .one()
    )
    conn.execute(
        text("UPDATE disclosure.parse_run SET validated_at = NULL WHERE archived_file_id = :af"),
        {"af": archived_file_id},
    )
    return {"archived_file_id": archived_file_id, "cell": str(cell), **dict(row)}


def reviews_of(conn: Connection, archived_file_id: int) -> list[dict]:
    """Every review of a file version, oldest first (the history; the newest of each cell wins)."""
    rows = conn.execute(
        text("""
            SELECT table_code, row_key, col, action, old_value, new_value, reviewer, reviewed_at, note
            FROM disclosure.cell_review WHERE archived_file_id = :af ORDER BY reviewed_at, id"""),
        {"af": archived_file_id},
    )
    return [dict(r) for r in rows.mappings()]
