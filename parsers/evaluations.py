"""Performance self-evaluations (项目支出绩效自评表, 部门整体绩效自评表) from their grid rows. Pure.

Merged cells make printed rows ragged, so figures are found by their labels, not by column:
- a budget line is a row of the budget block with three or more numbers. Where its figures
  sit under the block's own header cells (年初预算数, 全年预算数, 全年执行数, 资金结(转)余 or
  none, 分值, 执行率, 得分: the central template has no 结余 and adds 分值) they are read by
  that header; else (merged cells, ragged rows) from the right: 得分, 执行率, 资金结(转)余,
  全年执行数, 全年预算数, then 年初预算数 (one or two of them); text after the numbers
  (偏差原因) is dropped, blanks inside keep their place. "columns" names the figures the
  template prints, so a figure it has no column for is absent, not zero;
- an indicator is a row of the indicator block: its last two numbers are 分值 and 得分;
- 总分 is the last number of the 总分 row and 等级 the grade printed after it.
"""

from __future__ import annotations

import re

from parsers.document import box_of
from parsers.numbers import parse_amount
from parsers.tables import clean_cell

GRADES = ("优", "良", "中", "差")
SCORE_AND_GRADE = re.compile(r"^(\d+(?:\.\d+)?)\s*(优|良|中|差)$")
BUDGET_FIELDS = ("score", "rate", "balance", "executed", "full")


def _first_after(cells: list[str], index: int) -> str | None:
    return next((c for c in cells[index + 1 :] if c), None)


def _total(cells: list[str]) -> tuple[str | None, str | None]:
    """(总分, 等级) from a row; "100 优" may share one cell."""
    score, grade = None, None
    for c in cells:
        m = SCORE_AND_GRADE.match(c)
        if m:
            score, grade = str(parse_amount(m.group(1))), m.group(2)
        elif parse_amount(c) is not None:
            score = str(parse_amount(c))
        elif c in GRADES:
            grade = c
    return score, grade


def _figure(cell: str | None):
    """A budget figure; 执行率 may be printed with its percent sign ("100.00%")."""
    if cell and cell.strip().endswith(("%", "％")):
        cell = cell.strip()[:-1]
    return parse_amount(cell)


def _numbers(cells: list[str]) -> list[str]:
    return [str(_figure(c)) for c in cells if _figure(c) is not None]


def _drop_truncated(lines: list[dict]) -> list[dict]:
    """A 资金总额 row whose 得分 cell was left blank repeats the fund row below it without its
    last figure: read from the right it would be shifted, so the complete row stands for it."""
    out = []
    for i, line in enumerate(lines):
        nxt = lines[i + 1] if i + 1 < len(lines) else None
        if (
            nxt
            and len(line["numbers"]) < len(nxt["numbers"])
            and nxt["numbers"][-len(line["numbers"]) - 1 : -1] == line["numbers"]
        ):
            continue
        out.append(line)
    return out


# Budget header cells → the figure they head, tried in order (结余 before 余 words).
BUDGET_HEADERS = (
    ("initial", re.compile(r"年初预算")),
    ("full", re.compile(r"全年预算")),
    ("executed", re.compile(r"全年执行|执行数")),
    ("balance", re.compile(r"结.?转.?余|结余")),
    ("weight", re.compile(r"^分值$")),
    ("rate", re.compile(r"执行率")),
    ("score", re.compile(r"^得分$")),
)
NOT_APPLICABLE = {"--", "—", "——", "-", "/"}


def budget_header(cells: list[str]) -> dict[int, str]:
    """Column → figure of a budget block's header row ("年初预\n算数" reads 年初预算数)."""
    out: dict[int, str] = {}
    for j, c in enumerate(cells):
        text = re.sub(r"\s", "", c)
        for name, pattern in BUDGET_HEADERS:
            if pattern.search(text) and name not in out.values():
                out[j] = name
                break
    return out


