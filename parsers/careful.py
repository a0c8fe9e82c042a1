"""What a careful reader notes while reading a filing, as data for validation.careful: template
placeholders left in the text, the years its cover, titles and table headings print, its
contents (parsers.contents) and where each entry is printed, and the narrative's statements
that carry their own arithmetic (a breakdown's shares, a completion or growth rate, a 大于/小于
or 增加/减少 between two amounts it states, a reason, a score with its grade). Pure: page
texts in, a JSON-ready dict out (ParseResult.reading).
"""

from __future__ import annotations

import re
import unicodedata

from parsers.contents import NOT_WORDS, WORD_CHAR, compact, contents_pages, parse_contents

READING_VERSION = 1

# Left from the template: XX局, ×××, （单位名称）, 此处填写…, 【单位名称】, an alternative not chosen
# (下降（增长）27.78%) and the template's own instructions (如持平作持平表述). Lower-case xx is
# pinyin in addresses (xxgk = 信息公开), so only capitals and multiplication signs count.
_ALTERNATIVE = "增加|减少|增长|下降|上升|大于|小于"
PLACEHOLDER = re.compile(
    f"(?:{_ALTERNATIVE})\\s*[(（]\\s*(?:{_ALTERNATIVE})\\s*[)）]|如持平作持平表述|不涉及的不列|"
    r"(?<![A-Za-z])X{2,}(?![A-Za-z])|[×✕╳]{2,}|[(（]\s*(?:单位|部门|项目)\s*(?:名称|全称)\s*[)）]"
    r"|此处(?:填写|输入)|请(?:填写|输入)|[【\[〔]\s*[^】\]〕\n]{0,10}(?:名称|填写|年份)\s*[】\]〕]"
)
PLACEHOLDER_CONTEXT = 12

YEAR = r"(20\d{2})\s*年"
# A title's year: "2024年度部门决算", "2024 年度单位决算公开", "2024年部门决算表".
TITLE_YEAR = re.compile(YEAR + r"\s*度?\s*(?:部门|单位)\s*决\s*算[^\n。，,]{0,10}$")
COVER_YEAR = re.compile(YEAR + r"\s*度?(?=[^。\d]{0,30}决\s*算)")
COVER_END = re.compile(r"第[一二三四五六七八九十]+部分|目录")
PART_YEAR = re.compile(r"第[一二三四五六七八九十]部\s*分[^。\n]{0,40}?" + YEAR)
CAPTION_YEAR = re.compile(r"^\s*" + YEAR + r"\s*度\s*$|" + YEAR + r"\s*度?\s*[^\n]{0,30}?决算表", re.MULTILINE)
CAPTION_LINES = 5
AS_OF = re.compile(r"截[至止]\s*" + YEAR + r"\s*(?:12\s*月\s*31\s*日|底|末)")

