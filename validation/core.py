"""What every checker family shares: terms and formulas over canonical cells, their sums, the
rounding envelope and the one passed/rounding/failed decision. Pure: no I/O.

A checker family (tables, narrative, performance, required parts, cross-year) imports this
module and nothing of the engine; the engine walks `validation.families.FAMILIES`.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass, field
from decimal import ROUND_HALF_UP, Decimal
from functools import cache, cached_property, lru_cache

TERM = re.compile(r"^(\d{2}|B[0-9A-Z])\[([^\]]+)\]\.(\d+)$")  # 01–10, or a budget table B1…BZ
HALF_CENT = Decimal("0.005")  # half the last printed digit of a figure in 万元 with two decimals
CellMap = dict[tuple[str, str, int], Decimal]

PASSED, ROUNDING, FAILED, NOT_EVALUATED = "passed", "rounding", "failed", "not_evaluated"


def decide(difference: Decimal, tolerance: Decimal, inequality: bool = False) -> str:
    """The outcome of a printed figure against what it should be: equal is passed, off by no
    more than the tolerance is rounding, beyond it failed. An inequality (printed ≤ bound)
    only fails beyond the tolerance."""
    if inequality:
        return FAILED if difference > tolerance else PASSED
    if difference == 0:
        return PASSED
    return ROUNDING if abs(difference) <= tolerance else FAILED


@cache
def rounding_envelope(figures: int) -> Decimal:
    """(n + 1) × 0.005 for a sum of n printed figures: each rounded figure may be off by half a
    cent, and the printed result by one more."""
    return (figures + 1) * HALF_CENT


def _printed_decimals(value: str) -> int:
    return len(value.split(".", 1)[1]) if "." in value else 0


@dataclass(frozen=True)
class Share:
    """A printed share judged: `expected` is part / whole × 100 rounded (四舍五入) to the printed
    precision, for display only; `difference` is printed − the unrounded share (the decision's,
    shown to 0.0001)."""

    status: str
    expected: Decimal | None = None
    difference: Decimal | None = None
    tolerance: Decimal | None = None
    reason: str = ""

    def outcome(self, rule_id: str, family: str, subject: str, actual: Decimal, cells, pages, sentence: str):
        tolerance = None if self.tolerance is None else self.tolerance.quantize(Decimal("0.0001"))
        reason = f"{self.reason}; {sentence}" if self.reason else sentence
        return Outcome(
            rule_id,
            family,
            subject,
            self.status,
            self.expected,
            actual,
            self.difference,
            tolerance,
            cells,
            pages,
            reason,
        )


def share(part: Decimal, whole: Decimal, printed: str, part_spread: Decimal, whole_spread: Decimal) -> Share:
    """A printed share "占P%" of part in whole, each off by at most its spread through rounding.

    Decided on printed − part / whole × 100 unrounded: rounding that first to the printed precision
    moves a correct share near a rounding boundary (65.2047 → 65.20 for a printed 65.21) by up to
    half a digit more. The tolerance is half the last printed digit plus the most the rounding of
    part and whole can move the share: (ps·W + |P|·ws) / (W·(W − ws)) × 100, exact, not first-order.
    Passed when the printed share is the rounded one; not evaluated when the whole is blank or 0."""
    if abs(whole) <= whole_spread:
        what = "blank" if not whole_spread else ("0" if not whole else "within its rounding of 0")
        return Share(NOT_EVALUATED, reason=f"the whole is {what}: no share of it")
    digit = Decimal(1).scaleb(-_printed_decimals(printed))
    exact = part / whole * 100
    expected = exact.quantize(digit, ROUND_HALF_UP)
    difference = Decimal(printed) - exact
    whole = abs(whole)
    moved = 100 * (part_spread * whole + abs(part) * whole_spread) / (whole * (whole - whole_spread))
    tolerance = digit / 2 + moved
    status = PASSED if Decimal(printed) == expected else decide(difference, tolerance)
    return Share(status, expected, difference.quantize(Decimal("0.0001")), tolerance)  # shown to 0.0001


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


@cache
def parse_formula(text: str) -> Formula:
    op = "<=" if "<=" in text else "="
    left, right = (side.strip() for side in text.split(op, 1))
    return Formula(_side(left, text), op, _side(right, text))


def parse_terms(expression: str) -> tuple[Term, ...]:
    """The terms of one side ("01[27].1 + 01[28].1"), as a claim restates them."""
    return parse_formula(f"{expression} = {expression}").lhs


def _side(side: str, text: str) -> tuple[Term, ...]:
    out = []
    for sign, part in re.findall(r"([+-]?)\s*([^+-]+)", side):
        m = TERM.match(part.strip())
        if not m:
            raise ValueError(f"bad term {part!r} in formula {text!r}")
        out.append(Term(m.group(1), m.group(2), int(m.group(3)), -1 if sign == "-" else 1))
    return tuple(out)


def cell_key(ref: str) -> tuple[str, str, int]:
    """'01[27].1' → ('01', '27', 1)."""
    m = TERM.match(ref)
    return m.group(1), m.group(2), int(m.group(3))


@lru_cache(maxsize=65536)
def cell_label(table: str, key: str, col: int) -> str:
    return f"{table}[{key}].{col}"


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

        return {
            "rule_id": self.rule_id,
            "family": self.family,
            "subject": self.subject,
            "status": self.status,
            "expected": s(self.expected),
            "actual": s(self.actual),
            "difference": s(self.difference),
            "tolerance": s(self.tolerance),
            "cells": self.cells,
            "pages": self.pages,
            "reason": self.reason,
        }


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


def row_keys(term: Term, subject: str | None, keys: TableKeys) -> tuple[str, ...] | list[str]:
    """The rows a term covers in this filing (its subject row, the children of a parent, every 类)."""
    if term.fixed_rows is not None:
        return term.fixed_rows
    if term.rows in ("*", "^"):
        return [subject] if subject is not None else []
    if term.rows == "^*":
        return keys.children(term.table, subject) if subject is not None else []
    return keys.categories(term.table)  # "###": every printed 3-digit code


def sum_terms(
    terms: tuple[Term, ...], subject: str | None, cells: CellMap, keys: TableKeys, printed: dict[str, str]
) -> tuple[Decimal, int]:
    """Σ of the printed cells the terms cover, and how many were printed; each one read is
    recorded in `printed` (label → value as printed), the finding's evidence."""
    total, count = Decimal(0), 0
    for term in terms:
        for key in row_keys(term, subject, keys):
            value = cells.get((term.table, key, term.col))
            if value is not None:
                total += -value if term.sign < 0 else value
                count += 1
                printed[cell_label(term.table, key, term.col)] = str(value)
    return total, count


