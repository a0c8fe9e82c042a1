"""A unit's final account for Y against its budget for Y: the 三公 预算数 the final account
prints (09) against the budget's 三公 table (B9), each self-evaluation's 年初预算数 against the
budget's project amount, the narrative's 年初预算 sentences; a budget's 上年 三公 columns against
last year's final account. Both documents' pages cited. (The store: test_across_documents_store.)"""

from __future__ import annotations

from decimal import Decimal

from validation.across_documents import (
    budget_against_previous_final,
    final_against_budget,
    project_key,
)
from validation.core import Filing


def _outcomes(*args, **kwargs):
    return [r.outcome for r in final_against_budget(*args, **kwargs)]


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
    outcomes = _outcomes(
        _filing(FINAL, "09", [12], "万元", "部门决算"), _filing(BUDGET, "B9", [31], "万元", "部门预算"), 2025
    )
    assert {o.rule_id: o.status for o in outcomes} == {
        "across_documents.three_public_total": "passed",
        "across_documents.three_public_abroad": "passed",
        "across_documents.three_public_cars": "passed",
        "across_documents.three_public_car_purchase": "passed",
        "across_documents.three_public_car_running": "passed",
        "across_documents.three_public_reception": "passed",
    }


def test_a_planted_three_public_mismatch_fails_citing_both_documents_pages():
    planted = {**BUDGET, ("B9", "合计", 25): "12.50", ("B9", "合计", 20): "44.91"}
    results = {
        r.outcome.rule_id: r
        for r in final_against_budget(
            _filing(FINAL, "09", [12], "万元", "部门决算"), _filing(planted, "B9", [31], "万元", "部门预算"), 2025
        )
    }
    reception = results["across_documents.three_public_reception"].outcome
    assert reception.status == "failed" and reception.difference == Decimal("3.00")
    assert reception.cells == {"决算 09[1].6": "15.50", "预算 B9[合计].25": "12.50"}
    assert "final account p. 12" in reception.reason and "budget p. 31" in reception.reason
    assert results["across_documents.three_public_reception"].pages == {"final": [12], "budget": [31]}
    assert results["across_documents.three_public_total"].outcome.status == "failed"
    assert results["across_documents.three_public_cars"].outcome.status == "passed"


def test_a_budget_in_yuan_is_compared_in_the_final_accounts_unit():
    in_yuan = {k: str(Decimal(v) * 10000) for k, v in BUDGET.items()}
    outcomes = _outcomes(
        _filing(FINAL, "09", [12], "万元", "部门决算"), _filing(in_yuan, "B9", [31], "元", "部门预算"), 2025
    )
    assert outcomes and all(o.status == "passed" for o in outcomes)


def test_without_the_other_document_nothing_is_evaluated_and_the_reason_says_why():
    final = _filing(FINAL, "09", [12], "万元", "部门决算")
    for outcome in _outcomes(final, None, 2025):
        assert outcome.status == "not_evaluated" and outcome.reason == "no 2025 budget of this unit in the archive"
    no_table = Filing({}, {"B1": {"status": "present", "pages": [5]}}, "部门预算", [], [])
    assert {o.reason for o in _outcomes(final, no_table, 2025)} == {"the budget prints no 三公 table"}


# Seed 001's self-evaluations as the parser reads them (年初预算数: 目标申报数, 预算编制数), page 21 / 23.
EVALUATIONS = [
    {
        "seq": 2,
        "scope": "project",
        "project_name": "J律师顾问费",
        "page": 21,
        "budget_lines": [{"label": "资金总额", "full": "5", "executed": "5", "initial": ["5", "5"]}],
    },
    {
        "seq": 3,
        "scope": "project",
        "project_name": "J政府采购事务经费",
        "page": 23,
        "budget_lines": [{"label": "资金总额", "full": "19.14", "executed": "17.284", "initial": ["0", "19.14"]}],
    },
    {
        "seq": 4,
        "scope": "project",
        "project_name": "QT其他养人1",
        "page": 25,
        "budget_lines": [{"label": "资金总额", "full": "1.782", "executed": "1.465", "initial": ["1.782", "1.782"]}],
    },
    {"seq": 5, "scope": "project", "project_name": "J残疾人就业保障金", "page": 19, "budget_lines": []},
    {"seq": 6, "scope": "department", "project_name": None, "page": 30, "budget_lines": []},
]


