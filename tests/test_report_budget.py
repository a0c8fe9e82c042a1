"""The report's budget parts as pure functions: budget against actual in 万元 whatever unit each
table prints (the Putuo 商务委 budget: 支出总表 in 元, 三公 in 万元), and which documents a
cross-document finding cites when its evidence does not name them."""

from decimal import Decimal

from reporting.across_findings import across_title, cited_documents
from reporting.budget_actual import budget_actual_rows, in_wan


def cell(year, side, figure, value, unit, page, kind=None):
    return {
        "jurisdiction": "sh",
        "unit_code": "sww",
        "fiscal_year": year,
        "scope": "部门",
        "kind": kind or f"部门{side}",
        "side": side,
        "figure": figure,
        "value": Decimal(value),
        "amount_unit": unit,
        "page": page,
        "filing_id": 1 if side == "预算" else 2,
    }


def test_budget_against_actual_in_wan_by_each_tables_unit():
    # sh_putuo_sww_2025_dept_budget.pdf: B3[合计].1 = 371,514,655.00 元 (p. 12), B9 三公 1.00 万元 (p. 21)
    rows = budget_actual_rows(
        [
            cell(2025, "预算", "支出合计", "371514655.00", "元", 12),
            cell(2025, "决算", "支出合计", "36012.44", "万元", 5),
            cell(2025, "预算", "三公经费", "1.00", "万元", 21),
            cell(2024, "预算", "支出合计", "350000000.00", "元", 12),  # no final account for 2024
        ]
    )
    by = {(r["fiscal_year"], r["figure"]): r for r in rows[("sh", "sww")]}
    spent = by[(2025, "支出合计")]
    assert (spent["budget"], spent["actual"], spent["difference"]) == (
        Decimal("37151.47"),
        Decimal("36012.44"),
        Decimal("-1139.03"),
    )
    assert spent["execution"] == "96.9%" and (spent["budget_page"], spent["actual_page"]) == (12, 5)
    assert by[(2025, "三公经费")]["actual"] is None and by[(2025, "三公经费")]["execution"] == ""
    assert by[(2024, "支出合计")]["budget"] == Decimal("35000.00")  # shown beside a blank
    assert in_wan(Decimal("1500"), "千元") == Decimal("150.00")


def test_a_unit_with_no_year_of_both_documents_has_nothing_to_compare():
    assert budget_actual_rows([cell(2025, "决算", "支出合计", "584.83", "万元", 3)]) == {}


def test_cross_document_titles_in_chinese():
    assert (
        across_title("across_documents.three_public_cars")
        == "决算所列公务用车购置及运行维护费预算数 = 当年预算公开所列"
    )
    assert (
        across_title("across_documents.prior_three_public_total") == "预算所列上年“三公”经费预算数合计 = 上年决算所列"
    )
    assert across_title("across_documents.evaluation_initial_budget").startswith("绩效自评表的年初预算数")
    assert across_title("within_table.01") is None


def test_a_budget_share_reads_as_a_share_in_percent():
    from reporting.finding_titles import finding_title, value_unit, with_unit

    assert finding_title("budget.narrative_percent", None) == "预算说明中的占比 = 按预算报表计算的占比"
    assert with_unit("35.20", value_unit("budget.narrative_percent", "万元")) == "35.20%"
    assert value_unit("budget.narrative_amount", "万元") == "万元"


def test_a_finding_without_named_documents_cites_its_counterpart_at_the_tables_it_names():
    finding = {
        "kind": "单位决算",
        "fiscal_year": 2023,
        "storage_key": "sha256/aa/bb/final",
        "media_type": "application/pdf",
        "source_url": "http://x/final.pdf",
        "evidence": {"cells": {"决算 09[1].3": "8.59", "预算 B9[合计].22": "10.59"}, "pages": [13]},
        "tables": {"09": {"pages": [13]}},
        "documents": None,
        "other_kind": "单位预算",
        "other_storage_key": "sha256/cc/dd/budget",
        "other_media_type": "application/pdf",
        "other_source_url": "http://x/budget.pdf",
        "other_tables": {"B9": {"pages": [6, 7]}, "B3": {"pages": [3]}},
    }
    final, budget = cited_documents(finding)
    assert (final["kind"], final["pages"]) == ("单位决算", [13])
    assert (budget["kind"], budget["storage_key"], budget["pages"]) == ("单位预算", "sha256/cc/dd/budget", [6, 7])
    named = {**finding, "documents": [{"kind": "单位预算", "pages": [2]}]}
    assert cited_documents(named) == [{"kind": "单位预算", "pages": [2]}]
