"""Boxes on the page (issue #22): every reader — PDFium, pdfplumber, OCR — keeps where each
cell is printed, and the box holds exactly that value's glyphs (checked with pdfplumber's
words of the text PDF the fixture was rendered from)."""

from decimal import Decimal

import pytest

from parsers.model import Box
from parsers.pdf import parse_pdf
from tests.conftest import truth_cells


def _words(pdf: bytes) -> dict[int, list[dict]]:
    import io

    import pdfplumber

    with pdfplumber.open(io.BytesIO(pdf)) as doc:
        return {n: page.extract_words() for n, page in enumerate(doc.pages, start=1)}


def _amount(text: str) -> Decimal | None:
    try:
        return Decimal(text.replace(",", ""))
    except ArithmeticError:
        return None


def _inside(word: dict, box: Box, slack: float = 0.5) -> bool:
    return (
        word["x0"] >= box.x0 - slack
        and word["x1"] <= box.x1 + slack
        and word["top"] >= box.top - slack
        and word["bottom"] <= box.bottom + slack
    )


def _centre_inside(word: dict, box: Box) -> bool:
    cx, cy = (word["x0"] + word["x1"]) / 2, (word["top"] + word["bottom"]) / 2
    return box.x0 <= cx <= box.x1 and box.top <= cy <= box.bottom


@pytest.fixture(scope="module")
def seed_words(seed_pdfs):
    return {seed: _words(pdf) for seed, pdf in seed_pdfs.items()}


@pytest.mark.parametrize("engine", ["pdfium", "pdfplumber"])
@pytest.mark.parametrize("seed", ["001", "002"])
def test_each_cells_box_holds_its_value_and_nothing_else(seed_pdfs, seed_words, engine, seed):
    result = parse_pdf(seed_pdfs[seed], f"{seed}.pdf", engine=engine)
    truth = truth_cells(seed)
    checked = 0
    for cell in result.cells:
        assert cell.bbox is not None and cell.bbox.page == cell.page, cell
        numbers = [w for w in seed_words[seed][cell.page] if _amount(w["text"]) is not None]
        held = [w for w in numbers if _inside(w, cell.bbox)]
        # The box holds the printed figure and no other figure of the page.
        assert [_amount(w["text"]) for w in held] == [cell.value], (cell, [w["text"] for w in held])
        checked += truth.get((cell.table, cell.row, cell.col)) == cell.value
    assert len(result.cells) > 150 and checked >= 0.9 * len(truth)  # the hand-typed truth's cells among them


def test_claims_and_evaluation_fields_are_placed_on_their_lines(seed_pdfs, seed_words):
    result = parse_pdf(seed_pdfs["001"], "001.pdf", engine="pdfium")
    placed = [c for c in result.claims if c.get("bbox")]
    assert len(placed) == len(result.claims) > 20
    for claim in placed:
        box = Box.from_json(claim["bbox"])
        figure = claim["value"].lstrip("-")
        line = [w for w in seed_words["001"][box.page] if _centre_inside(w, box)]
        assert any(figure in w["text"].replace(",", "") for w in line), (claim, [w["text"] for w in line])
    evaluation = result.evaluations[0]
    total = Box.from_json(evaluation["boxes"]["total_score"])
    grade = Box.from_json(evaluation["boxes"]["grade"])
    on_page = seed_words["001"][total.page]
    # A narrow cell wraps its figure ("10" over "0"): its words joined are the field.
    assert "".join(w["text"] for w in on_page if _inside(w, total)) == evaluation["total_score"]
    assert "".join(w["text"] for w in on_page if _inside(w, grade)) == evaluation["grade"]


@pytest.mark.slow
def test_ocr_boxes_hold_the_value_on_the_scanned_page(seed_pdfs, seed_words):
    """Table 01 of seed 001 scanned with skew and noise: each OCR cell's box (the scan's pixels
    brought back to points, the straightening undone) holds the centre of that value as the
    text PDF prints it, and each cell carries the recogniser's score."""
    from parsers import parse_bytes
    from replica.render_scan import render_scanned

    result = parse_bytes(render_scanned(seed_pdfs["001"], pages=[1, 2, 3]), "scan-001.pdf")
    assert result.read_by_ocr
    truth = truth_cells("001", ("01",))
    right = [c for c in result.cells if truth.get((c.table, c.row, c.col)) == c.value]
    assert len(right) >= 0.98 * len(truth)
    for cell in right:
        assert cell.bbox is not None and 0 < cell.score <= 1, cell
        printed = [
            w for w in seed_words["001"][cell.page] if _amount(w["text"]) == cell.value and _centre_inside(w, cell.bbox)
        ]
        assert printed, cell
        assert cell.bbox.x1 - cell.bbox.x0 < 120 and cell.bbox.bottom - cell.bbox.top < 30  # one cell, not a row