@dataclass
class Filing:
    """What the checker families read of one filing; `tables` as a parse stores them
    (status, pages, amount_unit per code); `previous` is last year's cells of the same unit."""

    cells: CellMap
    tables: dict[str, dict]
    kind: str | None
    claims: list[dict]
    evaluations: list[dict]
    previous: CellMap | None = None
    year: int | None = None
    required_tables: tuple[str, ...] = ()  # what its template requires (parsers.templates); () → all ten
    reading: dict = field(default_factory=dict)  # what a careful reader notes (parsers.careful); {} if not read

    @cached_property
    def statuses(self) -> dict[str, str]:
        return {code: t["status"] for code, t in self.tables.items()}

    @cached_property
    def pages(self) -> dict[str, list[int]]:
        return {code: t["pages"] for code, t in self.tables.items()}

    @cached_property
    def units(self) -> dict[str, str | None]:
        return {code: t.get("amount_unit") for code, t in self.tables.items()}

    @cached_property
    def keys(self) -> TableKeys:
        return TableKeys(self.cells)  # built once: every rule family expands rows with it


@dataclass(frozen=True)
class CheckerFamily:
    """One family of checks: what it finds in a filing, and its rules as documentation rows
    ({"id", "family", "formula", "title", "when"}) for `disclosure rules` and docs/rules.md."""

    name: str
    check: Callable[[Filing], list[Outcome]]
    documentation: Callable[[], list[dict]]
    on_statements: bool = False  # also checked on a 绩效说明, which prints no tables
    on_budgets: bool = False  # checked on a budget (its B-tables), where the final accounts' rules mean nothing


def doc_row(rule_id: str, family: str, formula: str, title: str, when: tuple[str, ...] | list[str] = ()) -> dict:
    return {"id": rule_id, "family": family, "formula": formula, "title": title, "when": list(when)}
