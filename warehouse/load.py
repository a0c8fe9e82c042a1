"""Load one parse into the store: one transaction per file version, cells by COPY. Idempotent."""
from __future__ import annotations

import json
from dataclasses import dataclass

from sqlalchemy import Connection, text

from parsers.model import PARSER_VERSION, ParseError, ParseResult


@dataclass(frozen=True)
class PendingFile:
    archived_file_id: int
    storage_key: str
    source_url: str


def pending_files(conn: Connection, parser_version: str = PARSER_VERSION, limit: int | None = None) -> list[PendingFile]:
    """Archived file versions that this parser version has not parsed yet (set-based)."""
    rows = conn.execute(text("""
        SELECT af.id, af.storage_key, af.source_url FROM disclosure.archived_file af
        WHERE NOT EXISTS (SELECT 1 FROM disclosure.parse_run pr
                          WHERE pr.archived_file_id = af.id AND pr.parser_version = :v)
        ORDER BY af.id LIMIT :limit"""), {"v": parser_version, "limit": limit})
    return [PendingFile(*row) for row in rows]


def load_parse(conn: Connection, archived_file_id: int, result: ParseResult | None,
               error: ParseError | None = None, duration_ms: int | None = None) -> int | None:
    """Insert the parse run and its cells; returns its id, or None if this version was loaded already.

    Call inside a transaction (engine.begin()): all of a file version's rows or none.
    """
    version = result.parser_version if result else PARSER_VERSION
    run_id = conn.execute(text("""
        INSERT INTO disclosure.parse_run (archived_file_id, parser_version, status, error, unit_name, fiscal_year,
                                          kind, tables, duration_ms)
        VALUES (:af, :v, :status, :error, :unit, :year, :kind, CAST(:tables AS jsonb), :ms)
        ON CONFLICT (archived_file_id, parser_version) DO NOTHING RETURNING id"""),
        {"af": archived_file_id, "v": version, "status": "failed" if error else "ok",
         "error": str(error) if error else None, "unit": result.unit if result else None,
         "year": result.year if result else None, "kind": result.kind if result else None,
         "tables": json.dumps(result.to_json()["tables"] if result else {}, ensure_ascii=False),
         "ms": duration_ms}).scalar()
    if run_id is None or result is None:
        return run_id
    raw = conn.connection.dbapi_connection  # psycopg 3 connection, same transaction
    with raw.cursor() as cur:
        with cur.copy("COPY disclosure.cell (parse_run_id, table_code, row_key, col, value, row_label, page) "
                      "FROM STDIN") as copy:
            for c in result.cells:
                copy.write_row((run_id, c.table, c.row, c.col, c.value, c.label, c.page))
    return run_id
