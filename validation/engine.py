"""Evaluate the catalogue over one filing's canonical cells. Pure: no I/O.

Printed-but-blank cells of a present table are zero; a rule touching a table that is
missing is "not_evaluated" with the reason, never counted as passed.
"""
from __future__ import annotations

import re
from dataclasses import dataclass, field
from functools import cached_property, lru_cache
from decimal import Decimal

from validation.catalogue import RULES, Rule

TERM = re.compile(r"^(\d{2})\[([^\]]+)\]\.(\d+)$")
HALF_CENT = Decimal("0.005")
CellMap = dict[tuple[str, str, int], Decimal]


@dataclass(frozen=True)
class Term:
    table: str
    rows: str
    col: int
    sign: int = 1

    @cached_property
    def fixed_rows(self) -> tuple[str, ...] | None:
        """The rows of a term that names them ("27", "1..5"); None when they depend on the filing."""
        if self.rows in ("*", "^", "^*", "###"):
            return None
        if ".." in self.rows:
            lo, hi = (int(x) for x in self.rows.split(".."))
            return tuple(str(r) for r in range(lo, hi + 1))
        return (self.rows,)


@dataclass(frozen=True)
class Formula:
    lhs: tuple[Term, ...]
    op: str
    rhs: tuple[Term, ...]

    @cached_property  # formulas are parsed once (lru_cache) and asked for these per filing
    def terms(self) -> tuple[Term, ...]:
        return self.lhs + self.rhs

    @cached_property
    def tables(self) -> tuple[str, ...]:
        return tuple(sorted({t.table for t in self.terms}))


@lru_cache(maxsize=None)
def parse_formula(text: str) -> Formula:
    op = "<=" if "<=" in text else "="
    left, right = (side.strip() for side in text.split(op, 1))

    def terms(side: str) -> tuple[Term, ...]:
        out = []
        for sign, part in re.findall(r"([+-]?)\s*([^+-]+)", side):
            m = TERM.match(part.strip())
            if not m:
                raise ValueError(f"bad term {part!r} in formula {text!r}")
            out.append(Term(m.group(1), m.group(2), int(m.group(3)), -1 if sign == "-" else 1))
        return tuple(out)

    return Formula(terms(left), op, terms(right))


@dataclass(slots=True)  # millions are made in a night's validation
class Outcome:
    rule_id: str
    family: str
    subject: str
    status: str  # passed | rounding | failed | not_evaluated
    expected: Decimal | None = None
    actual: Decimal | None = None
    difference: Decimal | None = None
    tolerance: Decimal | None = None
    cells: dict[str, str] = field(default_factory=dict)
    pages: list[int] = field(default_factory=list)
    reason: str = ""

    def to_json(self) -> dict:
        def s(v):
            return None if v is None else str(v)

        return {"rule_id": self.rule_id, "family": self.family, "subject": self.subject,
                "status": self.status, "expected": s(self.expected), "actual": s(self.actual),
                "difference": s(self.difference), "tolerance": s(self.tolerance),
                "cells": self.cells, "pages": self.pages, "reason": self.reason}


class TableKeys:
    """The row keys printed in each table, for expanding ranges, hierarchies and per-row rules."""

    def __init__(self, cells: CellMap):
        self.by_table: dict[str, set[str]] = {}
        self.by_column: dict[tuple[str, int], set[str]] = {}  # (table, 栏次) → rows printed in it
        for table, row, col in cells:
            self.by_table.setdefault(table, set()).add(row)
            self.by_column.setdefault((table, col), set()).add(row)
        # Children of every code, computed once: hierarchy rules ask for them per column.
        self._children: dict[str, dict[str, list[str]]] = {}
        self._categories: dict[str, list[str]] = {}
        for table, keys in self.by_table.items():
            kids: dict[str, list[str]] = {}
            for k in sorted(keys):
                if k.isdigit() and len(k) in (5, 7):
                    kids.setdefault(k[:-2], []).append(k)
            self._children[table] = kids

    def keys(self, table: str) -> set[str]:
        return self.by_table.get(table, set())

    def categories(self, table: str) -> list[str]:
        """Printed 3-digit codes (类 of the economic classification), computed once per table."""
        if table not in self._categories:
            self._categories[table] = sorted(k for k in self.keys(table) if k.isdigit() and len(k) == 3)
        return self._categories[table]

    def children(self, table: str, parent: str) -> list[str]:
        return self._children.get(table, {}).get(parent, [])

    def parents(self, table: str) -> list[str]:
        """Printed 类/款 codes that have printed children."""
        return sorted(p for p in self._children.get(table, {}) if p in self.keys(table))


def _row_keys(term: Term, subject: str | None, keys: TableKeys) -> tuple[str, ...] | list[str]:
    if term.fixed_rows is not None:
        return term.fixed_rows
    if term.rows in ("*", "^"):
        return [subject] if subject is not None else []
    if term.rows == "^*":
        return keys.children(term.table, subject) if subject is not None else []
    return keys.categories(term.table)  # "###": every printed 3-digit code


def _sum(terms: tuple[Term, ...], subject: str | None, cells: CellMap, keys: TableKeys,
         printed: dict[str, str]) -> tuple[Decimal, int]:
    total, count = Decimal(0), 0
    for term in terms:
        for key in _row_keys(term, subject, keys):
            value = cells.get((term.table, key, term.col))
            if value is not None:
                total += -value if term.sign < 0 else value
                count += 1
                printed[_label(term.table, key, term.col)] = str(value)
    return total, count


