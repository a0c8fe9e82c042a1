"""Pages of any format → ParseResult: the standard tables, the narrative parts and the self-evaluations.

Pure: what is on which page decides what it is. A table starts at its evidence: a 公开NN表
marker, or its title (with or without a marker) from the template catalogue; a ruled page
after it continues it while its columns fit; a grid with neither title nor header that fits
no table before it is recognised by its rows (`parsers.tables.recognise_by_rows`). A
绩效自评表 title starts an evaluation; unruled pages are narrative. A budget's tables are
never slotted into the final-account codes. The format readers only turn bytes into pages.
"""

from __future__ import annotations

import re
from collections.abc import Iterable

from parsers.budget import read_budget
from parsers.budget_narrative import extract_budget_claims
from parsers.careful import read_carefully
from parsers.coverage import PageSeen, finish
from parsers.document import Page
from parsers.evaluations import join_split_row, parse_evaluation
from parsers.identity import identify_document, unit_code
from parsers.model import TABLE_CODES, ParseResult, TableInfo
from parsers.narrative import NUMBERED_PART_HEADINGS, PART_HEADINGS, extract_claims
from parsers.placement import box_claims
from parsers.tables import TableAssembler, recognise_by_header, recognise_by_rows
from parsers.templates import choose_family, match_title, printed_title

EMPTY_TABLE = "本表无数据"
# Parts other than the tables, recognised by their headings (a contents page lists them too);
# on a page that also holds tables only the numbered heading counts (a cell may end in 情况说明).
PARTS, NUMBERED_PARTS = PART_HEADINGS, NUMBERED_PART_HEADINGS
CONTENTS = re.compile(r"目\s*录")
APPENDIX = re.compile(r"第五部分")


# Where something starts on a page: a table's 公开NN表 marker or a self-evaluation's title.
STARTS = re.compile(r"公开\s*(0?[1-9]|10)\s*表|^(.*绩效自评表.*)$", re.MULTILINE)
# Evidence a table was recognised by, strongest first (TableInfo.evidence).
EVIDENCE = ("marker", "title", "header", "rows", "continuation")
# A marker and a title of one table sit within a few caption lines of each other.
CAPTION_SPAN = 120
# A budget's caption line (收支预算总表, 财政拨款支出预算表（功能科目）, "…2026年度部门预算公开"):
# a 公开NN表 marker beside one numbers a budget table, not a final account's.
# (Header cells such as 一般公共预算财政拨款 name no budget: only a budget table's title or the
# running header of a budget does.)
BUDGET_CAPTION = re.compile(r"^(?!.*决算).*(?:预算[^\n]*表|(?:部门|单位)预算)[^\n]*$", re.MULTILINE)
TITLE_AT_FOOT_LINES = 4
EVALUATION_HEAD = "项目名称"
# The caption's amount unit: "金额单位：万元", "单位：元" (not "单位名称：…").
AMOUNT_UNIT = re.compile(r"(?:金额)?单位\s*[:：]\s*(万元|千元|亿元|元)")


def _starts_evaluation(grid) -> bool:
    """A self-evaluation's grid opens with its 项目名称 row (cut to "项目名" when the row
    breaks across pages right after the title)."""
    if any(EVALUATION_HEAD in re.sub(r"\s", "", "".join(c or "" for c in row)) for row in grid[:3]):
        return True
    first = re.sub(r"\s", "", next((c for c in grid[0] if c), "")) if grid else ""
    return first.startswith(EVALUATION_HEAD[:3])


class _Target:
    """What the grids of the page being read belong to: a table or a self-evaluation."""

    def __init__(self, table: TableAssembler | None = None, evaluation: list | None = None):
        self.table, self.evaluation = table, evaluation
        self.page: int | None = None  # of the last grid added

    def starts_with(self, grid) -> bool:
        return self.table.is_start(grid) if self.table else _starts_evaluation(grid)

    def add(self, grid, number: int, tables: dict[str, TableInfo]) -> bool:
        """Add a grid; False when a table's columns do not fit it."""
        if self.table is None:
            if self.evaluation and grid and number != self.page:
                joined = join_split_row(self.evaluation[-1], grid[0])
                if joined is not None:  # a row broken across the page break
                    self.evaluation[-1], grid = joined, grid[1:]
            self.evaluation.extend(grid)
            self.page = number
            return True
        if not self.table.add_grid(grid, number):
            return False
        if number not in tables[self.table.code].pages:
            tables[self.table.code].pages.append(number)  # continuation page
        return True


