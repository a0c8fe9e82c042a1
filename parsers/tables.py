"""Grids of printed cells → canonical cells, keyed as in filings.md.

Pure functions. A table's columns are known from its header: the 栏次 row ("栏次 | | 1 | 栏次 |
| 2 …") where one is printed, else the header words of each column matched against the
template catalogue (`parsers.templates`). Rows are keyed by 行次 where printed, else by what
their label means (01[27] is 本年收入合计 in every layout); subject rows by 科目代码, also
when split into 类/款/项 columns. Continuation pages carry no header, so the map of the page
before is reused when the column count matches; a grid with neither title nor header is
recognised by its rows (codes, column count, the identities its columns satisfy).
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass, field
from decimal import Decimal

from parsers import templates
from parsers.document import placed_cell
from parsers.model import Cell
from parsers.numbers import is_integer_token, parse_amount
from parsers.templates import compact

# Tables whose rows are keyed by 行次 (or their label) and those keyed by 科目代码 (or 合计).
LINE_NUMBER_TABLES = {code for code, t in templates.tables().items() if t.rows == "line"}
SUBJECT_CODE_TABLES = {code for code, t in templates.tables().items() if t.rows == "subject"}
SUBJECT_CODE = re.compile(r"^\d{3}(\d{2}){0,2}$")
TOTAL_LABELS = ("合计", "总计")
HEADER_SEARCH_ROWS = 12
HEADER_WORDS = {"项目", "行次", "栏次", "金额", "决算数"}

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
    key_cols: dict[int, int]  # grid column of a value → grid column of its 行次 (line tables)
    label_cols: dict[int, int] = field(default_factory=dict)  # … → grid column of its row label
    sides: dict[int, str] = field(default_factory=dict)  # … → income | expenditure (line tables)
    code_cols: tuple[int, ...] = (0,)  # subject tables: the code, or its 类/款/项 parts
    name_col: int = 1


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


# ---------------------------------------------------------------- header words


def _is_numbering_row(cells: list[str]) -> bool:
    """A row of column numbers 1, 2, … (栏次 printed without its label)."""
    numbers = [c for c in cells if c and c != "栏次"]
    return len(numbers) >= 2 and numbers == [str(n) for n in range(1, len(numbers) + 1)]


def _is_amount(text: str) -> bool:
    return "." in text and parse_amount(text) is not None


def _is_data_row(code: str, cells: list[str]) -> bool:
    """Where a table's header ends: the first row with a decimal amount, a subject code or a
    label of the table's rows."""
    if _is_numbering_row(cells):
        return False
    if any(_is_amount(c) for c in cells):
        return True
    kind = templates.table(code).rows
    if kind == "subject":
        return any(SUBJECT_CODE.match(re.sub(r"[\s.·]", "", c)) for c in cells[:3])
    if kind == "line":
        if any(c in HEADER_WORDS for c in cells):  # a header cell may read like a label (一般公共预算财政拨款)
            return False
        return any(templates.row_for_label(code, side, c, 0) for c in cells for side in ("income", "expenditure"))
    return False


def header_paths(grid: Grid, end: int) -> list[list[str]]:
    """Per grid column, the header texts above it, top to bottom. A merged cell leaves None in
    the positions it covers: a None continues the cell to its left on the first row and below
    a cell that was itself such a continuation, else it continues the cell above (adds nothing)."""
    ncols = max((len(r) for r in grid[:end]), default=0)
    texts: list[list[str]] = []
    spread: list[list[bool]] = []
    for r in range(end):
        row = list(grid[r]) + [None] * (ncols - len(grid[r]))
        t, s = [""] * ncols, [False] * ncols
        for j, c in enumerate(row):
            if c is not None:
                t[j] = compact(c)
            elif j > 0 and (r == 0 or spread[r - 1][j]):
                t[j], s[j] = t[j - 1], True
        texts.append(t)
        spread.append(s)
    return [[texts[r][j] for r in range(end) if texts[r][j]] for j in range(ncols)]


def _leaf(path: list[str], groups: set[str]) -> str:
    """The column's own header text: the lowest one that is neither a number nor a group word."""
    for text in reversed(path):
        if not text.isdigit() and text != "栏次" and text not in groups:
            return text
    return ""


