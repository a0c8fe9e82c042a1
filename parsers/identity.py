"""Who published what: unit name, fiscal year and kind, from a title or a document's cover.

Titles and covers print the three in any order: "国家信访局 2024 年度部门决算" (unit, year,
kind), "2026年深圳市信访局部门预算" (year first), "上海市普陀区2026年区级部门预算 / 预算主管部门：…"
(the unit on a labelled line), "国家信访局 年度部门预算 / 2026" (the year on a line of its own),
with qualifiers （汇总）/（本级） and date lines "二〇二五年七月" that are never a fiscal year.
Some documents are about a filing without being one (a checklist, a notice, a blank
template, a page that links to the PDF): their identity says so, with the reason.
Pure functions; unknown parts stay None, never guessed.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass

KINDS = ("部门决算", "单位决算", "部门预算", "单位预算")
BUDGET_KINDS = ("部门预算", "单位预算")
FINAL_KINDS = ("部门决算", "单位决算")
PERFORMANCE_KIND = "绩效说明"

# A kind word; a bare 预算/决算 is not one where it is part of a longer term
# (一般公共预算财政拨款, 年初预算数, 预算单位, 预算主管部门, 预算执行…).
_KIND = r"(?P<who>部门|单位)?(?P<what>决算|预算)(?!财政拨款|拨款|数|单位|主管|执行|科目|资金|收入|支出|管理|、)"
_YEAR = r"(?P<year>20\d{2})\s*年\s*度?"
# Between the year and the kind: the unit (year-first titles) or only the budget level.
_YEAR_THEN_KIND = re.compile(_YEAR + r"(?P<mid>[^年。;；]{0,40}?)" + _KIND)
_KIND_THEN_YEAR = re.compile(_KIND + r"(?:公开)?\s*(?P<year>20\d{2})(?![\d年月])")
_LEVEL = re.compile(r"^(?:的|中央|省级|市级|区级|县级|镇级|乡级|市本级|区本级|县本级)*$")
_PERFORMANCE = re.compile(r"绩效(情况)?说明|绩效自评")
# Dates of printing or publication: 二〇二五年七月, 2025年7月20日, 2025-07-20. Never a fiscal year.
_DATE = re.compile(
    r"[〇○零一二三四五六七八九]{4}\s*年\s*[一二三四五六七八九十]{1,3}\s*月(?:\s*[一二三四五六七八九十]{1,3}\s*日)?"
    r"|20\d{2}\s*年\s*\d{1,2}\s*月(?:\s*\d{1,2}\s*日)?|20\d{2}[-/.]\d{1,2}[-/.]\d{1,2}"
)
_QUALIFIER = re.compile(r"[(（]\s*(部门汇总|单位本级|汇总|本级)\s*[)）]")
# A labelled unit line; "单位：万元" is an amount unit, not a unit of government.
_LABELS = (
    "预算主管部门",
    "主管部门",
    "预算单位",
    "部门名称",
    "单位名称",
    "编制部门",
    "编制单位",
    "部门（单位）",
    "部门",
    "单位",
)
_LABEL = re.compile(
    "(?P<label>"
    + "|".join(r"\s*".join(map(re.escape, label)) for label in _LABELS)
    + ")"
    + r"\s*[:：]\s*(?P<value>[^\n]+)"
)
_DEPARTMENT_LABELS = ("预算主管部门", "主管部门", "部门名称", "编制部门", "部门（单位）", "部门")
_NOT_A_NAME = re.compile(r"^(万元|千元|亿元|元)")
_NEXT_LABEL = re.compile(r"\s+\S{1,6}[:：]")  # "江苏省政协办公厅 单位：万元", "…司法局 部门编码:201"
_PLACEHOLDER = re.compile(r"XX|xx|××|某某|〇〇|○○|\*\*")
_LEADING_JUNK = re.compile(r"^(?:附件\s*\d*\s*[:：]?|.*[|>：:，,。、])")

# Documents about filings that are not filings, told by their title.
_CHECKLIST = re.compile(r"检查表|检查情况|自查表|评分表|考核表|核查表|情况检查")
_NOTICE = re.compile(r"关于.{0,60}(?:通知|通报|批复|函)$|召开.{0,30}会议|会议(?:议程|通知)|议程|日程安排")
_ANNUAL_REPORT = re.compile(r"政府信息公开工作年度报告")
_GENERAL_ACCOUNTS = re.compile(r"财政总决算|总决算|财政总预算")
# A page that only links to the filing: "详情见附件", "附件下载：….pdf".
_ATTACHMENT = re.compile(
    r"(?:附件(?:下载)?\s*[:：]?\s*)(?P<name>[^\s:：]{2,80}?\.(?:pdf|docx?|xlsx?|zip|rar|wps|ofd))", re.IGNORECASE
)
_SEE_ATTACHMENT = re.compile(r"详(?:情|见)见?附件")
CONTENTS = re.compile(r"^\s*目\s*录\s*$", re.MULTILINE)
TITLE_LINE_MAX = 30
TITLE_MAX_SHOWN = 60  # cover titles break into short lines; longer lines are prose or navigation


@dataclass(frozen=True)
class DocumentIdentity:
    unit: str | None
    year: int | None
    kind: str | None
    qualifier: str | None = None  # 汇总 (a department with its units) | 本级 (its own office only)
    not_a_filing: str | None = None  # why the document is not a filing, when its text shows it
    attachment: str | None = None  # the file a landing page links to ("附件下载：….pdf")
    notes: tuple[str, ...] = ()  # what could not be read from the document (no year printed…)


def _flat(text: str) -> str:
    return unicodedata.normalize("NFKC", re.sub(r"\s+", "", text))


def _blocks(text: str) -> list[str]:
    """Title blocks: runs of short lines joined (a cover breaks its title over lines); a long
    line stands alone. Dates are dropped first: they are never part of a title."""
    out: list[str] = []
    run: list[str] = []
    for line in text.splitlines():
        line = _DATE.sub("", line).strip()
        if not line:
            if run:
                out.append("".join(run))
                run = []
            continue
        if len(line) > TITLE_LINE_MAX:
            if run:
                out.append("".join(run))
                run = []
            out.append(line)
            continue
        run.append(line)
    if run:
        out.append("".join(run))
    return out


@dataclass(frozen=True)
class _Title:
    unit: str | None
    year: int | None
    who: str | None  # 部门 | 单位 | None (a bare 决算/预算)
    what: str  # 决算 | 预算
    performance: bool
    block: str


def _printed(raw_block: str) -> tuple[str, str]:
    """(as printed without spaces, NFKC-normalised for matching) of the same block, aligned
    when NFKC kept the length, so a unit name keeps its full-width brackets."""
    raw = re.sub(r"\s+", "", raw_block)
    flat = unicodedata.normalize("NFKC", raw)
    return (raw if len(raw) == len(flat) else flat), flat


def _clean_unit(name: str) -> str | None:
    name = _LEADING_JUNK.sub("", name).strip(" -—_:：")
    return name or None


def _title_in(block: str) -> _Title | None:
    printed, flat = _printed(block)
    m = _YEAR_THEN_KIND.search(flat)
    if m:
        mid = printed[m.start("mid") : m.end("mid")]
        if mid and not _LEVEL.match(_flat(mid)):
            unit = _clean_unit(mid)  # year first: 2026年深圳市信访局部门预算
        elif mid:
            unit = None  # 上海市普陀区2026年区级部门预算: a jurisdiction and a level, the unit is labelled
        else:
            unit = _clean_unit(printed[: m.start()])
        tail = flat[m.end() : m.end() + 20]
        return _Title(
            unit, int(m.group("year")), m.group("who"), m.group("what"), bool(_PERFORMANCE.search(tail)), flat
        )
    m = _KIND_THEN_YEAR.search(flat)
    if m:  # 国家信访局 年度部门预算 / 2026: the year printed on a line of its own
        before = re.sub(r"年度?$", "", printed[: m.start()])
        return _Title(_clean_unit(before), int(m.group("year")), m.group("who"), m.group("what"), False, flat)
    return None


def _bare_kind_in(block: str) -> _Title | None:
    """A title with a kind and no year at all (the year is printed elsewhere, or nowhere)."""
    printed, flat = _printed(block)
    m = re.search(_KIND, flat)
    if not m:
        return None
    before = re.sub(r"\d{4}年度?$|年度?$", "", printed[: m.start()])
    return _Title(_clean_unit(before), None, m.group("who"), m.group("what"), False, flat)


def _labelled_unit(text: str) -> tuple[str | None, str | None]:
    """(unit, its label) from the first labelled line that names a unit."""
    for m in _LABEL.finditer(text):
        value = _NEXT_LABEL.split(m.group("value").strip(), maxsplit=1)[0].strip()
        value = re.sub(r"\s+", "", value)
        if value and not _NOT_A_NAME.match(value) and re.search(r"[\u4e00-\u9fff]", value):
            return value, re.sub(r"\s", "", m.group("label"))
    return None, None


def _split_qualifier(unit: str | None) -> tuple[str | None, str | None]:
    if not unit:
        return unit, None
    m = _QUALIFIER.search(unit)
    if not m:
        return unit, None
    qualifier = "汇总" if "汇总" in m.group(1) else "本级"
    return (unit[: m.start()] + unit[m.end() :]).strip() or None, qualifier


def _kind(title: _Title, label: str | None, qualifier: str | None) -> str:
    if title.performance:
        return PERFORMANCE_KIND
    who = title.who
    if who is None:  # a bare 决算/预算: the label or the qualifier says whose
        if label in _DEPARTMENT_LABELS or qualifier == "汇总":
            who = "部门"
        else:
            who = "单位"
    return who + title.what


def _not_a_filing_reason(title: str, unit: str | None) -> str | None:
    """Why a document with this title (the line as printed) is no filing, if it is none."""
    flat = _flat(title)
    if _CHECKLIST.search(flat):
        return f"an inspection checklist ('{title}'): it grades a disclosure and holds no accounts"
    if _ANNUAL_REPORT.search(flat):
        return f"a 政府信息公开工作年度报告 ('{title}')"
    if _NOTICE.search(flat):
        return f"a notice or agenda ('{title}') about filings"
    if _GENERAL_ACCOUNTS.search(flat):
        return f"a region's general accounts ('{title}'), not a department's or a unit's"
    if unit and _PLACEHOLDER.search(unicodedata.normalize("NFKC", unit)):
        return f"a blank template: the unit is printed as '{unit}'"
    return None


def _title_line(block: str, cover: str) -> str:
    """The printed line a title block starts with (for a reason a reader can find)."""
    first = next(
        (
            line.strip()
            for line in cover.splitlines()
            if line.strip() and _flat(line) and block.startswith(_flat(line)[:10])
        ),
        "",
    )
    return first[:TITLE_MAX_SHOWN]


def identify(text: str) -> DocumentIdentity:
    """A title: '大同市住房和城乡建设局2024年度部门决算公开' → (大同市住房和城乡建设局, 2024, 部门决算).

    A title that names a year but only "决算" (…2022年度决算公开…) counts as 单位决算 unless
    it is a performance statement (绩效说明). A notice about filings (关于…的通知) has no kind.
    """
    return identify_document([text], title_only=True)


def identify_document(pages: list[str], title_only: bool = False) -> DocumentIdentity:
    """The identity a document prints of itself, from the texts of its pages in order.

    The cover (the first page, and the second when the first names no kind) gives the title
    and any labelled unit line (预算主管部门：…, 预算单位：…, 部门：…, 单位名称：…); the label wins over
    the title for the unit. A year the cover does not print is taken from the titles of the
    tables (2019年政府采购预算表), and noted. With `title_only` the text is one title.
    """
    cover = pages[0] if title_only and pages else _cover(pages)
    label_unit, label = (None, None) if title_only else _labelled_unit(cover)
    blocks = _blocks(cover)
    title = next((t for t in map(_title_in, blocks) if t), None)
    if title is None and not title_only:  # a title without a year names nothing for sure
        title = next((t for t in map(_bare_kind_in, blocks) if t), None)
    if title is None:
        return DocumentIdentity(
            label_unit, None, None, notes=() if title_only else ("no title with 决算 or 预算 on the cover",)
        )
    unit, qualifier = _split_qualifier(label_unit or title.unit)
    year, notes = title.year, []
    if year is None and not title_only:
        year = _year_from_titles(pages)
        notes.append(
            "the cover prints no fiscal year"
            + (f": {year} read from the table titles" if year else " and no table title names one")
        )
    kind: str | None = _kind(title, label, qualifier)
    reason = _not_a_filing_reason(_title_line(title.block, cover) or title.block, unit)
    if _NOTICE.search(title.block):
        unit, year, kind = label_unit, None, None  # a notice names a kind of filing; it is none
    elif _CHECKLIST.search(title.block):
        kind = None  # a checklist grades that unit's filing of that year; it is no filing itself
    attachment = None if title_only else _attachment(cover)
    if not title_only and not reason:
        notes += _part_heading_notes(unit, year, pages)
    return DocumentIdentity(unit, year, kind, qualifier, reason, attachment, tuple(notes))


# A part heading that names the unit and year again: 第二部分 上海市普陀区财政局 2024 年度部门决算表.
_PART_HEADING = re.compile(
    r"第([一二三])部分(?P<unit>[^第。,;:()]{0,40}?)(?P<year>20\d{2})年度?(?:部门|单位)(?:决算|预算)"
    r"(?:表|情况说明)"
)
PART_HEADING_SPAN = 60  # characters after 第N部分 a heading may run over, line breaks removed


def _same_unit(named: str, unit: str) -> bool:
    """The same unit, or its short form (省人大办公厅 for 江苏省人大常委会办公厅); a name that drops
    a district or county (上海市规划和自然资源局 for 上海市普陀区规划和自然资源局) is another unit."""
    named, unit = _flat(named), _flat(unit)
    if named == unit:
        return True
    omitted, i = [], 0
    for ch in unit:
        if i < len(named) and ch == named[i]:
            i += 1
        else:
            omitted.append(ch)
    return i == len(named) and not re.search("[区县市]", "".join(omitted))


def _headings(text: str):
    """The part headings of a page (第二部分 …), and its first line when it names a year and a
    kind (上海市…局 2024 年度部门决算表 heading the tables), flattened."""
    for start in (m.start() for m in re.finditer("第[一二三四五]部分", text)):
        yield unicodedata.normalize("NFKC", re.sub(r"\s+", "", text[start : start + PART_HEADING_SPAN * 2]))
    first = next((line for line in text.splitlines() if line.strip()), "")
    if len(first.strip()) <= PART_HEADING_SPAN:
        yield "第二部分" + _flat(first)


def _part_heading_notes(unit: str | None, year: int | None, pages: list[str]) -> list[str]:
    """Where the document's own headings name another unit or year than its cover (a
    placeholder left in, last year's heading kept): a defect of the document, said once each."""
    found: dict[str, list[int]] = {}
    for number, text in enumerate(pages, start=1):
        if CONTENTS.search(text):
            continue
        for flat in _headings(text):
            m = _PART_HEADING.match(flat[:PART_HEADING_SPAN])
            if not m:
                continue
            printed = re.sub("^第二部分", "", flat[: m.end()]) if flat.startswith("第二部分") else flat[: m.end()]
            named, _ = _split_qualifier(m.group("unit"))
            if named and unit and not _same_unit(named, unit):
                found.setdefault(f"'{printed}' names the unit {named}, not {unit} as on the cover", []).append(number)
            if year and int(m.group("year")) != year:
                found.setdefault(f"'{printed}' names the year {m.group('year')}, not {year}", []).append(number)
    return [
        f"page{'s' if len(numbers) > 1 else ''} {', '.join(map(str, sorted(set(numbers))))}: {note}"
        for note, numbers in found.items()
    ]


