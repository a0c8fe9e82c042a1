"""Table recognition by evidence: the template catalogue's lookups, header words on merged
headers, and grids recognised by their rows when a table's first page is lost."""

from __future__ import annotations

import copy
import io
from decimal import Decimal

import pypdfium2 as pdfium
import pytest

from parsers import parse_bytes
from parsers.tables import TableAssembler, header_layout, recognise_by_rows
from parsers.templates import choose_family, match_title, row_for_label


@pytest.mark.parametrize(
    "line, code",
    [
        ("收入支出决算总表", "01"),
        ("一、收入支出决算总表", "01"),
        ("表4 财政拨款收入支出决算总表", "04"),
        ("国家信访局 2024 年度一般公共预算财政拨款支出决算表", "05"),
        ("一般公共预算财政拨款“三公”经费支出决算表", "09"),
        ('财政拨款"三公"经费支出决算表（续）', "09"),
        ("国有资本经营预算财政拨款收入支出决算表", "08"),
        ("支出决算表", "03"),
        ("中共上海市普陀区委社会工作部 2024 年度部门决算表", None),  # the part's heading
        ("一、收入支出决算总体情况说明", None),  # a narrative section
        ("收支预算总表", None),  # a budget's table
    ],
)
def test_titles_and_their_aliases(line, code):
    assert match_title(line) == code


def test_row_labels_take_canonical_keys():
    assert row_for_label("01", "income", "本年收入合计", 0) == "27"
    assert row_for_label("01", "expenditure", "二十二、灾害防治及应急管理支\n出", 0) == "53"
    assert row_for_label("01", "expenditure", "总计", 0) == "62"
    assert row_for_label("01", "income", "总计", 0) == "31"
    # 04 repeats the fund labels under 年初财政拨款结转和结余: after row 28 they are 29–31.
    assert row_for_label("04", "income", "一、一般公共预算财政拨款", 0) == "1"
    assert row_for_label("04", "income", "一、一般公共预算财政拨款", 28) == "29"
    assert row_for_label("04", "income", "项目", 0) is None


# Shanghai's 三公 header (sh_putuo_ghzyj_2024_final.pdf page 17, as the PDF grid gives it):
# merged cells leave None, 预算数/决算数 alternate under each item.
SHANGHAI_09 = [
    ["财政拨款“三公”经费", *[None] * 11],
    [
        "合计",
        None,
        "因公出国\n（境）费",
        None,
        "公务用车购置及运行维护费",
        None,
        None,
        None,
        None,
        None,
        "公务接待费",
        None,
    ],
    [None, None, None, None, "小计", None, "公务用车\n购置费", None, "公务用车\n运行维护费", None, None, None],
    ["预算数", "决算数"] * 6,
    ["2.85", "0.39", "0.00", "0.00", "0.00", "0.00", "0.00", "0.00", "0.00", "0.00", "2.85", "0.39"],
]


def test_merged_header_words_name_the_columns():
    start, layout = header_layout("09", SHANGHAI_09)
    assert start == 4
    assert layout.value_cols == {0: 1, 1: 7, 2: 2, 3: 8, 4: 3, 5: 9, 6: 4, 7: 10, 8: 5, 9: 11, 10: 6, 11: 12}
    table = TableAssembler("09")
    assert table.add_grid(SHANGHAI_09, 17)
    assert {(c.row, c.col): c.value for c in table.cells if c.value} == {
        ("1", 1): Decimal("2.85"),
        ("1", 7): Decimal("0.39"),
        ("1", 6): Decimal("2.85"),
        ("1", 12): Decimal("0.39"),
    }


