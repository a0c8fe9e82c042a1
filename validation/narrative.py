"""The narrative against the tables: every claim of 情况说明 checked against the cells it
restates. Pure. Year-on-year changes need last year's filing (validation.cross_year)."""

from __future__ import annotations

from decimal import Decimal

from parsers.narrative import INITIAL_BUDGET
from validation.core import (
    HALF_CENT,
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
    share,
    sum_terms,
)
from validation.performance import count_outcome

NARRATIVE = "narrative"  # the family, and the prefix of its rule ids
CHANGE = f"{NARRATIVE}.change"  # checked in validation.cross_year, which has last year's filing
RULES = {
    "narrative.amount": ("each amount of 情况说明", "= the cells it restates (e.g. 收入总计 = 01[31].1)"),
    "narrative.percent": (
        "each share (占比P%)",
        "= part / whole × 100 unrounded, within half the printed digit and the rounding of both",
    ),
    "narrative.count": ("each count (共有车辆N辆)", "= the table's count (10[7].1)"),
    CHANGE: (
        "each year-on-year change (与上年相比…增加/减少X万元)",
        "= this year's cells − last year's (needs last year's filing)",
    ),
}


def claim_outcome(
    claim: dict,
    cells: CellMap,
    statuses: dict[str, str],
    pages: dict[str, list[int]],
    keys: TableKeys,
    evaluations: list[dict] | None = None,
) -> Outcome:
    if claim["restates"].startswith("evaluations["):
        return count_outcome(claim, evaluations or [])
    kind, seq = claim["kind"], str(claim["seq"])
    rule_id = f"narrative.{kind}"
    sentence = f"“{claim['sentence']}”"
    terms = parse_terms(claim["restates"]) + (parse_terms(claim["share_of"]) if claim.get("share_of") else ())
    tables = sorted({t.table for t in terms})
    claim_pages = [claim["page"]] if claim.get("page") else []
    all_pages = sorted(set(claim_pages) | {p for t in tables for p in pages.get(t, [])})
    missing = [t for t in tables if statuses.get(t, "missing") == "missing"]
    if missing:
        return Outcome(
            rule_id,
            NARRATIVE,
            seq,
            NOT_EVALUATED,
            pages=all_pages,
            reason=f"table {', '.join(missing)} missing; {sentence}",
        )
    printed: dict[str, str] = {}
    part, n = sum_terms(parse_terms(claim["restates"]), None, cells, keys, printed)
    actual = Decimal(claim["value"])
    if kind == "percent":  # a sum of n printed figures is off by up to n half cents
        whole, m = sum_terms(parse_terms(claim["share_of"]), None, cells, keys, printed)
        judged = share(part, whole, claim["value"], n * HALF_CENT, m * HALF_CENT)
        return judged.outcome(rule_id, NARRATIVE, seq, actual, printed, all_pages, sentence)
    expected = part
    tolerance = rounding_envelope(n) if kind == "amount" else Decimal(0)
    difference = actual - expected
    return Outcome(
        rule_id,
        NARRATIVE,
        seq,
        decide(difference, tolerance),
        expected,
        actual,
        difference,
        tolerance.quantize(Decimal("0.0001")),
        printed,
        all_pages,
        reason=sentence,
    )


def validate_claims(
    claims: list[dict],
    cells: CellMap,
    statuses: dict[str, str],
    pages: dict[str, list[int]] | None = None,
    evaluations: list[dict] | None = None,
    keys: TableKeys | None = None,
) -> list[Outcome]:
    keys = keys or TableKeys(cells)
    # Year-on-year changes need last year's filing: validation.cross_year checks them; the
    # 年初预算 sentences need the year's budget: validation.across_documents checks them.
    # A budget's claims (restating B-tables, parsers.budget_narrative) are the budget family's.
    return [
        claim_outcome(c, cells, statuses, pages or {}, keys, evaluations)
        for c in claims
        if c["kind"] not in ("change", INITIAL_BUDGET) and not c["restates"].startswith("B")
    ]


def check(filing: Filing) -> list[Outcome]:
    return validate_claims(filing.claims, filing.cells, filing.statuses, filing.pages, filing.evaluations, filing.keys)


def documentation() -> list[dict]:
    return [doc_row(rid, NARRATIVE, formula, title) for rid, (title, formula) in RULES.items()]


FAMILY = CheckerFamily(NARRATIVE, check, documentation, on_statements=True)