def _budget_line_by_header(cells: list[str], header: dict[int, str]) -> dict | None:
    """A budget line whose figures all sit in the header's columns, read by them."""
    figures = [i for i, c in enumerate(cells) if _figure(c) is not None or c.strip() in NOT_APPLICABLE]
    if len([i for i in figures if _figure(cells[i]) is not None]) < 3 or not set(figures) <= set(header):
        return None
    label = next((c for c in reversed(cells[: min(figures)]) if c), "")
    line: dict = {"label": label.rstrip(":："), "numbers": _numbers(cells[min(figures) : max(figures) + 1])}
    for name in BUDGET_FIELDS:
        line[name] = None
    line["initial"] = []
    for j, name in header.items():
        value = _figure(cells[j]) if j < len(cells) else None
        if name == "initial":
            line["initial"] = [str(value)] if value is not None else []
        else:
            line[name] = None if value is None else str(value)
    weight_col = next((j for j, name in header.items() if name == "weight"), None)
    if weight_col is not None and weight_col < len(cells) and cells[weight_col].strip() in NOT_APPLICABLE:
        # A line the template does not score ("--" as 分值 and 得分, the central fund-source lines):
        # the 执行率 it prints there ("0.0%") is a filler, not a rate of these figures.
        line["rate"] = None
        line["rated"] = False
    line["columns"] = [
        name
        for name in ("initial", "full", "executed", "balance", "weight", "rate", "score")
        if name in header.values()
    ]
    return line


def _budget_line(cells: list[str], header: dict[int, str] | None = None) -> dict | None:
    if header and {"full", "executed"} <= set(header.values()):
        by_header = _budget_line_by_header(cells, header)
        if by_header is not None:
            return by_header
    numbers = [i for i, c in enumerate(cells) if _figure(c) is not None]
    if len(numbers) < 3:
        return None
    first, last = numbers[0], numbers[-1]
    label = next((c for c in reversed(cells[:first]) if c), "")
    figures = cells[first : last + 1]
    line: dict = {"label": label.rstrip(":："), "numbers": _numbers(figures)}
    for name in BUDGET_FIELDS:  # from the right; a blank in its place means the figure is absent
        value = _figure(figures.pop()) if figures else None
        line[name] = None if value is None else str(value)
    line["initial"] = [str(_figure(c)) for c in figures if _figure(c) is not None]
    return line


# Cells that open a field of the form: a row starting with one of them is never the rest of
# the row above it.
FIELD_LABEL = re.compile(
    r"^(项目名称|主管部门|预算单位|实施单位|项目负责人|联系电话|年度资金|资金总额|项目资金|"
    r"财政拨款|其中|其他资金|上年结转|年度目标|年度总体目标|预期目标|实际完成|绩效指标|一级指标|"
    r"产出指标|效益指标|满意度指标|成本指标|总分|分值|得分|评价)"
)


def join_split_row(above: list[str | None], row: list[str | None]) -> list[str | None] | None:
    """The first row of a new page joined to the last row of the page before, when it is the
    rest of that row: exporters such as LibreOffice let a tall row break across pages, leaving
    "社会效" at the foot of one page and "益" at the head of the next. The rest holds no
    figure (figures are short and stay on the first line), only text under cells that have
    text above, and no field label. None when `row` is a row of its own."""
    if len(above) != len(row):
        return None
    texts = [(i, clean_cell(c)) for i, c in enumerate(row) if clean_cell(c)]
    if not texts:
        return None
    for i, text in texts:
        if not clean_cell(above[i]) or _figure(text) is not None or FIELD_LABEL.match(text):
            return None
    joined = list(above)
    for i, _text in texts:
        joined[i] = f"{above[i]}\n{row[i]}"
    return joined


