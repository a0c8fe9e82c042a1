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
    # Excel exports with merged cells off their headers, labels wrapped over grid rows and pages,
    # a table's end and the next one's title in one grid, text below the page box (p. 11)
    "js_jcy_2019_dept_budget.pdf": "江苏省",
    "js_rdbgt_2017_dept_budget.pdf": "江苏省",
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


def misread_truth_cells(name: str) -> tuple[int, list]:
    """(truth cells, those not read exactly: value as printed and page)."""
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
    return total, wrong


@pytest.mark.parametrize("name", sorted(READ_BUDGETS))
def test_truth_cells_are_read_exactly(name):
    total, wrong = misread_truth_cells(name)
    assert total > 0
    assert Decimal(total - len(wrong)) / total >= EXACT_SHARE, wrong[:20]


def test_every_real_budget_with_tables_is_in_the_acceptance_set():
    with_cells = {name for name in IDENTITY if (TRUTH / f"{Path(name).stem}.json").exists()}
    budgets = {name for name in with_cells if IDENTITY[name]["kind"].endswith("预算") and IDENTITY[name]["is_filing"]}
    assert budgets == set(READ_BUDGETS)


def test_the_truth_cells_of_all_real_budgets_together():
    counts = [misread_truth_cells(name) for name in sorted(READ_BUDGETS)]
    total = sum(t for t, _w in counts)
    wrong = sum(len(w) for _t, w in counts)
    assert total >= 1991  # the hand-checked cells of 20 budgets
    assert Decimal(total - wrong) / total >= EXACT_SHARE


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

DEFECTS = json.loads((TRUTH / "defects" / "budgets.json").read_text(encoding="utf-8"))["defects"]


def budget_outcomes(result):
    from validation.engine import validate_parse

    return [o for o in validate_parse(result) if o.family == "budget"]


def test_the_listed_defects_are_of_real_budgets():
    assert {d["file"] for d in DEFECTS} <= set(READ_BUDGETS)
    assert all(d["checked"] and d["failures"] for d in DEFECTS)


@pytest.mark.parametrize("name", sorted(READ_BUDGETS))
def test_budget_rules_find_exactly_the_documents_confirmed_defects(name):
    """Every failure is a defect confirmed on the rendered page (truth/defects/budgets.json), and
    every confirmed defect is found, with the pages of the tables it spans."""
    outcomes = budget_outcomes(parsed(name))
    assert sum(o.status == "passed" for o in outcomes) >= 50
    failed = {(o.rule_id, o.subject): o for o in outcomes if o.status == "failed"}
    expected = {tuple(f) for d in DEFECTS if d["file"] == name for f in d["failures"]}
    assert set(failed) == expected, sorted(set(failed) ^ expected)
    assert all(o.pages for o in failed.values())


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
    tables = [o.rule_id for o in outcomes.values() if o.status == "failed" and not o.rule_id.startswith("budget.")]
    assert tables == ["BC.goods_le_B8"]  # its 说明's 三公 shares fail too (defects/budgets.json)


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


# ------------------------------------------------------------------ the 说明 against the tables

NARRATED = sorted(n for n in READ_BUDGETS if not n.startswith(("js_swbgt", "js_zxbgt")))  # tables-only prints


def narrative_outcomes(name: str) -> list:
    return [o for o in budget_outcomes(parsed(name)) if o.rule_id.startswith("budget.narrative_")]


@pytest.mark.parametrize("name", NARRATED)
def test_the_narrative_s_totals_and_three_public_amounts_are_checked(name):
    """Every budget that prints a 说明 restates its totals or its 三公 figures; each is found
    and checked against the tables (a failure only where defects/budgets.json confirms one)."""
    outcomes = narrative_outcomes(name)
    amounts = [o for o in outcomes if o.rule_id == "budget.narrative_amount"]
    assert amounts and all(o.pages and o.reason for o in amounts)
    assert all(o.status == "passed" for o in amounts if (o.rule_id, o.subject) not in defect_failures(name))
    restated = {label.split("[")[0] for o in amounts for label in o.cells}
    assert "B9" in restated
    if not name.startswith(("sz_", "xa_")):  # their 说明 restates no total
        assert {"B1", "B2", "B3"} & restated


def defect_failures(name: str) -> set[tuple[str, str]]:
    return {tuple(f) for d in DEFECTS if d["file"] == name for f in d["failures"]}


