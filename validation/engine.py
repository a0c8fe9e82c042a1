"""Validate one filing: every checker family of validation.families over its cells, claims
and self-evaluations. Pure: no I/O."""

from __future__ import annotations

from validation import families
from validation.core import CellMap, Filing, Outcome

PERFORMANCE_STATEMENT = "绩效说明"  # prints no tables: only the families checked on statements apply


def validate_filing(
    cells: CellMap,
    tables: dict[str, dict],
    kind: str | None,
    claims: list[dict],
    evaluations: list[dict],
    previous: CellMap | None = None,
    year: int | None = None,
    required_tables: tuple[str, ...] = (),
    reading: dict | None = None,
) -> list[Outcome]:
    """Every rule, narrative claim and self-evaluation of one filing; `tables` as a parse
    stores them (status, pages, amount_unit per code). The cross-year rules compare with
    `previous` (last year's cells of the same unit) and are not evaluated without it."""
    filing = Filing(cells, tables, kind, claims, evaluations, previous, year, tuple(required_tables), reading or {})
    statement = kind == PERFORMANCE_STATEMENT
    budget = is_budget(tables)
    return [
        o
        for family in families.FAMILIES
        if (family.on_statements or not statement) and (family.on_budgets or not budget)
        for o in family.check(filing)
    ]


def is_budget(tables: dict[str, dict]) -> bool:
    """A budget's parse recognises B-tables (parsers.budget) and none of the final accounts' 01–10."""
    printed = {code for code, t in tables.items() if t.get("status", "missing") != "missing"}
    return any(code.startswith("B") for code in printed) and not any(code.isdigit() for code in printed)


def validate_parse(result, previous=None) -> list[Outcome]:
    """validate_filing for a parsers.ParseResult (and last year's, when there is one)."""
    return validate_filing(
        result.cell_map(),
        result.tables_json(),
        result.kind,
        result.claims,
        result.evaluations,
        previous.cell_map() if previous else None,
        result.year,
        result.required_tables,
        result.reading,
    )