AMOUNT = r"(-?\d[\d,]*(?:\.\d+)?)万元"
PERCENT = r"(-?\d+(?:\.\d+)?)%"
# "财政拨款收入2940.05万元,占99.79%" / "占比99.79%" / "占本年支出合计的100.00%".
SHARE_ITEM = re.compile(r"([^,;:。]{0,30}?)" + AMOUNT + r",?占(?:比|[^,;。%\d]{1,15}?的)?" + PERCENT)
WHOLE_BEFORE = re.compile(AMOUNT + r"[,]?(?:其中|主要用于|具体|包括)")
# The budget nearest the 决算 is the one compared ("年初预算为0万元,全年预算为321.02万元,支出决算为…").
NOT_A_BUDGET = r"(?:(?!预算)[^。])"
COMPLETION = re.compile(
    r"预算(?:数)?(?:为)?"
    + AMOUNT
    + NOT_A_BUDGET
    + r"{0,40}?决算(?:数)?(?:为)?"
    + AMOUNT
    + r"[^。]{0,20}?完成(?:年初|全年)?预算(?:数)?的"
    + PERCENT
)
# "(与上年相比,收入总计)减少267.37万元,下降31.37%".
CHANGE = re.compile(
    r"(增加|减少|增长|下降|上升|节约|减支|增支)" + AMOUNT + r",?(增长|下降|降低|上升|减少|增加)" + PERCENT
)
UP, DOWN = {"增加", "增长", "上升", "增支"}, {"减少", "下降", "节约", "减支"}
PREVIOUS_STATED = re.compile(r"上年(?:度)?(?:决算)?(?:数)?(?:为|的)?" + AMOUNT)
BUDGET_FINAL = re.compile(r"预算(?:数)?(?:为)?" + AMOUNT + NOT_A_BUDGET + r"{0,30}?决算(?:数)?(?:为)?" + AMOUNT)
# What the sentence says of the two: 决算数大于预算数, 决算数与预算数基本持平, 比年初预算减少X万元.
VERDICT = re.compile(
    r"决算数?(?:比|较)?(大于|小于|等于|高于|低于|超过|超出|少于|多于)(?:年初|全年)?预算数?"
    r"|决算数?与(?:年初|全年)?预算数?(基本持平|持平|一致|相同|基本一致|相等)"
    r"|(?:比|较)(?:年初|全年)?预算数?(增加|减少|超支|节约)"
)
VERDICT_WORDS = {
    **dict.fromkeys(("大于", "高于", "超过", "超出", "多于", "增加", "超支"), "more"),
    **dict.fromkeys(("小于", "低于", "少于", "减少", "节约"), "less"),
    **dict.fromkeys(("等于", "持平", "一致", "相同", "相等"), "equal"),
    **dict.fromkeys(("基本持平", "基本一致"), "about_equal"),
}
VERDICT_WINDOW = 80
REASON = re.compile(r"原因|由于|因为|主要是")
# "自评得分92分，等级为优", "绩效自评综合总分数为100，绩效评价等级为优秀"; not an 平均得分 with grade counts.
GRADE = re.compile(
    r"(?<!平均)(?:自评|评价|综合|绩效)?(?:总)?(?:得分|分数)(?:为)?(\d+(?:\.\d+)?)分?[^。;(（\d]{0,20}?"
    r"(?:等级|评级|结果)(?:为)?[\"“]?(优秀|良好|优|良|中|差)"
)
GRADE_WORDS = {"优秀": "优", "良好": "良"}
_PAGE_NUMBER = re.compile(r"^\s*(?:[-—–]\s*\d+\s*[-—–]|\d{1,3})\s*$", re.MULTILINE)


def flatten(pages: list[tuple[int, str]]) -> tuple[str, list[tuple[int, int]]]:
    """Page texts as one string without line breaks or spaces (sentences run over lines and
    pages), full-width punctuation made ASCII, with (offset, page) marks."""
    parts, marks, pos = [], [], 0
    for number, text in pages:
        flat = unicodedata.normalize("NFKC", _PAGE_NUMBER.sub("", text))
        flat = re.sub(r"\s", "", flat).replace("，", ",").replace("；", ";").replace("：", ":")
        marks.append((pos, number))
        parts.append(flat)
        pos += len(flat)
    return "".join(parts), marks


def page_at(marks: list[tuple[int, int]], position: int) -> int | None:
    page = None
    for start, number in marks:
        if start > position:
            break
        page = number
    return page


def _sentences(text: str) -> list[tuple[int, str]]:
    """(offset, sentence) split at 。 (a breakdown's items are split by ; and stay together)."""
    out, start = [], 0
    for m in re.finditer(r"。", text):
        out.append((start, text[start : m.end()]))
        start = m.end()
    if start < len(text):
        out.append((start, text[start:]))
    return out


def _amount(text: str) -> str:
    return text.replace(",", "")


def find_placeholders(pages: list[tuple[int, str]]) -> list[dict]:
    found = []
    for number, text in pages:
        text = unicodedata.normalize("NFKC", text)
        for m in PLACEHOLDER.finditer(text):
            context = text[max(0, m.start() - PLACEHOLDER_CONTEXT) : m.end() + PLACEHOLDER_CONTEXT]
            found.append({"text": m.group(0), "page": number, "context": re.sub(r"\s+", " ", context).strip()})
    return found


def find_years(
    pages: list[tuple[int, str]], table_pages: dict[str, int], skip: set[int], narrative: list[tuple[int, str]]
) -> list[dict]:
    """The years printed where the filing names its own year: the cover's title, part headings
    and running titles (…2024年度部门决算), the tables' captions, and 截至…12月31日 dates."""
    years: list[dict] = []
    body = [(n, t) for n, t in pages if n not in skip]
    if body:
        number, text = body[0]
        flat = re.sub(r"\s", "", unicodedata.normalize("NFKC", text))
        # The cover is the page's top, up to its first part or 目录: a page holding the whole
        # text (a bundle's 情况说明.docx) would make every "较2022年决算" a cover year.
        flat = COVER_END.split(flat, maxsplit=1)[0]
        for m in COVER_YEAR.finditer(flat):
            years.append(
                {"where": "cover", "year": int(m.group(1)), "page": number, "text": flat[m.start() : m.end() + 12]}
            )
    for number, text in body[1:]:
        for line in unicodedata.normalize("NFKC", text).splitlines():
            for regex, where in ((PART_YEAR, "part heading"), (TITLE_YEAR, "title")):
                m = regex.search(line)
                if m:
                    years.append({"where": where, "year": int(m.group(1)), "page": number, "text": line.strip()})
                    break
    by_page = dict(pages)
    for code, number in sorted(table_pages.items()):
        caption = "\n".join(unicodedata.normalize("NFKC", by_page.get(number, "")).splitlines()[:CAPTION_LINES])
        m = CAPTION_YEAR.search(caption)
        if m:
            year = m.group(1) or m.group(2)
            years.append({"where": f"table {code}", "year": int(year), "page": number, "text": m.group(0).strip()})
    flat, marks = flatten(narrative)
    for m in AS_OF.finditer(flat):
        years.append({"where": "as of", "year": int(m.group(1)), "page": page_at(marks, m.start()), "text": m.group(0)})
    return years