def header_layout(code: str, grid: Grid) -> tuple[int, ColumnMap] | None:
    """The header of a table read by its words: where its data start and the column map."""
    rows = [[clean_cell(c) for c in row] for row in grid]
    end = next((i for i, cells in enumerate(rows) if _is_data_row(code, cells)), len(rows))
    if end == 0:
        return None
    template = templates.table(code)
    groups = {w for c in template.columns for w in c.under}
    value_cols: dict[int, int] = {}
    sides: dict[int, str] = {}
    key_marks: list[int] = []
    code_marks: list[int] = []
    split_marks: list[int] = []
    name_col = None
    for j, path in enumerate(header_paths(grid, end)):
        leaf = _leaf(path, groups)
        if not leaf:
            continue
        if leaf == "行次":
            key_marks.append(j)
            continue
        if leaf in ("类", "款", "项"):
            split_marks.append(j)
            continue
        if re.search(r"(科目|分类)?(代码|编码)$", leaf):
            code_marks.append(j)
            continue
        if "名称" in leaf or leaf == "项目":
            name_col = j if name_col is None else name_col
            continue
        column = templates.match_column(code, leaf, "".join(path))
        if column is not None and column.col not in value_cols.values():
            value_cols[j] = column.col
            if column.side:
                sides[j] = column.side
    if len(value_cols) < min(2, len(template.columns)):
        return None
    if not split_marks and end < len(rows):  # 类 | 款 | 项 printed in the 合计 row itself
        split_marks = [j for j, c in enumerate(rows[end]) if c in ("类", "款", "项") and j not in value_cols]
    key_cols, label_cols = {}, {}
    for j in value_cols:
        left = [k for k in range(j) if k not in value_cols]
        keys = [k for k in left if k in key_marks]
        labels = [k for k in left if k not in key_marks]
        if keys and (not labels or keys[-1] > labels[-1]):
            key_cols[j] = keys[-1]
        if labels:
            label_cols[j] = labels[-1]
    code_cols = tuple(split_marks) or tuple(code_marks[:1]) or (0,)
    if name_col is None or name_col in code_cols:
        name_col = max(code_cols) + 1
    return end, ColumnMap(len(grid[0]), value_cols, key_cols, label_cols, sides, code_cols, name_col)


# ---------------------------------------------------------------- rows


def _split_code(cells: list[str], colmap: ColumnMap, carried: list[str]) -> str:
    """类/款/项 printed in their own columns: "201", "01", "01" → 2010101; a blank 类 on a
    款 row carries the 类 of the row above."""
    parts = [re.sub(r"\D", "", cells[j]) if j < len(cells) else "" for j in colmap.code_cols]
    for i, part in enumerate(parts):
        if part:
            carried[i:] = parts[i:]
            break
    return "".join(p for p in carried if p)


def _subject_key(cells: list[str], colmap: ColumnMap, carried: list[str]) -> tuple[str, str] | None:
    if any(label in cells[: max(colmap.code_cols) + 2] for label in TOTAL_LABELS):
        return "合计", "合计"
    name = cells[colmap.name_col] if colmap.name_col < len(cells) else ""
    if len(colmap.code_cols) > 1:
        code = _split_code(cells, colmap, carried)
    else:
        j = colmap.code_cols[0]
        code = re.sub(r"[\s.·]", "", cells[j]) if j < len(cells) else ""  # a dot in a code is scan noise
        if not SUBJECT_CODE.match(code):  # code and name in one cell: "201 一般公共服务支出"
            m = re.match(r"^(\d{3}(?:\d{2}){0,2})\s*(\D.*)$", cells[j] if j < len(cells) else "")
            code, name = (m.group(1), m.group(2)) if m else (code, name)
    if SUBJECT_CODE.match(code):
        return code, name
    by_name = templates.class_for_name(name or code)  # a 类 printed by its name, without its code
    if by_name is not None:
        return by_name, name or code
    return None


class LineRows:
    """Row keys of a line table (01, 04, 10) across its pages: 行次 where printed, else the label,
    in print order (a label that repeats takes the next row of that meaning)."""

    def __init__(self, code: str):
        self.code = code
        self.last = {"income": 0, "expenditure": 0}

    def key(self, cells: list[str], colmap: ColumnMap, j: int) -> tuple[str, str] | None:
        k = colmap.key_cols.get(j)
        if k is not None and k < len(cells) and is_integer_token(cells[k]):
            label_col = colmap.label_cols.get(j, k - 1 if k else None)
            label = cells[label_col] if label_col is not None and label_col < len(cells) else ""
            return str(int(cells[k])), label
        if k is not None and colmap.label_cols.get(j) is None:
            return None
        label_col = colmap.label_cols.get(j)
        if label_col is None or label_col >= len(cells):
            return None
        side = colmap.sides.get(j, "income")
        row = templates.row_for_label(self.code, side, cells[label_col], self.last[side])
        if row is None:
            return None
        self.last[side] = int(row)
        return row, cells[label_col]


