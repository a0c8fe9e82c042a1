"""Across years for the same unit (only a longitudinal archive can check these). Pure.

- 01[29].1 of year Y = 01[60].2 of year Y−1; 04[28].1 (Y) = 04[60].2 (Y−1);
- the narrative's year-on-year changes = the difference of the two filings' figures.
Without last year's filing every one of them is "not evaluated", with the reason.
"""

from __future__ import annotations

from decimal import Decimal

from validation.core import (
    NOT_EVALUATED,
    CellMap,
    CheckerFamily,
    Filing,
    Outcome,
    TableKeys,
    decide,
    doc_row,
    parse_terms,
    rounding_envelope,
    sum_terms,
)
from validation.narrative import CHANGE, NARRATIVE

CROSS_YEAR = "xyear"  # the family, and the prefix of its rule ids
CHAINS = (
    ("xyear.opening_01", "01[29].1", "01[60].2", "年初结转和结余 equals last year's 年末结转和结余"),
    ("xyear.opening_04", "04[28].1", "04[60].2", "年初财政拨款结转和结余 equals last year's 年末财政拨款结转和结余"),
)


def _value(
    expression: str, cells: CellMap, keys: TableKeys, printed: dict[str, str], prefix: str = ""
) -> tuple[Decimal, int]:
    local: dict[str, str] = {}
    total, n = sum_terms(parse_terms(expression), None, cells, keys, local)
    printed.update({prefix + k: v for k, v in local.items()})
    return total, n


def cross_year_outcomes(
    cells: CellMap, previous: CellMap | None, previous_year: int, claims: list[dict], keys: TableKeys | None = None
) -> list[Outcome]:
    out: list[Outcome] = []
    missing = f"no {previous_year} filing of this unit in the archive"
    keys = keys or TableKeys(cells)
    previous_keys = TableKeys(previous) if previous is not None else None
    for rule_id, now_ref, before_ref, _title in CHAINS:
        if previous is None:
            out.append(Outcome(rule_id, CROSS_YEAR, "", NOT_EVALUATED, reason=missing))
            continue
        printed: dict[str, str] = {}
        now, _ = _value(now_ref, cells, keys, printed)
        before, _ = _value(before_ref, previous, previous_keys, printed, prefix=f"{previous_year}:")
        diff = now - before
        tolerance = rounding_envelope(1)  # one figure carried over, rounded in each year
        out.append(Outcome(rule_id, CROSS_YEAR, "", decide(diff, tolerance), before, now, diff, tolerance, printed))
    for claim in claims:
        if claim["kind"] != "change" or claim["restates"].startswith("B"):
            continue  # a budget's changes are the budget family's (validation.budget)
        subject, actual = str(claim["seq"]), Decimal(claim["value"])
        sentence = f"“{claim['sentence']}”"
        if previous is None:
            out.append(
                Outcome(CHANGE, NARRATIVE, subject, NOT_EVALUATED, actual=actual, reason=f"{missing}; {sentence}")
            )
            continue
        printed = {}
        now, n = _value(claim["restates"], cells, keys, printed)
        before, _ = _value(claim["restates"], previous, previous_keys, printed, prefix=f"{previous_year}:")
        expected = now - before
        tolerance = rounding_envelope(2 * n)  # n figures in each year
        diff = actual - expected
        pages = [claim["page"]] if claim.get("page") else []
        status = decide(diff, tolerance)
        out.append(
            Outcome(CHANGE, NARRATIVE, subject, status, expected, actual, diff, tolerance, printed, pages, sentence)
        )
    return out


def check(filing: Filing) -> list[Outcome]:
    return cross_year_outcomes(filing.cells, filing.previous, (filing.year or 0) - 1, filing.claims, filing.keys)


def documentation() -> list[dict]:
    return [doc_row(rid, CROSS_YEAR, f"{now} = last year's {before}", title) for rid, now, before, title in CHAINS]


FAMILY = CheckerFamily(CROSS_YEAR, check, documentation)
