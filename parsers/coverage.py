"""What a parse covered, and so what the document is: never a silent zero.

Called once where a parse is finished (the assembler's end, and a bundle's merge). From the
tables the assembler recognised, the cells it read, the identity the document prints of
itself and the pages it saw, it sets `ParseResult.status`, `coverage` and the problems that
say why:

- not_a_filing: a checklist, a notice, a blank template, a page that only links to the
  filing (its reason from the identity, or: no table and an attachment link);
- unrecognised: a filing by its identity with no table read (a budget that no budget
  template reads is this too: its tables are never slotted into final-account codes);
- partial: fewer tables than its template requires (the ten 决算 tables when the template
  is unknown), naming the missing tables and the pages no table took;
- filing: everything its template requires was read.
Pure: nothing here reads a file.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from parsers.identity import BUDGET_KINDS, PERFORMANCE_KIND, DocumentIdentity
from parsers.model import TABLE_CODES, ParseResult, TableInfo
from parsers.templates import families, tables

TITLES_SHOWN = 12  # titles named in one problem; the coverage keeps every page
TITLE_MAX = 40
_TABLE_TITLE = re.compile(r"表\s*\d*\s*$|表[(（]")
_MARKER_ONLY = re.compile(r"^(?:部门)?公开\s*(?:\d+\s*表|表\s*\d+)$|^表\s*\d+$")
_PAGE_FOOTER = re.compile(r"^[\s\-—–]*\d+[\s\-—–]*$|^第\s*\d+\s*页")


@dataclass(frozen=True)
class PageSeen:
    """What coverage needs of a page: its number, whether it holds grids, its text."""

    number: int
    ruled: bool
    text: str


def table_title(code: str, template: str | None) -> str:
    """A table's title as its template family prints it, else the catalogue's ("" if unknown)."""
    family = next((f for f in families() if f.name == template), None)
    if family is not None and family.titles.get(code):
        return family.titles[code]
    known = tables().get(code)
    if known:
        return known.title
    from parsers.budget import table_titles  # budgets' own catalogue (B1…, BA…)

    return table_titles().get(code, "")


def is_table(key: str) -> bool:
    """Tables are keyed by their codes (01…10, and the budgets' B1…, BA…); parts by their name (情况说明)."""
    from parsers.budget import table_titles  # budgets' own catalogue

    return key in TABLE_CODES or key in table_titles()


def page_title(text: str) -> str:
    """The title a page prints: the first line ending in 表 among its first lines, with the
    line after a bare marker (公开02表, 表3) joined to it; "" for a page that prints none
    (a continuation page, or prose)."""
    lines = [line.strip() for line in text.splitlines() if line.strip() and not _PAGE_FOOTER.match(line)]
    for i, line in enumerate(lines[:8]):
        if _TABLE_TITLE.search(line):
            if _MARKER_ONLY.match(line) and i + 1 < len(lines):
                line = f"{line} {lines[i + 1]}"
            return line[:TITLE_MAX]
    return ""


def _read_tables(result: ParseResult) -> dict[str, dict]:
    """Per table the assembler recognised: cells read, evidence, pages."""
    cells: dict[str, int] = {}
    for cell in result.cells:
        cells[cell.table] = cells.get(cell.table, 0) + 1
    return {
        code: {"status": info.status, "cells": cells.get(code, 0), "evidence": info.evidence, "pages": list(info.pages)}
        for code, info in sorted(result.tables.items())
        if is_table(code) and info.status != "missing"
    }


def _assigned_pages(result: ParseResult) -> set[int]:
    pages = {p for info in result.tables.values() for p in info.pages}
    first_evaluation = min((ev.get("page") or 0 for ev in result.evaluations), default=0)
    if first_evaluation:  # the self-evaluations run to the end of the file
        pages |= set(range(first_evaluation, result.pages + 1))
    return pages


def _titles(pages: list[PageSeen], numbers: list[int]) -> list[dict]:
    by_number = {p.number: p for p in pages}
    return [{"page": n, "title": page_title(by_number[n].text)} for n in numbers if n in by_number]


def _shown(titles: list[dict]) -> str:
    shown = ", ".join(
        f"p{t['page']} '{t['title']}'" if t["title"] else f"p{t['page']} (no title)" for t in titles[:TITLES_SHOWN]
    )
    more = len(titles) - TITLES_SHOWN
    return shown + (f" and {more} more" if more > 0 else "")


def finish(result: ParseResult, identity: DocumentIdentity, pages: list[PageSeen]) -> ParseResult:
    """Set status, coverage and problems on a finished parse (in place; returned for chaining)."""
    result.qualifier = identity.qualifier
    result.problems.extend(f"identity: {note}" for note in identity.notes)
    dropped = _unslot_budget(result) if result.kind in BUDGET_KINDS and not identity.not_a_filing else 0
    read = _read_tables(result)
    unassigned = sorted(set(range(1, result.pages + 1)) - _assigned_pages(result))
    unassigned_grids = [n for n in unassigned if any(p.number == n and p.ruled for p in pages)]
    grid_titles = _titles(pages, unassigned_grids)
    recognised = sorted(read)  # recognised: present (with or without cells) or printed empty
    status, problems = _status(result, identity, read, recognised, grid_titles, pages, dropped)
    result.status = status
    result.problems.extend(problems)
    result.coverage = {
        "tables": read,
        "tables_read": recognised,
        "required": list(result.required_tables) or (list(TABLE_CODES) if _is_final(result.kind) else []),
        "cells": len(result.cells),
        "claims": len(result.claims),
        "evaluations": len(result.evaluations),
        "unassigned_pages": unassigned,
        "unassigned_grids": grid_titles,
    }
    return result


STATUS_PROBLEMS = ("partial:", "unrecognised:", "not a filing:")


def finish_bundle(merged: ParseResult, parts: list[ParseResult]) -> ParseResult:
    """A bundle's status is its filing's, from the merged tables: a member's own status (the
    narrative DOCX alone has no table) says nothing about the bundle. A member that is not a
    filing is named; the bundle is not a filing only if none of its members is one."""
    filings = [p for p in parts if p.status != "not_a_filing"]
    merged.problems = [p for p in merged.problems if not p.startswith(STATUS_PROBLEMS)]
    merged.problems += [
        f"{part.source}: {line}"
        for part in parts
        if part.status == "not_a_filing"
        for line in part.problems
        if line.startswith("not a filing:")
    ]
    first = next((p for p in filings if p.unit), filings[0] if filings else parts[0])
    reason = None if filings else "every member of the bundle is none"
    merged.template = merged.template or first.template
    merged.required_tables = merged.required_tables or first.required_tables
    return finish(merged, DocumentIdentity(merged.unit, merged.year, merged.kind, first.qualifier, reason), [])


def _is_final(kind: str | None) -> bool:
    return kind is None or kind.endswith("决算")


def _status(
    result: ParseResult,
    identity: DocumentIdentity,
    read: dict,
    recognised: list[str],
    grid_titles: list[dict],
    pages: list[PageSeen],
    dropped: int,
) -> tuple[str, list[str]]:
    if identity.not_a_filing:
        return "not_a_filing", [f"not a filing: {identity.not_a_filing}"]
    if identity.attachment and not recognised and not result.evaluations and "情况说明" not in _parts(result):
        return "not_a_filing", [
            f"not a filing: a page that only links to the filing ({identity.attachment}); the filing is the attachment"
        ]
    if result.kind in BUDGET_KINDS:
        return _budget_status(result, recognised, pages, dropped)
    if result.kind == PERFORMANCE_KIND:
        if result.evaluations:
            return "filing", []
        return "unrecognised", ["unrecognised: a 绩效说明 with no self-evaluation read"]
    required = list(result.required_tables) or list(TABLE_CODES)
    seen = f"; pages with grids no table took: {_shown(grid_titles)}" if grid_titles else ""
    blank = [
        f"{code} (p{','.join(map(str, read[code]['pages']))})"
        for code in read
        if read[code]["status"] == "present" and not read[code]["cells"]
    ]
    blank_note = (
        [f"coverage: {', '.join(blank)} recognised with no cell read (printed empty without 本表无数据, or not read)"]
        if blank
        else []
    )
    if not recognised or not any(t["cells"] for t in read.values()):
        who = "a filing by its identity" if result.kind else "a document with no identity on its cover"
        titles = _shown(_titles(pages, [p.number for p in pages if p.ruled]))
        found = "no table recognised" if not recognised else "no cell read from its tables"
        return "unrecognised", [
            f"unrecognised: {who}, but {found} on its {result.pages} pages"
            + (f"; titles seen: {titles}" if titles else "")
        ]
    missing = [code for code in required if code not in recognised]
    if missing:
        names = ", ".join(f"{code} {table_title(code, result.template)}".strip() for code in missing)
        template = f" of template {result.template}" if result.template else ""
        return "partial", blank_note + [
            f"partial: {len(recognised)} of the {len(required)} tables{template} read; missing: {names}" + seen
        ]
    return "filing", blank_note


def _parts(result: ParseResult) -> set[str]:
    return {key for key, info in result.tables.items() if not is_table(key) and info.status != "missing"}


def _is_budget_template(template: str | None) -> bool:
    return bool(template) and ("budget" in template or "预算" in template)


def _unslot_budget(result: ParseResult) -> int:
    """A budget is read only by a budget template: what was read into final-account codes is
    dropped (a 公开01表 of a budget is its 收支预算总表, not 收入支出决算总表). How many cells went."""
    if _is_budget_template(result.template):
        return 0
    dropped = sum(1 for c in result.cells if c.table in TABLE_CODES)
    result.cells = [c for c in result.cells if c.table not in TABLE_CODES]
    for code in TABLE_CODES:
        result.tables[code] = TableInfo()
    return dropped


def _budget_status(
    result: ParseResult, recognised: list[str], pages: list[PageSeen], dropped: int
) -> tuple[str, list[str]]:
    if _is_budget_template(result.template) and recognised:
        required = list(result.required_tables)
        missing = [code for code in required if code not in recognised]
        if missing:
            return "partial", [
                f"partial: {len(recognised)} of the {len(required)} tables of template "
                f"{result.template} read; missing: "
                + ", ".join(f"{code} {table_title(code, result.template)}".strip() for code in missing)
            ]
        return "filing", []
    titles = _shown(_titles(pages, [p.number for p in pages if p.ruled and _TABLE_TITLE.search(page_title(p.text))]))
    note = f"; {dropped} cells read as final-account tables were dropped" if dropped else ""
    return "unrecognised", [
        f"unrecognised: a {result.kind} whose tables no budget template read, so none is "
        f"checked{note}" + (f"; tables seen: {titles}" if titles else "")
    ]
