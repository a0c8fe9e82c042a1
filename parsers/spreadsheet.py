"""XLSX (openpyxl) and XLS (xlrd) workbooks: one worksheet is one page, its used range one grid."""

from __future__ import annotations

import io
from collections.abc import Iterator
from decimal import Decimal

from parsers.assemble import assemble
from parsers.document import Grid, Page, grid_page, text_page
from parsers.limits import Limits, exceeded
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
    return len(fmt.split(".", 1)[1].rstrip('_)"% ')) if "." in fmt else 0


def sheet_page(number: int, grid: Grid) -> Page:
    rows = [[c or "" for c in row] for row in grid]
    rows = [r for r in rows if any(c.strip() for c in r)]
    text = "\n".join(" ".join(c for c in row if c) for row in rows)
    widest = max((sum(1 for c in row if c.strip()) for row in rows), default=0)
    if widest >= 3:  # a sheet of single-column paragraphs is narrative
        return grid_page(number, text, rows)
    return text_page(number, text)


def sparse_grid(cells: Iterator[tuple[int, int, str]], sheet: str, source: str, limits: Limits) -> Grid:
    """The grid of the cells that hold text, from (row, column, text) in any order. Neither the
    sheet's claimed dimension nor an empty cell far out costs anything: empty rows are dropped
    (as a page drops them anyway) and, when the rest still spans too much, so are empty columns."""
    held: dict[int, dict[int, str]] = {}
    count = 0
    for row, column, text in cells:
        if not text:
            continue
        count += 1
        if count > limits.max_sheet_cells:
            raise ParseError(
                source,
                exceeded(
                    "max_sheet_cells",
                    f"sheet {sheet!r} holding more than {limits.max_sheet_cells} cells",
                    limits.max_sheet_cells,
                ),
            )
        held.setdefault(row, {})[column] = text
    columns = sorted({c for cells_of_row in held.values() for c in cells_of_row})
    if not columns:
        return []
    width = columns[-1]
    if len(held) * width > limits.max_sheet_area:
        # Only a hostile or broken sheet gets here (a value at XFD1048576): keep the columns used.
        place = {c: i for i, c in enumerate(columns)}
        width = len(columns)
        if len(held) * width > limits.max_sheet_area:
            raise ParseError(
                source,
                exceeded(
                    "max_sheet_area",
                    f"sheet {sheet!r} spanning {len(held)} rows × {width} columns of text",
                    limits.max_sheet_area,
                ),
            )
    else:
        place = {c: c - 1 for c in columns}
    grid = []
    for row in sorted(held):
        line = [""] * width
        for column, text in held[row].items():
            line[place[column]] = text
        grid.append(line)
    return grid


def _xlsx_cells(sheet) -> Iterator[tuple[int, int, str]]:
    """Only the cells the sheet's XML holds, read without openpyxl's padding to the dimension
    the file claims (a claimed XFD1048576 made it yield a billion empty cells)."""
    from openpyxl.cell.read_only import ReadOnlyCell
    from openpyxl.worksheet._reader import WorkSheetParser

    book = sheet.parent
    with sheet._get_source() as src:
        parser = WorkSheetParser(
            src,
            sheet._shared_strings,
            data_only=book.data_only,
            epoch=book.epoch,
            date_formats=book._date_formats,
            timedelta_formats=book._timedelta_formats,
        )
        for _index, row in parser.parse():
            for cell in row:
                if cell["value"] is not None:
                    read = ReadOnlyCell(sheet, **cell)
                    yield cell["row"], cell["column"], cell_text(read.value, read.number_format)


VALUE_TAGS = (b"<v>", b"<v ", b"<is>")  # a cell's value, or its inline string


def _values_in(stream) -> int:
    """Values a sheet's XML holds, counted on its bytes, before openpyxl reads it: openpyxl
    takes ~25 µs a cell, and reads a whole sheet that has no <dimension> just to open the
    workbook, so a sheet of a million values took a minute only to be refused."""
    count, tail = 0, b""
    while chunk := stream.read(1 << 20):
        block = tail + chunk
        count += sum(block.count(tag) for tag in VALUE_TAGS)
        tail = block[-3:]
        count -= sum(tail.count(tag) for tag in VALUE_TAGS)  # counted again with the next block
    return count + sum(tail.count(tag) for tag in VALUE_TAGS)


def _check_sheet_sizes(data: bytes, source: str, limits: Limits) -> None:
    import zipfile

    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        for name in archive.namelist():
            if name.startswith("xl/worksheets/") and name.endswith(".xml"):
                with archive.open(name) as stream:
                    values = _values_in(stream)
                if values > limits.max_sheet_cells:
                    raise ParseError(
                        source,
                        exceeded("max_sheet_cells", f"sheet {name} holding {values} values", limits.max_sheet_cells),
                    )


def _xlsx_grids(data: bytes, source: str, limits: Limits) -> Iterator[Grid]:
    from openpyxl import load_workbook

    _check_sheet_sizes(data, source, limits)
    try:
        book = load_workbook(io.BytesIO(data), read_only=True, data_only=True)
    except Exception as exc:
        raise ParseError(source, f"unreadable XLSX workbook ({exc.__class__.__name__}: {exc})") from exc
    try:
        for sheet in book.worksheets:
            yield sparse_grid(_xlsx_cells(sheet), sheet.title, source, limits)
    finally:
        book.close()


def _xls_cells(sheet) -> Iterator[tuple[int, int, str]]:
    for r in range(sheet.nrows):
        for c, value in enumerate(sheet.row_values(r)):
            if value != "":
                yield r + 1, c + 1, cell_text(round(value, 6) if isinstance(value, float) else value)


def _xls_grids(data: bytes, source: str, limits: Limits) -> Iterator[Grid]:
    import xlrd

    try:
        book = xlrd.open_workbook(file_contents=data, formatting_info=False)
    except Exception as exc:
        raise ParseError(source, f"unreadable XLS workbook ({exc.__class__.__name__}: {exc})") from exc
    for sheet in book.sheets():
        yield sparse_grid(_xls_cells(sheet), sheet.name, source, limits)


def parse_xlsx(data: bytes, source: str, limits: Limits | None = None) -> ParseResult:
    return _parse_grids(_xlsx_grids(data, source, limits or Limits.from_env()), source)


def parse_xls(data: bytes, source: str, limits: Limits | None = None) -> ParseResult:
    return _parse_grids(_xls_grids(data, source, limits or Limits.from_env()), source)


def _parse_grids(grids: Iterator[Grid], source: str) -> ParseResult:
    pages = [sheet_page(n, g) for n, g in enumerate(grids, start=1)]
    if not any(p.text.strip() for p in pages):
        raise ParseError(source, "workbook has no text in any sheet")
    return assemble(pages, source)
