"""The narrative against the tables: every claim of 情况说明 checked against the cells it
restates. Pure. Year-on-year changes need last year's filing (cross-year rules)."""
from __future__ import annotations

from decimal import Decimal

from validation.engine import HALF_CENT, CellMap, Outcome, TableKeys, _sum, parse_formula

NARRATIVE = "narrative"


def _terms(expression: str):
    return parse_formula(f"{expression} = {expression}").lhs


def _decimals(value: str) -> int:
    return len(value.split(".", 1)[1]) if "." in value else 0


def claim_outcome(claim: dict, cells: CellMap, statuses: dict[str, str], pages: dict[str, list[int]],
                  keys: TableKeys, evaluations: list[dict] | None = None) -> Outcome:
    if claim["restates"].startswith("evaluations["):
        from validation.performance import count_outcome

        return count_outcome(claim, evaluations or [])
    kind, seq = claim["kind"], str(claim["seq"])
    rule_id = f"narrative.{kind}"
    sentence = f"“{claim['sentence']}”"
    terms = _terms(claim["restates"]) + (_terms(claim["share_of"]) if claim.get("share_of") else ())
    tables = sorted({t.table for t in terms})
    claim_pages = [claim["page"]] if claim.get("page") else []
    all_pages = sorted(set(claim_pages) | {p for t in tables for p in pages.get(t, [])})
    missing = [t for t in tables if statuses.get(t, "missing") == "missing"]
    if missing:
        return Outcome(rule_id, NARRATIVE, seq, "not_evaluated", pages=all_pages,
                       reason=f"table {', '.join(missing)} missing; {sentence}")
    printed: dict[str, str] = {}
    part, n = _sum(_terms(claim["restates"]), None, cells, keys, printed)
    actual = Decimal(claim["value"])
    if kind == "percent":
        whole, _ = _sum(_terms(claim["share_of"]), None, cells, keys, printed)
        expected = (part / whole * 100) if whole else Decimal(0)
        expected = expected.quantize(Decimal(1).scaleb(-_decimals(claim["value"])))
        # Half a unit of the last printed digit, plus what the rounding of part and whole can move it.
        tolerance = Decimal("0.5").scaleb(-_decimals(claim["value"]))
        if part and whole:
            tolerance += abs(expected) * (HALF_CENT / abs(part) + HALF_CENT / abs(whole))
    else:
        expected = part
        tolerance = (n + 1) * HALF_CENT if kind == "amount" else Decimal(0)
    difference = actual - expected
    status = "passed" if difference == 0 else ("rounding" if abs(difference) <= tolerance else "failed")
    return Outcome(rule_id, NARRATIVE, seq, status, expected, actual, difference, tolerance.quantize(Decimal("0.0001")),
                   printed, all_pages, reason=sentence)


def validate_claims(claims: list[dict], cells: CellMap, statuses: dict[str, str],
                    pages: dict[str, list[int]] | None = None, evaluations: list[dict] | None = None,
                    keys: TableKeys | None = None) -> list[Outcome]:
    keys = keys or TableKeys(cells)
    # Year-on-year changes need last year's filing: validation.cross_year checks them.
    return [claim_outcome(c, cells, statuses, pages or {}, keys, evaluations) for c in claims if c["kind"] != "change"]
