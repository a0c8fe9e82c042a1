"""Load one parse into the store: one transaction per file version, cells by COPY. Idempotent."""

from __future__ import annotations

import json
from dataclasses import dataclass

from sqlalchemy import Connection, text

from parsers.model import PARSER_VERSION, Box, ParseError, ParseResult


@dataclass(frozen=True)
class PendingFile:
    archived_file_id: int
    storage_key: str
    source_url: str


def pending_files(
    conn: Connection,
    parser_version: str = PARSER_VERSION,
    limit: int | None = None,
    everything: bool = False,
    shard: tuple[int, int] = (0, 1),
) -> list[PendingFile]:
    """Archived file versions this parser version has not parsed yet (or all of them), set-based.
    `shard` (k, n) keeps the files whose id is k modulo n: n workers share the work, disjointly."""
    k, n = shard
    rows = conn.execute(
        text("""
        SELECT af.id, af.storage_key, af.source_url FROM disclosure.archived_file af
        WHERE (:everything OR NOT EXISTS (SELECT 1 FROM disclosure.parse_run pr
                                          WHERE pr.archived_file_id = af.id AND pr.parser_version = :v))
          AND af.id % :n = :k
        ORDER BY af.id LIMIT :limit"""),
        {"v": parser_version, "limit": limit, "everything": everything, "k": k, "n": n},
    )
    return [PendingFile(*row) for row in rows]


def forget_parse(conn: Connection, archived_file_id: int, parser_version: str = PARSER_VERSION) -> None:
    """Drop this version's parse of a file so that it is parsed again (reparse --force)."""
    conn.execute(
        text("DELETE FROM disclosure.parse_run WHERE archived_file_id = :af AND parser_version = :v"),
        {"af": archived_file_id, "v": parser_version},
    )


@dataclass(frozen=True)
class LoadItem:
    archived_file_id: int
    result: ParseResult | None
    error: ParseError | None = None
    duration_ms: int | None = None

    @property
    def parser_version(self) -> str:
        return self.result.parser_version if self.result else PARSER_VERSION


def load_parses(conn: Connection, items: list[LoadItem]) -> dict[int, int | None]:
    """Load many parses in three set-based statements; {archived_file_id: new run id or None}.

    Call inside a transaction (engine.begin()): every file version's rows land or none do.
    Parses of the same files by other parser versions are replaced (their cells and findings
    go with them), so the store holds one parse per file version. A version already loaded
    is left as it is (None).
    """
    if not items:
        return {}
    conn.execute(
        text("""
        DELETE FROM disclosure.parse_run pr USING unnest(CAST(:afs AS bigint[]), CAST(:versions AS text[])) AS x(af, v)
        WHERE pr.archived_file_id = x.af AND pr.parser_version <> x.v"""),
        {"afs": [i.archived_file_id for i in items], "versions": [i.parser_version for i in items]},
    )
    rows = conn.execute(
        text("""
        INSERT INTO disclosure.parse_run (archived_file_id, parser_version, status, error, unit_name, unit_code,
                                          fiscal_year, kind, tables, duration_ms,
                                          document_status, qualifier, coverage, problems)
        SELECT * FROM unnest(CAST(:afs AS bigint[]), CAST(:versions AS text[]), CAST(:statuses AS text[]),
                             CAST(:errors AS text[]), CAST(:units AS text[]), CAST(:codes AS text[]),
                             CAST(:years AS int[]), CAST(:kinds AS text[]), CAST(:tables AS jsonb[]),
                             CAST(:ms AS int[]), CAST(:documents AS text[]), CAST(:qualifiers AS text[]),
                             CAST(:coverage AS jsonb[]), CAST(:problems AS jsonb[]))
        ON CONFLICT (archived_file_id, parser_version) DO NOTHING
        RETURNING archived_file_id, id"""),
        {
            "afs": [i.archived_file_id for i in items],
            "versions": [i.parser_version for i in items],
            "statuses": ["failed" if i.error else "ok" for i in items],
            "errors": [str(i.error) if i.error else None for i in items],
            "units": [i.result.unit if i.result else None for i in items],
            "codes": [i.result.unit_code if i.result else None for i in items],
            "years": [i.result.year if i.result else None for i in items],
            "kinds": [i.result.kind if i.result else None for i in items],
            "tables": [json.dumps(i.result.tables_json() if i.result else {}, ensure_ascii=False) for i in items],
            "ms": [i.duration_ms for i in items],
            # What the document is and what the parse covered (parsers/coverage.py).
            "documents": [i.result.status if i.result else None for i in items],
            "qualifiers": [i.result.qualifier if i.result else None for i in items],
            # parsers.careful's reading rides in the coverage document (no column of its own).
            "coverage": [
                json.dumps({**i.result.coverage, "reading": i.result.reading} if i.result else {}, ensure_ascii=False)
                for i in items
            ],
            "problems": [json.dumps(i.result.problems if i.result else [], ensure_ascii=False) for i in items],
        },
    ).all()
    run_ids = dict(rows)
    loaded = [
        (run_ids[i.archived_file_id], i.result)
        for i in items
        if i.result is not None and run_ids.get(i.archived_file_id)
    ]
    copy_rows(conn, loaded)
    return {i.archived_file_id: run_ids.get(i.archived_file_id) for i in items}


