"""Budgets read into cells with the budget keys (docs/budget-keys.md), on real published
budgets (tests/real) against hand-checked truth (tests/real/truth, printed terms read on the
page images by the truth engineer). The test maps the truth's printed terms — title, row label
or 科目编码, column header path — to the keys by their words; it never copies parser output."""

from __future__ import annotations

import json
import re
from decimal import Decimal
from pathlib import Path

import pytest

from parsers.budget import column_key, match_budget_title, row_key
from parsers.model import TABLE_CODES
from tests.parsed import real_parse as parsed

REAL = Path(__file__).resolve().parent / "real"
TRUTH = REAL / "truth"
IDENTITY = json.loads((TRUTH / "identity.json").read_text(encoding="utf-8"))
EXACT_SHARE = Decimal("0.99")
# The budgets read to the acceptance bar, with their region (at least eight, five regions).
READ_BUDGETS = {
    "sh_cwkjzx_2026_dept_budget.pdf": "上海市级",
    "sh_putuo_sfj_2026_dept_budget.pdf": "上海普陀",
    "sh_putuo_sfj_2026_unit_budget.pdf": "上海普陀",
    "sh_putuo_sww_2025_unit_budget.pdf": "上海普陀",
    "sh_putuo_zfb_2025_dept_budget.pdf": "上海普陀",
    "central_gjxfj_2026_dept_budget.pdf": "中央",
    "cs_zjjd_2026_dept_budget.pdf": "长沙",
    "js_swbgt_2018_dept_budget_tables.pdf": "江苏省",
    "js_zxbgt_2019_budget_tables.pdf": "江苏省",
    "yt_tjj_2026_dept_budget.pdf": "烟台",
    "xa_zfbgt_2026_dept_budget.pdf": "西安",
    "sh_putuo_sww_2025_dept_budget.pdf": "上海普陀",
    "sh_putuo_zfb_2025_unit_budget.pdf": "上海普陀",
    "sh_putuo_wljd_2024_dept_budget.pdf": "上海普陀",
    "sh_putuo_wljd_2025_dept_budget.pdf": "上海普陀",
    "suz_sjj_2026_dept_budget.pdf": "苏州",
    "wx_zjj_2026_dept_budget.pdf": "无锡",
    "sz_xfj_2026_dept_budget.pdf": "深圳",
}


def truth(name: str) -> dict:
    return json.loads((TRUTH / f"{Path(name).stem}.json").read_text(encoding="utf-8"))


def truth_keys(table: dict, cell: dict, year: int, unit: str = "") -> tuple[str | None, list[str], int | None]:
    """The budget key a truth cell's printed terms mean: (table code, candidate rows, column)."""
    code = match_budget_title(table["title"])
    row, path = cell["row"], cell["column"].split("/")
    if code == "B9":  # the 三公 table's one row; a row naming the year before is its 上年 columns
        if re.match(rf"^(上年|{year - 1}年)", row):
            path = ["上年", *path]
        elif "增减" in row:
            path = ["增减变化情况", *path]
        elif not re.match(rf"^(\(the one|{year}年$)", row):
            path = [row, *path]  # a row label that is the header above the figures
        rows = ["合计"]
    elif row in ("(the one data row)", unit):  # Shenzhen names its total row after the unit
        rows = ["合计"]
    elif re.fullmatch(r"[\d/]+", row):
        rows = [row]
    elif code == "BF" and row != "合计":  # a project's 绩效目标表 card
        rows = [re.sub(r"绩效目标表$", "", table["title"]) + "/" + row_key(row)]
    elif "/" in row:
        parent, label = row.split("/", 1)
        rows = [f"{row_key(parent)}/{row_key(label)}", row_key(label)]
    else:
        rows = [row_key(row)]
    return code, rows, column_key(path, year)


