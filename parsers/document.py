"""The format-independent view of a filing: a sequence of pages, each with text and grids.

A PDF page is a page; a worksheet, or a run of HTML/DOCX blocks ending in a table, is a
"page" too. Grids are computed on demand because finding tables is the costly part of a
PDF parse and most narrative pages never need it.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from decimal import Decimal

from parsers.model import Box, Cell

Grid = list[list[str | None]]


class Placed(str):
    """A grid cell's text that knows where it is printed: its Box, and OCR's confidence in it.

    A str, so every grid reader works unchanged; readers that know where a value is printed
    (PDF engines, OCR) fill their grids with these and the cells they become keep the box."""

    box: Box | None
    score: float | None

    def __new__(cls, text: str, box: Box | None, score: float | None = None) -> Placed:
        placed = super().__new__(cls, text)
        placed.box, placed.score = box, score
        return placed


def box_of(text: str | None) -> Box | None:
    return getattr(text, "box", None)


def score_of(text: str | None) -> float | None:
    return getattr(text, "score", None)


def placed_cell(table: str, row: str, col: int, value: Decimal, label: str, page: int | None, printed) -> Cell:
    """A canonical cell keeping where its printed text sits (a Placed grid text's box and score)."""
    return Cell(table, row, col, value, label, page, box_of(printed), score_of(printed))


@dataclass
class Page:
    number: int
    text: str
    ruled: bool  # whether it holds table grids at all
    find_grids: Callable[[], list[Grid]] | None = None
    _grids: list[Grid] | None = field(default=None, repr=False)
    # The text's lines with where each is printed, where the reader knows it (PDFs, scans):
    # narrative claims are boxed by the line that prints their figure.
    lines: list[tuple[str, Box]] = field(default_factory=list, repr=False)

    def grids(self) -> list[Grid]:
        if self._grids is None:
            self._grids = self.find_grids() if self.find_grids else []
        return self._grids


def grid_page(number: int, text: str, grid: Grid) -> Page:
    return Page(number, text, True, _grids=[grid])


def text_page(number: int, text: str) -> Page:
    return Page(number, text, False, _grids=[])


# A table's caption (title, 公开NN表, 部门名称, 金额单位) is a few short lines just above it,
# starting at the table's title; prose and glossary lines before the title stay prose.
CAPTION_LINE_MAX = 60
CAPTION_LINES_MAX = 8
TABLE_TITLE = re.compile(r"表\s*([(（][^)）]*[)）])?$")
SHEET_NUMBER = re.compile(r"^公开\s*\d+\s*表$")


def _caption_start(lines: list[str]) -> int:
    """Index in `lines` where the caption of the table that follows them begins."""
    start = len(lines)
    for i in range(len(lines) - 1, max(len(lines) - CAPTION_LINES_MAX, 0) - 1, -1):
        line = lines[i]
        if len(line) > CAPTION_LINE_MAX:
            break
        if TABLE_TITLE.search(line) and not SHEET_NUMBER.match(line):
            return i
    # No title: keep only the short lines that sit right above the grid.
    while start > 0 and len(lines) - start < 3 and len(lines[start - 1]) <= CAPTION_LINE_MAX:
        start -= 1
    return start


NOTE_LINE = re.compile(r"^(注|说明|备注)|本表无数据")


def blocks_to_pages(blocks: Iterable[tuple[str, str | Grid]]) -> list[Page]:
    """Flow documents (HTML, DOCX): ("text", str) and ("table", grid) blocks in reading order.

    Each table becomes a page carrying its caption lines and the notes under it
    (注…, 本表无数据); the prose between tables becomes a page of its own, so narrative
    parts are read as narrative.
    """
    pages: list[Page] = []
    pending: list[str] = []

    def flush_prose(lines: list[str]) -> None:
        last = pages[-1] if pages else None
        while lines and last is not None and last.ruled and NOTE_LINE.search(lines[0]):
            last.text += "\n" + lines.pop(0)
        if lines:
            pages.append(text_page(len(pages) + 1, "\n".join(lines)))

    for kind, value in blocks:
        if kind == "text":
            if str(value).strip():
                pending.append(str(value).strip())
            continue
        grid: Grid = value  # type: ignore[assignment]
        split = _caption_start(pending)
        flush_prose(pending[:split])
        table_text = "\n".join(" ".join(c or "" for c in row) for row in grid)
        pages.append(grid_page(len(pages) + 1, "\n".join([*pending[split:], table_text]), grid))
        pending = []
    flush_prose(pending)
    return pages