def test_the_narrative_reads_the_shanghai_budget_s_totals_in_wan_against_tables_in_yuan():
    """sfj 2026 p. 8: "收入预算9628.22万元 … 支出预算9628.22万元"; its 收支总表 prints 元
    (96,282,213.44); p. 22: "“三公”经费预算数为10.81万元 … (三)公务接待费0.83万元" (万元)."""
    claims = {(c["restates"].split(" ")[0], c["kind"]): c for c in parsed("sh_putuo_sfj_2026_dept_budget.pdf").claims}
    assert claims[("B1[收入总计].1", "amount")]["value"] == "9628.22"
    assert claims[("B1[支出总计].1", "amount")]["page"] == 8
    assert claims[("B9[合计].20", "amount")]["value"] == "10.81"
    assert claims[("B9[合计].25", "amount")]["value"] == "0.83"
    income = next(o for o in narrative_outcomes("sh_putuo_sfj_2026_dept_budget.pdf") if o.subject == "1")
    assert income.cells == {"B1[收入总计].1": "96282213.44"} and income.expected == Decimal("9628.22")
    assert income.status == "passed"


def test_a_change_is_checked_where_the_table_prints_the_year_before():
    """xa 2026 p. 15: "公务接待费3.00万元,较上年减少1.00万元"; its 三公 table (元) prints 上年
    40,000.00 and 本年 30,000.00. Without 上年 columns (Jiangsu) the change is not evaluated."""
    changes = [o for o in narrative_outcomes("xa_zfbgt_2026_dept_budget.pdf") if o.rule_id == "budget.narrative_change"]
    reception = next(o for o in changes if "B9[合计].125" in o.cells)
    assert reception.status == "passed" and reception.actual == Decimal("-1.00")
    assert reception.cells == {"B9[合计].25": "30000.00", "B9[合计].125": "40000.00"}
    jiangsu = [o for o in narrative_outcomes("js_jcy_2019_dept_budget.pdf") if o.rule_id == "budget.narrative_change"]
    assert jiangsu and all(o.status == "not_evaluated" and "上年" in o.reason for o in jiangsu)


def _planted(name: str, restates: str, kind: str, value: str):
    import copy
    from dataclasses import replace as changed

    result = copy.deepcopy(parsed(name))  # the shared parse is never changed
    claim = next(c for c in result.claims if c["restates"].startswith(restates) and c["kind"] == kind)
    claim["value"] = value
    return changed(result, claims=result.claims), claim


@pytest.mark.parametrize(
    "name, restates, kind, value",
    [
        ("sh_putuo_sfj_2026_dept_budget.pdf", "B9[合计].20", "amount", "10.91"),  # printed 10.81
        ("sh_putuo_sfj_2026_dept_budget.pdf", "B1[收入总计].1", "amount", "9628.25"),  # printed 9628.22
        ("js_jcy_2019_dept_budget.pdf", "B9[合计].25", "amount", "101.29"),  # printed 101.26
        ("yt_tjj_2026_dept_budget.pdf", "B9[合计].24", "change", "1.00"),  # printed 与上年基本持平
        ("central_gjxfj_2026_dept_budget.pdf", "B3[合计].2", "percent", "21.94"),  # printed 21.84
        ("wx_zjj_2026_dept_budget.pdf", "B2[合计].12", "percent", "0.29"),  # printed 0.19
    ],
)
def test_a_planted_narrative_mismatch_fails_with_both_pages(name, restates, kind, value):
    result, claim = _planted(name, restates, kind, value)
    found = next(o for o in budget_outcomes(result) if o.subject == str(claim["seq"]) and o.rule_id.endswith(kind))
    assert found.status == "failed"
    tables = {restates[:2]} | ({claim["share_of"][:2]} if claim.get("share_of") else set())
    assert claim["page"] in found.pages
    assert all(set(result.tables[table].pages) <= set(found.pages) for table in tables)


SHARED = ["central_gjxfj", "js_jcy", "js_rdbgt", "suz_sjj", "wx_zjj"]  # the 说明s that print shares (占P%)


@pytest.mark.parametrize("name", [n for n in NARRATED if n.startswith(tuple(SHARED))])
def test_the_narrative_s_shares_are_checked_against_part_and_whole(name):
    """Each printed share is part / whole × 100 within its printed digit; it cites the 说明's
    page and the pages of the part's and the whole's tables, and fails only on a confirmed defect."""
    result = parsed(name)
    claims = {str(c["seq"]): c for c in result.claims}
    shares = [o for o in narrative_outcomes(name) if o.rule_id == "budget.narrative_percent"]
    assert len(shares) >= 3
    for o in shares:
        claim = claims[o.subject]
        assert claim["page"] in o.pages and o.cells and o.reason  # a part left blank is 0
        for label in o.cells:
            assert set(result.tables[label[:2]].pages) <= set(o.pages)
        if (o.rule_id, o.subject) not in defect_failures(name):
            assert o.status == "passed", (o.subject, o.expected, o.actual)


