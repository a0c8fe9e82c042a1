"""A budget's (部门/单位预算) pages → its standard tables as cells with the budget keys
(B1…, docs/budget-keys.md). Pure: the catalogue (budget_templates.json) decides.

A table starts at a printed title line the catalogue knows; its grids (on that page and the
pages after it, until the next title) are read by their header: columns by the meaning of
their header path, rows by 科目编码 (类/款/项 joined), 合计, or the printed label (numbering
stripped). Line tables (收支总表) print labels and figures side by side: each label owns the
figures to its right.

Excel exports are read by their merged cells: grid columns that are filler on every row are
dropped, a figure whose merged cell starts left of its header goes under that header, a label
wrapped over grid rows or onto the next page is completed and the figures beside it re-keyed,
and a continuation page ruled otherwise than its header is mapped onto the header's columns.
"""

from __future__ import annotations

import json
import re
from collections import Counter
from dataclasses import dataclass, field, replace
from decimal import Decimal
from functools import lru_cache
from pathlib import Path

from parsers.document import Page, placed_cell
from parsers.model import Cell, TableInfo
from parsers.numbers import parse_amount
from parsers.templates import compact, label_key

CATALOGUE = Path(__file__).with_name("budget_templates.json")
CONTENTS = re.compile(r"目\s*录")
# What may precede a title on its line: a marker (公开01表, 部门公开表1, 公开表1, 表1, 表一, 一、),
# the unit and year; what may follow it: (续).
_PREFIX = re.compile(
    r"^(?:(?:部门)?公开表?\d+表?|附表\d+|表\d+(?:-\d+)?|表[一二三四五六七八九十]+(?!般)|"
    r"[一二三四五六七八九十]+[、.]|\d+[、.])?(?:.*?\d{4}年度?)?"
)
_SUFFIX = re.compile(r"(?:[(（]续表?[)）]|续表)$")
MARKER = re.compile(r"(?:部门)?公开\s*(?:表\s*)?\d+\s*表?|^表\s*\d+$")
TITLE_MAX = 60
DATA_LABEL = re.compile(r"^(?:[(（][一二三四五六七八九十]+[)）]|[一二三四五六七八九十]+、|\d+[.、]\D|\d{3,7}$)")
TITLE_WORDS = ("预算", "总表", "情况表", "目标表", "支出表", "收入表")  # what a budget table's title names
AMOUNT_UNIT = re.compile(r"(?:金额)?单位\s*[:：]\s*(万元|千元|亿元|元)")
CODE = re.compile(r"^\d{1,7}$")  # a 款 printed as "2" is kept as printed (a defect the rules find)
TOTAL_LABELS = {"合计", "总计"}
TOTAL_WORD = re.compile(r"合计|总计|小计")
THREE_PUBLIC = "B9"
THREE_PUBLIC_ITEMS = (20, 28)  # the 三公 columns
PRIOR, CHANGE = 100, 200  # added to a column for the year before, for the change from it
TARGETS = "BF"
PERCENT = re.compile(r"^-?[\d.,]+\s*%$")
CODE_HEADS = ("编码", "代码")
CODE_LEAVES = {"类", "款", "项"}


@dataclass(frozen=True)
class _Catalogue:
    tables: tuple[tuple[str, str, tuple[str, ...]], ...]  # (code, title, words)
    columns: dict[str, int]  # compact header word → column
    totals: frozenset[str]  # a leaf that is its group's subtotal (小计): the group gives the meaning
    prior: tuple[str, ...]
    deduct: tuple[str, ...]
    change: tuple[str, ...]


@lru_cache(maxsize=1)
def catalogue() -> _Catalogue:
    data = json.loads(CATALOGUE.read_text(encoding="utf-8"))
    columns = {compact(w): c["col"] for c in data["columns"] for w in c["words"]}
    return _Catalogue(
        tuple((t["code"], t["title"], tuple(t["all"])) for t in data["tables"]),
        columns,
        frozenset(compact(w) for w in data["totals"]),
        tuple(data["prior_year"]),
        tuple(data.get("deduct_words", ())),
        tuple(data.get("change_words", ())),
    )


def table_titles() -> dict[str, str]:
    return {code: title for code, title, _w in catalogue().tables}


