"""Pages of any format → ParseResult: the ten tables, the narrative parts and the self-evaluations.

Pure: what is on which page decides what it is (a 公开NN表 marker starts a table, a ruled
page after it continues it, a 绩效自评表 title starts an evaluation, unruled pages are
narrative). The format readers only turn bytes into pages.
"""
from __future__ import annotations

import re
from typing import Iterable

from parsers.document import Page
from parsers.evaluations import parse_evaluation
from parsers.identity import identify
from parsers.model import TABLE_CODES, ParseResult, TableInfo
from parsers.narrative import extract_claims
from parsers.tables import TableAssembler

TABLE_MARKER = re.compile(r"公开\s*(0?[1-9]|10)\s*表")
EMPTY_TABLE = "本表无数据"
EVALUATION_TITLE = re.compile(r"^.*绩效自评表.*$", re.MULTILINE)
# Parts other than the tables, recognised by their headings (a contents page lists them too).
PARTS = {"情况说明": re.compile(r"第三部分\s*情况说明|情况说明\s*$", re.MULTILINE),
         "名词解释": re.compile(r"第四部分\s*名词解释|名词解释\s*$", re.MULTILINE)}
CONTENTS = re.compile(r"目\s*录")


def assemble(pages: Iterable[Page], source: str) -> ParseResult:
    tables: dict[str, TableInfo] = {code: TableInfo() for code in TABLE_CODES}
    assemblers: dict[str, TableAssembler] = {}
    current: TableAssembler | None = None
    first_text = ""
    count = 0
    narrative_pages: list[tuple[int, str]] = []
    evaluations: list[tuple[str, int, list]] = []  # (title, page, grid rows) in print order
    in_evaluations = False
    for page in pages:
        count += 1
        number, text, ruled = page.number, page.text, page.ruled
        if not first_text.strip():
            first_text = text
        marker = TABLE_MARKER.search(text)
        evaluation_title = EVALUATION_TITLE.search(text) if ruled else None
        if evaluation_title:
            in_evaluations, current = True, None
            evaluations.append((evaluation_title.group(0).strip(), number, []))
        if in_evaluations and ruled and not marker:
            for grid in page.grids():  # a continuation page adds rows to the last evaluation
                evaluations[-1][2].extend(grid)
            continue
        if marker:
            in_evaluations = False
            code = f"{int(marker.group(1)):02d}"
            current = assemblers.setdefault(code, TableAssembler(code))
            tables[code].status = "present"
            tables[code].pages.append(number)
            if EMPTY_TABLE in text:
                tables[code].status = "empty"
        grids = page.grids() if ruled and current is not None else []
        for grid in grids:
            if current is not None and current.add_grid(grid, number) and not marker:
                if number not in tables[current.code].pages:
                    tables[current.code].pages.append(number)  # continuation page
        if not ruled:
            current = None  # narrative pages end the table section
            narrative_pages.append((number, text))
            if not CONTENTS.search(text):
                for part, heading in PARTS.items():
                    if heading.search(text):
                        tables.setdefault(part, TableInfo("present"))
                        tables[part].pages.append(number)
    for part in PARTS:
        tables.setdefault(part, TableInfo())
    identity = identify(first_text[:200])
    cells = [cell for code in sorted(assemblers) for cell in assemblers[code].cells]
    return ParseResult(
        source=source,
        unit=identity.unit,
        year=identity.year,
        kind=identity.kind,
        tables=tables,
        cells=cells,
        claims=[c.to_json() for c in extract_claims(narrative_pages)],
        evaluations=[parse_evaluation(title, rows, page, seq)
                     for seq, (title, page, rows) in enumerate(evaluations, start=1)],
        pages=count,
    )