def _budget(cells: dict, tables: dict) -> Filing:
    return Filing({k: Decimal(v) for k, v in cells.items()}, tables, "单位预算", [], [])


def test_each_self_evaluation_is_checked_against_the_project_the_budget_set():
    final = Filing({}, {"09": {"status": "missing"}}, "单位决算", [], EVALUATIONS, year=2024)
    budget = _budget(
        {
            ("BE", "合计", 1): "26.00",
            ("BE", "律师顾问费", 1): "5.00",
            ("BE", "其他养人1", 1): "1.78",
            ("BF", "政府采购事务经费/年度资金总额", 1): "21.14",  # a card only, and 2.00 more
            ("BF", "政府采购事务经费/财政拨款", 1): "21.14",
        },
        {"BE": {"status": "present", "pages": [10], "amount_unit": "万元"}, "BF": {"status": "present", "pages": [12]}},
    )
    pages = {("BE", "律师顾问费", 1): 10, ("BE", "其他养人1", 1): 10, ("BF", "政府采购事务经费/年度资金总额", 1): 12}
    results = {
        r.outcome.subject: r
        for r in final_against_budget(final, budget, 2024, pages)
        if r.outcome.rule_id == "across_documents.evaluation_initial_budget"
    }
    assert {s: r.outcome.status for s, r in results.items()} == {
        "2": "passed",
        "3": "failed",
        "4": "rounding",
        "5": "not_evaluated",
    }
    procurement = results["3"]
    assert (procurement.outcome.expected, procurement.outcome.actual) == (Decimal("21.14"), Decimal("19.14"))
    assert procurement.pages == {"final": [23], "budget": [12]}
    assert procurement.outcome.cells == {
        "决算 J政府采购事务经费 年初预算数": "19.14",
        "预算 BF[政府采购事务经费/年度资金总额].1": "21.14",
    }
    assert results["5"].outcome.reason == "“J残疾人就业保障金” prints no 年初预算数"
    # A budget that lists no projects: one outcome saying so, not one per evaluation.
    bare = _budget(BUDGET, {"B9": {"status": "present", "pages": [31]}})
    (only,) = [r.outcome for r in final_against_budget(final, bare, 2024) if "evaluation" in r.outcome.rule_id]
    assert only.status == "not_evaluated" and only.reason == "the budget lists no projects (项目支出表 or 绩效目标表)"


def test_project_names_meet_across_the_two_documents():
    assert project_key("J律师顾问费") == project_key("律师顾问费") == "律师顾问费"
    assert project_key("QT其他养人1") == "其他养人1"
    assert project_key("Z公共资源交易中心数字CA证书建设") == "公共资源交易中心数字CA证书建设"
    assert project_key("“信息化运行维护”项目") == project_key("信息化 运行维护") == "信息化运行维护"
    assert project_key("2024年度培训") == "2024年度培训"  # a year is not a code prefix


def test_a_narrative_initial_budget_sentence_is_checked_against_the_budget():
    claim = {
        "seq": 7,
        "kind": "initial_budget",
        "restates": "B7[201].1",
        "value": "582.22",
        "sentence": "一般公共服务支出年初预算582.22万元，支出决算514.54万元",
        "page": 16,
    }
    final = Filing({}, {"09": {"status": "missing"}}, "单位决算", [claim], [], year=2024)
    budget = _budget({("B7", "201", 1): "5822200"}, {"B7": {"status": "present", "pages": [6], "amount_unit": "元"}})
    (result,) = [
        r for r in final_against_budget(final, budget, 2024, {("B7", "201", 1): 6}) if "narrative" in r.outcome.rule_id
    ]
    assert result.outcome.status == "passed" and result.pages == {"final": [16], "budget": [6]}
    wrong = _budget({("B7", "201", 1): "5800000"}, {"B7": {"status": "present", "pages": [6], "amount_unit": "元"}})
    (failed,) = [r.outcome for r in final_against_budget(final, wrong, 2024) if "narrative" in r.outcome.rule_id]
    assert failed.status == "failed" and failed.difference == Decimal("2.22")