def test_the_acceptance_set_spans_eight_budgets_and_five_regions():
    assert len(READ_BUDGETS) >= 8 and len(set(r[:2] for r in READ_BUDGETS.values())) >= 5
    assert all(IDENTITY[name]["kind"].endswith("预算") for name in READ_BUDGETS)


@pytest.mark.parametrize("name", sorted(READ_BUDGETS))
def test_every_printed_budget_table_is_recognised(name):
    result = parsed(name)
    expected = {match_budget_title(t["title"]) for t in truth(name)["tables"]}
    assert None not in expected
    recognised = {
        code
        for code, info in result.tables.items()
        if code not in TABLE_CODES and code.startswith("B") and info.status != "missing"
    }
    assert expected <= recognised, sorted(expected - recognised)
    assert result.template == IDENTITY[name]["template"]
    assert set(result.required_tables) <= recognised
    # nothing of a budget is slotted as a final account's table
    assert all(result.tables[code].status == "missing" for code in TABLE_CODES)
    assert not [c for c in result.cells if c.table in TABLE_CODES]


@pytest.mark.parametrize("name", sorted(READ_BUDGETS))
def test_truth_cells_are_read_exactly(name):
    result, doc = parsed(name), truth(name)
    year = IDENTITY[name]["year"]
    cells = {(c.table, c.row, c.col): c for c in result.cells}
    wrong, total = [], 0
    for table in doc["tables"]:
        for cell in table["cells"]:
            total += 1
            code, rows, col = truth_keys(table, cell, year, IDENTITY[name]["unit"])
            got = next((cells[(code, r, col)] for r in rows if (code, r, col) in cells), None)
            if got is None or got.value != Decimal(cell["value"]) or str(got.value) != cell["value"]:
                wrong.append((table["title"], cell["row"], cell["column"], cell["value"], got and str(got.value)))
            elif got.page != cell["page"]:
                wrong.append((table["title"], cell["row"], cell["column"], "page", cell["page"], got.page))
    assert total > 0
    assert Decimal(total - len(wrong)) / total >= EXACT_SHARE, wrong[:20]


def test_performance_targets_are_kept_per_project():
    result = parsed("central_gjxfj_2026_dept_budget.pdf")
    projects = {t["project"] for t in result.targets}
    assert {"信息化运行维护", "信访综合保障经费", "信访业务培训"} <= projects
    cost = next(t for t in result.targets if t["project"] == "信息化运行维护" and t["level3"] == "项目总成本")
    assert (cost["level1"], cost["value"], cost["page"]) == ("成本指标", "≤2134.87万元", 30)


@pytest.mark.parametrize(
    "title, code",
    [
        ("公开01表", None),
        ("部门公开表1 部门收支总表", "B1"),
        ("公开表4 财政拨款收支总体情况表", "B4"),
        ("2026年预算单位财务收支预算总表", "B1"),
        ("表7 一般公共预算支出表（按功能分类）", "B7"),
        ("表8 一般公共预算支出表（按经济分类）", "BH"),
        ("2026年部门“三公”经费和机关运行经费预算表", "B9"),
        ("公开06表 财政拨款基本支出预算表（经济科目）", "B6"),
        ("一般公共预算机关运行经费支出预算表", "BC"),
        ("2026年部门一般公共预算基本支出部门预算经济分类预算表", "B8"),
        ("收入支出决算总表", None),
        ("2026年部门收入总体情况表", "B2"),
        ("2026年项目支出绩效目标表", "BF"),
    ],
)
def test_budget_titles_in_their_regional_variants(title, code):
    assert match_budget_title(title) == code


@pytest.mark.parametrize(
    "path, col",
    [
        (["合计"], 1),
        (["基本支出", "人员经费"], 4),
        (["基本支出", "小计"], 2),
        (["公务用车购置及运行维护费", "小计"], 22),
        (["“三公”经费", "小计"], 20),
        (["2026年基本支出", "合计"], 1),
        (["增减变化情况", "培训费"], 227),
        (["2025年执行数", "执行数"], 101),
        (["2026年预算数", "年初预算数", "小计"], 1),
        (["2026年预算数", "扣除中央基建投资后预算数"], 51),
        (["上年", "公务接待费"], 125),
        (["增减(%)"], None),
    ],
)
def test_columns_by_meaning(path, col):
    assert column_key(path, 2026) == col


