"""Grids of printed cells → canonical cells, keyed as in filings.md.

Pure functions. The 栏次 row ("栏次 | | 1 | 栏次 | | 2 …") tells which grid column holds
which 栏次 and, for 行次 tables, which grid column holds the row number: that makes the
mapping independent of layout, wrapping and half-page splits. Continuation pages carry
no header, so the map of the page before is reused when the column count matches.
"""
from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass

from parsers.model import Cell
from parsers.numbers import is_integer_token, parse_amount

# Tables whose rows are keyed by 行次 and those keyed by 科目代码 (or 合计).
LINE_NUMBER_TABLES = {"01", "04", "10"}
SUBJECT_CODE_TABLES = {"02", "03", "05", "07", "08"}
SUBJECT_CODE = re.compile(r"^\d{3}(\d{2}){0,2}$")

Grid = list[list[str | None]]


def clean_cell(text: str | None) -> str:
    """Undo wrapping inside a cell and normalise width: '本年收入合\n计' → '本年收入合计'."""
    if text is None:
        return ""
    return unicodedata.normalize("NFKC", text).replace("\n", "").strip()


@dataclass(frozen=True)
class ColumnMap:
    """What the header of a table told us, kept for its continuation pages."""

    ncols: int
    value_cols: dict[int, int]  # grid column → 栏次
    key_cols: dict[int, int]  # grid column of a value → grid column of its row key (行次 tables)


def find_column_map(grid: Grid) -> tuple[int, ColumnMap] | None:
    """Locate the 栏次 row; return its index and the column map, or None."""
    for index, row in enumerate(grid):
        cells = [clean_cell(c) for c in row]
        if "栏次" not in cells:
            continue
        value_cols = {j: int(c) for j, c in enumerate(cells) if c.isdigit()}
        if not value_cols:
            continue
        labels = {j for j, c in enumerate(cells) if c == "栏次"}
        value_cols = _complete_sequence(value_cols, cells, labels)
        key_cols = {}
        for j in value_cols:
            left = [k for k in range(j) if k not in value_cols and k not in labels]
            if left:
                key_cols[j] = left[-1]
        return index, ColumnMap(len(row), value_cols, key_cols)
    return None


def _complete_sequence(value_cols: dict[int, int], cells: list[str], labels: set[int]) -> dict[int, int]:
    """A 栏次 number an OCR missed: when every number read sits at the same offset from its
    column (1, 2, 3 … in consecutive columns), the blank columns right of the 栏次 label
    complete the sequence (from 1, on either side of the numbers read)."""
    offsets = {j - n for j, n in value_cols.items()}
    if len(offsets) != 1 or len(value_cols) < 2:
        return value_cols
    offset = offsets.pop()
    after_label = max(labels, default=-1)
    filled = dict(value_cols)
    for j in range(after_label + 1, len(cells)):  # to the right of 栏次, from 栏次 1 on
        if j not in filled and not cells[j] and j - offset >= 1:
            filled[j] = j - offset
    return filled


def _subject_key(cells: list[str]) -> tuple[str, str] | None:
    if "合计" in cells[:2]:
        return "合计", "合计"
    code = re.sub(r"[\s.·]", "", cells[0])  # a dot in a subject code is scan noise ("21.0")
    if SUBJECT_CODE.match(code):
        return code, cells[1] if len(cells) > 1 else ""
    return None


def grid_to_cells(code: str, grid: Grid, colmap: ColumnMap, start_row: int, page: int | None) -> list[Cell]:
    """Canonical cells of the data rows grid[start_row:] of table `code`."""
    out: list[Cell] = []
    for row in grid[start_row:]:
        cells = [clean_cell(c) for c in row]
        key: tuple[str, str] | None = ("1", "")  # 09 has a single data row
        if code in SUBJECT_CODE_TABLES:
            key = _subject_key(cells)
            if key is None:
                continue
        for j, col in colmap.value_cols.items():
            if j >= len(cells):
                continue
            value = parse_amount(cells[j])
            if value is None:
                continue
            if code in LINE_NUMBER_TABLES:
                k = colmap.key_cols.get(j)
                if k is None or not is_integer_token(cells[k]):
                    continue
                row_key, label = str(int(cells[k])), cells[k - 1] if k else ""
            else:
                row_key, label = key
            out.append(Cell(code, row_key, col, value, label, page))
    return out


