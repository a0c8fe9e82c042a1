"""The parser on real published final accounts (tests/real), against hand-checked truth
(tests/real/truth, read on the page images by the truth engineer, not by this parser)."""

from __future__ import annotations

import json
from decimal import Decimal
from pathlib import Path

import pytest

from parsers.model import TABLE_CODES
from parsers.templates import families
from tests.parsed import real_parse as parsed

REAL = Path(__file__).resolve().parent / "real"
TRUTH = REAL / "truth"
IDENTITY = json.loads((TRUTH / "identity.json").read_text(encoding="utf-8"))
FINAL_ACCOUNTS = sorted(
    name
    for name, doc in IDENTITY.items()
    if doc.get("is_filing")
    and (doc.get("kind") or "").endswith("决算")
    and (TRUTH / f"{Path(name).stem}.json").exists()
)
# Budgets whose tables carry 公开NN表 markers or subject-code grids a final account also has.
BUDGETS_THAT_LOOK_LIKE_FINALS = [
    "central_gjxfj_2026_dept_budget.pdf",
    "js_jcy_2019_dept_budget.pdf",
    "js_zxbgt_2019_budget_tables.pdf",
    "suz_sjj_2026_dept_budget.pdf",
    "wx_zjj_2026_dept_budget.pdf",
]
EXACT_SHARE = Decimal("0.99")


def truth_cells(name: str) -> list[dict]:
    return json.loads((TRUTH / f"{Path(name).stem}.json").read_text(encoding="utf-8"))["cells"]


def test_the_real_final_accounts_are_there():
    assert len(FINAL_ACCOUNTS) >= 4, FINAL_ACCOUNTS


@pytest.mark.parametrize("name", FINAL_ACCOUNTS)
def test_every_printed_table_is_recognised_with_its_evidence(name):
    result, doc = parsed(name), IDENTITY[name]
    recognised = {code for code in TABLE_CODES if result.tables[code].status != "missing"}
    assert recognised == set(doc["tables_printed"])
    assert all(result.tables[code].evidence in ("marker", "title") for code in doc["tables_printed"])
    assert result.template == doc["template"]


@pytest.mark.parametrize("name", FINAL_ACCOUNTS)
def test_required_tables_come_from_the_template_family(name):
    result = parsed(name)
    assert result.required_tables == tuple(f"{i:02d}" for i in range(1, 10))  # nine tables: 10 is not missing
    missing = [code for code in result.required_tables if result.tables[code].status == "missing"]
    printed = IDENTITY[name]["tables_printed"]
    assert missing == [code for code in result.required_tables if code not in printed]


def test_the_altered_filing_lacks_exactly_the_table_removed_from_it():
    result = parsed("sh_putuo_czj_2024_final_altered.pdf")
    assert [c for c in result.required_tables if result.tables[c].status == "missing"] == ["03"]


@pytest.mark.parametrize("name", FINAL_ACCOUNTS)
def test_cells_are_exact_against_hand_checked_truth(name):
    result = parsed(name)
    got = {(c.table, c.row, c.col): c for c in result.cells}
    want = truth_cells(name)
    exact = [
        t
        for t in want
        if (cell := got.get((t["table"], t["row"], t["col"]))) is not None
        and cell.value == Decimal(t["value"])
        and cell.page == t["page"]
    ]
    misses = [t for t in want if t not in exact]
    assert Decimal(len(exact)) >= EXACT_SHARE * len(want), misses[:10]
    # The truth lists every figure printed other than zero: nothing else is read.
    listed = {(t["table"], t["row"], t["col"]) for t in want}
    assert [(k, c.value) for k, c in got.items() if k not in listed and c.value != 0] == []


@pytest.mark.parametrize("name", FINAL_ACCOUNTS)
def test_every_cell_keeps_its_printed_label_and_page(name):
    for cell in parsed(name).cells:
        assert cell.page is not None
        assert cell.label or cell.table == "09", cell  # 09 is one row with no label of its own


