"""A unit's final account for year Y against its budget for Y (what no peer checks). Pure.

- the 三公 预算数 the final account prints (09, row 1, columns 1–6) against the budget's 三公
  table (B9: 三公经费合计, or the table's 合计 where it prints no 三公 subtotal; 因公出国(境);
  公务用车 and its 购置 / 运行; 公务接待), in the final account's amount unit.
Each outcome carries both documents' figures and pages; without one of the two documents, or
without its 三公 table, every rule is "not evaluated" with the reason. The engine validates one
document at a time: the stage that holds both documents of a unit and year calls
`final_against_budget`.
"""

from __future__ import annotations

from decimal import Decimal

from validation.core import NOT_EVALUATED, Filing, Outcome, decide, doc_row, rounding_envelope

ACROSS = "across_documents"
UNIT_FACTORS = {"元": Decimal(1), "千元": Decimal(1000), "万元": Decimal(10000), "亿元": Decimal(100000000)}
# (rule, final account's cell, the budget's cells in order of preference, what it checks)
PAIRS = (
    (
        "xdoc.three_public_total",
        ("09", "1", 1),
        (("B9", "合计", 20), ("B9", "合计", 1)),
        "三公 预算数 合计 = the budget's 三公 total",
    ),
    ("xdoc.three_public_abroad", ("09", "1", 2), (("B9", "合计", 21),), "因公出国(境)费 预算数 = the budget's"),
    ("xdoc.three_public_cars", ("09", "1", 3), (("B9", "合计", 22),), "公务用车购置及运行维护费 预算数 = the budget's"),
    ("xdoc.three_public_car_purchase", ("09", "1", 4), (("B9", "合计", 23),), "公务用车购置费 预算数 = the budget's"),
    (
        "xdoc.three_public_car_running",
        ("09", "1", 5),
        (("B9", "合计", 24),),
        "公务用车运行维护费 预算数 = the budget's",
    ),
    ("xdoc.three_public_reception", ("09", "1", 6), (("B9", "合计", 25),), "公务接待费 预算数 = the budget's"),
)


def _label(key: tuple[str, str, int]) -> str:
    return f"{key[0]}[{key[1]}].{key[2]}"


def _table(filing: Filing, code: str) -> dict:
    return filing.tables.get(code) or {}


def final_against_budget(final: Filing | None, budget: Filing | None, year: int | None = None) -> list[Outcome]:
    """The cross-document rules for one unit and year: `final` its final account, `budget` its
    budget (either may be None when the archive has not got it)."""
    why = None
    if final is None:
        why = f"no {year or ''} final account of this unit in the archive".replace("  ", " ")
    elif budget is None:
        why = f"no {year or ''} budget of this unit in the archive".replace("  ", " ")
    elif _table(final, "09").get("status", "missing") == "missing":
        why = "the final account prints no 三公 table (09)"
    elif _table(budget, "B9").get("status", "missing") == "missing":
        why = "the budget prints no 三公 table"
    if why:
        return [Outcome(rule_id, ACROSS, "", NOT_EVALUATED, reason=why) for rule_id, *_ in PAIRS]
    final_unit, budget_unit = (
        _table(final, "09").get("amount_unit") or "万元",
        _table(budget, "B9").get("amount_unit") or "万元",
    )
    if final_unit not in UNIT_FACTORS or budget_unit not in UNIT_FACTORS:
        return [
            Outcome(rule_id, ACROSS, "", NOT_EVALUATED, reason=f"unknown amount unit ({final_unit}, {budget_unit})")
            for rule_id, *_ in PAIRS
        ]
    scale = UNIT_FACTORS[budget_unit] / UNIT_FACTORS[final_unit]
    final_pages, budget_pages = _table(final, "09").get("pages", []), _table(budget, "B9").get("pages", [])
    where = f"final account p. {', '.join(map(str, final_pages)) or '?'}; budget p. {', '.join(map(str, budget_pages)) or '?'}"
    out = []
    for rule_id, final_key, budget_keys, _title in PAIRS:
        printed = final.cells.get(final_key)
        key = next((k for k in budget_keys if budget.cells.get(k) is not None), None)
        if printed is None and key is None:
            continue  # neither document prints it: nothing budgeted
        budgeted = budget.cells.get(key, Decimal(0)) * scale if key else Decimal(0)
        cells = {f"决算 {_label(final_key)}": str(printed if printed is not None else "")}
        if key:
            cells[f"预算 {_label(key)}"] = str(budget.cells[key])
        tolerance = rounding_envelope(1)
        difference = (printed or Decimal(0)) - budgeted
        out.append(
            Outcome(
                rule_id,
                ACROSS,
                "",
                decide(difference, tolerance),
                budgeted,
                printed or Decimal(0),
                difference,
                tolerance,
                cells,
                sorted(set(final_pages)),
                where,
            )
        )
    return out


def documentation() -> list[dict]:
    return [
        doc_row(rule_id, ACROSS, f"{_label(f)} = budget's {' or '.join(_label(b) for b in bs)}", title)
        for rule_id, f, bs, title in PAIRS
    ]