@lru_cache(maxsize=65536)
def _label(table: str, key: str, col: int) -> str:
    return f"{table}[{key}].{col}"


@lru_cache(maxsize=None)
def _tolerance(terms: int) -> Decimal:
    """Half a cent per printed figure and one more: each rounded figure may be off by that."""
    return (max(terms, 1) + 1) * HALF_CENT


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
    return any(cells.get(_cell_key(ref)) is not None for ref in rule.when)


def _cell_key(ref: str) -> tuple[str, str, int]:
    m = TERM.match(ref)
    return m.group(1), m.group(2), int(m.group(3))


def _pages_of(tables: tuple[str, ...], pages: dict[str, list[int]]) -> list[int]:
    if len(tables) == 1:
        return sorted(pages.get(tables[0], []))
    return sorted({p for t in tables for p in pages.get(t, [])})


def _mixed_units(tables: tuple[str, ...], units: dict[str, str | None]) -> str:
    """'01 万元, 02 元' when the rule's tables print different amount units, else ''."""
    printed = {t: units[t] for t in tables if units.get(t)}
    return ", ".join(f"{t} {u}" for t, u in sorted(printed.items())) if len(set(printed.values())) > 1 else ""


def evaluate_rule(rule: Rule, cells: CellMap, statuses: dict[str, str], pages: dict[str, list[int]],
                  keys: TableKeys | None = None, units: dict[str, str | None] | None = None) -> list[Outcome]:
    formula = parse_formula(rule.formula)
    missing = [t for t in formula.tables if statuses.get(t, "missing") == "missing"]  # tables are sorted
    if missing:
        return [Outcome(rule.id, rule.family, "", "not_evaluated",
                        reason="table " + ", ".join(missing) + " missing from the filing")]
    if not _applies(rule, cells):
        return []
    mixed = _mixed_units(formula.tables, units) if units else ""
    if mixed:  # 万元 against 元 would fail for the wrong reason
        return [Outcome(rule.id, rule.family, "", "not_evaluated",
                        reason=f"the tables print different amount units ({mixed})")]
    keys = keys or TableKeys(cells)
    rule_pages = _pages_of(formula.tables, pages)
    outcomes = []
    for subject in _subjects(formula, cells, keys):
        printed: dict[str, str] = {}
        actual, n_left = _sum(formula.lhs, subject, cells, keys, printed)
        expected, n_right = _sum(formula.rhs, subject, cells, keys, printed)
        tolerance = _tolerance(max(n_left, n_right))
        difference = actual - expected
        if formula.op == "<=":
            status = "failed" if difference > tolerance else "passed"
        elif difference == 0:
            status = "passed"
        else:
            status = "rounding" if abs(difference) <= tolerance else "failed"
        outcomes.append(Outcome(rule.id, rule.family, subject or "", status, expected, actual,
                                difference, tolerance, printed, rule_pages))
    return outcomes


def validate(cells: CellMap, statuses: dict[str, str], pages: dict[str, list[int]] | None = None,
             rules: tuple[Rule, ...] = RULES, keys: TableKeys | None = None,
             units: dict[str, str | None] | None = None) -> list[Outcome]:
    pages = pages or {}
    keys = keys or TableKeys(cells)
    if units and len({u for u in units.values() if u}) <= 1:
        units = None  # one amount unit throughout (the usual case): nothing to check per rule
    return [o for rule in rules for o in evaluate_rule(rule, cells, statuses, pages, keys, units)]


def validate_filing(cells: CellMap, tables: dict[str, dict], kind: str | None, claims: list[dict],
                    evaluations: list[dict], previous: CellMap | None = None, year: int | None = None) -> list[Outcome]:
    """Every rule, narrative claim and self-evaluation of one filing; `tables` as a parse
    stores them (status, pages, amount_unit per code). The cross-year rules compare with
    `previous` (last year's cells of the same unit) and are not evaluated without it."""
    from validation.cross_year import cross_year_outcomes
    from validation.narrative import validate_claims
    from validation.performance import validate_evaluations
    from validation.required import required_outcomes

    statuses = {code: t["status"] for code, t in tables.items()}
    pages = {code: t["pages"] for code, t in tables.items()}
    units = {code: t.get("amount_unit") for code, t in tables.items()}
    keys = TableKeys(cells)  # built once: every rule family expands rows with it
    narrative_and_evaluations = (validate_claims(claims, cells, statuses, pages, evaluations, keys)
                                 + validate_evaluations(evaluations))
    if kind == "绩效说明":  # a performance statement prints no tables: their rules do not apply
        return narrative_and_evaluations
    return (validate(cells, statuses, pages, keys=keys, units=units)
            + narrative_and_evaluations
            + required_outcomes(kind, statuses, cells, pages)
            + cross_year_outcomes(cells, previous, (year or 0) - 1, claims, keys))


def validate_parse(result, previous=None) -> list[Outcome]:
    """validate_filing for a parsers.ParseResult (and last year's, when there is one)."""
    return validate_filing(result.cell_map(), result.tables_json(), result.kind, result.claims, result.evaluations,
                           previous.cell_map() if previous else None, result.year)