def grid_to_cells(
    code: str, grid: Grid, colmap: ColumnMap, start_row: int, page: int | None, line_rows: LineRows | None = None
) -> list[Cell]:
    """Canonical cells of the data rows grid[start_row:] of table `code`."""
    out: list[Cell] = []
    carried = [""] * len(colmap.code_cols)
    line_rows = line_rows or LineRows(code)
    for row in grid[start_row:]:
        cells = [clean_cell(c) for c in row]
        key: tuple[str, str] | None = ("1", "")  # 09 has a single data row
        if code in SUBJECT_CODE_TABLES:
            key = _subject_key(cells, colmap, carried)
            if key is None:
                continue
        for j, col in colmap.value_cols.items():
            if j >= len(cells):
                continue
            value = parse_amount(cells[j])
            if value is None:
                continue
            if code in LINE_NUMBER_TABLES:
                found = line_rows.key(cells, colmap, j)
                if found is None:
                    continue
                row_key, label = found
            else:
                row_key, label = key
            out.append(placed_cell(code, row_key, col, value, label, page, row[j]))
    return out


ECONOMIC_CODE = re.compile(r"^\d{3}(\d{2})?$")
GROUP_TOTALS = {"人员经费合计": "人员经费合计", "公用经费合计": "公用经费合计"}


def economic_groups(grid: Grid, header: int) -> tuple[tuple[tuple[int, ...], int, int], ...]:
    """06's (code columns, name column, amount column) groups side by side, from its header:
    each group ends at a 决算数 column; its code may be split into 类 | 款 columns."""
    end = header + 1
    while end < len(grid) and any(clean_cell(c) in ("类", "款") for c in grid[end]):
        end += 1
    paths = header_paths(grid, end)
    amounts = [j for j, path in enumerate(paths) if any("决算数" in t or t == "金额" for t in path)]
    groups = []
    start = 0
    for a in amounts:
        if a - start >= 2:
            groups.append((tuple(range(start, a - 1)), a - 1, a))
        start = a + 1
    return tuple(groups)


def economic_groups_cells(
    grid: Grid, start: int, page: int | None, groups: tuple[tuple[tuple[int, ...], int, int], ...] = ()
) -> list[Cell]:
    """Table 06: the (code, name, amount) groups side by side are one list; two totals."""
    out: list[Cell] = []
    ncols = len(grid[0]) if grid else 0
    groups = groups or tuple(((g,), g + 1, g + 2) for g in range(0, ncols - 2, 3))
    carried = ["" for _ in groups]
    for row in grid[start:]:
        cells = [clean_cell(c) for c in row]
        for j, text in enumerate(cells):
            if text in GROUP_TOTALS:
                at = next((k for k in range(j + 1, len(cells)) if parse_amount(cells[k]) is not None), None)
                if at is not None:
                    value = parse_amount(cells[at])
                    out.append(placed_cell("06", GROUP_TOTALS[text], 1, value, text, page, row[at]))
        for g, (code_cols, name_col, amount_col) in enumerate(groups):
            if amount_col >= len(cells):
                continue
            parts = [re.sub(r"\s", "", cells[j]) for j in code_cols]
            if len(parts) > 1:  # 类 | 款: "301", "01" → 30101
                if parts[0]:
                    carried[g] = parts[0]
                code = parts[0] + parts[1] if parts[0] else (carried[g] + parts[1] if parts[1] else "")
            else:
                code = parts[0]
            value = parse_amount(cells[amount_col])
            if ECONOMIC_CODE.match(code) and value is not None:
                out.append(placed_cell("06", code, 1, value, cells[name_col], page, row[amount_col]))
    return out


def _economic_header(grid: Grid) -> int | None:
    """06's header: a row naming the code column (科目代码, 经济分类科目编码)."""
    for i, row in enumerate(grid[:HEADER_SEARCH_ROWS]):  # a sheet carries its caption rows above
        if any(re.search(r"(代码|编码)$", clean_cell(c)) for c in row):
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