class _Start:
    """Where a table or an evaluation starts in a page's text, and by which evidence."""

    def __init__(self, begin: int, end: int, code: str | None, evidence: str, title: str | None = None):
        self.begin, self.end, self.code, self.evidence, self.title = begin, end, code, evidence, title

    def start(self) -> int:
        return self.begin


def _find_starts(text: str, ruled: bool, next_ruled: bool, budget: bool) -> list[_Start]:
    """Markers, table titles and evaluation titles on a page, in print order. A title counts on
    a ruled page, or at the foot of a page whose table is on the next; a budget's tables
    (the document is a budget, or the marker's caption is a budget title) start nothing."""
    starts: list[_Start] = []
    for m in STARTS.finditer(text):
        if m.group(1):
            caption = text[max(0, m.start() - CAPTION_SPAN) : m.end() + CAPTION_SPAN]
            if not budget and not _budget_caption(caption):
                starts.append(_Start(m.start(), m.end(), f"{int(m.group(1)):02d}", "marker"))
        elif ruled:
            starts.append(_Start(m.start(), m.end(), None, "evaluation", m.group(2).strip()))
    if not budget and (ruled or next_ruled) and not CONTENTS.search(text):
        lines = list(re.finditer(r"^.*$", text, re.MULTILINE))
        for i, line in enumerate(lines):
            code = match_title(line.group(0))
            if code is None or (not ruled and len(lines) - i > TITLE_AT_FOOT_LINES):
                continue
            near = next((s for s in starts if s.code == code and abs(s.begin - line.start()) <= CAPTION_SPAN), None)
            if near is not None:  # the marker's own title
                near.title = printed_title(line.group(0))
                near.begin = min(near.begin, line.start())
                continue
            starts.append(_Start(line.start(), line.end(), code, "title", printed_title(line.group(0))))
    return sorted(starts, key=lambda s: s.begin)


def _budget_caption(caption: str) -> bool:
    return bool(BUDGET_CAPTION.search(caption)) and not any(match_title(line) for line in caption.splitlines())


def _is_budget(kind: str | None, cover: str) -> bool:
    """A budget by its identity, or, identity unknown, by a cover that names 预算 and not 决算."""
    if kind:
        return kind.endswith("预算")
    return "预算" in cover and "决算" not in cover


def _recognise(grid, number: int, assemblers: dict, open_table) -> _Target | None:
    """A grid with no title before it that fits no table before it: the table its header words
    name, else the one its rows fit (a table whose first page was lost)."""
    by_header = recognise_by_header(grid)
    if by_header is not None and by_header[0] not in assemblers:
        code, layout, _start = by_header
        target = _Target(table=open_table(code, "header", number, TableAssembler(code)))
    else:
        by_rows = recognise_by_rows(grid)
        if by_rows is None or by_rows[0] in assemblers:
            return None
        code, layout, _fits = by_rows
        target = _Target(table=open_table(code, "rows", number, TableAssembler(code, layout)))
    target.table.add_grid(grid, number)
    return target


def _stronger(evidence: str, than: str | None) -> bool:
    return than is None or EVIDENCE.index(evidence) < EVIDENCE.index(than)