COVER_PAGES = 3  # landing pages spread their title over navigation, a metadata table and the body


def _cover(pages: list[str]) -> str:
    """The text identity is read from: the first page, and the next ones while no kind word
    is found (a cover of only a picture, a contents page headed by the title, a web page)."""
    parts: list[str] = []
    for text in pages[:COVER_PAGES]:
        contents = CONTENTS.search(text)
        parts.append(text[: contents.start()] if contents and contents.start() > 0 else text)
        if any(_title_in(b) for b in _blocks(parts[-1])):
            break
    return "\n\n".join(parts)


_TABLE_TITLE_YEAR = re.compile(r"(20\d{2})\s*年\s*度?\s*[^\n年]{0,30}?(?:预算|决算)[^\n]{0,12}表")


def _year_from_titles(pages: list[str]) -> int | None:
    """The year the table titles print most often (a tables-only file with no cover)."""
    counts: dict[int, int] = {}
    for text in pages:
        for m in _TABLE_TITLE_YEAR.finditer(_DATE.sub("", text)):
            counts[int(m.group(1))] = counts.get(int(m.group(1)), 0) + 1
    return max(counts, key=lambda y: (counts[y], y)) if counts else None


def _attachment(text: str) -> str | None:
    m = _ATTACHMENT.search(text)
    if m:
        return m.group("name")
    return "附件" if _SEE_ATTACHMENT.search(text) else None