def match_budget_title(line: str) -> str | None:
    """The budget table code a printed title line names, or None."""
    text = _SUFFIX.sub("", compact(line))
    if len(text) > TITLE_MAX or not text.endswith(("表", ")")):
        return None
    text = _PREFIX.sub("", text, count=1)
    if not any(w in text for w in TITLE_WORDS):
        return None
    if "决算" in text or "说明" in text:
        return None
    for code, _title, words in catalogue().tables:
        if all(compact(w) in text for w in words):
            return code
    return None


def column_key(path: list[str] | tuple[str, ...], year: int | None = None) -> int | None:
    """The budget column a printed header path (top-down) means; None when it means none."""
    cat = catalogue()
    parts = [label_key(p) for p in path if p and compact(p)]
    if not parts:
        return None
    prior = any(
        p in cat.prior or p.startswith("上年") and p not in cat.columns or (year and p.startswith(f"{year - 1}年"))
        for p in parts
    )
    deduct = any(w in p for p in parts for w in cat.deduct)
    change = any(w in p for p in parts for w in cat.change)
    parts = [p for p in parts if p not in cat.prior or p in cat.columns]
    if year:
        parts = [re.sub(rf"^(?:{year}|{year - 1})年", "", p) or p for p in parts]
    col = None
    for part in reversed(parts):
        meaning = cat.columns.get(part)
        if meaning is None and deduct:
            meaning = next((m for w, m in cat.columns.items() if m == 1 and part.endswith(w)), None)
        if meaning is None:
            continue
        if col is None:
            col = meaning
            if part not in cat.totals:
                break
        elif meaning != 1:
            col = meaning  # a bare total under a group with a meaning: the group's
            break
    items = [cat.columns[p] for p in parts if THREE_PUBLIC_ITEMS[0] <= cat.columns.get(p, 0) <= THREE_PUBLIC_ITEMS[1]]
    if items and col is not None and not THREE_PUBLIC_ITEMS[0] <= col <= THREE_PUBLIC_ITEMS[1]:
        col = items[-1]  # the 三公 item, whatever fund it is paid from
    if col is None:
        return None
    return col + (50 if deduct else 0) + (PRIOR if prior else 0) + (CHANGE if change else 0)


def row_key(label: str) -> str:
    key = label_key(label)
    return "合计" if key in TOTAL_LABELS else key


@dataclass
class _Reader:
    code: str
    page: int
    year: int | None
    paths: list[list[str]] | None = None  # header path per grid column
    kinds: list[str] | None = None  # code | label | value per grid column
    cells: list[Cell] = field(default_factory=list)
    targets: list[dict] = field(default_factory=list)
    seen: dict[tuple[str, int], int] = field(default_factory=dict)
    parent: str = ""
    headed: set[int] = field(default_factory=set)  # grid columns a header line names
    filled: set[int] = field(default_factory=set)  # grid columns some row under the header fills
    last_key: str = ""  # the row read last: a row of figures alone under it is its merged cell's
    running: dict[int, tuple[str, list[int]]] = field(default_factory=dict)  # line tables, below
    last_parts: dict[int, list[str]] = field(default_factory=dict)  # code group → the last row's 类/款/项


def _is_number(text: str | None) -> bool:
    return parse_amount(text) is not None


def _is_header_row(row: list, first: bool) -> bool:
    texts = [c for c in row if c and c.strip()]
    if not texts:
        return False
    numbers = [c for c in texts if _is_number(c)]
    if not numbers:
        # a row of numbered labels or codes alone is data (a line table's continuation), not header
        return not any(DATA_LABEL.match(compact(c)) for c in texts)
    # 栏次 rows: 1, 2, 3 … in order
    return (
        all(re.fullmatch(r"\d{1,2}", c.strip()) for c in numbers)
        and len(numbers) >= 2
        and [int(c) for c in numbers] == list(range(int(numbers[0]), int(numbers[0]) + len(numbers)))
    )


def _is_caption_row(row: list) -> bool:
    """Rows some exports draw above the header: empty, the title, the unit and amount-unit line."""
    texts = [compact(c) for c in row if c and compact(c)]
    if not texts:
        return True
    joined = "".join(texts)
    return (
        match_budget_title(joined) is not None
        or bool(AMOUNT_UNIT.search(joined))
        or joined.startswith(("编制单位", "部门:", "单位名称", "部门(单位)"))
    )


