"""A unit's final account for Y against its budget for Y: the 三公 预算数 the final account
prints (09) against the budget's 三公 table (B9), with both documents' pages cited."""

from __future__ import annotations

from decimal import Decimal

from validation.across_documents import final_against_budget
from validation.core import Filing


def _filing(cells: dict[tuple[str, str, int], str], table: str, pages: list[int], unit: str, kind: str) -> Filing:
    return Filing(
        {k: Decimal(v) for k, v in cells.items()},
        {table: {"status": "present", "pages": pages, "amount_unit": unit}},
        kind,
        [],
        [],
        year=2025,
    )


# One fixture unit, 2025: the final account's 09 prints the 预算数 the budget set in its 三公 table.
FINAL = {
    ("09", "1", 1): "47.91",
    ("09", "1", 2): "0.00",
    ("09", "1", 3): "32.41",
    ("09", "1", 4): "0.00",
    ("09", "1", 5): "32.41",
    ("09", "1", 6): "15.50",
    ("09", "1", 7): "40.02",
    ("09", "1", 9): "28.00",
    ("09", "1", 11): "28.00",
    ("09", "1", 12): "12.02",
}
BUDGET = {
    ("B9", "合计", 20): "47.91",
    ("B9", "合计", 22): "32.41",
    ("B9", "合计", 24): "32.41",
    ("B9", "合计", 25): "15.50",
    ("B9", "合计", 28): "443.18",
}


def test_the_final_account_agrees_with_its_budget():
    outcomes = final_against_budget(
        _filing(FINAL, "09", [12], "万元", "部门决算"), _filing(BUDGET, "B9", [31], "万元", "部门预算"), 2025
    )
    assert {o.rule_id: o.status for o in outcomes} == {
        "xdoc.three_public_total": "passed",
        "xdoc.three_public_abroad": "passed",
        "xdoc.three_public_cars": "passed",
        "xdoc.three_public_car_purchase": "passed",
        "xdoc.three_public_car_running": "passed",
        "xdoc.three_public_reception": "passed",
    }


def test_a_planted_three_public_mismatch_fails_citing_both_documents_pages():
    planted = {**BUDGET, ("B9", "合计", 25): "12.50", ("B9", "合计", 20): "44.91"}
    outcomes = {
        o.rule_id: o
        for o in final_against_budget(
            _filing(FINAL, "09", [12], "万元", "部门决算"), _filing(planted, "B9", [31], "万元", "部门预算"), 2025
        )
    }
    reception = outcomes["xdoc.three_public_reception"]
    assert reception.status == "failed" and reception.difference == Decimal("3.00")
    assert reception.cells == {"决算 09[1].6": "15.50", "预算 B9[合计].25": "12.50"}
    assert "final account p. 12" in reception.reason and "budget p. 31" in reception.reason
    assert outcomes["xdoc.three_public_total"].status == "failed"
    assert outcomes["xdoc.three_public_cars"].status == "passed"


def test_a_budget_in_yuan_is_compared_in_the_final_accounts_unit():
    in_yuan = {k: str(Decimal(v) * 10000) for k, v in BUDGET.items()}
    outcomes = final_against_budget(
        _filing(FINAL, "09", [12], "万元", "部门决算"), _filing(in_yuan, "B9", [31], "元", "部门预算"), 2025
    )
    assert all(o.status == "passed" for o in outcomes)


def test_without_the_other_document_nothing_is_evaluated_and_the_reason_says_why():
    final = _filing(FINAL, "09", [12], "万元", "部门决算")
    for outcome in final_against_budget(final, None, 2025):
        assert outcome.status == "not_evaluated" and outcome.reason == "no 2025 budget of this unit in the archive"
    no_table = Filing({}, {"B1": {"status": "present", "pages": [5]}}, "部门预算", [], [])
    assert {o.reason for o in final_against_budget(final, no_table, 2025)} == {"the budget prints no 三公 table"}
