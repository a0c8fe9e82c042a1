"""Text lines and ruled tables from positioned glyphs and line segments. Pure geometry.

The PDF reader hands over each page's glyphs (text, box) and the straight segments of its
drawn paths; this module turns them into the page's text and its table grids. The rules
follow pdfplumber's defaults ("lines" strategy, 3 pt tolerances, a glyph belongs to the cell
holding its centre, spanned positions are None), so the grids are the ones the assembler was
built and tested on; they are reimplemented here so that a page is read once, in C, by PDFium,
instead of glyph by glyph in Python by pdfminer.

Coordinates are PDF points with y growing downwards (top of page = 0).
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from itertools import groupby
from typing import NamedTuple

from parsers.document import Grid, Placed
from parsers.model import Box

TOLERANCE = 3.0  # snap, join, intersection and word-gap tolerance, as pdfplumber's defaults
MIN_EDGE = 3.0


class Glyph(NamedTuple):
    text: str
    x0: float
    top: float
    x1: float
    bottom: float


class Edge(NamedTuple):
    """A horizontal (position = y, span = x0..x1) or vertical (position = x, span = top..bottom) rule."""

    horizontal: bool
    position: float
    start: float
    end: float


# ---------------------------------------------------------------- text

DUPLICATE = 1.0  # pt: a glyph printed again within this distance is the same glyph


def dedupe(glyphs: Iterable[Glyph]) -> list[Glyph]:
    """Drop glyphs printed twice in one place ("fake bold": titles and totals drawn twice
    with a small offset), which would read as "合合计计"."""
    kept: list[Glyph] = []
    last: dict[str, list[Glyph]] = {}
    for g in sorted(glyphs, key=lambda g: (g.top, g.x0)):
        same = last.setdefault(g.text, [])
        if any(abs(g.x0 - o.x0) <= DUPLICATE and abs(g.top - o.top) <= DUPLICATE for o in same[-4:]):
            continue
        same.append(g)
        kept.append(g)
    return kept


def _clusters(values: list[float], tolerance: float) -> dict[float, int]:
    """Cluster index of each value: sorted values chained while neighbours are within tolerance."""
    index: dict[float, int] = {}
    cluster, last = -1, None
    for v in sorted(set(values)):
        if last is None or v - last > tolerance:
            cluster += 1
        index[v] = cluster
        last = v
    return index


def placed_lines(glyphs: Iterable[Glyph]) -> list[tuple[str, float, float, float, float]]:
    """Lines top to bottom, each with the rectangle of its glyphs (x0, top, x1, bottom); within
    a line, words left to right joined by one space.

    A word breaks at a blank glyph, at a gap wider than the tolerance, or where the next
    glyph starts left of the previous one."""
    glyphs = list(glyphs)
    if not glyphs:
        return []
    cluster = _clusters([g.bottom for g in glyphs], TOLERANCE)
    by_line: dict[int, list[Glyph]] = defaultdict(list)
    for g in glyphs:
        by_line[cluster[g.bottom]].append(g)
    lines = []
    for key in sorted(by_line):
        words: list[str] = []
        current: list[str] = []
        previous: Glyph | None = None
        inked: list[Glyph] = []
        for g in sorted(by_line[key], key=lambda g: g.x0):
            if g.text.isspace():
                if current:
                    words.append("".join(current))
                current, previous = [], None
                continue
            if previous is not None and (g.x0 > previous.x1 + TOLERANCE or g.x0 < previous.x0):
                words.append("".join(current))
                current = []
            current.append(g.text)
            inked.append(g)
            previous = g
        if current:
            words.append("".join(current))
        if words:
            box = (
                min(g.x0 for g in inked),
                min(g.top for g in inked),
                max(g.x1 for g in inked),
                max(g.bottom for g in inked),
            )
            lines.append((" ".join(words), *box))
    return lines


def text_lines(glyphs: Iterable[Glyph]) -> list[str]:
    return [line[0] for line in placed_lines(glyphs)]


def page_text(glyphs: Iterable[Glyph]) -> str:
    return "\n".join(text_lines(glyphs))


# ---------------------------------------------------------------- edges


def _snap(edges: list[Edge]) -> list[Edge]:
    """Rules whose positions lie within the tolerance of each other share their mean position."""
    out: list[Edge] = []
    for horizontal in (True, False):
        group = sorted((e for e in edges if e.horizontal == horizontal), key=lambda e: e.position)
        cluster: list[Edge] = []
        for e in group + [None]:
            if e is not None and (not cluster or e.position - cluster[-1].position <= TOLERANCE):
                cluster.append(e)
                continue
            if cluster:
                mean = sum(c.position for c in cluster) / len(cluster)
                out.extend(c._replace(position=mean) for c in cluster)
            cluster = [e] if e is not None else []
    return out


def _join(edges: list[Edge]) -> list[Edge]:
    """Collinear rules that touch or nearly touch become one."""
    out: list[Edge] = []
    key = lambda e: (e.horizontal, e.position)  # noqa: E731
    for _k, group in groupby(sorted(edges, key=lambda e: (e.horizontal, e.position, e.start)), key=key):
        group = list(group)
        joined = group[0]
        for e in group[1:]:
            if e.start <= joined.end + TOLERANCE:
                joined = joined._replace(end=max(joined.end, e.end))
            else:
                out.append(joined)
                joined = e
        out.append(joined)
    return out


def merge_edges(edges: Iterable[Edge]) -> list[Edge]:
    return [e for e in _join(_snap(list(edges))) if e.end - e.start >= MIN_EDGE]


# ---------------------------------------------------------------- cells and tables

Point = tuple[float, float]
Cell = tuple[float, float, float, float]  # x0, top, x1, bottom


def _intersections(edges: list[Edge]) -> dict[Point, tuple[set[int], set[int]]]:
    """Each crossing of a vertical and a horizontal rule → (vertical rules, horizontal rules) through it."""
    verticals = [(i, e) for i, e in enumerate(edges) if not e.horizontal]
    horizontals = [(i, e) for i, e in enumerate(edges) if e.horizontal]
    points: dict[Point, tuple[set[int], set[int]]] = {}
    for vi, v in verticals:
        for hi, h in horizontals:
            if (
                v.start <= h.position + TOLERANCE
                and v.end >= h.position - TOLERANCE
                and h.start - TOLERANCE <= v.position <= h.end + TOLERANCE
            ):
                vs, hs = points.setdefault((v.position, h.position), (set(), set()))
                vs.add(vi)
                hs.add(hi)
    return points


def _cells(points: dict[Point, tuple[set[int], set[int]]]) -> list[Cell]:
    """The smallest rectangles whose four corners are crossings joined by rules."""
    ordered = sorted(points, key=lambda p: (p[1], p[0]))
    columns: dict[float, list[float]] = defaultdict(list)  # x → ys below, ascending
    rows: dict[float, list[float]] = defaultdict(list)  # y → xs to the right, ascending
    for x, y in ordered:
        columns[x].append(y)
        rows[y].append(x)

    def joined_vertically(a: Point, b: Point) -> bool:
        return bool(points[a][0] & points[b][0])

    def joined_horizontally(a: Point, b: Point) -> bool:
        return bool(points[a][1] & points[b][1])

    cells: list[Cell] = []
    for x, y in ordered:
        below = [(x, yb) for yb in columns[x] if yb > y]
        right = [(xr, y) for xr in rows[y] if xr > x]
        found = None
        for b in below:
            if not joined_vertically((x, y), b):
                continue
            for r in right:
                if not joined_horizontally((x, y), r):
                    continue
                corner = (r[0], b[1])
                if corner in points and joined_vertically(corner, r) and joined_horizontally(corner, b):
                    found = (x, y, r[0], b[1])
                    break
            if found:
                break
        if found:
            cells.append(found)
    return cells


def _tables(cells: list[Cell]) -> list[list[Cell]]:
    """Cells that share a corner form one table; single cells are not tables."""

    def corners(c: Cell) -> set[Point]:
        x0, top, x1, bottom = c
        return {(x0, top), (x0, bottom), (x1, top), (x1, bottom)}

    remaining = list(cells)
    tables: list[list[Cell]] = []
    while remaining:
        table = [remaining.pop(0)]
        seen = corners(table[0])
        grew = True
        while grew:
            grew = False
            rest = []
            for c in remaining:
                cs = corners(c)
                if cs & seen:
                    table.append(c)
                    seen |= cs
                    grew = True
                else:
                    rest.append(c)
            remaining = rest
        if len(table) > 1:
            tables.append(table)
    return sorted(tables, key=lambda t: min((c[1], c[0]) for c in t))


def _cell_text(glyphs: list[Glyph], cell: Cell) -> str:
    x0, top, x1, bottom = cell
    inside = [g for g in glyphs if x0 <= (g.x0 + g.x1) / 2 < x1 and top <= (g.top + g.bottom) / 2 < bottom]
    return page_text(inside)


def _grid(table: list[Cell], glyphs: list[Glyph], page: int | None = None) -> Grid:
    xs = sorted({c[0] for c in table})

    def placed(cell: Cell, text: str) -> str:
        return Placed(text, Box(page, *cell)) if page is not None else text

    grid: Grid = []
    for _top, row_cells in groupby(sorted(table, key=lambda c: (c[1], c[0])), key=lambda c: c[1]):
        row_cells = list(row_cells)
        row_top, row_bottom = row_cells[0][1], max(c[3] for c in row_cells)
        in_row = [g for g in glyphs if row_top <= (g.top + g.bottom) / 2 < row_bottom]
        by_x = {c[0]: c for c in row_cells}
        grid.append([placed(by_x[x], _cell_text(in_row, by_x[x])) if x in by_x else None for x in xs])
    return grid


def find_grids(glyphs: list[Glyph], edges: Iterable[Edge], page: int | None = None) -> list[Grid]:
    """The page's ruled tables, top to bottom, each as rows of cell texts (None where a
    merged cell spans the position); given the page's number, each text is Placed (its cell's box)."""
    merged = merge_edges(edges)
    if not merged:
        return []
    tables = _tables(_cells(_intersections(merged)))
    return [_grid(table, glyphs, page) for table in tables]