# ---------------------------------------------------------------- recognition by header


def recognise_by_header(grid: Grid) -> tuple[str, ColumnMap, int] | None:
    """(code, column map, first data row) of the one table whose header words name every
    amount column of a grid that came with no title; None when no table or several fit
    (07 and Shanghai's 08 print the same header: their title tells them apart)."""
    fits = []
    for code, template in templates.tables().items():
        if template.rows not in ("subject", "line"):
            continue
        found = header_layout(code, grid)
        if found is None:
            continue
        end, layout = found
        amounts = {
            j
            for row in grid[end:]
            for j, c in enumerate(row)
            if j not in layout.code_cols and j != layout.name_col and _is_amount(clean_cell(c))
        }
        if len(layout.value_cols) >= 3 and amounts <= set(layout.value_cols):
            fits.append((len(layout.value_cols), code, layout, end))
    if not fits:
        return None
    fits.sort(reverse=True)
    if len(fits) > 1 and fits[0][0] == fits[1][0]:
        return None
    _n, code, layout, end = fits[0]
    return code, layout, end


# ---------------------------------------------------------------- recognition by rows


# Tables a headerless grid can be told apart by: subject-code rows, the count of amount
# columns and the identities those columns satisfy (filings.md).
def _rounding(n: int) -> Decimal:
    return Decimal("0.005") * (n + 1)


def _holds(identity: dict, values: dict[int, Decimal]) -> bool:
    if "sum" in identity:
        terms = identity["of"]
        total = sum((values.get(t, 0) for t in terms), Decimal(0))
        return abs(values.get(identity["sum"], 0) - total) <= _rounding(len(terms))
    expected = sum((values.get(t, 0) for t in identity["plus"]), Decimal(0)) - sum(
        (values.get(t, 0) for t in identity["minus"]), Decimal(0)
    )
    return abs(values.get(identity["balance"], 0) - expected) <= _rounding(3)


def _unique_labels() -> dict[str, dict[str, str]]:
    """Per line table, the labels no other line table prints, printed on one side only."""
    sides: dict[str, dict[str, set[str]]] = {}
    for code in LINE_NUMBER_TABLES:
        sides[code] = {}
        for r in templates.table(code).row_labels:
            for label in r.labels:
                sides[code].setdefault(label, set()).add(r.side)
    return {
        code: {
            label: next(iter(on))
            for label, on in own.items()
            if len(on) == 1 and not any(label in other for c, other in sides.items() if c != code)
        }
        for code, own in sides.items()
    }


def recognise_line_table(grid: Grid) -> tuple[str, ColumnMap, int] | None:
    """(code, column map, labels found) of 01 or 04 from a grid with neither title nor header:
    labels only that table prints (使用非财政拨款结余, 年初财政拨款结转和结余 …) name it; the column
    of income labels and the one of expenditure labels split the amounts into the table's
    income column and its expenditure columns, in their printed order (行次 columns are keys)."""
    if not grid:
        return None
    rows = [[clean_cell(c) for c in row] for row in grid]
    ncols = len(rows[0])
    best = None
    for code, unique in _unique_labels().items():
        found = [
            (j, unique[templates.label_key(c)])
            for cells in rows
            for j, c in enumerate(cells)
            if templates.label_key(c) in unique
        ]
        if len(found) < 2:
            continue
        income = sorted({j for j, side in found if side == "income"})
        spend = sorted({j for j, side in found if side == "expenditure"})
        if len(income) > 1 or len(spend) > 1:
            continue
        template = templates.table(code)
        cols = {
            "income": [c for c in template.columns if c.side == "income"],
            "expenditure": [c for c in template.columns if c.side == "expenditure"],
        }
        label_of = {}
        if income:
            label_of["income"] = income[0]
        if spend:
            label_of["expenditure"] = spend[0]
        if "expenditure" not in label_of and "income" in label_of:
            continue  # where the expenditure side starts cannot be told
        value_cols, label_cols, key_cols, sides = {}, {}, {}, {}
        starts = sorted((j, side) for side, j in label_of.items())
        for i, (j, side) in enumerate(starts):
            end = starts[i + 1][0] if i + 1 < len(starts) else ncols
            span = list(range(j + 1, end))
            keys = [
                k
                for k in span
                if all(is_integer_token(r[k]) or not r[k] for r in rows) and any(is_integer_token(r[k]) for r in rows)
            ]
            amounts = [k for k in span if k not in keys]
            if len(amounts) != len(cols[side]):
                break
            for k, column in zip(amounts, cols[side], strict=True):
                value_cols[k], label_cols[k], sides[k] = column.col, j, side
                if keys:
                    key_cols[k] = keys[-1]
        else:
            if value_cols and (best is None or len(found) > best[2]):
                best = (code, ColumnMap(ncols, value_cols, key_cols, label_cols, sides), len(found))
    return best