def _is_column_numbers(row: list) -> bool:
    """A 栏次 row (**, 1, 2, 3 …) under the header: it names no column."""
    texts = [c.strip() for c in row if c and c.strip()]
    return bool(texts) and all(re.fullmatch(r"\d{1,2}|\*+|栏次", t) for t in texts)


def _header_paths(header: list[list]) -> list[list[str]]:
    width = max(len(r) for r in header)
    paths: list[list[str]] = []
    for j in range(width):
        own = [i for i, r in enumerate(header) if j < len(r) and r[j] is not None and str(r[j]).strip()]
        leaf_row = own[-1] if own else len(header) - 1
        path = []
        for i in range(leaf_row + 1):
            r = header[i]
            text = r[j] if j < len(r) else None
            if text is None and i < leaf_row:
                k = j - 1
                while k >= 0 and r[k] is None:
                    k -= 1
                text = r[k] if k >= 0 else None
            if text and str(text).strip():
                t = re.sub(r"\s+", "", str(text))
                if not path or path[-1] != t:
                    path.append(t)
        paths.append(path)
    return paths


def _column_kinds(paths: list[list[str]], rows: list[list]) -> list[str]:
    kinds = []
    for j, path in enumerate(paths):
        leaf = compact(path[-1]) if path else ""
        values = [r[j] for r in rows if j < len(r) and r[j] and r[j].strip()]
        codes = [v for v in values if CODE.match(v.strip())]
        coded = (
            not values or codes and len(codes) >= len(values) - 1
        )  # the 合计 row prints its label across the code columns
        if coded and (
            leaf in CODE_LEAVES or any(h in compact(p) for p in path for h in CODE_HEADS) and not leaf.endswith("名称")
        ):
            kinds.append("code")
        elif values and all(_is_number(v) for v in values):
            kinds.append("value")
        elif values and all(PERCENT.match(v.strip()) or _is_number(v) for v in values):
            kinds.append("rate")  # 增减(%): a share, not an amount
        elif not values and column_key(path) is not None:
            kinds.append("value")
        else:
            kinds.append("label")
    return kinds


FUNDING = ("年度资金总额", "财政拨款", "上年结转", "其他资金")
TARGET_LEVELS = ("一级指标", "二级指标", "三级指标")


def _read_target_card(reader: _Reader, rows: list[list]) -> bool:
    """A project's 绩效目标表 card (项目名称 … 项目资金 … 绩效指标): its funding lines as cells
    keyed "<project>/<line>", its indicators as targets. False when the grid is no such card."""
    first = [re.sub(r"\s", "", c or "") for c in rows[0]] if rows else []
    if not first or first[0] != "项目名称":
        return False
    project = next((c for c in first[1:] if c), "")
    levels: list[str] = ["", "", ""]
    in_targets = False
    for row in rows[1:]:
        texts = [re.sub(r"\s", "", c) if c else c for c in row]
        if any(t == "指标值" for t in texts if t):
            in_targets = True
            continue
        if in_targets:
            cells = [t for t in texts[1:]]
            for i in range(3):
                if i < len(cells) and cells[i]:
                    levels[i] = cells[i]
                    levels[i + 1 :] = [""] * (2 - i)
            value = next((t for t in reversed(cells[3:-1]) if t), "")
            if levels[2] and value:
                reader.targets.append(
                    {
                        "project": project,
                        "level1": levels[0],
                        "level2": levels[1],
                        "level3": levels[2],
                        "value": value,
                        "page": reader.page,
                    }
                )
            continue
        for j, text in enumerate(texts):
            key = label_key(text or "").rstrip(":：")
            if key in FUNDING:
                at = next(
                    (k for k in range(j + 1, len(texts)) if texts[k] and parse_amount(texts[k]) is not None), None
                )
                if at is not None:
                    reader.cells.append(
                        placed_cell(
                            reader.code, f"{project}/{key}", 1, parse_amount(texts[at]), text, reader.page, row[at]
                        )
                    )
                break
    return True


