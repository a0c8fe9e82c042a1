"""XLSX (openpyxl) and XLS (xlrd) workbooks: one worksheet is one page, its used range one grid."""
from __future__ import annotations

import io
from decimal import Decimal
from typing import Iterator

from parsers.assemble import assemble
from parsers.document import Grid, Page, grid_page, text_page
from parsers.model import ParseError, ParseResult


def cell_text(value, number_format: str = "General") -> str:
    """A spreadsheet value as it would print: 100 with format 0.00 → '100.00'."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return str(value)
    if isinstance(value, (int, float)):
        text = repr(float(value)) if isinstance(value, float) else str(value)
        decimals = _decimals_of(number_format)
        amount = Decimal(text)
        if decimals is not None:
            return f"{amount:.{decimals}f}"
        return format(amount.normalize(), "f") if amount == amount.to_integral() else text
    return str(value)


def _decimals_of(number_format: str) -> int | None:
    if not number_format or "0" not in number_format:
        return None
    fmt = number_format.split(";")[0]
    return len(fmt.split(".", 1)[1].rstrip("_)\"% ")) if "." in fmt else 0


def sheet_page(number: int, grid: Grid) -> Page:
    rows = [[c or "" for c in row] for row in grid]
    rows = [r for r in rows if any(c.strip() for c in r)]
    text = "\n".join(" ".join(c for c in row if c) for row in rows)
    widest = max((sum(1 for c in row if c.strip()) for row in rows), default=0)
    if widest >= 3:  # a sheet of single-column paragraphs is narrative
        return grid_page(number, text, rows)
    return text_page(number, text)


def _xlsx_grids(data: bytes, source: str) -> Iterator[Grid]:
    from openpyxl import load_workbook

    try:
        book = load_workbook(io.BytesIO(data), read_only=True, data_only=True)
    except Exception as exc:
        raise ParseError(source, f"unreadable XLSX workbook ({exc.__class__.__name__}: {exc})") from exc
    try:
        for sheet in book.worksheets:
            yield [[cell_text(c.value, getattr(c, "number_format", "General")) for c in row]
                   for row in sheet.iter_rows()]
    finally:
        book.close()


def _xls_grids(data: bytes, source: str) -> Iterator[Grid]:
    import xlrd

    try:
        book = xlrd.open_workbook(file_contents=data, formatting_info=False)
    except Exception as exc:
        raise ParseError(source, f"unreadable XLS workbook ({exc.__class__.__name__}: {exc})") from exc
    for sheet in book.sheets():
        grid = []
        for r in range(sheet.nrows):
            row = []
            for c in range(sheet.ncols):
                value = sheet.cell_value(r, c)
                row.append(cell_text(round(value, 6) if isinstance(value, float) else value))
            grid.append(row)
        yield grid


def parse_xlsx(data: bytes, source: str) -> ParseResult:
    return _parse_grids(_xlsx_grids(data, source), source)


def parse_xls(data: bytes, source: str) -> ParseResult:
    return _parse_grids(_xls_grids(data, source), source)


def _parse_grids(grids: Iterator[Grid], source: str) -> ParseResult:
    pages = [sheet_page(n, g) for n, g in enumerate(grids, start=1)]
    if not any(p.text.strip() for p in pages):
        raise ParseError(source, "workbook has no text in any sheet")
    return assemble(pages, source)
