"""Turn a seed filing (../shared/seeds/*.txt, tab-separated tables) into structured fixture data.

The fixture keeps every table exactly as printed: its title, the lines above the grid
(部门名称, 年度, 金额单位), the grid rows cell by cell, where the original broke the page
inside the table, the note under it and whether it said 本表无数据. Renderers draw PDFs
from this; the ground truth of canonical cells is written separately, by hand, and
checked against it (replica.truth).
"""

from __future__ import annotations

import json
import re
from dataclasses import asdict, dataclass, field
from pathlib import Path

TABLE_MARKER = re.compile(r"^公开(\d{2})表$")
YEAR_KIND = re.compile(r"(20\d{2})年度?(部门决算|单位决算|部门预算|单位预算)")


@dataclass
class PrintedTable:
    code: str
    title: str
    meta: list[str]
    rows: list[list[str]]
    page_breaks: list[int] = field(default_factory=list)  # row indices that start a new page
    note: str = ""
    empty: bool = False


@dataclass
class PrintedEvaluation:
    """One 绩效自评表 of the appendix: its title and its grid rows as printed."""

    title: str
    rows: list[list[str]]
    notes: list[str] = field(default_factory=list)


@dataclass
class SeedFiling:
    seed: str
    title_lines: list[str]
    fiscal_year: int
    kind: str
    tables: dict[str, PrintedTable]
    narrative: list[str]
    evaluations: list[PrintedEvaluation] = field(default_factory=list)
    glossary: list[str] = field(default_factory=list)

    @property
    def unit_name(self) -> str:
        return "".join(self.title_lines[:-1])

    def to_json(self) -> str:
        return json.dumps(asdict(self), ensure_ascii=False, indent=1)


def _title_lines(lines: list[str]) -> list[str]:
    out: list[str] = []
    for line in lines:
        text = line.strip()
        if text.startswith("目") and "录" in text:
            break
        if text:
            out.append(text)
    return out


def _read_table(lines: list[str], marker_at: int, code: str) -> PrintedTable:
    title = next(ln.strip() for ln in reversed(lines[:marker_at]) if ln.strip())
    meta: list[str] = []
    rows: list[list[str]] = []
    breaks: list[int] = []
    note = ""
    empty = False
    pending_break = False
    i = marker_at + 1
    while i < len(lines):
        raw = lines[i].rstrip("\n")
        text = raw.strip()
        if text.startswith("注"):
            note = text
            # 本表无数据 follows the note after a blank line.
            for follow in lines[i + 1 : i + 4]:
                if "本表无数据" in follow:
                    empty = True
            break
        if "\t" in raw:
            if pending_break and rows:
                breaks.append(len(rows))
            pending_break = False
            rows.append(raw.split("\t"))
        elif not text:
            pending_break = bool(rows)
        elif not rows:
            meta.append(text)
        i += 1
    return PrintedTable(code, title, meta, rows, breaks, note, empty)


def _part(lines: list[str], heading: str, next_heading: str) -> list[str]:
    """The paragraphs of one part of the filing (the last occurrence of its heading is the body)."""
    start = None
    for i, line in enumerate(lines):
        if line.strip() == heading:
            start = i
    if start is None:
        return []
    out = []
    for line in lines[start + 1 :]:
        text = line.strip()
        if text.startswith(next_heading):
            break
        if text:
            out.append(text)
    return out


def _narrative(lines: list[str]) -> list[str]:
    return _part(lines, "第三部分 情况说明", "第四部分")


EVALUATION_TITLE = re.compile(r"绩效自评表")