def read_grid(reader: _Reader, grid: list[list]) -> None:
    rows = [list(r) for r in grid]
    if reader.code == TARGETS and _read_target_card(reader, rows):
        return
    while rows and _is_caption_row(rows[0]):
        rows.pop(0)
    rows = _without_span_columns(rows)
    split = 0
    # a header drawn over several grid rows may have rows of merged cells alone between its lines
    while split < len(rows) and (_is_empty_row(rows[split]) or _is_header_row(rows[split], split == 0)):
        if split and _is_total_label_row(rows[split], rows[:split]):
            break
        split += 1
    header = [r for r in rows[:split] if not _is_column_numbers(r) and not _is_empty_row(r)]
    body = [r for r in rows[split:] if any(c and c.strip() for c in r)]
    if header and reader.paths is not None and not _names_figures(_header_paths(header), body, reader.year):
        # a continuation page opening with label text ("业支出", the rest of a wrapped label):
        # it names none of the columns its figures are in, so it is no header
        header, body = [], [r for r in rows if not _is_empty_row(r)]
    if header:
        reader.paths = _header_paths(header)
        width = len(reader.paths)
        reader.headed = {j for r in header for j, c in enumerate(r) if c and c.strip()}
        body = [r[:width] + [None] * (width - len(r)) if len(r) != width else r for r in body]  # ragged rows
        body = [_under_headers(r, reader.headed) for r in body]
        reader.kinds = _column_kinds(reader.paths, body)
        reader.filled = {j for r in body for j, c in enumerate(r) if c and c.strip()}
    elif reader.paths is not None and all(len(r) == len(reader.paths) for r in body):
        body = [_under_headers(r, reader.headed) for r in body]
    elif (
        reader.paths is not None
        and body
        and all(len([c for c in r if c is not None]) == len(reader.paths) for r in body if len(r) != len(reader.paths))
    ):
        body = [[c for c in r if c is not None] if len(r) != len(reader.paths) else r for r in body]
    elif reader.paths is not None and body:
        body = _onto_headers(reader, body)
    if reader.paths is not None:  # a 合计 row alone on a page, its label spanning the code columns
        body = [_right_aligned(r, len(reader.paths)) for r in body]
    if reader.paths is None or any(len(r) != len(reader.paths) for r in body):
        return  # a headless grid that fits no header read before it (merged cells aside)
    label_rows = sum(
        1
        for r in body
        if any(
            k == "label" and r[j] and r[j].strip() and not _is_number(r[j])
            for j, k in enumerate(reader.kinds)
            if j < len(r)
        )
    )
    for i, r in enumerate(body):
        _read_row(reader, r, lone=len(body) == 1 and label_rows == 0, page_top=not header and i == 0)


def _names_figures(paths: list[list[str]], body: list[list], year: int | None) -> bool:
    figures = {j for r in body for j, c in enumerate(r) if c and _is_number(c)}
    return not figures or any(j < len(paths) and column_key(paths[j], year) is not None for j in figures)


def _onto_headers(reader: _Reader, body: list[list]) -> list[list]:
    """A continuation page drawn with other rules than its header (fewer merged columns): as
    many columns as the header names, they are those columns in order; else each row's texts,
    in order, go to the next header column of their kind (a 科目编码, a label, a figure), where
    no two figure columns adjoin (a blank figure could not be placed)."""
    width = len(reader.paths)
    named = sorted(reader.headed)
    if all(len(r) == len(named) for r in body):
        return [_placed(dict(zip(named, r, strict=True)), width) for r in body]
    order = [reader.kinds[j] for j in named]
    if any(a == b == "value" for a, b in zip(order, order[1:], strict=False)):
        return body  # a 合计 row alone on a page is right-aligned below; anything else is not read
    out = []
    for r in body:
        texts = [c.strip() for c in r if c and c.strip()]
        placed: dict[int, str] = {}
        at = 0
        for text in texts:
            kinds = ["code", "value"] if CODE.match(text) else ["value"] if _is_number(text) else ["label"]
            k = next((i for kind in kinds for i in range(at, len(named)) if order[i] == kind), None)
            if k is None:
                placed = {}
                break
            placed[named[k]] = text
            at = k + 1
        out.append(_placed(placed, width) if placed else r)
    return out


def _placed(texts: dict[int, str | None], width: int) -> list:
    return [texts.get(j) or "" for j in range(width)]


def _is_total_label_row(row: list, above: list[list]) -> bool:
    """合计 alone under the header's first column, its figure on the grid row below (a merged
    cell taller than its text): the first row of the body, not a header line."""
    texts = [(j, c) for j, c in enumerate(row) if c and c.strip()]
    if len(texts) != 1 or row_key(texts[0][1]) != "合计":
        return False
    first = min((j for r in above for j, c in enumerate(r) if c and c.strip()), default=0)
    return texts[0][0] <= first


def _is_empty_row(row: list) -> bool:
    return not any(c and c.strip() for c in row)