def locate_contents(pages: list[tuple[int, str]], table_pages: dict[str, int]) -> dict | None:
    """The contents with, for each entry, where it is printed ([page, offset] in the flattened
    text, or None): a table at its first page, a part at its 第N部分 heading, a section at its
    numbered heading after its part's."""
    contents = parse_contents(pages)
    if contents is None:
        return None
    skip = set(contents["pages"])
    body = [(n, t) for n, t in pages if n not in skip]
    flat, marks = flatten(body)
    # compact() drops quotes and brackets (flat is NFKC already): keep for each folded character
    # the offset it came from, to place it on its page.
    folded = NOT_WORDS.sub("", flat)
    kept = [m.start() for m in WORD_CHAR.finditer(flat)]
    page_starts = {number: start for start, number in marks}
    part_at: dict[str, int] = {}
    for m in re.finditer(r"第([一二三四五六七八九十]+)部分", folded):
        part_at.setdefault(m.group(1), m.start())
    for entry in contents["entries"]:
        at = None
        if entry["kind"] == "table":
            number = table_pages.get(entry["code"])
            if number is not None and number in page_starts:  # at its title on its first page, else the page top
                top = _compact_offset(kept, page_starts[number])
                found = folded.find(compact(entry["title"]), top)
                end = _compact_offset(
                    kept, min((s for s in page_starts.values() if s > page_starts[number]), default=len(flat))
                )
                at = found if top <= found < end else top
        elif entry["kind"] == "part":  # its 第N部分 heading, or its title printed without the number
            at = part_at.get(entry["number"])
            if at is None and entry["title"]:
                found = folded.find(compact(entry["title"]))
                at = found if found != -1 else None
        else:
            start = part_at.get(entry["part"] or "", 0)
            needle = compact(f"{entry['number']}、{entry['title']}").replace(",", "")
            found = folded.replace(",", "\0").find(needle.replace(",", "\0"), start) if needle else -1
            at = found if found != -1 else None
        entry["at"] = None if at is None else [page_at(marks, kept[at] if at < len(kept) else len(flat)), at]
    return contents


def _compact_offset(kept: list[int], flat_offset: int) -> int:
    """The offset in the compacted text of the first kept character at or after flat_offset."""
    import bisect

    return bisect.bisect_left(kept, flat_offset)


def narrative_statements(pages: list[tuple[int, str]]) -> list[dict]:
    """The narrative's statements that carry their own arithmetic or logic, in print order."""
    text, marks = flatten(pages)
    sentences = _sentences(text)
    out: list[dict] = []

    def add(kind: str, offset: int, sentence: str, **fields) -> None:
        out.append({"kind": kind, "page": page_at(marks, offset), "sentence": sentence[:300], **fields})

    for i, (offset, sentence) in enumerate(sentences):
        following = sentences[i + 1][1] if i + 1 < len(sentences) else ""
        items = list(SHARE_ITEM.finditer(sentence))
        if len(items) >= 2:
            whole = WHOLE_BEFORE.search(sentence[: items[0].start() + len(items[0].group(1))])
            add(
                "breakdown",
                offset,
                sentence,
                whole=_amount(whole.group(1)) if whole else None,
                parts=[
                    {"label": m.group(1).strip(",;:"), "amount": _amount(m.group(2)), "share": m.group(3)}
                    for m in items
                ],
            )
        for m in COMPLETION.finditer(sentence):
            add("completion", offset, sentence, budget=_amount(m.group(1)), final=_amount(m.group(2)), rate=m.group(3))
        for m in CHANGE.finditer(sentence):
            current = _current_amount(sentence, m.start(), sentences[i - 1][1] if i else "")
            previous = PREVIOUS_STATED.search(sentence[: m.start()])
            add(
                "change",
                offset,
                sentence,
                word=m.group(1),
                amount=_amount(m.group(2)),
                rate_word=m.group(3),
                rate=m.group(4),
                current=current,
                previous=_amount(previous.group(1)) if previous else None,
                reason=bool(REASON.search(sentence[m.end() :]) or REASON.search(following)),
            )
        for m in BUDGET_FINAL.finditer(sentence):
            # Its verdict follows in the sentence, or opens the next one (before any other amount).
            rest = sentence[m.end() :]
            verdict = VERDICT.search(rest[:VERDICT_WINDOW])
            if verdict is None:
                rest = sentence[m.end() :] + following
                verdict = VERDICT.search(rest, len(sentence) - m.end())
                if verdict is None or "万元" in rest[len(sentence) - m.end() : verdict.start()]:
                    continue
            word = next(g for g in verdict.groups() if g)
            add(
                "verdict",
                offset,
                sentence + (following if verdict.start() >= len(sentence) - m.end() else ""),
                budget=_amount(m.group(1)),
                final=_amount(m.group(2)),
                word=word,
                says=VERDICT_WORDS[word],
                reason=bool(REASON.search(rest[verdict.end() : verdict.end() + VERDICT_WINDOW])),
            )
        for m in GRADE.finditer(sentence):
            add("grade", offset, sentence, score=m.group(1), grade=GRADE_WORDS.get(m.group(2), m.group(2)))
    return out