def test_split_subject_codes_are_joined():
    """类 | 款 | 项 in their own columns (sh_putuo_czj_2024_final_altered.pdf page 12)."""
    grid = [
        ["项目", None, None, None, "合计", "基本支出", "项目支出"],
        ["功能分类", None, None, "科目名称", None, None, None],
        ["科目编码", None, None, None, None, None, None],
        ["类", "款", "项", None, None, None, None],
        ["201", "", "", "一般公共服务支出", "2,106.66", "1,503.52", "603.14"],
        ["201", "06", "", "财政事务", "2,106.66", "1,503.52", "603.14"],
        ["201", "06", "01", "行政运行", "1,511.89", "1,503.52", "8.37"],
        ["合计", None, None, None, "2,940.05", "2,336.91", "603.14"],
    ]
    table = TableAssembler("05")
    assert table.add_grid(grid, 12)
    cells = {(c.row, c.col): (c.value, c.label) for c in table.cells}
    assert cells[("2010601", 3)] == (Decimal("8.37"), "行政运行")
    assert cells[("20106", 1)] == (Decimal("2106.66"), "财政事务")
    assert cells[("合计", 2)][0] == Decimal("2336.91")


def test_headerless_grid_recognised_by_its_identities():
    rows_02 = [
        ["201", "一般公共服务支出", "514.83", "514.54", "", "", "", "", "0.29"],
        ["20103", "政府办公厅（室）及相关机构事务", "511.35", "511.07", "", "", "", "", "0.29"],
    ]
    rows_03 = [
        ["201", "一般公共服务支出", "514.83", "169.75", "345.08", "", "", ""],
        ["2010301", "行政运行", "158.17", "158.17", "", "", "", ""],
    ]
    assert recognise_by_rows(rows_02)[0] == "02"
    assert recognise_by_rows(rows_03)[0] == "03"
    broken = [r[:2] + ["999.00"] + r[3:] for r in rows_03]  # c1 ≠ Σ the rest: not 03
    assert recognise_by_rows(broken) is None


def test_families_by_markers_titles_and_table_ten():
    ten = {f"{i:02d}": ("marker", None) for i in range(1, 11)}
    assert choose_family(ten).name == "local-final-10"
    shanghai = {f"{i:02d}": ("title", None) for i in range(1, 10)}
    assert choose_family(shanghai).name == "shanghai-district-final-9"
    central = {f"{i:02d}": ("marker", None) for i in range(1, 10)}
    central["09"] = ("marker", "一般公共预算财政拨款三公经费支出决算表")
    assert choose_family(central).name == "central-final-9"


def test_tables_02_and_03_survive_the_loss_of_their_first_page():
    """A rendered seed whose 02 and 03 break over two pages, the first page of each removed:
    the continuation pages carry neither title nor header, and every cell on them is read."""
    from replica.render_pdf import render_pdf
    from replica.site import load_fixtures

    filing = copy.deepcopy(load_fixtures()["001"])
    for code in ("02", "03"):
        filing.tables[code].page_breaks = [10]  # header rows and the first subjects on page one
    data = render_pdf(filing)
    whole = parse_bytes(data, "seed-001.pdf")
    first_pages = sorted((whole.tables["02"].pages[0], whole.tables["03"].pages[0]), reverse=True)
    document = pdfium.PdfDocument(data)
    for number in first_pages:
        document.del_page(number - 1)
    out = io.BytesIO()
    document.save(out)
    document.close()
    cut = parse_bytes(out.getvalue(), "seed-001-cut.pdf")
    for code in ("02", "03"):
        first = whole.tables[code].pages[0]
        want = {(c.row, c.col): c.value for c in whole.cells if c.table == code and c.page != first}
        got = {(c.row, c.col): c.value for c in cut.cells if c.table == code}
        assert len(want) > 20 and got == want
        assert cut.tables[code].evidence == "rows" and cut.tables[code].status == "present"
    others = {(c.table, c.row, c.col): c.value for c in whole.cells if c.table not in ("02", "03")}
    assert {(c.table, c.row, c.col): c.value for c in cut.cells if c.table not in ("02", "03")} == others