def _without_span_columns(rows: list[list]) -> list[list]:
    """Grid columns that are merged-cell filler (None) on every row name nothing and hold
    nothing: without them a table's continuation page, drawn with fewer rules, has the
    width of its header."""
    width = max((len(r) for r in rows), default=0)
    live = [j for j in range(width) if any(j < len(r) and r[j] is not None for r in rows)]
    if len(live) == width:
        return rows
    return [[r[j] if j < len(r) else None for j in live] for r in rows]


def _under_headers(row: list, headed: set[int]) -> list:
    """Excel exports draw a figure in a merged cell whose left edge is not its header's (the
    header 合计 over grid columns 1-2, its figure over 0-2): a text in a column no header
    names moves to the first column of its span that a header names."""
    if not headed:
        return row
    out = list(row)
    for j, text in enumerate(row):
        if j in headed or not text or not text.strip():
            continue
        end = next((k for k in range(j + 1, len(row)) if row[k] is not None), len(row))
        target = next((k for k in range(j + 1, end) if k in headed), None)
        if target is not None:
            out[target], out[j] = text, None
    return out


def _right_aligned(row: list, width: int) -> list:
    if (
        len(row) >= width
        or not row
        or not row[0]
        or _is_number(row[0])
        or not all(c is None or not c.strip() or _is_number(c) for c in row[1:])
    ):
        return row
    return [row[0], *([None] * (width - len(row))), *row[1:]]


def _code_of(reader: _Reader, row: list) -> str:
    """The row's 科目编码: its code columns joined (类 款 项 → 2010650), a 款 or 项 printed alone
    completed from the rows above it; a second code group (政府经济分类 beside 部门经济分类) after "/"."""
    groups: list[list[str]] = []
    previous = None
    for j, kind in enumerate(reader.kinds):
        text = (row[j] or "").strip() if j < len(row) else ""
        if kind == "code":
            if previous != "code":
                groups.append([])
            groups[-1].append(text if text.isdigit() else "")
        previous = kind
    codes = []
    for g, parts in enumerate(groups):
        last = reader.last_parts.get(g, [])
        if len(parts) > 1 and not parts[0] and any(parts):  # 款/项 printed without what is above it
            first = next(i for i, p in enumerate(parts) if p)
            parts = last[:first] + parts[first:] if len(last) >= first else parts
        if any(parts):
            reader.last_parts[g] = parts
        codes.append("".join(p for p in parts if p))
    codes = [c for c in codes if c]
    return "/".join(codes[:2])


def _grouped_label(reader: _Reader, row: list) -> str | None:
    """Jiangsu's 收入预算总表 prints a group and its items in two label columns before the
    figures (一般公共预算资金 | 小计, then the group cell merged | 公共财政拨款(补助)资金):
    the row is "group/item"."""
    if "code" in reader.kinds or "value" not in reader.kinds:
        return None
    first_value = reader.kinds.index("value")
    lead = [j for j in range(first_value) if reader.kinds[j] == "label" and (not reader.filled or j in reader.filled)]
    if len(lead) < 2 or reader.paths[lead[1]] not in ([], reader.paths[lead[0]]):
        return None  # two columns of their own (采购项目 | 采购品目): not a group and its items
    group, item = (row[lead[0]] or "").strip(), (row[lead[1]] or "").strip()
    if group:
        reader.parent = row_key(group)
    if not item:
        return group or None
    return f"{reader.parent}/{row_key(item)}" if reader.parent else item


