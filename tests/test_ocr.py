"""Scanned filings: pure pieces (number repair, cells from boxes, 栏次 inference, deskew) and an
end-to-end OCR of scanned fixture pages against the ground truth."""

import pytest

from parsers import parse_bytes
from parsers.ocr import Ruling, TextBox, boxes_to_grid, estimate_skew, repair_number
from parsers.tables import find_column_map
from replica.render_scan import render_scanned
from tests.conftest import truth, truth_cells


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