# ------------------------------------------------------------------ the budget rules

# Known defects of the documents themselves (identity.json "defects", re-read on the page):
# sfj's 单位预算 prints 基本支出 合计 22,118,861 while its 类 rows sum to 22,118,861.34, and
# 项目支出 64,840,547.00 (the 类's project total) on the 项 row 2040601.
# wljd's 2024 经济分类 table prints the 款 of 30102 and 30107 as "2" and "7": 301 工资福利支出
# (88,282,511) is then not the sum of the 款 the table names.
KNOWN_DEFECT_FIGURES = {
    "sh_putuo_sfj_2026_unit_budget.pdf": {"22118861", "64840547.00"},
    "sh_putuo_wljd_2024_dept_budget.pdf": {"88282511"},
}


def budget_outcomes(result):
    from validation.engine import validate_parse

    return [o for o in validate_parse(result) if o.family == "budget"]


@pytest.mark.parametrize("name", sorted(READ_BUDGETS))
def test_budget_rules_find_only_the_documents_real_defects(name):
    outcomes = budget_outcomes(parsed(name))
    assert sum(o.status == "passed" for o in outcomes) >= 50
    failed = [o for o in outcomes if o.status == "failed"]
    defects = KNOWN_DEFECT_FIGURES.get(name, set())
    unexplained = [(o.rule_id, o.subject, o.cells) for o in failed if not defects & set(o.cells.values())]
    assert not unexplained
    if defects:
        assert failed and all(o.pages for o in failed)  # the defect is found, with its pages


def _budget_filing(cells: dict, tables=("B3", "B7", "B8", "B9")):
    from validation.core import Filing

    cell_map = {
        tuple(k.replace("]", "[").split("[")[:2]) + (int(k.split(".")[-1]),): Decimal(v) for k, v in cells.items()
    }
    statuses = {t: {"status": "present", "pages": [i + 4], "amount_unit": "万元"} for i, t in enumerate(tables)}
    return Filing(cell_map, statuses, "部门预算", [], [])


def test_a_planted_three_public_mismatch_fails_with_its_page():
    from validation.budget import check

    filing = _budget_filing(
        {
            "B9[合计].20": "12.00",
            "B9[合计].21": "2.00",
            "B9[合计].22": "6.00",
            "B9[合计].25": "3.00",
            "B9[合计].23": "1.00",
            "B9[合计].24": "5.00",
        }
    )
    by_id = {o.rule_id: o for o in check(filing)}
    assert by_id["B9.parts"].status == "failed" and by_id["B9.parts"].difference == Decimal("1.00")
    assert by_id["B9.parts"].pages == [7]
    assert by_id["B9.cars"].status == "passed"


def test_the_envelope_follows_the_printed_digit():
    from validation.budget import check

    whole_yuan = _budget_filing({"B3[合计].1": "1001", "B3[合计].2": "600", "B3[合计].3": "400"})
    far_off = _budget_filing({"B3[合计].1": "1005", "B3[合计].2": "600", "B3[合计].3": "400"})
    cents = _budget_filing({"B3[合计].1": "10.05", "B3[合计].2": "6.00", "B3[合计].3": "4.00"})

    def row_rule(filing):
        return next(o for o in check(filing) if o.rule_id == "B3.row_kinds" and o.subject == "合计")

    assert row_rule(whole_yuan).status == "rounding"  # 1 元 off, three figures in whole 元: within 2 元
    assert row_rule(far_off).status == "failed"
    assert row_rule(cents).status == "failed"  # 0.05 万元 off three figures in cents: beyond 0.02