def test_a_share_and_its_parts_are_claimed_after_the_totals():
    """The parts and shares (read later) are numbered after the totals and 三公 claims, which
    keep their numbers: central's 财政拨款收支总预算 is still claim 4 (defects/budgets.json)."""
    claims = parsed("central_gjxfj_2026_dept_budget.pdf").claims
    assert claims[3]["restates"].startswith("B4[收入总计].1") and claims[3]["value"] == "18728.91"
    kinds = [(c["kind"], c["restates"].split(" ")[0]) for c in claims]
    first_part = kinds.index(("amount", "B2[合计].7"))
    assert all(not r.startswith(("B2[", "B3[", "B8[")) for _k, r in kinds[:first_part])
    assert ("percent", "B3[合计].2") in kinds[first_part:]


def test_a_share_is_not_evaluated_without_its_tables():
    from validation.budget import check
    from validation.core import Filing

    claim = {
        "seq": 1,
        "kind": "percent",
        "restates": "B3[合计].2 | B1[基本支出].1",
        "share_of": "B1[支出总计].1 | B1[支出合计].1 | B3[合计].1",
        "value": "35.20",
        "sentence": "其中基本支出226.89万元,占35.20%",
        "page": 14,
    }
    tables = {"B9": {"status": "present", "pages": [8], "amount_unit": "万元"}}
    filing = Filing({("B9", "合计", 20): Decimal("1.01")}, tables, "单位预算", [claim], [])
    found = next(o for o in check(filing) if o.rule_id == "budget.narrative_percent")
    assert found.status == "not_evaluated" and found.reason.startswith("table B1, B3 missing")
    assert found.pages == [14]
    tables["B3"] = {"status": "present", "pages": [4], "amount_unit": "元"}  # in 元, the share is the same
    cells = {("B3", "合计", 1): Decimal("6446200.00"), ("B3", "合计", 2): Decimal("2268900.00")}
    found = next(o for o in check(Filing(cells, tables, "单位预算", [claim], [])) if o.rule_id.endswith("percent"))
    assert (found.status, found.expected, found.pages) == ("passed", Decimal("35.20"), [4, 14])


def test_a_claim_rounds_to_its_printed_digit_but_no_further():
    from validation.budget import check
    from validation.core import Filing

    def outcome(value: str):
        claim = {"seq": 1, "kind": "amount", "restates": "B9[合计].25", "value": value, "sentence": "…", "page": 22}
        tables = {"B9": {"status": "present", "pages": [21], "amount_unit": "元"}}
        filing = Filing({("B9", "合计", 25): Decimal("8264.00")}, tables, "部门预算", [claim], [])
        return next(o for o in check(filing) if o.rule_id == "budget.narrative_amount")

    assert outcome("0.83").status == "passed"  # 8,264 元 is 0.83 万元 to the cent
    assert outcome("0.8").status == "passed"
    assert outcome("0.82").status == "failed"


def test_claims_of_a_narrative_only_budget_are_kept_and_check_nothing():
    """bj_czj_2026 prints no tables: its claims are kept, no rule family reads them as a final
    account's (their keys are the budget's)."""
    result = parsed("bj_czj_2026_dept_budget.pdf")
    outcomes = budget_outcomes_all(result)
    assert not [o for o in outcomes if o.rule_id.startswith(("budget.narrative_", "narrative."))]


@pytest.mark.slow
def test_text_below_the_page_box_is_not_read_by_either_engine():
    """js_rdbgt_2017's page 11 carries the next tables' titles and rows below its page box (y < 0):
    not on the rendered page, so not read; the 基本支出 table starts on page 12."""
    from parsers.pdf import parse_pdf
    from tests.test_pdf_engines import assert_same_boxes, split_boxes

    data = (REAL / "js_rdbgt_2017_dept_budget.pdf").read_bytes()
    fast, reference = parse_pdf(data, "x", engine="pdfium"), parse_pdf(data, "x", engine="pdfplumber")
    assert fast.tables["B6"].pages == [12, 13, 14]
    (fast_json, fast_boxes), (reference_json, reference_boxes) = (split_boxes(r.to_json()) for r in (fast, reference))
    assert fast_json == reference_json
    assert_same_boxes(fast_boxes, reference_boxes)  # the engines measure glyph heights a little differently