def _read_row(reader: _Reader, row: list, lone: bool, page_top: bool = False) -> None:
    code = _code_of(reader, row)
    first_row = not reader.cells
    label = ""
    grouped = _grouped_label(reader, row)
    line = not code and grouped is None and "code" not in reader.kinds and _line_table(reader)
    if line and _label_fragments(reader, row, page_top):
        return
    named = [
        j for j, k in enumerate(reader.kinds) if k in ("code", "label") and (not reader.filled or j in reader.filled)
    ]
    merged = not line and named and all(row[j] is None for j in named)  # under the row above's merged cell
    row_label = ""
    for j, kind in enumerate(reader.kinds):
        text = (row[j] or "").strip() if j < len(row) else ""
        if kind == "code" and text and not text.isdigit():
            kind = "label"  # 合计 printed across the code columns
        if grouped is not None and kind == "label":
            label = grouped
            continue
        if kind == "label" and text and not _is_number(text):
            if not code and label_key(text) not in TOTAL_LABELS and _line_table(reader):
                label = text  # a line table: each label owns the figures after it
            elif not label:
                label = text
            row_label = row_label or label
            continue
        if kind != "value" or not text:
            continue
        value = parse_amount(text)
        if value is None:
            continue
        col = column_key(reader.paths[j], reader.year)
        if col is None:
            continue
        owner = _line_label(reader, row, j) if line else None
        if owner is not None:
            label = owner[0]
        key = code or ((label if grouped else row_key(label)) if label else ("合计" if lone else ""))
        if merged and reader.last_key:
            key = reader.last_key
        if (
            not code
            and label
            and reader.code not in (THREE_PUBLIC, TARGETS)
            and ("code" in reader.kinds or not _line_table(reader))
            and first_row
            and not DATA_LABEL.match(compact(label))
            and not TOTAL_WORD.search(label)
        ):
            key = "合计"  # a total row named after the unit (Shenzhen), printed first
        if reader.code == THREE_PUBLIC and not code:
            key, col = _three_public_row(label, col, reader.year)
        if not key:
            continue
        key = _unique(reader, key, col, label)
        if owner is not None and owner[1] is not None:
            if reader.running.get(owner[1], ("",))[0] != owner[0]:
                reader.running[owner[1]] = (owner[0], [])
            reader.running[owner[1]][1].append(len(reader.cells))
        reader.cells.append(placed_cell(reader.code, key, col, value, label or key, reader.page, row[j]))
    if not merged:
        key = code or (grouped if grouped else row_key(row_label) if row_label else "")
        reader.last_key = "合计" if key and first_row and reader.cells and reader.cells[-1].row == "合计" else key
    if line:
        _carry_labels(reader, row)


# Line tables (收支总表) are drawn as three label | figure pairs side by side, and a label's
# merged cell can be taller than the figures beside it: its text wraps over grid rows ("三、单位
# 预留机动经" / "费"), its figure sits on a grid row of its own where the label cell is None.
def _label_column(reader: _Reader, j: int) -> int | None:
    return next(
        (k for k in range(j - 1, -1, -1) if reader.kinds[k] == "label" and (not reader.filled or k in reader.filled)),
        None,
    )


def _line_label(reader: _Reader, row: list, j: int) -> tuple[str, int | None] | None:
    """The label a figure at grid column j belongs to, with the label column whose running
    label it is (None: the label is on its row): the label cell of its pair; a label spanning
    into that cell from the left; the label above, when the cell is covered from above."""
    col = _label_column(reader, j)
    if col is None:
        return None
    text = row[col]
    if text is not None and text.strip() and not _is_number(text):
        return text.strip(), col
    if text is not None:
        return None  # an empty label cell: the row's own labels decide
    k = col - 1
    while k >= 0 and row[k] is None:
        k -= 1
    if k >= 0 and row[k] and row[k].strip() and not _is_number(row[k]):
        return row[k].strip(), None  # 当年支出小计 printed across the 功能分类 and 支出用途 pairs
    if col in reader.running:
        return reader.running[col][0], col
    return None


def _carry_labels(reader: _Reader, row: list) -> None:
    for j, kind in enumerate(reader.kinds):
        if kind != "label":
            continue
        text = row[j]
        if text is None:
            continue  # covered: the label above runs on
        if text.strip() and not _is_number(text):
            cells = reader.running[j][1] if j in reader.running and reader.running[j][0] == text.strip() else []
            reader.running[j] = (text.strip(), cells)
        else:
            reader.running.pop(j, None)


def _label_fragments(reader: _Reader, row: list, page_top: bool) -> bool:
    """A row holding only the wrapped rest of labels above it (its other cells covered by the
    merged cells above, or the first row of a continuation page): the labels are completed
    and the cells already read under them re-keyed."""
    texts = {j: (row[j] or "").strip() for j in range(len(row)) if row[j] and row[j].strip()}
    if not texts or any(reader.kinds[j] != "label" or _is_number(t) for j, t in texts.items()):
        return False
    if any(DATA_LABEL.match(compact(t)) for t in texts.values()) or not all(j in reader.running for j in texts):
        return False
    covered = all(row[j] is None for j in range(len(row)) if j not in texts)
    if not (covered or page_top):
        return False
    for j, text in texts.items():
        label, cells = reader.running[j]
        whole = label + text
        for i in cells:
            cell = reader.cells[i]
            old = row_key(label)
            prefix = cell.row[: -len(old)] if old and cell.row.endswith(old) else ""
            reader.cells[i] = replace(cell, row=prefix + row_key(whole), label=whole)
        reader.running[j] = (whole, cells)
    return True


