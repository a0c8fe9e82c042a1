"""Exports of the analysts' datasets to CSV (streamed by COPY) or Parquet (in chunks).

Filters: a jurisdiction (and every jurisdiction below it) and a range of fiscal years.
"""
from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from sqlalchemy import Engine

# Each dataset: the SELECT over a view; every one has `jurisdiction` and `fiscal_year` columns.
DATASETS: dict[str, str] = {
    "cells": """SELECT jurisdiction, unit_code, unit_name, fiscal_year, kind, table_code, row_key, col, value,
                       row_label, page, source_url FROM disclosure.cell_series""",
    "findings": """SELECT jurisdiction, unit_code, unit_name, fiscal_year, kind, rule_id, subject, family, severity,
                          expected, actual, difference, evidence::text AS evidence, source_url
                   FROM disclosure.open_findings""",
    "completeness": """SELECT jurisdiction, unit_code, unit_name, fiscal_year, kind, status, due_on, published_on,
                              withdrawn_at FROM disclosure.completeness""",
    "claims": """SELECT j.code AS jurisdiction, u.code AS unit_code, f.fiscal_year, f.kind, nc.seq, nc.claim_kind,
                        nc.restates, nc.share_of, nc.value, nc.sentence, nc.page
                 FROM disclosure.narrative_claim nc JOIN disclosure.current_parse cp ON cp.id = nc.parse_run_id
                 JOIN disclosure.filing f ON f.id = cp.filing_id JOIN disclosure.unit u ON u.id = f.unit_id
                 JOIN disclosure.jurisdiction j ON j.id = u.jurisdiction_id""",
    "evaluations": """SELECT j.code AS jurisdiction, u.code AS unit_code, f.fiscal_year, f.kind, ev.seq, ev.scope,
                             ev.project_name, ev.budget_full, ev.executed, ev.balance, ev.execution_rate,
                             ev.score_execution, ev.total_score, ev.grade, ev.page
                      FROM disclosure.evaluation ev JOIN disclosure.current_parse cp ON cp.id = ev.parse_run_id
                      JOIN disclosure.filing f ON f.id = cp.filing_id JOIN disclosure.unit u ON u.id = f.unit_id
                      JOIN disclosure.jurisdiction j ON j.id = u.jurisdiction_id""",
}
NUMERIC_OID = 1700


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
        ORDER BY 1, 2, 3"""
    return sql, {"jurisdiction": flt.jurisdiction, "from_year": flt.from_year, "to_year": flt.to_year}


def export_csv(engine: Engine, dataset: str, flt: ExportFilter, out: Path) -> int:
    """Stream the dataset with COPY … TO STDOUT; returns the number of data rows written."""
    sql, params = filtered_query(dataset, flt)
    rows = -1  # the header line
    with engine.connect() as conn:
        raw = conn.connection.dbapi_connection
        with raw.cursor() as cur, out.open("wb") as fh:
            with cur.copy(f"COPY ({sql}) TO STDOUT WITH (FORMAT csv, HEADER true)", params) as copy:
                for chunk in copy:
                    fh.write(chunk)
                    rows += bytes(chunk).count(b"\n")
    return max(rows, 0)


def _arrow_type(type_code: int):
    import pyarrow as pa

    return {
        20: pa.int64(), 21: pa.int16(), 23: pa.int32(), NUMERIC_OID: pa.decimal128(38, 6),
        1082: pa.date32(), 1184: pa.timestamp("us", tz="UTC"), 16: pa.bool_(),
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
            schema = pa.schema([(c.name, _arrow_type(c.type_code)) for c in cur.description])
            with pq.ParquetWriter(out, schema) as writer:
                while True:
                    columns = [pa.array([r[i] for r in rows], type=field.type) for i, field in enumerate(schema)]
                    writer.write_table(pa.Table.from_arrays(columns, schema=schema))
                    written += len(rows)
                    if len(rows) < chunk_rows:
                        break
                    rows = cur.fetchmany(chunk_rows)
    return written
