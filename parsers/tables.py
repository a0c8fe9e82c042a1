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
LINE_NUMBER_TABLES = {"01", "04"}
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
        key_cols = {}
        for j in value_cols:
            left = [k for k in range(j) if k not in value_cols and k not in labels]
            if left:
                key_cols[j] = left[-1]
        return index, ColumnMap(len(row), value_cols, key_cols)
    return None


def _subject_key(cells: list[str]) -> tuple[str, str] | None:
    if "合计" in cells[:2]:
        return "合计", "合计"
    code = cells[0].replace(" ", "")
    if SUBJECT_CODE.match(code):
        return code, cells[1] if len(cells) > 1 else ""
    return None


def grid_to_cells(code: str, grid: Grid, colmap: ColumnMap, start_row: int, page: int | None) -> list[Cell]:
    """Canonical cells of the data rows grid[start_row:] of table `code`."""
    out: list[Cell] = []
    for row in grid[start_row:]:
        cells = [clean_cell(c) for c in row]
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


class TableAssembler:
    """Feeds the grids of one table, page by page, and keeps the column map across pages."""

    def __init__(self, code: str):
        self.code = code
        self.colmap: ColumnMap | None = None
        self.cells: list[Cell] = []

    @property
    def supported(self) -> bool:
        return self.code in LINE_NUMBER_TABLES | SUBJECT_CODE_TABLES

    def add_grid(self, grid: Grid, page: int) -> bool:
        """Add one grid; False when it cannot belong to this table (columns do not fit)."""
        if not grid:
            return False
        found = find_column_map(grid)
        if found is not None:
            start, self.colmap = found[0] + 1, found[1]
        elif self.colmap is not None and len(grid[0]) == self.colmap.ncols:
            start = 0  # continuation page: same columns, no header
        else:
            return False
        if self.supported:
            self.cells.extend(grid_to_cells(self.code, grid, self.colmap, start, page))
        return True