def test_the_2017_jiangsu_budget_s_machine_running_costs_exceed_its_basic_expenditure():
    """identity.json: js_rdbgt_2017's 机关运行经费 table (p. 19) gives 302 商品和服务支出
    5,560.31 against 1,585.96 in its 一般公共预算基本支出预算表 (p. 17)."""
    outcomes = {o.rule_id: o for o in budget_outcomes(parsed("js_rdbgt_2017_dept_budget.pdf"))}
    found = outcomes["BC.goods_le_B8"]
    assert found.status == "failed"
    assert found.cells == {"BC[302].28": "5560.31", "B8[302].1": "1585.96"}
    assert 17 in found.pages and 19 in found.pages
    assert [o.rule_id for o in outcomes.values() if o.status == "failed"] == ["BC.goods_le_B8"]


def test_a_budget_is_checked_by_the_budget_rules_only():
    """The final accounts' rules (01–10) would only say "table 01 missing" about a budget."""
    families = {o.family for o in budget_outcomes_all(parsed("sh_putuo_zfb_2025_dept_budget.pdf"))}
    assert families == {"budget"}
    final = {o.family for o in budget_outcomes_all(parsed("sh_putuo_shgzb_2024_final.pdf"))}
    assert "budget" not in final and "within_table" in final


def budget_outcomes_all(result):
    from validation.engine import validate_parse

    return validate_parse(result)


def test_a_budget_table_from_any_format_is_read_by_its_header():
    """The reader works on pages, whatever format made them (here a grid as an XLSX or HTML
    export gives it): 类/款/项 joined, a 款 printed alone completed, the 合计 row, ragged rows."""
    from parsers.budget import read_budget
    from parsers.document import grid_page, text_page

    grid = [
        ["科目编码", None, None, "科目名称", "合计", "基本支出", "项目支出"],
        ["类", "款", "项", None, None, None, None],
        ["201", "", "", "一般公共服务支出", "1,200.50", "1,000.00", "200.50"],
        ["", "03", "", "政府办公厅（室）及相关机构事务", "1,200.50", "1,000.00", "200.50"],
        ["", "", "01", "行政运行", "1,000.00", "1,000.00", ""],
        ["合计", None, None, None, "1,200.50", "1,000.00", "200.50"],
        ["", ""],  # a ragged empty row
    ]
    pages = [text_page(1, "2026年某局部门预算"), grid_page(2, "表3\n2026年部门支出总表\n单位：万元", grid)]
    read = read_budget(pages, None)
    values = {(c.table, c.row, c.col): str(c.value) for c in read.cells}
    assert values[("B3", "201", 1)] == "1200.50" and values[("B3", "20103", 3)] == "200.50"
    assert values[("B3", "2010301", 2)] == "1000.00" and ("B3", "2010301", 3) not in values
    assert values[("B3", "合计", 2)] == "1000.00"
    assert read.tables["B3"].amount_unit == "万元" and read.tables["B3"].pages == [2]


def test_a_narrative_only_budget_has_no_tables_and_no_family():
    """bj_czj_2026 prints only 情况说明 and 名词解释; its 目录 and prose name the tables."""
    result = parsed("bj_czj_2026_dept_budget.pdf")
    assert not [code for code in result.tables if code.startswith("B")]
    assert result.cells == [] and result.template is None


@pytest.mark.parametrize("name", ["sz_xfj_2026_dept_budget.pdf", "sh_putuo_sfj_2026_dept_budget.pdf"])
def test_a_budget_with_every_table_of_its_template_is_a_whole_filing(name):
    # Budget codes without a digit (BA 政府性基金, BB 国有资本经营…) are tables too: they once made
    # every budget "partial", missing the very tables it printed.
    result = parsed(name)
    assert result.status == "filing", result.problems
    assert set(result.required_tables) <= {code for code, t in result.tables.items() if t.status != "missing"}