def _current_amount(sentence: str, change_at: int, previous_sentence: str) -> str | None:
    """The amount a change is of: the one printed just before it in its clause (not a
    budget's, not last year's, not another change), or the amount the previous sentence gives
    the label it names ("…收入总计584.83万元。与上年相比,收入总计减少…"), or, naming none, that
    sentence's 决算 ("…支出决算514.54万元…。较上年决算减少…")."""
    head = sentence[:change_at]
    clause = re.split(r"[;。]", head)[-1]
    label = re.split(r"[,;:。]|相比|[比较]?上年度?|[比较]20\d\d年度?", clause)[-1]
    label = re.sub(r"^(?:的|各|均)+|(?:各|均|决算数?|支出决算数?)+$", "", label)
    candidates = [
        m
        for m in re.finditer(AMOUNT, clause)
        if not re.search(
            r"(?:预算|上年|20\d\d年|增加|减少|增长|下降)(?:度)?(?:数)?(?:为|的)?$", clause[: m.start()][-8:]
        )
    ]
    if label:
        for source in (clause, previous_sentence):
            found = list(re.finditer(re.escape(label) + r"(?:(?!增加|减少)[^0-9,。;]){0,6}?" + AMOUNT, source))
            if found:
                return _amount(found[-1].group(1))
        return None
    if candidates:
        return _amount(candidates[-1].group(1))
    finals = list(re.finditer(r"决算(?:数)?(?:为)?" + AMOUNT, previous_sentence))
    return _amount(finals[-1].group(1)) if finals else None


def merge_readings(parts: list[tuple[dict, int]]) -> dict:
    """The reading of a bundle from its members' ((reading, page offset) in order): what they
    note, on the bundle's pages. A member's 目录 cannot be placed against the other members'
    pages, so a bundle's contents are not compared (contents_note says why)."""
    readings = [(r, offset) for r, offset in parts if r]
    if not readings:
        return {}

    def shifted(items: list[dict], offset: int) -> list[dict]:
        return [{**i, "page": (i.get("page") or 0) + offset or None} for i in items]

    return {
        "version": READING_VERSION,
        "pages": sum(r.get("pages", 0) for r, _o in readings),
        "placeholders": [p for r, o in readings for p in shifted(r.get("placeholders", []), o)],
        "years": [y for r, o in readings for y in shifted(r.get("years", []), o)],
        "contents": None,
        "contents_note": "a bundle of several files: its 目录 is not placed against the other files' pages",
        "statements": [s for r, o in readings for s in shifted(r.get("statements", []), o)],
    }


def read_carefully(pages: list[tuple[int, str]], narrative: list[tuple[int, str]], table_pages: dict[str, int]) -> dict:
    """Everything validation.careful needs of one filing. `table_pages`: each printed table's
    first page; `narrative`: the 情况说明 pages as the assembler found them."""
    contents = locate_contents(pages, table_pages)
    skip = {n for n, _t in contents_pages(pages)}
    return {
        "version": READING_VERSION,
        "pages": len(pages),
        "placeholders": find_placeholders([(n, t) for n, t in pages if n not in skip]),
        "years": find_years(pages, table_pages, skip, narrative),
        "contents": contents,
        "statements": narrative_statements(narrative),
    }
