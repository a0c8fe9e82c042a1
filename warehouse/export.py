"""Exports of the analysts' datasets to CSV (streamed by COPY) or Parquet (in chunks).

Filters: a jurisdiction (and every jurisdiction below it) and a range of fiscal years.
Rows come sorted by each dataset's key. CSV is UTF-8 with a BOM (so Excel on a Chinese
Windows reads it as UTF-8) and every text column quoted (codes such as table "01" stay text
in importers that honour quotes; in pandas pass `dtype=str` for the code columns). Parquet keeps
amounts exact as decimal(38, 6) and, beside each, a float64 `<column>_float` that pandas reads
as numbers without any conversion.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from sqlalchemy import Engine

from warehouse.reviews import QUEUE_ORDER, QUEUE_SQL

# Each dataset: the SELECT over a view; every one has `jurisdiction` and `fiscal_year` columns.
DATASETS: dict[str, str] = {
    "cells": """SELECT jurisdiction, unit_code, unit_name, fiscal_year, kind, table_code, row_key, col, value,
                       row_label, page, source_url, box_x0, box_top, box_x1, box_bottom, ocr_score, review,
                       parsed_value FROM disclosure.cell_series""",
    "findings": """SELECT jurisdiction, unit_code, unit_name, fiscal_year, kind, rule_id, subject, family, severity,
                          expected, actual, difference, evidence::text AS evidence, source_url
                   FROM disclosure.open_findings""",
    # kind: 部门/单位 决算 and 预算 in one matrix; due_basis says where due_on comes from
    "completeness": """SELECT jurisdiction, unit_code, unit_name, fiscal_year, kind, status, due_on, published_on,
                              withdrawn_at, due_basis, first_seen_on FROM disclosure.completeness""",
    "claims": """SELECT j.code AS jurisdiction, u.code AS unit_code, f.fiscal_year, f.kind, nc.seq, nc.claim_kind,
                        nc.restates, nc.share_of, nc.value, nc.sentence, nc.page, nc.box_x0, nc.box_top, nc.box_x1,
                        nc.box_bottom
                 FROM disclosure.narrative_claim nc JOIN disclosure.current_parse cp ON cp.id = nc.parse_run_id
                 JOIN disclosure.filing f ON f.id = cp.filing_id JOIN disclosure.unit u ON u.id = f.unit_id
                 JOIN disclosure.jurisdiction j ON j.id = u.jurisdiction_id""",
    "evaluations": """SELECT j.code AS jurisdiction, u.code AS unit_code, f.fiscal_year, f.kind, ev.seq, ev.scope,
                             ev.project_name, ev.budget_full, ev.executed, ev.balance, ev.execution_rate,
                             ev.score_execution, ev.total_score, ev.grade, ev.page, ev.boxes::text AS boxes
                      FROM disclosure.evaluation ev JOIN disclosure.current_parse cp ON cp.id = ev.parse_run_id
                      JOIN disclosure.filing f ON f.id = cp.filing_id JOIN disclosure.unit u ON u.id = f.unit_id
                      JOIN disclosure.jurisdiction j ON j.id = u.jurisdiction_id""",
    # A budget's 绩效目标表 indicators; disclosure.evaluation_target sets them beside the 绩效自评.
    "targets": """SELECT j.code AS jurisdiction, u.code AS unit_code, f.fiscal_year, f.kind, t.seq, t.project,
                         t.level1, t.level2, t.level3, t.target_value, t.page, cp.source_url
                  FROM disclosure.performance_target t JOIN disclosure.current_parse cp ON cp.id = t.parse_run_id
                  JOIN disclosure.filing f ON f.id = cp.filing_id JOIN disclosure.unit u ON u.id = f.unit_id
                  JOIN disclosure.jurisdiction j ON j.id = u.jurisdiction_id""",
    # Cells read with low confidence (OCR, weak table evidence) and their reviews (warehouse.reviews).
    "review": QUEUE_SQL,
}
# The order of each dataset's rows: its key, from the jurisdiction down.
SORT_KEYS: dict[str, str] = {
    "cells": "jurisdiction, unit_code, fiscal_year, kind, table_code, length(row_key), row_key, col",
    "findings": "jurisdiction, unit_code, fiscal_year, kind, rule_id, subject",
    "completeness": "jurisdiction, unit_code, fiscal_year, kind",
    "claims": "jurisdiction, unit_code, fiscal_year, kind, seq",
    "evaluations": "jurisdiction, unit_code, fiscal_year, kind, seq",
    "targets": "jurisdiction, unit_code, fiscal_year, kind, seq",
    "review": QUEUE_ORDER,
}
NUMERIC_OID = 1700
DECIMAL_SCALE = 6  # Parquet decimal(38, 6): amounts in 万元 or 元 with at most 6 decimals, exact
UTF8_BOM = b"\xef\xbb\xbf"


@dataclass(frozen=True)
class ExportFilter:
    jurisdiction: str | None = None
    from_year: int | None = None
    to_year: int | None = None


def filtered_query(dataset: str, flt: ExportFilter) -> tuple[str, dict]:
    if dataset not in DATASETS:
        raise ValueError(f"unknown dataset {dataset!r}; choose from {', '.join(DATASETS)}")
    sql = f"""
        WITH RECURSIVE scope(code) AS (
            SELECT code FROM disclosure.jurisdiction WHERE code = %(jurisdiction)s OR %(jurisdiction)s IS NULL
            UNION SELECT child.code FROM disclosure.jurisdiction child
                  JOIN disclosure.jurisdiction parent ON parent.id = child.parent_id
                  JOIN scope ON scope.code = parent.code)
        SELECT d.* FROM ({DATASETS[dataset]}) d
        WHERE (%(jurisdiction)s IS NULL OR d.jurisdiction IN (SELECT code FROM scope))
          AND (%(from_year)s::int IS NULL OR d.fiscal_year >= %(from_year)s::int)
          AND (%(to_year)s::int IS NULL OR d.fiscal_year <= %(to_year)s::int)
        ORDER BY {SORT_KEYS[dataset]}"""
    return sql, {"jurisdiction": flt.jurisdiction, "from_year": flt.from_year, "to_year": flt.to_year}


def export_csv(engine: Engine, dataset: str, flt: ExportFilter, out: Path) -> int:
    """Stream the dataset with COPY … TO STDOUT; returns the number of data rows written."""
    sql, params = filtered_query(dataset, flt)
    with engine.connect() as conn:
        raw = conn.connection.dbapi_connection
        with raw.cursor() as cur:
            cur.execute(f"SELECT * FROM ({sql}) d LIMIT 0", params)
            text_columns = [c.name for c in cur.description if _arrow_type(c.type_code) == _string()]
        quoted = f", FORCE_QUOTE ({', '.join(text_columns)})" if text_columns else ""
        with raw.cursor() as cur, out.open("wb") as fh:
            fh.write(UTF8_BOM)
            with cur.copy(f"COPY ({sql}) TO STDOUT WITH (FORMAT csv, HEADER true{quoted})", params) as copy:
                for chunk in copy:
                    fh.write(chunk)
            rows = cur.rowcount
    return max(rows, 0)


def known_jurisdictions(conn) -> list[str]:
    from sqlalchemy import text

    return [code for (code,) in conn.execute(text("SELECT code FROM disclosure.jurisdiction ORDER BY code"))]


def _string():
    import pyarrow as pa

    return pa.string()


def _arrow_type(type_code: int):
    import pyarrow as pa

    return {
        20: pa.int64(),
        21: pa.int16(),
        23: pa.int32(),
        700: pa.float32(),  # real: boxes in points, OCR scores
        701: pa.float64(),
        NUMERIC_OID: pa.decimal128(38, DECIMAL_SCALE),
        1082: pa.date32(),
        1184: pa.timestamp("us", tz="UTC"),
        16: pa.bool_(),
    }.get(type_code, pa.string())


def export_parquet(engine: Engine, dataset: str, flt: ExportFilter, out: Path, chunk_rows: int = 50_000) -> int:
    """Write the dataset to Parquet in chunks from a server-side cursor (bounded memory)."""
    import pyarrow as pa
    import pyarrow.parquet as pq

    sql, params = filtered_query(dataset, flt)
    written = 0
    with engine.connect() as conn:
        raw = conn.connection.dbapi_connection
        with raw.cursor(name=f"export_{dataset}") as cur:
            cur.execute(sql, params)
            rows = cur.fetchmany(chunk_rows)
            # The schema comes from the column types, so chunks of NULLs still fit it.
            fields = [pa.field(c.name, _arrow_type(c.type_code)) for c in cur.description]
            decimals = [i for i, f in enumerate(fields) if pa.types.is_decimal(f.type)]
            schema = pa.schema(fields + [pa.field(f"{fields[i].name}_float", pa.float64()) for i in decimals])
            with pq.ParquetWriter(out, schema) as writer:
                while True:
                    columns = [pa.array([r[i] for r in rows], type=f.type) for i, f in enumerate(fields)]
                    columns += [columns[i].cast(pa.float64()) for i in decimals]
                    writer.write_table(pa.Table.from_arrays(columns, schema=schema))
                    written += len(rows)
                    if len(rows) < chunk_rows:
                        break
                    rows = cur.fetchmany(chunk_rows)
    return written