# Yantai's 2026 budget prints its 2025 三公 budget beside 2026's (B9 columns 101, 122, 124, 125).
YANTAI_B9 = {
    ("B9", "合计", 101): "14.30",
    ("B9", "合计", 122): "12.50",
    ("B9", "合计", 124): "12.50",
    ("B9", "合计", 125): "1.80",
    ("B9", "合计", 1): "14.30",
    ("B9", "合计", 22): "12.50",
    ("B9", "合计", 24): "12.50",
    ("B9", "合计", 25): "1.80",
}


def test_a_budgets_prior_year_columns_are_checked_against_last_years_final_account():
    budget = _budget(YANTAI_B9, {"B9": {"status": "present", "pages": [18], "amount_unit": "万元"}})
    last_year = {("09", "1", 1): "14.30", ("09", "1", 3): "12.50", ("09", "1", 5): "12.50", ("09", "1", 6): "1.80"}
    final = _filing(last_year, "09", [14], "万元", "部门决算")
    results = {r.outcome.rule_id: r for r in budget_against_previous_final(budget, final, 2026)}
    assert {k: r.outcome.status for k, r in results.items()} == {
        "across_documents.prior_three_public_total": "passed",
        "across_documents.prior_three_public_cars": "passed",
        "across_documents.prior_three_public_car_running": "passed",
        "across_documents.prior_three_public_reception": "passed",
    }
    reception = results["across_documents.prior_three_public_reception"]
    assert reception.pages == {"final": [14], "budget": [18]}
    assert reception.outcome.pages == [18]  # the finding is the budget's: its own page
    moved = {**last_year, ("09", "1", 6): "2.80", ("09", "1", 1): "15.30"}
    failed = {
        r.outcome.rule_id: r.outcome
        for r in budget_against_previous_final(budget, _filing(moved, "09", [14], "万元", "部门决算"), 2026)
        if r.outcome.status == "failed"
    }
    assert set(failed) == {"across_documents.prior_three_public_total", "across_documents.prior_three_public_reception"}
    moved_reception = failed["across_documents.prior_three_public_reception"]
    # What the budget prints as last year's (actual) against what last year's final account set (expected).
    assert (moved_reception.actual, moved_reception.expected) == (Decimal("1.80"), Decimal("2.80"))
    assert moved_reception.cells == {"2025 决算 09[1].6": "2.80", "预算 上年 B9[合计].125": "1.80"}
    missing = budget_against_previous_final(budget, None, 2026)
    assert {r.outcome.reason for r in missing} == {"no 2025 final account of this unit in the archive"}
    # A budget that prints no 上年 column has nothing to compare.
    this_year_only = _budget(
        {k: v for k, v in YANTAI_B9.items() if k[2] < 100}, {"B9": {"status": "present", "pages": [18]}}
    )
    assert budget_against_previous_final(this_year_only, final, 2026) == []


def test_the_store_normalises_project_names_as_the_rule_does(migrated_url):
    from sqlalchemy import create_engine, text

    names = [
        "J律师顾问费",
        "QT其他养人1",
        "“信息化运行维护”项目",
        "信息化 运行维护",
        "2024年度培训",
        "Z委托业务费",
        "（二）培训",
    ]
    engine = create_engine(migrated_url)
    with engine.connect() as conn:
        stored = [conn.execute(text("SELECT disclosure.project_key(:n)"), {"n": n}).scalar() for n in names]
    engine.dispose()
    assert stored == [project_key(n) for n in names]
