"""A budget's 上年 三公 columns against the unit's final account of the year before, in the
store: the store's validation pairs the two documents by SQL (validation/store.py) and the
finding is the budget's, citing both documents' pages.

The budget is Yantai's real 2026 统计局 部门预算 (tests/real/yt_tjj_2026_dept_budget.pdf, p. 18:
2025年 “三公”经费 14.30, 公务用车 12.50 (运行维护 12.50), 公务接待 1.80 万元 beside 2026's);
the 2025 部门决算 is a fixture of the same unit holding its 09 预算数 (table 09, row 1)."""

from __future__ import annotations

from decimal import Decimal

from sqlalchemy import create_engine, text

from parsers.model import Cell, ParseResult, TableInfo
from tests.loaded import archived, yantai_unit
from tests.parsed import real_parse
from validation.store import invalidate_next_years, pending_runs, validate_batch
from warehouse.load import load_parse

PRIOR = (
    "across_documents.prior_three_public_total",
    "across_documents.prior_three_public_abroad",
    "across_documents.prior_three_public_cars",
    "across_documents.prior_three_public_car_purchase",
    "across_documents.prior_three_public_car_running",
    "across_documents.prior_three_public_reception",
)


def _final_2025(reception: str = "1.80", total: str = "14.30") -> ParseResult:
    """09 预算数 (columns 1–6: 合计, 出国, 公务用车, 购置, 运行维护, 接待) as 2025 set them."""
    budgeted = {1: total, 2: "0.00", 3: "12.50", 4: "0.00", 5: "12.50", 6: reception}
    return ParseResult(
        "http://yt.invalid/2025js.pdf",
        "烟台市统计局",
        2025,
        "部门决算",
        {"09": TableInfo("present", [14], "万元")},
        [Cell("09", "1", col, Decimal(v), "", 14) for col, v in budgeted.items()],
    )


def _validate(conn) -> None:
    invalidate_next_years(conn)
    validate_batch(conn, pending_runs(conn))


def _budget_findings(conn) -> dict[str, dict]:
    rows = conn.execute(
        text("""
        SELECT fd.rule_id, fd.status, fd.expected, fd.actual, fd.evidence
        FROM disclosure.finding fd JOIN disclosure.parse_run pr ON pr.id = fd.parse_run_id
        WHERE pr.kind = '部门预算' AND fd.rule_id LIKE 'across_documents.prior_%'""")
    ).mappings()
    return {r["rule_id"]: dict(r) for r in rows}


def _store(migrated_url):
    engine = create_engine(migrated_url.replace("postgresql://", "postgresql+psycopg://"))
    with engine.begin() as conn:
        yantai_unit(conn)
        budget = archived(conn, "烟台市统计局2026年部门预算", "部门预算", 2026, "http://yt.invalid/2026ys.pdf")
        load_parse(conn, budget, real_parse("yt_tjj_2026_dept_budget.pdf"))
    return engine


def test_the_budgets_prior_year_columns_wait_for_and_then_agree_with_last_years_final_account(migrated_url):
    engine = _store(migrated_url)
    with engine.begin() as conn:
        _validate(conn)
        waiting = _budget_findings(conn)
    # The budget prints 上年 columns: without last year's final account every prior-year rule waits.
    assert {rule: f["status"] for rule, f in waiting.items()} == dict.fromkeys(PRIOR, "not_evaluated")
    assert {f["evidence"]["reason"] for f in waiting.values()} == {"no 2025 final account of this unit in the archive"}

    with engine.begin() as conn:  # a night later the 2025 final account arrives: the budget is checked again
        load_parse(
            conn,
            archived(conn, "烟台市统计局2025年部门决算", "部门决算", 2025, "http://yt.invalid/2025js.pdf"),
            _final_2025(),
        )
        _validate(conn)
        after = _budget_findings(conn)
    assert after == {}  # every prior-year figure agrees (passed outcomes are not stored)


def test_a_prior_year_mismatch_is_the_budgets_finding_citing_both_documents(migrated_url):
    engine = _store(migrated_url)
    with engine.begin() as conn:
        final = archived(conn, "烟台市统计局2025年部门决算", "部门决算", 2025, "http://yt.invalid/2025js.pdf")
        load_parse(conn, final, _final_2025(reception="2.80", total="15.30"))
        _validate(conn)
        failed = {rule: f for rule, f in _budget_findings(conn).items() if f["status"] == "failed"}
    assert set(failed) == {"across_documents.prior_three_public_total", "across_documents.prior_three_public_reception"}
    reception = failed["across_documents.prior_three_public_reception"]
    # Printed on the budget (actual) against what last year's final account set (expected).
    assert (reception["actual"], reception["expected"]) == (Decimal("1.80"), Decimal("2.80"))
    evidence = reception["evidence"]
    assert evidence["cells"] == {"2025 决算 09[1].6": "2.80", "预算 上年 B9[合计].125": "1.80"}
    assert evidence["pages"] == [18]  # the budget's own page
    documents = evidence["documents"]
    assert (documents["budget"]["pages"], documents["final"]["pages"]) == ([18], [14])
    assert (documents["budget"]["fiscal_year"], documents["final"]["fiscal_year"]) == (2026, 2025)
    assert documents["final"]["archived_file_id"] == final
    assert "final account p. 14; budget p. 18" in evidence["reason"]