ECONOMIC_CODE = re.compile(r"^\d{3}(\d{2})?$")
GROUP_TOTALS = {"人员经费合计": "人员经费合计", "公用经费合计": "公用经费合计"}


def economic_groups_cells(grid: Grid, start: int, page: int | None) -> list[Cell]:
    """Table 06: four (code, name, amount) groups side by side are one list; two totals."""
    out: list[Cell] = []
    for row in grid[start:]:
        cells = [clean_cell(c) for c in row]
        for j, text in enumerate(cells):
            if text in GROUP_TOTALS:
                value = next((parse_amount(v) for v in cells[j + 1:] if parse_amount(v) is not None), None)
                if value is not None:
                    out.append(Cell("06", GROUP_TOTALS[text], 1, value, text, page))
        for g in range(0, len(cells) - 2, 3):
            code, name, amount = cells[g], cells[g + 1], cells[g + 2]
            value = parse_amount(amount)
            if ECONOMIC_CODE.match(code) and value is not None:
                out.append(Cell("06", code, 1, value, name, page))
    return out


def _header_index(grid: Grid, word: str) -> int | None:
    for i, row in enumerate(grid):
        if any(clean_cell(c) == word for c in row):
            return i
    return None


def _numbered_columns(grid: Grid) -> tuple[int, ColumnMap] | None:
    """Table 09: a header row that is just the column numbers 1, 2, … in order."""
    for i, row in enumerate(grid):
        cells = [clean_cell(c) for c in row]
        numbers = [c for c in cells if c]
        if len(numbers) >= 6 and numbers == [str(n) for n in range(1, len(numbers) + 1)]:
            return i, ColumnMap(len(row), {j: int(c) for j, c in enumerate(cells) if c}, {})
    return None


class TableAssembler:
    """Feeds the grids of one table, page by page, and keeps its layout across pages."""

    def __init__(self, code: str):
        self.code = code
        self.layout: ColumnMap | None = None
        self.cells: list[Cell] = []

    def add_grid(self, grid: Grid, page: int) -> bool:
        """Add one grid; False when it cannot belong to this table (columns do not fit)."""
        if not grid:
            return False
        start = self._locate(grid)
        if start is None:
            return False
        self.cells.extend(self._read(grid, start, page))
        return True

    def is_start(self, grid: Grid) -> bool:
        """Whether this grid carries the table's own header (so it starts the table)."""
        return bool(grid) and self._find_header(grid) is not None

    def _locate(self, grid: Grid) -> int | None:
        """Index of the first data row, learning the layout from a header when there is one."""
        found = self._find_header(grid)
        if found is not None:
            self.layout = found[1]
            return found[0] + 1
        if self.layout is not None and len(grid[0]) == self.layout.ncols:
            return 0  # continuation page: same columns, no header
        return None

    def _find_header(self, grid: Grid) -> tuple[int, ColumnMap] | None:
        found = None
        if self.code == "06":
            i = _header_index(grid, "科目代码")
            found = (i, ColumnMap(len(grid[i]), {}, {})) if i is not None else None
        elif self.code == "09":
            found = _numbered_columns(grid)
        elif self.code == "10":
            i = _header_index(grid, "行次")
            if i is not None:
                header = [clean_cell(c) for c in grid[i]]
                k = header.index("行次")
                found = (i, ColumnMap(len(header), {k + 1: 1}, {k + 1: k}))
        else:
            cm = find_column_map(grid)
            found = (cm[0], cm[1]) if cm else None
        return found

    def _read(self, grid: Grid, start: int, page: int) -> list[Cell]:
        if self.code == "06":
            return economic_groups_cells(grid, start, page)
        colmap = self.layout
        if self.code == "09":
            return [replace_row(c, "1") for c in grid_to_cells("09", grid[start:start + 1], colmap, 0, page)]
        return grid_to_cells(self.code, grid, colmap, start, page)


def replace_row(cell: Cell, row: str) -> Cell:
    return Cell(cell.table, row, cell.col, cell.value, cell.label, cell.page)
