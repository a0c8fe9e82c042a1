"""Probable OCR misreads are named after validation, where parsing and validation meet; a
result that OCR did not read is never flagged, whatever fails in it."""

from decimal import Decimal

from parsers.model import Cell, ParseResult, TableInfo
from validation.misreads import flag_misreads, misread_problems


def _result(read_by_ocr: bool) -> ParseResult:
    # 本年收入合计 printed 10.00 over income lines of 4.00 + 5.00: 01.income_sum fails by 1.00.
    cells = [
        Cell("01", "27", 1, Decimal("10.00")),
        Cell("01", "1", 1, Decimal("4.00")),
        Cell("01", "2", 1, Decimal("5.00")),
    ]
    tables = {"01": TableInfo("present", [3], "万元")}
    return ParseResult("scan.pdf", "某单位", 2024, "单位决算", tables, cells, pages=3, read_by_ocr=read_by_ocr)


def test_failed_identities_of_a_scan_name_their_cells_and_page():
    lines = misread_problems(_result(read_by_ocr=True))
    income = [line for line in lines if line.startswith("OCR: 01.income_sum fails")]
    assert income == [
        "OCR: 01.income_sum fails (01[27].1=10.00, 01[1].1=4.00, 01[2].1=5.00); "
        "a cell was probably misread — check page 3 of the scan"
    ]
    assert all(line.startswith("OCR: 01.") for line in lines)  # table identities only, no required parts


def test_a_text_pdf_is_not_flagged_and_flagging_twice_adds_nothing():
    assert misread_problems(_result(read_by_ocr=False)) == []
    result = flag_misreads(_result(read_by_ocr=True))
    once = list(result.problems)
    assert once and flag_misreads(result).problems == once