def _evaluations(lines: list[str]) -> list[PrintedEvaluation]:
    start = None
    for i, line in enumerate(lines):
        if line.strip() == "第五部分 附件":
            start = i  # the last occurrence is the body
    if start is None:
        return []
    out: list[PrintedEvaluation] = []
    for line in lines[start + 1 :]:
        raw = line.rstrip("\n")
        text = raw.strip()
        if not text:
            continue
        if "\t" not in raw and EVALUATION_TITLE.search(text):
            out.append(PrintedEvaluation(text, []))
        elif not out:
            continue
        elif "\t" in raw and not out[-1].notes:
            out[-1].rows.append(raw.split("\t"))
        elif re.fullmatch(r"[(（]\s*20\d{2}年度\s*[)）]", text) and not out[-1].rows:
            out[-1].title += text  # "(2024年度)" printed under the title
        else:
            out[-1].notes.append(text)
    return [e for e in out if e.rows]


def read_seed(path: Path) -> SeedFiling:
    lines = path.read_text(encoding="utf-8").splitlines()
    title_lines = _title_lines(lines)
    match = YEAR_KIND.search("".join(title_lines))
    if not match:
        raise ValueError(f"{path}: title does not name a year and kind: {title_lines!r}")
    tables: dict[str, PrintedTable] = {}
    for i, line in enumerate(lines):
        m = TABLE_MARKER.match(line.strip())
        if m and m.group(1) not in tables:
            tables[m.group(1)] = _read_table(lines, i, m.group(1))
    return SeedFiling(
        seed=path.name.split("_")[0],
        title_lines=title_lines,
        fiscal_year=int(match.group(1)),
        kind=match.group(2),
        tables=tables,
        narrative=_narrative(lines),
        evaluations=_evaluations(lines),
        glossary=_part(lines, "第四部分 名词解释", "第五部分"),
    )


def load_fixture(path: Path) -> SeedFiling:
    data = json.loads(path.read_text(encoding="utf-8"))
    data["tables"] = {k: PrintedTable(**v) for k, v in data["tables"].items()}
    data["evaluations"] = [PrintedEvaluation(**e) for e in data.get("evaluations", [])]
    return SeedFiling(**data)


def _cell_blocks(lines: list[str]) -> list[list[str]]:
    """Seed 003's layout: blocks separated by blank lines; in a block, a line starting with a
    tab starts a cell and a line without one continues it (text wrapped inside the cell)."""
    blocks: list[list[str]] = []
    current: list[str] | None = None
    for raw in lines:
        if not raw.strip() and not raw.startswith("\t"):
            current = None
            continue
        if current is None:
            current = []
            blocks.append(current)
        if raw.startswith("\t") or not current:
            current.append(raw.removeprefix("\t").strip())
        else:
            current[-1] += raw.strip()
    return blocks


def read_performance_seed(path: Path) -> SeedFiling:
    """A 绩效情况说明 (seed 003): title, narrative, then 项目支出绩效自评表 printed one cell per line."""
    lines = path.read_text(encoding="utf-8").splitlines()
    first_table = next(i for i, ln in enumerate(lines) if ln.startswith("\t") and EVALUATION_TITLE.search(ln))
    prose = [ln.strip() for ln in lines[:first_table] if ln.strip()]  # the narrative: one paragraph a line
    title, narrative = prose[:2], prose[2:]
    match = re.search(r"(20\d{2})年度", title[1])
    if not match:
        raise ValueError(f"{path}: no fiscal year in the title {title!r}")
    evaluations: list[PrintedEvaluation] = []
    for block in _cell_blocks(lines[first_table:]):
        text = "".join(block)
        if len(block) == 1 and EVALUATION_TITLE.search(text):
            evaluations.append(PrintedEvaluation(text, []))
        elif evaluations and len(block) == 1 and re.fullmatch(r"[(（]\s*20\d{2}年度\s*[)）]", text):
            evaluations[-1].title += text
        elif evaluations:
            evaluations[-1].rows.append(block)
    width = max((len(r) for e in evaluations for r in e.rows), default=0)
    for evaluation in evaluations:  # a table is rectangular; short rows end in blank cells
        evaluation.rows = [r + [""] * (width - len(r)) for r in evaluation.rows]
    return SeedFiling(
        seed=path.name.split("_")[0],
        title_lines=title,
        fiscal_year=int(match.group(1)),
        kind="绩效说明",
        tables={},
        narrative=narrative,
        evaluations=evaluations,
    )