def _three_public_row(label: str, col: int, year: int | None) -> tuple[str, int]:
    """The 三公 table has one row, the budget year's; a row for the year before (Shenzhen prints
    2025年 / 2026年 / 增减变化金额) is that row's 上年 columns, the change row its change columns."""
    text = compact(label)
    if "增减" in text:
        return "合计", col + CHANGE if col < CHANGE else col
    if text.startswith("上年") or (year and text.startswith(f"{year - 1}年")):
        return "合计", col + PRIOR if col < PRIOR else col
    return "合计", col


def _line_table(reader: _Reader) -> bool:
    return sum(1 for k in reader.kinds if k == "label") > 1


def _unique(reader: _Reader, key: str, col: int, label: str) -> str:
    """A label printed twice in a line table (一般公共预算拨款 under 本年收入 and under 上年结转)
    is keyed under its heading the second time."""
    if label and re.match(r"^[一二三四五六七八九十]+[、.]", compact(label)):
        reader.parent = key
    seen = reader.seen.get((key, col), 0)
    reader.seen[(key, col)] = seen + 1
    if seen and reader.parent and reader.parent != key:
        return f"{reader.parent}/{key}"
    return key


@dataclass(frozen=True)
class BudgetFamily:
    name: str
    required: tuple[str, ...]
    marker: str | None  # the marker kind its tables carry (budget_templates.json "markers"), None: none
    text: str | None  # a pattern its pages print (a caption word, a cover line)


@lru_cache(maxsize=1)
def families() -> tuple[BudgetFamily, ...]:
    data = json.loads(CATALOGUE.read_text(encoding="utf-8"))
    return tuple(
        BudgetFamily(f["name"], tuple(f["required"]), f.get("marker"), f.get("text")) for f in data["families"]
    )


@lru_cache(maxsize=1)
def _marker_kinds() -> dict[str, re.Pattern]:
    data = json.loads(CATALOGUE.read_text(encoding="utf-8"))
    return {kind: re.compile(pattern, re.MULTILINE) for kind, pattern in data["markers"].items()}


def choose_budget_family(pages: list[Page], found: set[str]) -> BudgetFamily | None:
    """The family whose markers, printed words and tables fit best what the pages hold."""
    if not found:
        return None
    text = "\n".join(p.text for p in pages)
    marker = next((kind for kind, pattern in _marker_kinds().items() if pattern.search(text)), None)
    best: tuple[float, BudgetFamily] | None = None
    for family in families():
        score = 3.0 if family.marker == marker else -3.0
        if family.text and re.search(family.text, text):
            score += 2
        score += sum(1 if code in family.required else -1 for code in found)
        score -= 0.5 * len(set(family.required) - found)
        if best is None or score > best[0]:
            best = (score, family)
    return best[1] if best else None


@dataclass
class BudgetTables:
    tables: dict[str, TableInfo]
    cells: list[Cell]
    titles: dict[str, str]  # code → the title as printed
    targets: list[dict] = field(default_factory=list)  # 绩效目标表 indicators: project, levels, 指标值, page
    family: BudgetFamily | None = None


