"""Budget against actual from the store when a budget prints no 支出总表 (B3): the chart takes
the spending from the 收支总表 (B1), the 基本支出表 (BG) and the 项目支出表 (BE) instead.

The budget is Yantai's real 2026 统计局 部门预算 (tests/real/yt_tjj_2026_dept_budget.pdf) loaded
without its B3, as a budget that omits the table would be; the final account beside it is a
fixture of the same unit and year holding only the 03 totals the chart reads."""

from __future__ import annotations

import dataclasses
from decimal import Decimal

from sqlalchemy import create_engine

from parsers.model import Cell, ParseResult, TableInfo
from reporting.budget_actual import budget_actual_rows, load_budget_actual_cells
from tests.loaded import archived, yantai_unit
from tests.parsed import real_parse
from warehouse.load import load_parse

BUDGET = "yt_tjj_2026_dept_budget.pdf"


def test_a_budget_without_its_expenditure_table_is_charted_from_its_other_totals(migrated_url):
    budget = real_parse(BUDGET)
    printed = budget.cell_map()
    without_b3 = dataclasses.replace(
        budget,
        cells=[c for c in budget.cells if c.table != "B3"],
        tables={k: v for k, v in budget.tables.items() if k != "B3"},
    )
    final = ParseResult(
        "http://yt.invalid/js.pdf",
        "烟台市统计局",
        2026,
        "部门决算",
        {"03": TableInfo("present", [4], "万元")},
        [Cell("03", "合计", 1, Decimal("2000.00"), "合计", 4), Cell("03", "合计", 2, Decimal("1650.00"), "合计", 4)],
    )
    engine = create_engine(migrated_url.replace("postgresql://", "postgresql+psycopg://"))
    with engine.begin() as conn:
        yantai_unit(conn)
        load_parse(
            conn, archived(conn, "烟台市统计局2026年部门预算", "部门预算", 2026, "http://yt.invalid/ys.pdf"), without_b3
        )
        load_parse(conn, archived(conn, "烟台市统计局2026年部门决算", "部门决算", 2026, final.source), final)
        rows = budget_actual_rows(load_budget_actual_cells(conn))
    by_figure = {r["figure"]: r for r in rows[("yt", "yt-tjj")]}
    spent, basic, project = by_figure["支出合计"], by_figure["基本支出"], by_figure["项目支出"]
    # The same figures the budget's own 支出总表 prints (B3[合计].1–3, p. 10), from B1 p. 7, BG p. 21, BE p. 24.
    assert (spent["budget"], spent["budget_page"]) == (printed[("B3", "合计", 1)], 7) == (Decimal("2123.11"), 7)
    assert (basic["budget"], basic["budget_page"]) == (printed[("B3", "合计", 2)], 21) == (Decimal("1704.11"), 21)
    assert (project["budget"], project["budget_page"]) == (printed[("B3", "合计", 3)], 24) == (Decimal("419.00"), 24)
    assert (spent["actual"], spent["difference"], spent["execution"]) == (
        Decimal("2000.00"),
        Decimal("-123.11"),
        "94.2%",
    )
    assert project["actual"] is None and project["execution"] == ""  # the final account prints no 项目支出 here
    assert by_figure["三公经费"]["budget"] == Decimal("14.30")  # B9 with no 三公 subtotal: its 合计 (p. 18)
