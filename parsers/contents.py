"""The table of contents (目录) of a filing: its entries in order, each a part (第三部分 情况说明),
a table (三、支出决算表 → its canonical code) or a numbered section of a part, with the page
number it prints. Pure: page texts in, entries out; validation compares them with what is printed.
"""

from __future__ import annotations

import re
import unicodedata

from parsers.templates import match_title

CONTENTS_HEADING = re.compile(r"^\s*#*\s*目\s*录\s*$", re.MULTILINE)
# "第二部分 2024年部门决算表 ....... 3": the leader dots (or a tab, or spaces) and the page number.
_LEADER = re.compile(r"\s*(?:[.．…·•\-—_]{2,}|\t|\s{2,})\s*(\d{1,3})?\s*$")
_TRAILING_PAGE = re.compile(r"\s+(\d{1,3})\s*$")
PART = re.compile(r"^第([一二三四五六七八九十]+)部\s*分\s*(.*)$")
SECTION = re.compile(r"^([一二三四五六七八九十]{1,3})\s*[、.．,，]\s*(.+)$")
# A contents page lists one entry a line; a line this long is prose, not an entry.
ENTRY_MAX = 60


def _clean(line: str) -> tuple[str, str | None]:
    """An entry's words and the page number printed after its leader dots (None if none)."""
    line = unicodedata.normalize("NFKC", line).strip()
    m = _LEADER.search(line) or _TRAILING_PAGE.search(line)
    page = m.group(1) if m else None
    words = line[: m.start()] if m else line
    return words.strip(" .．…·"), page


NOT_WORDS = re.compile(r"[\s\"'“”‘’()（）《》<>]")
WORD_CHAR = re.compile(r"[^\s\"'“”‘’()（）《》<>]")


def compact(text: str) -> str:
    """Words without spaces, quotes and brackets, to compare an entry with a printed heading."""
    return NOT_WORDS.sub("", unicodedata.normalize("NFKC", text))


def contents_pages(pages: list[tuple[int, str]]) -> list[tuple[int, str]]:
    """The contents page(s): the page whose own line is 目录, and the page after it when that
    one still lists entries (no prose) and no part of the document starts on it."""
    for i, (number, text) in enumerate(pages[:6]):
        if CONTENTS_HEADING.search(text):
            found = [(number, text)]
            if i + 1 < len(pages) and _only_entries(pages[i + 1][1]):
                found.append(pages[i + 1])
            return found
    return []


def _only_entries(text: str) -> bool:
    lines = [line.strip() for line in text.splitlines() if line.strip() and not line.strip().isdigit()]
    if not lines:
        return False
    return all(len(line) <= ENTRY_MAX and (PART.match(line) or SECTION.match(line)) for line in lines)


def parse_contents(pages: list[tuple[int, str]]) -> dict | None:
    """{"page": first contents page, "entries": [...]} or None when no 目录 is printed. An entry:
    {"kind": part | table | section, "number": 三 (its numeral), "title", "code" (a table's
    canonical code, a part's number), "part": the part it is listed under, "printed_page"}."""
    found = contents_pages(pages)
    if not found:
        return None
    entries: list[dict] = []
    part: str | None = None
    pending = ""  # an entry broken over two lines ("…决算情况" / "说明")
    lines = [line for _n, text in found for line in text.splitlines()]
    for raw in lines:
        if CONTENTS_HEADING.match(raw) or not raw.strip() or raw.strip().isdigit():
            continue
        words, page = _clean(raw)
        if not words:
            continue
        if pending and not PART.match(words) and not SECTION.match(words):
            entries[-1]["title"] += words  # the rest of the entry above
            entries[-1]["printed_page"] = entries[-1]["printed_page"] or page
            pending = ""
            continue
        pending = ""
        m = PART.match(words)
        if m:
            part = m.group(1)
            entries.append(
                {
                    "kind": "part",
                    "number": part,
                    "title": m.group(2).strip(),
                    "code": part,
                    "part": part,
                    "printed_page": page,
                }
            )
            pending = "" if page else "open"
            continue
        m = SECTION.match(words)
        if not m:
            continue
        code = match_title(f"{m.group(1)}、{m.group(2)}")
        entries.append(
            {
                "kind": "table" if code else "section",
                "number": m.group(1),
                "title": m.group(2).strip(),
                "code": code,
                "part": part,
                "printed_page": page,
            }
        )
    return {"page": found[0][0], "pages": [n for n, _t in found], "entries": entries} if entries else None