def test_a_table_whose_title_was_lost_is_recognised_by_its_header_words():
    """The real Shanghai 收入决算表 page with its title line gone: its header alone names it."""
    from parsers.assemble import assemble
    from parsers.document import grid_page

    header = [
        [
            "项目",
            None,
            "本年收入合计",
            "财政拨款收入",
            "上级补助收入",
            "事业收入",
            "经营收入",
            "附属单位\n上缴收入",
            "其他收入",
        ],
        ["功能分类\n科目编码", "科目名称", None, None, None, None, None, None, None],
        ["合计", None, "307.82", "307.82", "", "", "", "", ""],
        ["201", "一般公共服务支出", "264.87", "264.87", "", "", "", "", ""],
    ]
    first = [
        ["收入", None, "支出", None],
        ["项目", "决算数", "项目", "决算数"],
        ["一、一般公共预算财政拨款收入", "307.82", "一、一般公共服务支出", "264.87"],
        ["本年收入合计", "307.82", "本年支出合计", "307.82"],
    ]
    pages = [grid_page(1, "收入支出决算总表\n单位：万元", first), grid_page(2, "单位：万元", header)]
    result = assemble(pages, "lost-title")
    assert result.tables["02"].evidence == "header" and result.tables["02"].pages == [2]
    cells = result.cell_map()
    assert cells[("02", "合计", 2)] == Decimal("307.82") and cells[("02", "201", 1)] == Decimal("264.87")
    assert cells[("01", "27", 1)] == Decimal("307.82") and cells[("01", "58", 2)] == Decimal("307.82")


def test_a_class_printed_without_its_code_takes_it_by_name():
    grid = [
        ["项目", None, "合计", "基本支出", "项目支出"],
        ["科目编码", "科目名称", None, None, None],
        ["", "一、一般公共服务支出", "264.87", "62.63", "202.24"],
        ["20139", "社会工作事务", "264.87", "62.63", "202.24"],
    ]
    table = TableAssembler("05")
    assert table.add_grid(grid, 12)
    assert {(c.row, c.col): c.value for c in table.cells}[("201", 3)] == Decimal("202.24")


def test_a_title_at_the_foot_of_the_page_before_starts_the_table_on_the_next():
    from parsers.assemble import assemble
    from parsers.document import grid_page, text_page

    grid = [
        ["项目", None, "合计", "基本支出", "项目支出"],
        ["功能分类\n科目编码", "科目名称", None, None, None],
        ["201", "一般公共服务支出", "264.87", "62.63", "202.24"],
        ["合计", None, "307.82", "105.58", "202.24"],
    ]
    pages = [
        text_page(1, "上海市某局 2024 年度部门决算\n说明文字。\n一般公共预算财政拨款支出决算表\n单位：万元"),
        grid_page(2, "201 一般公共服务支出 264.87 62.63 202.24", grid),
    ]
    result = assemble(pages, "title-before")
    assert result.tables["05"].evidence == "title" and result.tables["05"].amount_unit == "万元"
    assert result.cell_map()[("05", "合计", 3)] == Decimal("202.24")
    assert 2 in result.tables["05"].pages


@pytest.mark.parametrize("code", ["01", "04"])
def test_line_tables_survive_the_loss_of_their_first_page(seed_pdfs, code):
    """01 and 04 continue on a page of rows only: labels only that table prints (使用非财政拨款结余,
    年初财政拨款结转和结余) name it, and 行次 or the labels key its rows."""
    data = seed_pdfs["001"]
    whole = parse_bytes(data, "seed-001.pdf")
    first = whole.tables[code].pages[0]
    document = pdfium.PdfDocument(data)
    document.del_page(first - 1)
    out = io.BytesIO()
    document.save(out)
    document.close()
    cut = parse_bytes(out.getvalue(), "seed-001-cut.pdf")
    want = {(c.row, c.col): c.value for c in whole.cells if c.table == code and c.page != first}
    assert len(want) >= 5
    assert {(c.row, c.col): c.value for c in cut.cells if c.table == code} == want
    assert cut.tables[code].evidence == "rows"
