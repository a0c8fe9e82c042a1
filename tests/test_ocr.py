"""Scanned filings: pure pieces (number repair, cells from boxes, 栏次 inference, deskew) and an
end-to-end OCR of scanned fixture pages against the ground truth."""

from decimal import Decimal

import pytest

from parsers import parse_bytes
from parsers.ocr import (
    Ruling,
    TextBox,
    boxes_to_grid,
    complete_column_numbers,
    estimate_skew,
    repair_code,
    repair_number,
    restore_lost_points,
)
from parsers.tables import find_column_map
from replica.render_scan import render_noisy_scan, render_scanned
from tests.conftest import truth, truth_cells
from validation.misreads import choose_alternatives, flag_misreads

TABLES = tuple(f"{i:02d}" for i in range(1, 11))


@pytest.mark.parametrize(
    "printed, repaired",
    [
        ("4183. 78", "4183.78"),
        ("4183,78", "4183.78"),
        ("8:11", "8.11"),
        ("1O.5O", "10.50"),
        ("5.", "5"),
        ("一般公共服务支出", "一般公共服务支出"),
        ("", ""),
    ],
)
def test_ocr_number_noise_is_repaired(printed, repaired):
    assert repair_number(printed) == repaired


def test_boxes_land_in_the_cell_holding_their_centre():
    ruling = Ruling(rows=[0, 40, 80], cols=[0, 100, 200, 300])
    boxes = [
        TextBox(5, 5, 60, 30, "合计", 1.0),
        TextBox(120, 10, 190, 30, "584. 83", 1.0),
        TextBox(205, 45, 240, 75, "0,", 1.0),
        TextBox(242, 45, 290, 75, "29", 0.9),
        TextBox(20, 45, 60, 75, "208", 1.0),
    ]
    # Pieces of one number read as two boxes join in reading order before the repair.
    assert boxes_to_grid(boxes, ruling) == [["合计", "584.83", ""], ["208", "", "0.29"]]


def test_a_value_wrapped_onto_two_lines_in_its_cell_is_one_value():
    ruling = Ruling(rows=[0, 50], cols=[0, 60, 160])
    boxes = [
        TextBox(70, 24, 90, 40, "8", 0.99),
        TextBox(64, 4, 150, 20, "194.0", 0.99),
        TextBox(5, 5, 50, 40, "合计", 1.0),
    ]
    assert boxes_to_grid(boxes, ruling) == [["合计", "194.08"]]


def test_a_column_number_row_with_a_number_lost_or_misread_is_completed():
    # 栏次 1–12 read with 6 missing and 9 read as "g": still 1–12.
    row = ["栏次", "", "1", "2", "3", "4", "5", "", "7", "8", "g", "10", "11", "12"]
    assert complete_column_numbers([row])[0] == ["栏次", ""] + [str(n) for n in range(1, 13)]
    # Table 01's 栏次 row holds only two numbers, one misread: 1 … k read left to right.
    assert complete_column_numbers([["栏次", "", "4", "栏次", "", "2"]])[0] == ["栏次", "", "1", "栏次", "", "2"]
    # A 行次 column (1 … 23 down the rows) with "N" for 4 and "T" for 1.
    column = [["T"]] + [[str(n)] for n in (2, 3)] + [["N"]] + [[str(n)] for n in range(5, 24)]
    assert [r[0] for r in complete_column_numbers(column)] == [str(n) for n in range(1, 24)]
    # Amounts are not a numbering, and a row of text stays as it is.
    amounts = [["合计", "584.54", "233.88", "350.66"], ["201", "一般公共服务支出", "514.54", "169.46"]]
    assert complete_column_numbers(amounts) == amounts


def test_subject_codes_and_lost_decimal_points_are_repaired():
    assert repair_code("2Q10301") == "2010301" and repair_code("ZU80799") == "2080799"
    assert repair_code("行政运行") == "行政运行" and repair_code("ZZZZZ") == "ZZZZZ"
    grid = [["项目", "金额"], ["合计", "584.54"], ["201", "51454"], ["20103", "511.07"], ["2010301", "8"]]
    fixed, changed = restore_lost_points(grid)
    assert fixed[2] == ["201", "514.54"] and fixed[4] == ["2010301", "8"]
    assert changed == [(2, 1, "51454")]


def test_the_identities_choose_between_ocr_alternatives(seed_pdfs):
    """A cell OCR read as 4.77 with 1.77 as its runner-up: the identities of tables 03 take 1.77;
    a doubtful cell without a better alternative stays as read and listed."""
    from dataclasses import replace
    from decimal import Decimal

    result = parse_bytes(seed_pdfs["001"], "seed-001.pdf")
    key = ("03", "2210202", 2)
    index = next(i for i, c in enumerate(result.cells) if (c.table, c.row, c.col) == key)
    assert result.cells[index].value == Decimal("1.77")
    result.cells[index] = replace(result.cells[index], value=Decimal("4.77"))
    result.read_by_ocr = True
    result.coverage["ocr_doubtful"] = [
        {
            "table": "03",
            "row": "2210202",
            "col": 2,
            "page": 5,
            "value": "4.77",
            "score": 0.6,
            "alternatives": ["7.77", "1.77"],
        },
        {
            "table": "03",
            "row": "合计",
            "col": 1,
            "page": 5,
            "value": "584.55",
            "score": 0.7,
            "alternatives": ["584.56"],
        },
    ]
    choose_alternatives(result)
    assert result.cell_map()[key] == Decimal("1.77")
    first, second = result.coverage["ocr_doubtful"]
    assert (first["chosen"], first["read"]) == ("1.77", "4.77")
    assert "chosen" not in second and result.cell_map()[("03", "合计", 1)] == Decimal("584.55")


