"""Hostile files of issue #17, generated here: each is refused by a named limit before it costs
gigabytes or hours, or read as if the hostile part were not there."""

import dataclasses
import io
import zipfile

import pytest

from parsers import ParseError, parse_bytes
from parsers.limits import Limits
from replica import hostile
from replica.render_formats import render_xlsx
from replica.seeds import load_fixture
from tests.conftest import FIXTURES


@pytest.fixture(scope="module")
def small_xlsx() -> bytes:
    filing = load_fixture(FIXTURES / "seed_001.json")
    filing = dataclasses.replace(
        filing,
        tables={k: filing.tables[k] for k in ("01", "09")},
        narrative=filing.narrative[:4],
        evaluations=filing.evaluations[:1],
        glossary=[],
    )
    return render_xlsx(filing)


def _refusal(data: bytes, name: str, limits: Limits | None = None) -> ParseError:
    with pytest.raises(ParseError) as caught:
        parse_bytes(data, name, limits)
    assert caught.value.source == name
    return caught.value


def test_a_blank_pdf_of_100000_pages_is_refused_unread():
    error = _refusal(hostile.blank_pdf(100_000), "blank.pdf", Limits())
    assert "PDF of 100000 pages" in error.reason and "max_pdf_pages=5000" in error.reason
    assert "DISCLOSURE_MAX_PDF_PAGES" in error.reason


def test_a_long_blank_scan_never_reaches_ocr(monkeypatch):
    import parsers.ocr

    def no_ocr(gray):
        raise AssertionError("a page was sent to OCR")

    monkeypatch.setattr(parsers.ocr, "read_page", no_ocr)
    error = _refusal(hostile.blank_pdf(60), "scan.pdf", Limits(max_ocr_pages=50))
    assert "image-only PDF of 60 pages" in error.reason and "max_ocr_pages=50" in error.reason


def test_a_page_of_14400_points_is_not_rendered(monkeypatch):
    import pypdfium2

    def no_render(*args, **kwargs):
        raise AssertionError("the page was rendered")

    monkeypatch.setattr(pypdfium2.PdfPage, "render", no_render)
    error = _refusal(hostile.blank_pdf(1, 14_400, 14_400), "poster.pdf", Limits())
    from parsers.ocr import RENDER_DPI

    pixels = round(14_400 / 72 * RENDER_DPI) ** 2  # what the page would render to for OCR
    assert "page 1 of 14400×14400 pt" in error.reason and f"{pixels} pixels at {RENDER_DPI} dpi" in error.reason
    assert "max_page_pixels=80000000" in error.reason


def test_a_sheet_claiming_the_whole_grid_reads_as_the_cells_it_holds(small_xlsx):
    normal = parse_bytes(small_xlsx, "normal.xlsx")
    hostile_xlsx = hostile.xlsx_claiming_dimension(small_xlsx)
    assert b'<dimension ref="A1:XFD1048576"/>' in zipfile.ZipFile(io.BytesIO(hostile_xlsx)).read(
        "xl/worksheets/sheet1.xml"
    )
    claimed = parse_bytes(hostile_xlsx, "claimed.xlsx")
    assert normal.cells and claimed.cell_map() == normal.cell_map()


def test_a_value_in_the_last_cell_costs_one_cell(small_xlsx):
    # openpyxl padded every row up to it: 1,048,576 rows × 16,384 columns, 5.8 GB before dying.
    normal = parse_bytes(small_xlsx, "normal.xlsx")
    far = parse_bytes(hostile.xlsx_with_far_cell(small_xlsx), "far.xlsx")
    assert far.cell_map() == normal.cell_map()


def test_a_sheet_with_more_values_than_the_limit_is_refused():
    error = _refusal(hostile.xlsx_of_many_cells(300, 10), "many.xlsx", Limits(max_sheet_cells=2000))
    assert "sheet xl/worksheets/sheet1.xml holding 3000 values exceeds the limit max_sheet_cells=2000" in error.reason
    assert "DISCLOSURE_MAX_SHEET_CELLS" in error.reason


def test_values_beyond_the_limit_found_while_reading_are_refused_too():
    # the byte count is a first check; the cells read are counted again as they are read
    from parsers.spreadsheet import sparse_grid

    with pytest.raises(ParseError, match=r"sheet 's' holding more than 5 cells exceeds the limit max_sheet_cells=5"):
        sparse_grid(((1, c, "v") for c in range(1, 10)), "s", "x.xlsx", Limits(max_sheet_cells=5))


def test_sparse_values_spread_over_rows_and_columns_are_refused_by_area(small_xlsx):
    # Few values, each on its own row and column: even with empty rows and columns dropped
    # the grid would be values² cells.
    from parsers.spreadsheet import sparse_grid

    diagonal = ((i, i, "v") for i in range(1, 101))
    with pytest.raises(ParseError, match=r"spanning 100 rows × 100 columns .* max_sheet_area=400"):
        sparse_grid(diagonal, "对角", "diag.xlsx", Limits(max_sheet_cells=100))
    # Two values far apart: the empty columns between them are dropped, the values kept in order.
    assert sparse_grid(iter([(5, 16384, "b"), (1, 1, "a")]), "s", "x.xlsx", Limits(max_sheet_cells=10)) == [
        ["a", ""],
        ["", "b"],
    ]


def test_the_crawler_and_the_parsers_stop_at_the_same_file_size(monkeypatch):
    # The crawler stopped at 200 MB while the parsers allowed 300: one setting now.
    from crawlers.site_crawl import CrawlLimits
    from disclosure.settings import ConfigurationError

    assert CrawlLimits().max_bytes == Limits().max_file_bytes == 300 * 1024 * 1024
    monkeypatch.setenv("DISCLOSURE_MAX_FILE_MB", "5")
    assert Limits.from_env().max_file_bytes == 5 * 1024 * 1024
    monkeypatch.setenv("DISCLOSURE_MAX_OCR_PAGES", "many")
    with pytest.raises(ConfigurationError, match="DISCLOSURE_MAX_OCR_PAGES"):
        Limits.from_env()