def read_budget(pages: list[Page], year: int | None) -> BudgetTables:
    """The standard tables of a budget's pages (in print order). `year` is the budget's (from
    its identity); unknown, the year its cover or table titles print. A grid belongs to the
    title printed in its own top rows, else to the next title of its page when it opens with a
    header, else (a headless continuation) to the table before it."""
    year = year or _title_year(pages)
    tables: dict[str, TableInfo] = {}
    titles: dict[str, str] = {}
    cells: list[Cell] = []
    targets: list[dict] = []
    reader: _Reader | None = None

    def switch(code: str, title: str, page: Page) -> None:
        nonlocal reader
        info = tables.setdefault(code, TableInfo(status="present", evidence="title"))
        if page.number not in info.pages:
            info.pages.append(page.number)
        if reader is not None and reader.code == code:
            return  # its title repeated on a continuation page
        if reader is not None:
            cells.extend(reader.cells)
            targets.extend(reader.targets)
        m = AMOUNT_UNIT.search(page.text[page.text.find(title[:6]) if title[:6] in page.text else 0 :][:600])
        info.amount_unit = info.amount_unit or (m.group(1) if m else None)
        titles.setdefault(code, title)
        reader = _Reader(code, page.number, year)

    for page in pages:
        if CONTENTS.search(page.text[:200]):
            continue
        pending = [
            (code, line.strip())
            for line in page.text.splitlines()
            for code in [match_budget_title(line)]
            if code is not None
        ]
        if page.ruled:
            for grid, tail in (part for whole in page.grids() for part in _split_at_titles(whole)):
                own = _title_in(grid)
                if tail and own is None and reader is not None:  # the end of the table before a title
                    reader.page = page.number
                    if page.number not in tables[reader.code].pages:
                        tables[reader.code].pages.append(page.number)
                    read_grid(reader, grid)
                    continue
                if own is not None and own[2] > 0 and reader is not None:  # the last rows of the table before
                    read_grid(reader, grid[: own[2]])
                    grid = grid[own[2] :]
                if own is not None:
                    own = own[:2]
                    pending = (
                        [p for p in pending if p[0] != own[0]] if any(p[0] == own[0] for p in pending) else pending
                    )
                    switch(*own, page)
                elif (
                    pending
                    and grid
                    and _is_header_row(list(grid[0]), True)
                    and not _is_caption_row(list(grid[0]))
                    or pending
                    and grid
                    and _is_caption_row(list(grid[0]))
                ):
                    switch(*pending.pop(0), page)
                if reader is None:
                    continue
                reader.page = page.number
                if page.number not in tables[reader.code].pages:
                    tables[reader.code].pages.append(page.number)
                read_grid(reader, grid)
        for start in pending:  # titles whose grid is on the next page, or that print none
            switch(*start, page)
    if reader is not None:
        cells.extend(reader.cells)
        targets.extend(reader.targets)
    ruled = {p.number for p in pages if p.ruled}
    for code in list(tables):
        if not any(c.table == code for c in cells):
            if not ruled & set(tables[code].pages):
                del tables[code]  # a title named in prose (a narrative-only budget lists its tables)
            else:
                tables[code].status = "empty"
    return BudgetTables(tables, _dedupe(cells), titles, targets, choose_budget_family(pages, set(tables)))


def _split_at_titles(grid: list[list]) -> list[tuple[list[list], bool]]:
    """A grid holding the end of one table and the next table's title and rows (a table that
    breaks across pages without rules between them): one part per table, each with whether a
    title part follows it (then it is the end of the table before)."""
    starts = [i for i, row in enumerate(grid) if i >= 3 and match_budget_title("".join(c for c in row if c))]
    bounds = [0, *starts, len(grid)]
    parts = [grid[a:b] for a, b in zip(bounds, bounds[1:], strict=False) if b > a]
    return [(part, i < len(parts) - 1) for i, part in enumerate(parts)]


def _title_in(grid: list[list]) -> tuple[str, str, int] | None:
    """A title some exports draw inside the grid, in its top rows: (code, title, row index)."""
    for i, row in enumerate(grid[:3]):
        text = "".join(c for c in row if c)
        code = match_budget_title(text)
        if code is not None:
            return code, text, i
    return None


def _title_year(pages: list[Page]) -> int | None:
    """The year the cover names ("2026 年深圳市信访局部门预算"), else the one the titles print most."""
    cover = next((p.text for p in pages if p.text.strip()), "")
    m = re.search(r"(20\d{2})\s*年", cover[:300])
    if m:
        return int(m.group(1))
    years = Counter(
        int(m.group(1))
        for p in pages
        for line in p.text.splitlines()[:12]
        if match_budget_title(line)
        for m in [re.search(r"(20\d{2})\s*年", line)]
        if m
    )
    return years.most_common(1)[0][0] if years else None


def _dedupe(cells: list[Cell]) -> list[Cell]:
    seen: set[tuple[str, str, int]] = set()
    out = []
    for c in cells:
        if (c.table, c.row, c.col) not in seen:
            seen.add((c.table, c.row, c.col))
            out.append(c)
    return out


def value_of(cells: list[Cell], table: str, row: str, col: int) -> Decimal | None:
    return next((c.value for c in cells if (c.table, c.row, c.col) == (table, row, col)), None)