def test_the_noisy_scan_is_byte_stable(seed_pdfs):
    import subprocess
    import sys

    here = render_noisy_scan(seed_pdfs["001"], pages=[2])
    script = (
        "import sys; from replica.site import _rendered_fixture; from replica.render_scan import render_noisy_scan; "
        "sys.stdout.buffer.write(render_noisy_scan(_rendered_fixture('001'), pages=[2]))"
    )
    there = subprocess.run([sys.executable, "-c", script], capture_output=True, check=True).stdout
    assert here == there and b"%PDF" in here[:8]
    assert render_noisy_scan(seed_pdfs["001"], pages=[2], seed=12) != here


def test_a_column_number_the_ocr_missed_is_inferred():
    grid = [["栏次", "", "1", "2", "3", "", ""], ["合计", "", "5.00", "4.00", "", "", "1.00"]]
    _index, colmap = find_column_map(grid)
    assert colmap.value_cols == {2: 1, 3: 2, 4: 3, 5: 4, 6: 5}


def test_skew_is_measured_from_the_ruling_lines():
    import numpy as np
    from PIL import Image

    page = np.zeros((800, 600), dtype=np.uint8)
    for y in range(100, 700, 40):
        page[y : y + 2, 50:550] = 255
    rotated = np.asarray(Image.fromarray(page).rotate(1.2, resample=Image.NEAREST))
    assert abs(estimate_skew(rotated) + 1.2) < 0.15


@pytest.mark.slow
def test_scanned_pages_read_at_least_98_percent_of_cells_exactly(seed_pdfs):
    """Cover, table 01 (both pages) and table 02 of seed 001, scanned with skew and noise."""
    seed_truth = truth("001")
    want = truth_cells("001", ("01", "02"))
    result = parse_bytes(render_scanned(seed_pdfs["001"], pages=[1, 2, 3, 4]), "scan-001.pdf")
    got = result.cell_map()
    exact = sum(1 for k, v in want.items() if got.get(k) == v)
    assert exact / len(want) >= 0.98, {k: (v, got.get(k)) for k, v in want.items() if got.get(k) != v}
    assert (result.unit, result.year) == (seed_truth["unit"], seed_truth["year"])
    assert result.tables["01"].pages == [2, 3] and result.tables["02"].status == "present"
    # Whatever is still wrong is named by the identities it breaks.
    wrong = [k for k, v in want.items() if got.get(k) != v]
    assert not wrong or result.problems


@pytest.mark.slow
def test_a_text_layer_of_garbage_is_read_by_ocr_instead():
    """LibreOffice's layout of table 01 (its first two pages) with the fonts' ToUnicode maps
    dropped: the text layer is garbage, the pages look right, OCR reads them."""
    from replica import hostile
    from replica.render_formats import render_libreoffice_pdf
    from replica.seeds import load_fixture
    from tests.conftest import FIXTURES

    garbled = hostile.garbage_text_layer(render_libreoffice_pdf(load_fixture(FIXTURES / "seed_001.json")), [1, 2])
    result = parse_bytes(garbled, "garbled-001.pdf")
    want = truth_cells("001", ("01",))
    got = result.cell_map()
    assert {k: got.get(k) for k in want} == want
    assert (result.unit, result.year) == (truth("001")["unit"], truth("001")["year"])


@pytest.mark.slow
def test_a_noisy_scan_of_the_standard_tables_is_read(seed_pdfs):
    """Cover and every table page of both fixtures, scanned badly (skew up to ±1°, blur,
    dust, holes, faded ink under uneven light, JPEG 50): every table recognised as in the text
    PDF, the identity and the cells read against the text PDF's cells, the doubtful ones listed."""
    exact = wanted = 0
    wrong = {}
    for seed in ("001", "002"):
        reference = parse_bytes(seed_pdfs[seed], "text")
        pages = [1] + sorted({p for code in TABLES for p in reference.tables[code].pages})
        result = flag_misreads(parse_bytes(render_noisy_scan(seed_pdfs[seed], pages=pages), f"noisy-{seed}.pdf"))
        assert {c: result.tables[c].status for c in TABLES} == {c: reference.tables[c].status for c in TABLES}
        assert (result.unit, result.year) == (truth(seed)["unit"], truth(seed)["year"])
        want = {k: v for k, v in reference.cell_map().items() if k[0] in TABLES}
        got = result.cell_map()
        exact += sum(1 for k, v in want.items() if got.get(k) == v)
        wanted += len(want)
        wrong.update({(seed, *k): (v, got.get(k)) for k, v in want.items() if got.get(k) != v})
        assert result.coverage["ocr_doubtful"], "low-confidence readings are listed for review"
        # Every cell read keeps where it is printed on the scan and how sure the recogniser was;
        # each doubtful reading names the cell it is (same page and box), as read or as chosen.
        assert all(c.bbox is not None and c.bbox.page == c.page and 0 < c.score <= 1 for c in result.cells)
        cells = {(c.table, c.row, c.col): c for c in result.cells}
        for entry in result.coverage["ocr_doubtful"]:
            cell = cells[(entry["table"], entry["row"], entry["col"])]
            assert cell.page == entry["page"] and cell.value == Decimal(entry.get("chosen", entry["value"])), entry
    assert exact / wanted >= 0.99, wrong