_CODE_AND_NAME = re.compile(r"^\s*(\d{3,})\s*[-－—]\s*(.+?)\s*$")
_PRINTED_CODE = re.compile(r"(?:预算)?单位(?:代码|编码)\s*[:：]\s*(\d{3,})")


def _comparable(name: str) -> str:
    name = unicodedata.normalize("NFKC", name)
    return re.sub(r"\s|\[部门\]|\[单位\]", "", name)


def unit_code(unit: str | None, kind: str | None, first_text: str, evaluations: list[dict]) -> str | None:
    """The unit's budget code where the filing prints it: as 单位代码 on its cover, or beside
    its name in the self-evaluations ("032003-大同市公共资源交易中心…" as 预算单位 of a 单位决算,
    "032-大同市行政审批服务管理局[部门]" as 主管部门 of a 部门决算). The code printed most often
    wins; a name that does not match the unit's gives nothing."""
    m = _PRINTED_CODE.search(re.sub(r"\s+", "", first_text))
    if m:
        return m.group(1)
    if not unit:
        return None
    wanted = _comparable(unit)
    fields = ("department", "budget_unit") if kind and kind.startswith("部门") else ("budget_unit", "department")
    for field_name in fields:
        codes: dict[str, int] = {}
        for ev in evaluations:
            found = _CODE_AND_NAME.match(ev.get(field_name) or "")
            if found and _comparable(found.group(2)) == wanted:
                codes[found.group(1)] = codes.get(found.group(1), 0) + 1
        if codes:
            return max(codes, key=codes.get)
    return None