def load_parse(
    conn: Connection,
    archived_file_id: int,
    result: ParseResult | None,
    error: ParseError | None = None,
    duration_ms: int | None = None,
) -> int | None:
    """Load one parse (see load_parses); its run id, or None if this version was loaded already."""
    return load_parses(conn, [LoadItem(archived_file_id, result, error, duration_ms)])[archived_file_id]


def row_sets(loaded: list[tuple[int, ParseResult]]):
    """(COPY target, rows) of everything a parse holds: cells, claims, evaluations, indicators,
    a budget's performance targets."""
    yield (
        "disclosure.cell (parse_run_id, table_code, row_key, col, value, row_label, page, "
        "box_x0, box_top, box_x1, box_bottom, ocr_score)",
        (
            (run_id, c.table, c.row, c.col, c.value, c.label, c.page, *_rectangle(c.bbox), c.score)
            for run_id, result in loaded
            for c in result.cells
        ),
    )
    yield (
        "disclosure.narrative_claim (parse_run_id, seq, claim_kind, restates, share_of, value, sentence, page, "
        "box_x0, box_top, box_x1, box_bottom)",
        (
            (
                run_id,
                c["seq"],
                c["kind"],
                c["restates"],
                c.get("share_of"),
                c["value"],
                c["sentence"],
                c.get("page"),
                *_rectangle(Box.from_json(c.get("bbox"))),
            )
            for run_id, result in loaded
            for c in result.claims
        ),
    )
    yield (
        "disclosure.evaluation (parse_run_id, seq, scope, title, project_name, department, budget_unit, "
        "budget_full, executed, balance, execution_rate, score_execution, budget_lines, total_score, grade, page, boxes)",
        (
            (
                run_id,
                ev["seq"],
                ev["scope"],
                ev["title"],
                ev["project_name"],
                ev["department"],
                ev["budget_unit"],
                *[
                    (ev["budget_lines"][0] if ev["budget_lines"] else {}).get(k)
                    for k in ("full", "executed", "balance", "rate", "score")
                ],
                json.dumps(ev["budget_lines"], ensure_ascii=False),
                ev["total_score"],
                ev["grade"],
                ev["page"],
                json.dumps(ev.get("boxes") or {}),
            )
            for run_id, result in loaded
            for ev in result.evaluations
        ),
    )
    yield (
        "disclosure.evaluation_indicator (parse_run_id, seq, line, description, weight, score)",
        (
            (run_id, ev["seq"], ind["line"], " / ".join(ind["texts"]), ind["weight"], ind["score"])
            for run_id, result in loaded
            for ev in result.evaluations
            for ind in ev["indicators"]
        ),
    )
    yield (
        "disclosure.performance_target (parse_run_id, seq, project, level1, level2, level3, target_value, page)",
        (
            (run_id, seq, t["project"], t.get("level1"), t.get("level2"), t["level3"], t["value"], t.get("page"))
            for run_id, result in loaded
            for seq, t in enumerate(result.targets, start=1)
        ),
    )


def _rectangle(box: Box | None) -> tuple:
    """x0, top, x1, bottom of a box for its four columns (the page is the row's own)."""
    return tuple(box[1:]) if box is not None else (None, None, None, None)


def copy_rows(conn: Connection, loaded: list[tuple[int, ParseResult]]) -> None:
    """COPY every row of the given parses, in the caller's transaction (psycopg 3 connection)."""
    with conn.connection.dbapi_connection.cursor() as cur:
        for target, rows in row_sets(loaded):
            with cur.copy(f"COPY {target} FROM STDIN") as copy:
                for row in rows:
                    copy.write_row(row)