def assemble(pages: Iterable[Page], source: str) -> ParseResult:
    """Pages in print order. A page may end one table and start the next (exports that do not
    break pages between tables): grids that carry their own header start the next table or
    evaluation that starts on the page; headless grids continue the one before, or, fitting
    none, are recognised by their rows."""
    pages = list(pages)
    tables: dict[str, TableInfo] = {code: TableInfo() for code in TABLE_CODES}
    assemblers: dict[str, TableAssembler] = {}
    titles: dict[str, str | None] = {}  # the title each table was printed with
    current: _Target | None = None
    first_text = next((p.text for p in pages if p.text.strip()), "")
    seen = [PageSeen(p.number, p.ruled, p.text) for p in pages]  # for the document's identity and coverage
    identity = identify_document([p.text for p in seen])
    budget = _is_budget(identity.kind, first_text)
    count = 0
    narrative_pages: list[tuple[int, str]] = []
    evaluations: list[tuple[str, int, list]] = []  # (title, page, grid rows) in print order
    in_narrative = False
    awaiting_unit: str | None = None  # a table whose caption's amount unit may be on the next page

    def open_table(code: str, evidence: str, number: int, assembler: TableAssembler | None = None) -> TableAssembler:
        info = tables[code]
        if info.status == "missing":
            info.status = "present"
        if _stronger(evidence, info.evidence):
            info.evidence = evidence
        if number not in info.pages:
            info.pages.append(number)
        if assembler is not None and code not in assemblers:
            assemblers[code] = assembler
        return assemblers.setdefault(code, TableAssembler(code))

    for index, page in enumerate(pages):
        count += 1
        number, text, ruled = page.number, page.text, page.ruled
        next_ruled = index + 1 < len(pages) and pages[index + 1].ruled
        starts = _find_starts(text, ruled, next_ruled, budget)
        queue: list[_Target] = []
        for i, m in enumerate(starts):
            segment = text[m.start() : starts[i + 1].start() if i + 1 < len(starts) else len(text)]
            if m.code:
                code = m.code
                assembler = open_table(code, m.evidence, number)
                titles.setdefault(code, m.title)
                if EMPTY_TABLE in segment:
                    tables[code].status = "empty"
                if tables[code].amount_unit is None:
                    tables[code].amount_unit = _amount_unit(segment, text[starts[i - 1].end if i else 0 : m.start()])
                queue.append(_Target(table=assembler))
            else:
                evaluations.append((m.title, number, []))
                queue.append(_Target(evaluation=evaluations[-1][2]))
        head = text[: starts[0].start()] if starts else text
        if awaiting_unit is not None:  # a caption at the foot of the last page: its unit is here
            tables[awaiting_unit].amount_unit = _amount_unit(head, "")
        awaiting_unit = next((m.code for m in starts[-1:] if m.code and tables[m.code].amount_unit is None), None)
        if EMPTY_TABLE in head and current is not None and current.table is not None:
            tables[current.table.code].status = "empty"  # the note fell onto the next page
        if ruled:
            narrative = _narrative_part(text, starts, in_narrative and not evaluations)
            # A budget's grids belong to nothing unless an evaluation is open: not even searched for.
            for grid in page.grids() if (queue or current is not None or not budget) else []:
                if queue and (current is None or queue[0].starts_with(grid)):
                    current = queue.pop(0)
                if current is not None and current.add(grid, number, tables):
                    continue
                final = bool(assemblers) or (identity.kind or "").endswith("决算")
                if not queue and not budget and final:  # only among a final account's tables
                    target = _recognise(grid, number, assemblers, open_table)
                    if target is not None:
                        current = target
                        titles.setdefault(current.table.code, None)
            if queue:  # a title at the foot of the page: its grid is on the next one
                current = queue[-1]
            if narrative:
                narrative_pages.append((number, narrative))
                _note_parts(narrative, number, tables)
            in_narrative = bool(narrative) and not starts
            continue
        # Narrative pages end the table section, unless a title at the foot opens the next page's table.
        carried = bool(queue) and starts[-1].evidence == "title" and next_ruled
        current = queue[-1] if carried else None
        in_narrative = not carried
        narrative_pages.append((number, text))
        if not CONTENTS.search(text):
            _note_parts(text, number, tables)
    narrative_pages = _from_first_heading(narrative_pages)
    appendix = next((n for n, t in narrative_pages if APPENDIX.search(t)), None)
    if evaluations:
        appendix = min(appendix or evaluations[0][1], evaluations[0][1])
    _extend_parts(tables, [n for n, _t in narrative_pages], appendix)
    for part in PARTS:
        tables.setdefault(part, TableInfo())
    family = choose_family({code: (tables[code].evidence, titles.get(code)) for code in assemblers})
    cells = [cell for code in sorted(assemblers) for cell in assemblers[code].cells]
    targets: list[dict] = []
    claims = extract_claims(narrative_pages)
    if budget:  # a budget's tables have keys of their own (parsers.budget, docs/budget-keys.md)
        read = read_budget(pages, identity.year)
        tables.update(read.tables)
        cells, targets = cells + read.cells, read.targets
        family = read.family or family
        # its 说明 restates the budget's tables, and may share a page with one
        claims = extract_budget_claims([(p.number, p.text) for p in pages if not CONTENTS.search(p.text[:200])])
    claims = [c.to_json() for c in claims]
    box_claims(claims, pages)
    evaluation_results = [
        parse_evaluation(title, rows, page, seq) for seq, (title, page, rows) in enumerate(evaluations, start=1)
    ]
    first_pages = {code: info.pages[0] for code, info in tables.items() if code in TABLE_CODES and info.pages}
    reading = read_carefully([(p.number, p.text) for p in pages], narrative_pages, first_pages)
    result = finish(
        ParseResult(
            source=source,
            unit=identity.unit,
            year=identity.year,
            kind=identity.kind,
            tables=tables,
            cells=cells,
            claims=claims,
            evaluations=evaluation_results,
            targets=targets,
            pages=count,
            unit_code=unit_code(identity.unit, identity.kind, first_text, evaluation_results),
            template=family.name if family else None,
            required_tables=family.required if family else (),
            reading=reading,
        ),
        identity,
        seen,
    )
    reading["document_status"] = result.status  # a blank template or checklist is not read so
    return result


