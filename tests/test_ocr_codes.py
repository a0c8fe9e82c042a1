"""Row codes OCR misread (issue #22): a code outside its table's published catalogue is
corrected when its label, or one confusable digit with the label or the items printed under
it, names exactly one entry; every judgement is listed in coverage `ocr_codes`, and nothing
but an OCR reading is ever judged."""

import copy
from dataclasses import replace
from decimal import Decimal

import pytest

from parsers import parse_bytes
from parsers.ocr import TextBox, code_runner_ups
from parsers.subject_codes import ECONOMIC, correct_codes
from replica.render_pdf import render_pdf
from replica.render_scan import render_noisy_scan, render_scanned
from replica.site import load_fixtures
from validation.engine import validate_parse

# How the noisy scan of seed 002 (pages 1, 9, 10) reads 06's row 302 商品和服务支出.
MISREAD_CODE, MISREAD_LABEL = "362", "我日的周品为文山"


@pytest.fixture(scope="module")
def seed_002_cells(seed_pdfs):
    return parse_bytes(seed_pdfs["002"], "seed-002.pdf").cells


def _read_as(cells, key, row, label):
    """The parse's cells with the cell `key` read under another code and label."""
    return [replace(c, row=row, label=label) if (c.table, c.row, c.col) == key else c for c in cells]


def _map(cells):
    return {(c.table, c.row, c.col): c.value for c in cells}


def test_a_misread_class_code_is_corrected_by_its_label_or_the_items_under_it(seed_002_cells):
    truth = _map(seed_002_cells)
    # The label read right names 302 alone.
    fixed, judged = correct_codes(_read_as(seed_002_cells, ("06", "302", 1), MISREAD_CODE, "商品和服务支出"), {})
    assert _map(fixed) == truth
    assert judged == [
        {
            "table": "06",
            "read": "362",
            "label": "商品和服务支出",
            "page": 9,
            "action": "corrected",
            "by": "label",
            "code": "302",
        }
    ]
    # The label unreadable: 302 is one confusable digit (6 for 0) away, and the table prints
    # its items 30201 … without it.
    fixed, judged = correct_codes(_read_as(seed_002_cells, ("06", "302", 1), MISREAD_CODE, MISREAD_LABEL), {})
    assert _map(fixed) == truth and [(j["action"], j["by"], j["code"]) for j in judged] == [
        ("corrected", "digit and items", "302")
    ]


def test_a_code_the_table_prints_already_is_never_made_twice(seed_002_cells):
    # A second reading of 302 (a row printed again) as 362: its label names 302, printed already.
    again = next(c for c in seed_002_cells if (c.table, c.row) == ("06", "302"))
    cells = [*seed_002_cells, replace(again, row=MISREAD_CODE)]
    fixed, judged = correct_codes(cells, {})
    assert fixed == cells
    assert [(j["read"], j["action"], j["candidates"], j["why"]) for j in judged] == [
        ("362", "ambiguous", ["302"], "302 is printed already")
    ]


def test_a_runner_up_digit_the_recogniser_reported_counts_as_a_confusion(seed_002_cells):
    # 30201 办公费 read "30271" "办么费": 7 for 0 is no usual confusion, so only the
    # recogniser's own runner-up reading (30201) makes the label's entry one digit away.
    cells = _read_as(seed_002_cells, ("06", "30201", 1), "30271", "办么费")
    fixed, judged = correct_codes(cells, {})
    assert _map(fixed) == _map(cells) and judged[0]["action"] == "kept"
    fixed, judged = correct_codes(cells, {(9, "30271"): frozenset({"30201"})})
    assert _map(fixed) == _map(seed_002_cells) and judged[0]["by"] == "digit and label"


def test_catalogued_codes_and_uncatalogued_levels_are_not_judged(seed_002_cells):
    fixed, judged = correct_codes(seed_002_cells, {})
    assert fixed == seed_002_cells and judged == []
    # The functional 款 and 项 are not catalogued: a 7-digit code is never judged.
    cells = _read_as(seed_002_cells, ("05", "2010301", 1), "2010391", "行政运行")
    assert correct_codes(cells, {}) == (cells, [])
    # The catalogue prints every economic code of the seeds' table 06.
    for seed in ("001", "002"):
        codes = {row[j] for row in load_fixtures()[seed].tables["06"].rows for j in (0, 3, 6, 9)}
        assert {c for c in codes if c.isdigit()} <= set(ECONOMIC)


@pytest.mark.slow
def test_the_noisy_scan_of_seed_002_reads_302_and_its_identity_holds(seed_pdfs):
    result = parse_bytes(render_noisy_scan(seed_pdfs["002"], pages=[1, 9, 10]), "noisy-002.pdf")
    got = result.cell_map()
    assert got.get(("06", "302", 1)) == Decimal("254.52") and ("06", "362", 1) not in got
    assert [(e["read"], e["action"], e["code"]) for e in result.coverage["ocr_codes"]] == [("362", "corrected", "302")]
    outcome = next(o for o in validate_parse(result) if o.rule_id == "06.public_total")
    assert outcome.status == "passed", outcome
    # A text PDF is not OCR: nothing is judged, nothing listed.
    assert "ocr_codes" not in parse_bytes(seed_pdfs["002"], "seed-002.pdf").coverage


@pytest.fixture(scope="module")
def local_code_pdf() -> bytes:
    """Seed 002 printing a code of its own in table 06: 30229 福利费 as 30230 党建工作经费."""
    filing = copy.deepcopy(load_fixtures()["002"])
    rows = filing.tables["06"].rows
    i, j = next((i, r.index("30229")) for i, r in enumerate(rows) if "30229" in r)
    rows[i][j : j + 2] = ["30230", "党建工作经费"]
    return render_pdf(filing)


@pytest.mark.slow
def test_a_code_printed_outside_the_catalogue_is_kept(local_code_pdf):
    text = parse_bytes(local_code_pdf, "local-002.pdf")
    assert text.cell_map()[("06", "30230", 1)] == Decimal("28.38") and "ocr_codes" not in text.coverage
    pages = [1, *text.tables["06"].pages]
    scan = parse_bytes(render_scanned(local_code_pdf, pages=pages), "local-002-scan.pdf")
    assert scan.cell_map().get(("06", "30230", 1)) == Decimal("28.38")
    kept = [e for e in scan.coverage["ocr_codes"] if e["read"] == "30230"]
    assert [e["action"] for e in kept] == ["kept"]


def test_the_runner_up_readings_of_a_code_are_kept_by_page_and_code():
    # 30271 read in two pieces, the second with 01 as its runner-up; an amount is no code.
    cells = [
        [
            ("30271", [TextBox(0, 0, 20, 10, "302", 0.9), TextBox(21, 0, 40, 10, "71", 0.6, ("01",))]),
            ("64.23", [TextBox(50, 0, 80, 10, "64.23", 0.7, ("61.23",))]),
        ]
    ]
    assert code_runner_ups(cells, 2) == {(2, "30271"): frozenset({"30201"})}