def test_rows_take_the_same_key_by_meaning_in_every_layout():
    """01[27] is 本年收入合计 whether 行次 is printed (central) or not (Shanghai)."""
    for name in ("central_gjxfj_2024_final.pdf", "sh_putuo_shgzb_2024_final.pdf"):
        cells = {(c.table, c.row, c.col): c for c in parsed(name).cells}
        assert cells[("01", "27", 1)].label == "本年收入合计"
        assert cells[("04", "59", 2)].label == "本年支出合计"
        assert cells[("01", "27", 1)].value == cells[("02", "合计", 1)].value


@pytest.mark.parametrize("name", BUDGETS_THAT_LOOK_LIKE_FINALS)
def test_budgets_are_never_slotted_as_final_account_tables(name):
    result = parsed(name)
    assert [c for c in result.cells if c.table in TABLE_CODES] == []
    assert [code for code in TABLE_CODES if result.tables[code].status != "missing"] == []
    # a budget has a budget family of its own (parsers.budget), never a final account's
    assert result.template not in {f.name for f in families()}
    assert not set(result.required_tables) & set(TABLE_CODES)


def test_central_self_evaluations_are_read_by_their_header():
    """年初预算数 / 全年预算数 / 全年执行数 / 分值 / 执行率 / 得分, no 结余 (pages 30–36)."""
    evaluations = parsed("central_gjxfj_2024_final.pdf").evaluations
    assert len(evaluations) == 4
    total = evaluations[1]["budget_lines"][0]  # 信访研究宣传立法专项, page 32
    assert (total["initial"], total["full"], total["executed"], total["rate"], total["score"]) == (
        ["493.76"],
        "536.2",
        "413.57",
        "77.13",
        "7.7",
    )
    assert total["balance"] is None and "balance" not in total["columns"]
    fund = evaluations[1]["budget_lines"][1]  # 其中：财政拨款, 分值 and 得分 printed "--"
    assert (fund["full"], fund["executed"], fund["rate"], fund["score"]) == ("473.76", "351.13", None, None)
    assert [e["total_score"] for e in evaluations] == ["98", "94.7", "98", "90.5"]


@pytest.mark.slow  # the pdfplumber reference is the slow reader (about 7×)
def test_both_pdf_engines_read_a_real_filing_alike():
    """PDFium is the default; pdfplumber is the reference it is held to, on a real layout too."""
    from parsers.pdf import parse_pdf

    data = (REAL / "sh_putuo_shgzb_2024_final.pdf").read_bytes()
    reference = parse_pdf(data, "shgzb.pdf", engine="pdfplumber")
    fast = parse_pdf(data, "shgzb.pdf", engine="pdfium")
    assert fast.cell_map() == reference.cell_map() and len(fast.cells) > 150
    assert {k: (v.status, v.pages, v.evidence) for k, v in fast.tables.items()} == {
        k: (v.status, v.pages, v.evidence) for k, v in reference.tables.items()
    }


@pytest.mark.parametrize("name", FINAL_ACCOUNTS)
def test_each_table_spans_the_pages_it_is_printed_on(name):
    result = parsed(name)
    expected = IDENTITY[name]["table_pages"]
    assert {code: result.tables[code].pages for code in expected} == expected


def test_validation_follows_the_template_of_a_real_nine_table_filing():
    """No table 10 is owed by a nine-table filing, and the central self-evaluations (no 结余
    column, unscored fund lines) give no false failures once read by their headers."""
    from validation.engine import validate_parse

    outcomes = validate_parse(parsed("central_gjxfj_2024_final.pdf"))
    ids = {o.rule_id for o in outcomes}
    assert "required.10" not in ids and "required.09" in ids
    assert not [o.rule_id for o in outcomes if o.status == "failed" and o.rule_id.startswith("perf.")]