def _amount_unit(after_marker: str, before_marker: str) -> str | None:
    """The amount unit of the caption around a table's 公开NN表 marker: printed in the lines
    after it (reportlab and most templates) or just before it (some exports)."""
    m = AMOUNT_UNIT.search(after_marker[:300]) or AMOUNT_UNIT.search(before_marker[-200:])
    return m.group(1) if m else None


def _narrative_part(text: str, starts: list, in_narrative: bool) -> str:
    """Narrative printed on a ruled page: from a part heading (or the page top, when the
    narrative was running) to the first table or evaluation that starts after it."""
    begin = None
    if in_narrative:
        begin = 0
    for heading in NUMBERED_PARTS.values():
        m = heading.search(text)
        if m and (begin is None or m.start() < begin):
            begin = m.start()
    if begin is None or CONTENTS.search(text):
        return ""
    end = next((m.start() for m in starts if m.start() > begin), len(text))
    return text[begin:end].strip()


def _note_parts(text: str, number: int, tables: dict[str, TableInfo]) -> None:
    for part, heading in PARTS.items():
        if heading.search(text):
            tables.setdefault(part, TableInfo("present"))
            if number not in tables[part].pages:
                tables[part].pages.append(number)


def _extend_parts(tables: dict[str, TableInfo], narrative: list[int], appendix: int | None) -> None:
    """A part runs over the narrative pages from its heading to the next part's heading (the
    appendix of self-evaluations ends the last one)."""
    found = sorted((info.pages[0], part) for part, info in tables.items() if part in PARTS and info.pages)
    for i, (first, part) in enumerate(found):
        last = found[i + 1][0] if i + 1 < len(found) else appendix
        if last is not None and last > first and i + 1 == len(found):
            last -= 1  # the appendix page itself is not the part's
        tables[part].pages = sorted(
            {p for p in narrative if p >= first and (last is None or p <= last)} | set(tables[part].pages)
        )


def _from_first_heading(pages: list[tuple[int, str]]) -> list[tuple[int, str]]:
    """The narrative starts at its part heading: the cover, the contents and the 概况 before it
    are not restating any table (and would run into the first sentence)."""
    for i, (number, text) in enumerate(pages):
        m = PARTS["情况说明"].search(text)
        if m and not CONTENTS.search(text):
            return [(number, text[m.start() :])] + pages[i + 1 :]
    return pages