def parse_evaluation(title: str, grid_rows: list[list[str | None]], page: int | None, seq: int) -> dict:
    rows = [[clean_cell(c) for c in row] for row in grid_rows]
    out: dict = {
        "seq": seq,
        "scope": "department" if "部门整体" in title else "project",
        "title": title,
        "project_name": None,
        "department": None,
        "budget_unit": None,
        "budget_lines": [],
        "indicators": [],
        "total_score": None,
        "grade": None,
        "page": page,
    }
    boxes: dict[str, list] = {}  # field → where it is printed (Box.to_json), where the reader knows it
    line_boxes: dict[str, list] = {}  # budget line (by identity) → its row's box, numbered once kept
    block = None  # budget | indicators | total (总分 printed with its figures on the next row)
    header: dict[int, str] = {}
    for raw, cells in zip(grid_rows, rows, strict=False):
        texts = [c for c in cells if c]
        if not texts:
            continue
        if block == "total":
            out["total_score"], out["grade"] = _total(cells)
            _box_total(boxes, raw, cells)
            block = None
            continue
        for i, c in enumerate(cells):
            if c == "项目名称" and out["project_name"] is None:
                out["project_name"] = _first_after(cells, i)
                _box(boxes, "project_name", next((raw[k] for k in range(i + 1, len(cells)) if cells[k]), None))
            elif c.startswith("主管部门") and out["department"] is None:
                out["department"] = _first_after(cells, i)
            elif c == "预算单位" and out["budget_unit"] is None:
                out["budget_unit"] = _first_after(cells, i)
        if any("全年预算数" in c for c in cells):
            block = "budget"
            header = budget_header(cells)
            continue
        if any("年度目标" in c or "绩效目标" in c for c in cells) and block == "budget":
            block = None
        if "分值" in cells and "得分" in cells:
            block = "indicators"
            continue
        if "总分" in [t.replace(" ", "") for t in texts[:2]]:
            out["total_score"], out["grade"] = _total(cells)
            _box_total(boxes, raw, cells)
            block = "total" if out["total_score"] is None else None
            continue
        if block == "budget":
            line = _budget_line(cells, header)
            if line is not None:
                out["budget_lines"].append(line)
                _box(line_boxes, str(id(line)), *raw)
        elif block == "indicators":
            numbers = [parse_amount(c) for c in cells if parse_amount(c) is not None]
            if numbers:
                words = [c for c in texts if parse_amount(c) is None]
                # The indicator's 得分 (its last figure): what the total adds up.
                scored = [k for k, c in enumerate(cells) if parse_amount(c) is not None][-1]
                _box(boxes, f"indicator:{len(out['indicators']) + 1}", raw[scored])
                out["indicators"].append(
                    {
                        "line": len(out["indicators"]) + 1,
                        "texts": words,
                        "weight": str(numbers[-2]) if len(numbers) >= 2 else str(numbers[-1]),
                        "score": str(numbers[-1]) if len(numbers) >= 2 else None,
                    }
                )
    out["budget_lines"] = _drop_truncated(out["budget_lines"])
    for n, line in enumerate(out["budget_lines"], start=1):  # numbered as the performance rules number them
        if str(id(line)) in line_boxes:
            boxes[f"budget_line:{n}"] = line_boxes[str(id(line))]
    if boxes:
        out["boxes"] = boxes
    return out


def _box(boxes: dict[str, list], name: str, *printed, last: bool = False) -> None:
    """The box of a field: the union of the Placed texts it was read from (nothing if none is);
    the first found stays, unless `last` (the reader keeps the last one too)."""
    found = [box_of(p) for p in printed if p and box_of(p) is not None]
    if found and (last or name not in boxes):
        union = found[0]
        for b in found[1:]:
            if b.page == union.page:
                union = union.union(b)
        boxes[name] = union.to_json()


def _box_total(boxes: dict[str, list], raw: list, cells: list[str]) -> None:
    """总分 and 等级: the cells _total took them from ("100 优" may share one)."""
    for printed, c in zip(raw, cells, strict=False):
        if SCORE_AND_GRADE.match(c):
            _box(boxes, "total_score", printed, last=True)
            _box(boxes, "grade", printed, last=True)
        elif parse_amount(c) is not None:
            _box(boxes, "total_score", printed, last=True)
        elif c in GRADES:
            _box(boxes, "grade", printed, last=True)