@pytest.mark.parametrize(
    "text, expected",
    [
        # sfj 2026 p. 8: the fund's own figures are not the totals but parts of them, claimed after
        # the totals (which keep their numbers)
        (
            "收入预算9628.22万元,其中:财政拨款收入9628.22万元,比2026年预算增加793.14万元;支出预算9628.22万元,"
            "其中:财政拨款支出预算9628.22万元;政府性基金拨款支出预算0万元,与2026年预算持平。",
            [
                ("amount", "B1[收入总计].1", "9628.22"),
                ("amount", "B1[支出总计].1", "9628.22"),
                ("amount", "B2[合计].6", "9628.22"),
                ("change", "B2[合计].6", "793.14"),
                ("amount", "B5[合计].1", "9628.22"),
            ],
        ),
        # suz 2026 p. 29 / jcy 2019 p. 31: 政府性基金 and 政府采购 budgets are not the total either
        ("十、政府性基金预算支出预算情况说明苏州市审计局2026年政府性基金支出预算支出0万元。", []),
        ("十二、政府采购支出预算情况说明2019年度政府采购支出预算总额2744.84万元。", []),
        # jcy 2019 p. 30: the 三公 items in their section, each change with its item
        (
            "九、一般公共预算“三公”经费、会议费、培训费支出预算情况说明…1.因公出国(境)费预算支出80万元,"
            "比上年预算减少20万元。3.公务接待费预算支出101.26万元,与上年预算数相同。",
            [
                ("amount", "B9[合计].21", "80"),
                ("change", "B9[合计].21", "-20"),
                ("amount", "B9[合计].25", "101.26"),
                ("change", "B9[合计].25", "0"),
            ],
        ),
        # a 公务接待费 of the 基本支出 section is the 302 class's, not the 三公 table's; its 公用经费
        # is the 财政拨款基本支出 table's
        (
            "六、财政拨款基本支出预算情况说明…公用经费2391.92万元,其中公务接待费33.26万元。",
            [("amount", "B6[合计].5", "2391.92")],
        ),
        # central 2026 p. 17: each income part with its share of the total
        (
            "二、关于部门收入总表的说明2026年国家信访局收入预算总计50,616.94万元,其中,一般公共预算拨款收入"
            "16,474.82万元,占32.55%;其他收入31,888.00万元,占63.0%;上年结转2,254.12万元,占4.45%。",
            [
                ("amount", "B1[收入总计].1", "50616.94"),
                ("amount", "B2[合计].7", "16474.82"),
                ("percent", "B2[合计].7", "32.55"),
                ("amount", "B2[合计].12", "31888.00"),
                ("percent", "B2[合计].12", "63.0"),
                ("amount", "B2[合计].13", "2254.12"),
                ("percent", "B2[合计].13", "4.45"),
            ],
        ),
        # suz 2026 p. 27–28: 人员经费 is the 基本支出 table its section names (财政拨款 or 一般公共预算)
        (
            "六、财政拨款基本支出预算情况说明苏州市审计局2026年度财政拨款基本支出预算4,312.17万元,其中:"
            "(一)人员经费3,916.57万元。八、一般公共预算基本支出预算情况说明苏州市审计局2026年度一般公共预算"
            "财政拨款基本支出预算4,312.17万元,其中:(一)人员经费3,916.57万元。",
            [
                ("amount", "B6[合计].1", "4312.17"),
                ("amount", "B6[合计].4", "3916.57"),
                ("amount", "B8[合计].1", "4312.17"),
                ("amount", "B8[合计].4", "3916.57"),
            ],
        ),
        # jcy 2019 p. 30: a 三公 item's share is of the 三公 total
        (
            "九、一般公共预算“三公”经费、会议费、培训费支出预算情况说明…“三公”经费预算支出中,因公出国(境)费支出"
            "80万元,占“三公”经费的19.1%;",
            [("amount", "B9[合计].21", "80"), ("percent", "B9[合计].21", "19.1")],
        ),
        # 基本支出 and 项目支出 of a fund's section are that fund's (一般公共预算 → B7's columns), of a
        # fund without a key of them no claim (cs 2026 p. 21 prints the first)
        (
            "四、一般公共预算支出预算情况说明2026年一般公共预算支出800.00万元,其中:基本支出500.00万元,"
            "项目支出300.00万元。",
            [("amount", "B7[合计].2", "500.00"), ("amount", "B7[合计].3", "300.00")],
        ),
        (
            "五、政府性基金预算支出预算情况说明2026年政府性基金预算支出100.00万元,其中:基本支出60.00万元,"
            "项目支出40.00万元。",
            [],
        ),
        # 财政拨款 → B5's columns (a fund's part is claimed without a share), and all funds again
        # where a later section names the 支出预算 of the whole
        (
            "五、财政拨款支出预算情况说明2026年财政拨款支出预算900.00万元,其中:基本支出600.00万元,占66.67%,"
            "项目支出300.00万元。七、其他重要事项说明2026年部门整体支出预算1,500.00万元,其中基本支出1,000.00万元。",
            [
                ("amount", "B1[支出总计].1", "1500.00"),
                ("amount", "B5[合计].1", "900.00"),
                ("amount", "B5[合计].2", "600.00"),
                ("amount", "B5[合计].3", "300.00"),
                ("amount", "B3[合计].2", "1000.00"),
            ],
        ),
        # a share is claimed only of the whole its words name (none, or the pattern's): not of
        # 财政拨款支出, nor of 公务用车购置及运行费 (a fund named in a share is no section's fund)
        (
            "三、支出预算情况说明本年支出预算合计1,000.00万元,其中:基本支出600.00万元,占财政拨款支出的70%;"
            "项目支出400.00万元,占40%。",
            [
                ("amount", "B1[支出总计].1", "1000.00"),
                ("amount", "B3[合计].2", "600.00"),
                ("amount", "B3[合计].3", "400.00"),
                ("percent", "B3[合计].3", "40"),
            ],
        ),
        (
            "七、“三公”经费预算情况说明“三公”经费预算6.00万元,其中:公务用车购置及运行费6.00万元,占“三公”经费的"
            "100%,其中公务用车购置费4.00万元,占公务用车购置及运行费的66.67%;公务用车运行费2.00万元,占公务用车"
            "购置及运行费的33.33%。",
            [
                ("amount", "B9[合计].20", "6.00"),
                ("amount", "B9[合计].22", "6.00"),
                ("amount", "B9[合计].23", "4.00"),
                ("amount", "B9[合计].24", "2.00"),
                ("percent", "B9[合计].22", "100"),
            ],
        ),
        # 财政拨款收入总计 in the 财政拨款收支总表's 说明 is that table's 收入总计; in the income section
        # (jcy 2019 p. 29) B2's 财政拨款 column
        (
            "四、关于财政拨款收支总表的说明2026年财政拨款收入总计18,728.91万元,支出总计18,728.91万元。",
            [("amount", "B4[收入总计].1", "18728.91")],
        ),
        (
            "一、收支预算总体情况说明其中:(一)收入预算总计24,169.74万元。包括:1.财政拨款收入预算总计24,169.74万元。",
            [("amount", "B1[收入总计].1", "24169.74"), ("amount", "B2[合计].6", "24169.74")],
        ),
        # not parts: a project's own 上年结转 (central p. 29), a project named …服务项目 (sz p. 7), a
        # change (rdbgt p. 23), a performance target's bound (cs p. 24), the 在职人员经费 (sz p. 6)
        ("(6)年度预算安排2026年拟安排该项目一般公共预算2,134.87万元(含上年结转750.00万元)。", []),
        ("2.信访大厅运行603.84万元,主要包括:大厅保安和安检服务项目支出328.69万元,用于市信访大厅安检;", []),
        ("主要原因是政策性增资、住房公积金和提租补贴调整等原因,增加基本支出844.15万元。", []),
        ("偏离目标项目支出≤270万元反映项目支出成本控制情况", []),
        ("包括在职人员经费2,422.61万元、公用经费357.43万元", []),
    ],
)
def test_budget_claims_from_the_printed_sentences(text, expected):
    from parsers.budget_narrative import extract_budget_claims

    claims = extract_budget_claims([(8, text)])
    assert [(c.kind, c.restates.split(" | ")[0], c.value) for c in claims] == expected
    assert all(c.page == 8 and c.sentence for c in claims)


def test_a_change_printed_after_a_share_is_numbered_with_the_shares():
    """A change found only after a share ("…占“三公”经费的20%,比上年减少1.00万元") is read later,
    so the claims after it keep the numbers they had before shares were read: 公务接待费 is 2."""
    from parsers.budget_narrative import extract_budget_claims

    text = (
        "七、“三公”经费预算情况说明因公出国(境)费2.00万元,占“三公”经费的20%,比上年减少1.00万元;"
        "公务接待费8.00万元,比上年增加1.00万元。"
    )
    claims = [(c.seq, c.kind, c.restates.split(" | ")[0], c.value) for c in extract_budget_claims([(8, text)])]
    assert claims == [
        (1, "amount", "B9[合计].21", "2.00"),
        (2, "amount", "B9[合计].25", "8.00"),
        (3, "change", "B9[合计].25", "1.00"),
        (4, "change", "B9[合计].21", "-1.00"),
        (5, "percent", "B9[合计].21", "20"),
    ]