def recognise_by_rows(grid: Grid) -> tuple[str, ColumnMap, int] | None:
    """(code, column map, rows that fit) of a subject table whose grid has no title and no
    header, or None: code, name, then as many amounts as the table has columns, and every
    subject row with amounts satisfies the table's identities (02 c1 = Σ c2…c7, …)."""
    if not grid:
        return None
    line = recognise_line_table(grid)
    if line is not None:
        return line
    ncols = len(grid[0])
    rows = []
    for row in grid:
        cells = [clean_cell(c) for c in row]
        if SUBJECT_CODE.match(re.sub(r"[\s.·]", "", cells[0])) or cells[0] in TOTAL_LABELS:
            rows.append(cells)
    width = ncols - 2
    if len(rows) < 2 or width < 2:
        return None
    best: tuple[str, ColumnMap, int] | None = None
    for code, template in templates.tables().items():
        if template.rows != "subject" or not template.identities:
            continue
        used = {
            t
            for i in template.identities
            for t in (*i.get("of", ()), *i.get("plus", ()), *i.get("minus", ()), i.get("sum", i.get("balance")))
        }
        if max(used) != width:
            continue
        fits = 0
        for cells in rows:
            values = {k: parse_amount(cells[k + 1]) or Decimal(0) for k in range(1, width + 1)}
            if not any(values.values()):
                continue
            if not all(_holds(i, values) for i in template.identities):
                fits = -1
                break
            fits += 1
        if fits > 0 and (best is None or fits > best[2] or (fits == best[2] and _prefer(code, rows))):
            best = (code, ColumnMap(ncols, {k + 1: k for k in range(1, width + 1)}, {}), fits)
    return best


def _prefer(code: str, rows: list[list[str]]) -> bool:
    """05 and 08 share their columns: 国有资本经营 codes (223…) speak for 08."""
    return (code == "08") == any(r[0].startswith("223") for r in rows)


# ---------------------------------------------------------------- one table across its pages


class TableAssembler:
    """Feeds the grids of one table, page by page, and keeps its layout across pages."""

    def __init__(self, code: str, layout: ColumnMap | None = None):
        self.code = code
        self.layout = layout
        self.cells: list[Cell] = []
        self.line_rows = LineRows(code)
        self.groups: tuple = ()  # 06's column groups, learnt from its header

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
        """(index of the last header row, layout): 栏次 first, then the header's words."""
        if self.code == "06":
            i = _economic_header(grid)
            if i is None:
                return None
            self.groups = economic_groups(grid, i)
            return i, ColumnMap(len(grid[i]), {}, {})
        if self.code == "09":
            found = _numbered_columns(grid)
        elif self.code == "10":
            found = None
            i = _header_index(grid, "行次")
            if i is not None:
                header = [clean_cell(c) for c in grid[i]]
                k = header.index("行次")
                found = (i, ColumnMap(len(header), {k + 1: 1}, {k + 1: k}))
        else:
            found = find_column_map(grid)
        if found is None:
            words = header_layout(self.code, grid)
            found = (words[0] - 1, words[1]) if words else None
        return found

    def _read(self, grid: Grid, start: int, page: int) -> list[Cell]:
        if self.code == "06":
            return economic_groups_cells(grid, start, page, self.groups)
        colmap = self.layout
        if self.code == "09":
            return [replace_row(c, "1") for c in grid_to_cells("09", grid[start : start + 1], colmap, 0, page)]
        return grid_to_cells(self.code, grid, colmap, start, page, self.line_rows)


def _header_index(grid: Grid, word: str) -> int | None:
    for i, row in enumerate(grid):
        if any(clean_cell(c) == word for c in row):
            return i
    return None


def replace_row(cell: Cell, row: str) -> Cell:
    return Cell(cell.table, row, cell.col, cell.value, cell.label, cell.page, cell.bbox, cell.score)
