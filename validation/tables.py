"""The table identities of the catalogue (validation.catalogue) over one filing's canonical
cells. Pure: no I/O.

Printed-but-blank cells of a present table are zero; a rule touching a table that is
missing is "not_evaluated" with the reason, never counted as passed.
"""

from __future__ import annotations

from validation.catalogue import RULES, Rule
from validation.core import (
    NOT_EVALUATED,
    CellMap,
    CheckerFamily,
    Filing,
    Formula,
    Outcome,
    TableKeys,
    cell_key,
    decide,
    doc_row,
    parse_formula,
    rounding_envelope,
    sum_terms,
)


def _subjects(formula: Formula, cells: CellMap, keys: TableKeys) -> list[str | None]:
    if any(t.rows == "^" for t in formula.terms):
        table = next(t.table for t in formula.terms if t.rows == "^")
        return list(keys.parents(table))
    starred = [t for t in formula.terms if t.rows == "*"]
    if not starred:
        return [None]
    found = set().union(*(keys.by_column.get((t.table, t.col), ()) for t in starred))
    return sorted(found, key=lambda k: (not k.isdigit(), int(k) if k.isdigit() else 0, k))


def _applies(rule: Rule, cells: CellMap) -> bool:
    if not rule.when:
        return True
    return any(cells.get(cell_key(ref)) is not None for ref in rule.when)


def _pages_of(tables: tuple[str, ...], pages: dict[str, list[int]]) -> list[int]:
    if len(tables) == 1:
        return sorted(pages.get(tables[0], []))
    return sorted({p for t in tables for p in pages.get(t, [])})


def _mixed_units(tables: tuple[str, ...], units: dict[str, str | None]) -> str:
    """'01 万元, 02 元' when the rule's tables print different amount units, else ''."""
    printed = {t: units[t] for t in tables if units.get(t)}
    return ", ".join(f"{t} {u}" for t, u in sorted(printed.items())) if len(set(printed.values())) > 1 else ""


def evaluate_rule(
    rule: Rule,
    cells: CellMap,
    statuses: dict[str, str],
    pages: dict[str, list[int]],
    keys: TableKeys | None = None,
    units: dict[str, str | None] | None = None,
) -> list[Outcome]:
    formula = parse_formula(rule.formula)
    missing = [t for t in formula.tables if statuses.get(t, "missing") == "missing"]  # tables are sorted
    if missing:
        return [
            Outcome(
                rule.id,
                rule.family,
                "",
                NOT_EVALUATED,
                reason="table " + ", ".join(missing) + " missing from the filing",
            )
        ]
    if not _applies(rule, cells):
        return []
    mixed = _mixed_units(formula.tables, units) if units else ""
    if mixed:  # 万元 against 元 would fail for the wrong reason
        return [
            Outcome(
                rule.id, rule.family, "", NOT_EVALUATED, reason=f"the tables print different amount units ({mixed})"
            )
        ]
    keys = keys or TableKeys(cells)
    rule_pages = _pages_of(formula.tables, pages)
    outcomes = []
    for subject in _subjects(formula, cells, keys):
        printed: dict[str, str] = {}
        actual, n_left = sum_terms(formula.lhs, subject, cells, keys, printed)
        expected, n_right = sum_terms(formula.rhs, subject, cells, keys, printed)
        tolerance = rounding_envelope(max(n_left, n_right, 1))  # a blank side still rounds one
        difference = actual - expected
        status = decide(difference, tolerance, inequality=formula.op == "<=")
        outcomes.append(
            Outcome(
                rule.id,
                rule.family,
                subject or "",
                status,
                expected,
                actual,
                difference,
                tolerance,
                printed,
                rule_pages,
            )
        )
    return outcomes


def validate(
    cells: CellMap,
    statuses: dict[str, str],
    pages: dict[str, list[int]] | None = None,
    rules: tuple[Rule, ...] = RULES,
    keys: TableKeys | None = None,
    units: dict[str, str | None] | None = None,
) -> list[Outcome]:
    """Every table identity of `rules` over these cells."""
    pages = pages or {}
    keys = keys or TableKeys(cells)
    if units and len({u for u in units.values() if u}) <= 1:
        units = None  # one amount unit throughout (the usual case): nothing to check per rule
    return [o for rule in rules for o in evaluate_rule(rule, cells, statuses, pages, keys, units)]


def check(filing: Filing) -> list[Outcome]:
    return validate(filing.cells, filing.statuses, filing.pages, keys=filing.keys, units=filing.units)


def documentation() -> list[dict]:
    return [doc_row(r.id, r.family, r.formula, r.title, r.when) for r in RULES]


FAMILY = CheckerFamily("tables", check, documentation)
