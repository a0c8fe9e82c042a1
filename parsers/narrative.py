"""Claims of the narrative (情况说明): each stated amount, share and year-on-year change, with
its sentence, its page and the cells it restates. Pure functions over page texts.

The patterns are data: a label (regex), the cells it restates (the catalogue's term syntax)
and, for "占比P%", the whole it is a share of. Labels are tried leftmost-longest, so
财政拨款收入总计 wins over 收入总计.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import asdict, dataclass

from parsers.numbers import normalise_amount

# The narrative parts by their headings in every template: 第三部分 情况说明 (the seeds),
# 第三部分 2024年度部门决算情况说明 (Shanghai), 第三部分 / 国家信访局 2024 年度部门决 / 算情况说明
# (central, broken over lines). A bare heading counts only on a line of its own.
NUMBERED_PART_HEADINGS = {
    "情况说明": re.compile(r"第三部分(?:(?!第四部分)[^。]){0,50}?情\s*况\s*说\s*明"),
    "名词解释": re.compile(r"第四部分\s*名\s*词\s*解\s*释"),
}
PART_HEADINGS = {
    part: re.compile(f"{heading.pattern}|^\\s*{part}\\s*$", re.MULTILINE)
    for part, heading in NUMBERED_PART_HEADINGS.items()
}


@dataclass(frozen=True)
class ClaimPattern:
    label: str  # regex
    restates: str
    share_of: str | None = None
    section: str | None = None  # only inside the section that means this (SECTIONS), whatever its number


CLASS_NAMES = {
    "201": "一般公共服务",
    "202": "外交",
    "203": "国防",
    "204": "公共安全",
    "205": "教育",
    "206": "科学技术",
    "207": "文化旅游体育与传媒",
    "208": "社会保障和就业",
    "210": "卫生健康",
    "211": "节能环保",
    "212": "城乡社区",
    "213": "农林水",
    "214": "交通运输",
    "215": "资源勘探工业信息等",
    "216": "商业服务业等",
    "217": "金融",
    "219": "援助其他地区",
    "220": "自然资源海洋气象等",
    "221": "住房保障",
    "222": "粮油物资储备",
    "223": "国有资本经营预算",
    "224": "灾害防治及应急管理",
    "229": "其他",
    "231": "债务还本",
    "232": "债务付息",
    "234": "抗疫特别国债安排的",
}
# Row of each functional class in table 01 (32 + its position, filings.md).
CLASS_ROW_01 = {code: 32 + i for i, code in enumerate(CLASS_NAMES)}

# The numbered sections of 情况说明, known by their headings: the numbers differ between
# templates (三公 is 九 in the ten-table template, 七 in the central and Shanghai ones), the
# meaning does not. First match wins, so the longer headings come first.
SECTIONS: tuple[tuple[str, re.Pattern], ...] = tuple(
    (key, re.compile(words))
    for key, words in (
        ("basic", r"基本支出决算"),
        ("general_budget", r"一般公共预算财政拨款支出决算"),
        ("three_public", r"三公"),
        ("fund", r"政府性基金"),
        ("state_capital", r"国有资本经营"),
        ("fiscal_overall", r"财政拨款收(?:入支出|支)决算总体"),
        ("overall", r"收(?:入支出|支)决算总体"),
        ("income", r"收入决算"),
        ("expenditure", r"支出决算"),
        ("running_costs", r"机关运行经费"),
        ("procurement", r"政府采购"),
        ("assets", r"国有资产"),
        ("performance", r"绩效"),
    )
)


# Sections whose amounts are their own fund's: no overall total or class pattern applies there.
CLOSED_SECTIONS = {"fund", "state_capital"}


def _class_label(name: str) -> str:
    """一般公共服务支出(类), 一般公共服务(类)支出 and 卫生健康支出(类)支出 are all printed."""
    return f"{name}(?:支出)?\\(类\\)(?:支出)?"


PATTERNS: tuple[ClaimPattern, ...] = (
    ClaimPattern("财政拨款收入总计", "04[32].1"),
    ClaimPattern("财政拨款支出总计", "04[64].2"),
    ClaimPattern("财政拨款收入支出总计|财政拨款收支总决算", "04[32].1"),
    ClaimPattern("收入总计", "01[31].1"),
    ClaimPattern("支出总计", "01[62].2"),
    ClaimPattern("收、?支总计|收入支出总计", "01[31].1"),
    ClaimPattern("收入总计", "04[32].1", section="fiscal_overall"),
    ClaimPattern("支出总计", "04[64].2", section="fiscal_overall"),
    ClaimPattern("收、?支总计|收入支出总计", "04[32].1", section="fiscal_overall"),
    ClaimPattern("收入合计", "01[27].1"),
    ClaimPattern("支出合计", "03[合计].1"),
    ClaimPattern("年初结转和结余", "01[29].1"),
    ClaimPattern("年末结转和结余", "01[60].2"),
    ClaimPattern("财政拨款基本支出", "05[合计].2"),
    ClaimPattern("一般公共预算财政拨款收入", "01[1].1", "01[27].1"),
    ClaimPattern("财政拨款收入", "02[合计].2", "02[合计].1"),
    ClaimPattern("上级补助收入", "02[合计].3", "02[合计].1"),
    ClaimPattern("事业收入", "02[合计].4", "02[合计].1"),
    ClaimPattern("经营收入", "02[合计].5", "02[合计].1"),
    ClaimPattern("附属单位上缴收入", "02[合计].6", "02[合计].1"),
    ClaimPattern("其他收入", "02[合计].7", "02[合计].1"),
    ClaimPattern("基本支出", "03[合计].2", "03[合计].1"),
    # Not "一般公共预算项目支出" or "社会保险基金预算项目支出": those are parts of it, not 03's total.
    ClaimPattern("(?<!预算)项目支出", "03[合计].3", "03[合计].1"),
    ClaimPattern("一般公共预算财政拨款(?:决算)?支出", "05[合计].1"),
    ClaimPattern("财政拨款支出", "05[合计].1", section="general_budget"),
    ClaimPattern("人员经费", "06[人员经费合计].1"),
    ClaimPattern("公用经费", "06[公用经费合计].1"),
    ClaimPattern("“三公”经费财政拨款支出(?:全年|年初)?预算", "09[1].1"),
    ClaimPattern("支出决算", "09[1].7", section="three_public"),
    ClaimPattern("因公出国\\(境\\)费支出", "09[1].8"),
    ClaimPattern("公务用车购置及运行(?:维护)?费支出", "09[1].9"),
    ClaimPattern("公务用车购置费?支出", "09[1].10"),
    ClaimPattern("公务用车运行维护费支出", "09[1].11"),
    ClaimPattern("公务接待费支出", "09[1].12"),
    ClaimPattern("机关运行经费支出", "10[5].1 + 10[6].1"),
    ClaimPattern("政府采购支出总额|政府采购金额", "10[1].1"),
    ClaimPattern("政府采购货物支出|货物采购金额", "10[2].1"),
    ClaimPattern("政府采购工程支出|工程采购金额", "10[3].1"),
    ClaimPattern("政府采购服务支出|服务采购金额", "10[4].1"),
    # The overall section lists income by source as table 01 prints it (rows 4–8).
    *(
        ClaimPattern(label, f"01[{row}].1", section="overall")
        for row, label in (
            (4, "上级补助收入"),
            (5, "事业收入"),
            (6, "经营收入"),
            (7, "附属单位上缴收入"),
            (8, "其他收入"),
        )
    ),
    # The government-fund and state-capital sections restate their own money only, as 04
    # prints it by fund (every template has 04): "政府性基金预算财政拨款收入X万元,支出Y万元".
    ClaimPattern("政府性基金预算财政拨款收入", "01[2].1"),
    ClaimPattern("国有资本经营预算财政拨款收入", "01[3].1"),
    ClaimPattern("政府性基金预算财政拨款支出", "04[59].4"),
    ClaimPattern("国有资本经营预算财政拨款支出", "04[59].5"),
    *(
        ClaimPattern(label, restates, section=section)
        for section, fund in (("fund", "政府性基金"), ("state_capital", "国有资本经营"))
        for label, restates in (
            (f"{fund}预算财政拨款收入", "01[2].1" if section == "fund" else "01[3].1"),
            (f"{fund}预算财政拨款支出", "04[59].4" if section == "fund" else "04[59].5"),
            ("(?<=万元,)支出(?=\\d)", "04[59].4" if section == "fund" else "04[59].5"),
        )
    ),
    # A class's amount means a different cell in each section: all money by class in the
    # overall section (01), 支出决算 by class (03), the general budget's by class (05).
    *(ClaimPattern(_class_label(name), f"05[{code}].1", "05[合计].1") for code, name in CLASS_NAMES.items()),
    *(
        ClaimPattern(_class_label(name), f"01[{CLASS_ROW_01[code]}].2", section="overall")
        for code, name in CLASS_NAMES.items()
    ),
    *(
        ClaimPattern(f"{name}支出", f"03[{code}].1", "03[合计].1", section="expenditure")
        for code, name in CLASS_NAMES.items()
    ),
)
COUNT_PATTERNS = (ClaimPattern("共有车辆", "10[7].1"),)
# "…二级项目绩效自评个数18个" (决算 narratives) or "…类13个项目支出全面开展绩效自评" (绩效说明).
_EVALUATION_COUNT = re.compile(r"绩效自评个数(\d+)个|(?<=[类对])(\d+)个项目支出全面开展绩效自评")
_GRADE_COUNT = re.compile(r"(\d+)个项目自评等级为“?(优|良|中|差)”?")

# Between a label and its amount only a few words may stand, never a change or a budget figure;
# a bracketed aside may stand there too: 政府采购金额(以合同签订为准)为21.07万元.
_NOT_FILLER = "增加|减少|增长|下降|相比|上年|较|预算"
_FILLER = r"(?:\([^()0-9]{1,12}\))?" + f"(?:(?!{_NOT_FILLER})[^0-9,。;:])" + "{0,6}?"
_NUMBER = r"(-?\d[\d,]*(?:\.\d+)?)"
_LABELS = sorted({p.label for p in PATTERNS}, key=lambda label: -len(label))
_LABEL_GROUPS = "(" + "|".join(f"(?P<p{i}>{label})" for i, label in enumerate(_LABELS)) + ")"
_AMOUNT = re.compile(_LABEL_GROUPS + _FILLER + _NUMBER + r"万元(?:[,]?占比?" + _NUMBER + "%)?")
CHANGE_RE = re.compile(_LABEL_GROUPS + r"(增加|减少)" + _NUMBER + r"万元")
_COUNT = re.compile("(" + "|".join(p.label for p in COUNT_PATTERNS) + r")(\d+)辆")
# Page footers: "-15-", "— 15 —", or a bare "15" on its own line.
_PAGE_NUMBER = re.compile(r"^\s*(?:[-—–]\s*\d+\s*[-—–]|\d{1,3})\s*$", re.MULTILINE)
# A numbered section heading: 四、财政拨款收入支出决算总体情况说明 (its words say what it is about).
_SECTION = re.compile(r"(?<![\d.])([一二三四五六七八九十]{1,2})、([^,。;]{2,30}?说明)")


@dataclass(frozen=True)
class Claim:
    seq: int
    kind: str  # amount | percent | change | count | initial_budget
    restates: str
    value: str
    sentence: str
    page: int | None
    share_of: str | None = None

    def to_json(self) -> dict:
        return asdict(self)


def _flatten(pages: list[tuple[int, str]]) -> tuple[str, list[tuple[int, int]]]:
    """All narrative text as one string (line breaks inside sentences removed), with page offsets."""
    parts, offsets, pos = [], [], 0
    for number, text in pages:
        text = _PAGE_NUMBER.sub("", text)  # a sentence may run on past the footer "-15-"
        flat = unicodedata.normalize("NFKC", text).replace("\n", "").replace(" ", "")
        flat = flat.replace("，", ",").replace("；", ";").replace("：", ":")
        offsets.append((pos, number))
        parts.append(flat)
        pos += len(flat)
    return "".join(parts), offsets


def _mark_at(marks: list[tuple[int, object]], position: int):
    """The value of the last mark (page start, section heading) at or before `position`."""
    current = None
    for start, value in marks:
        if start <= position:
            current = value
    return current


def _sentence(text: str, start: int, end: int) -> str:
    left = max(text.rfind("。", 0, start), text.rfind(";", 0, start))
    right_candidates = [i for i in (text.find("。", end), text.find(";", end)) if i != -1]
    right = min(right_candidates) if right_candidates else len(text)
    return text[left + 1 : right + 1].strip()


def section_of(heading: str) -> str | None:
    """What a numbered section is about, from its heading (四、财政拨款收入支出决算总体情况说明 → fiscal_overall)."""
    return next((key for key, words in SECTIONS if words.search(heading)), None)


def pattern_of(match: re.Match, section: str | None) -> ClaimPattern | None:
    """The pattern a matched label stands for in this section (a scoped one wins), if any."""
    label = next(label for i, label in enumerate(_LABELS) if match.group(f"p{i}") is not None)
    candidates = [p for p in PATTERNS if p.label == label]
    scoped = [p for p in candidates if p.section == section]
    if section in CLOSED_SECTIONS:
        return (scoped or [None])[0]
    generic = [p for p in candidates if p.section is None]
    return (scoped or generic or [None])[0]


def _claimed(regex: re.Pattern, text: str, sections: list):
    """Matches with the pattern each stands for here. A label that means nothing in this section
    gives up only its first character, so a label inside it is still found."""
    pos = 0
    while (m := regex.search(text, pos)) is not None:
        pattern = pattern_of(m, _mark_at(sections, m.start()))
        if pattern is None:
            pos = m.start() + 1
            continue
        yield m, pattern
        pos = m.end()


def extract_claims(pages: list[tuple[int, str]]) -> list[Claim]:
    text, offsets = _flatten(pages)
    sections = [(m.start(), section_of(m.group(2))) for m in _SECTION.finditer(text)]
    found: list[tuple[int, Claim]] = []

    def add(position: int, kind: str, restates: str, value: str, end: int, share_of: str | None = None) -> None:
        found.append(
            (
                position,
                Claim(0, kind, restates, value, _sentence(text, position, end), _mark_at(offsets, position), share_of),
            )
        )

    for m, pattern in _claimed(_AMOUNT, text, sections):
        amount, share = m.group(len(_LABELS) + 2), m.group(len(_LABELS) + 3)
        value = normalise_amount(amount)
        if value is None:
            continue
        add(m.start(), "amount", pattern.restates, value, m.end())
        if share is not None and pattern.share_of:
            add(m.start(), "percent", pattern.restates, normalise_amount(share), m.end(), pattern.share_of)
    for m, pattern in _claimed(CHANGE_RE, text, sections):
        sign = "-" if m.group(len(_LABELS) + 2) == "减少" else ""
        add(m.start(), "change", pattern.restates, sign + normalise_amount(m.group(len(_LABELS) + 3)), m.end())
    for m in _COUNT.finditer(text):
        add(m.start(), "count", COUNT_PATTERNS[0].restates, m.group(2), m.end())
    for start, end, restates, value in initial_budget_claims(text, sections):
        add(start, INITIAL_BUDGET, restates, value, end)
    # Counts of the attached self-evaluations; "restates" names what is counted.
    for m in _EVALUATION_COUNT.finditer(text):
        add(m.start(), "count", "evaluations[project]", m.group(1) or m.group(2), m.end())
    for m in _GRADE_COUNT.finditer(text):
        add(m.start(), "count", f"evaluations[{m.group(2)}]", m.group(1), m.end())
    # In the order printed, except that the 年初预算 claims (read since 0.5) come after the others,
    # so that the others keep the numbers (finding subjects, alert keys) they had before.
    found.sort(key=lambda pair: (pair[1].kind == INITIAL_BUDGET, pair[0]))
    return [
        Claim(i, c.kind, c.restates, c.value, c.sentence, c.page, c.share_of)
        for i, (_pos, c) in enumerate(found, start=1)
    ]


# The 年初预算 a final account's narrative states for the general budget's spending, in all and
# by class: "2024年度一般公共预算财政拨款支出年初预算644.62万元" (the seeds), "一般公共预算财政拨款
# 支出年初预算为2993.92万元" (Shanghai), "…财政拨款支出年初预算为15068.55万元" (central, inside
# the 一般公共预算 section), "一般公共服务支出年初预算582.22万元". They restate the same year's
# budget (docs/budget-keys.md: B7 一般公共预算支出表, its 合计 or the class row, column 1), so
# they are checked across documents (validation.across_documents), never against this filing.
# A line per 项 ("1、一般公共服务支出(类)财政事务(款)行政运行(项)。…年初预算为10.00万元") names
# no class alone and is not read; neither is a fund's section (its money is not B7's).
INITIAL_BUDGET = "initial_budget"
INITIAL_BUDGET_TOTAL = "B7[合计].1"
# A class is named with or without 支出/(类); never right after a bracket or 其他, which would
# make it a 款 or 项 ("…(类)其他支出年初预算", "其他社会保障和就业支出" are no class).
_CLASS_BEFORE_BUDGET = {
    code: f"(?<!\\))(?<!其他){name}(?:支出)?(?:\\(类\\))?(?:支出)?" if name != "其他" else "(?<!\\))其他支出"
    for code, name in CLASS_NAMES.items()
}
_INITIAL_BUDGET = re.compile(
    "(?:(?P<total>一般公共预算财政拨款支出)|(?P<fiscal>(?<!预算)财政拨款支出)|"
    + "|".join(f"(?P<c{code}>{label})" for code, label in _CLASS_BEFORE_BUDGET.items())
    + r")年初预算(?:数)?(?:为|是)?(?P<amount>-?\d[\d,]*(?:\.\d+)?)万元"
)


def initial_budget_claims(text: str, sections: list) -> list[tuple[int, int, str, str]]:
    """(start, end, restated budget cell, value) of each 年初预算 sentence in the flattened
    narrative `text`, with `sections` the section marks extract_claims found."""
    found = []
    for m in _INITIAL_BUDGET.finditer(text):
        section = _mark_at(sections, m.start())
        if section in CLOSED_SECTIONS:
            continue
        if m.group("total") or (m.group("fiscal") and section == "general_budget"):
            restates = INITIAL_BUDGET_TOTAL
        else:
            code = next((c for c in CLASS_NAMES if m.group(f"c{c}")), None)
            if code is None:
                continue  # 财政拨款支出 outside the general budget's section: not B7's total
            restates = f"B7[{code}].1"
        value = normalise_amount(m.group("amount"))
        if value is not None:
            found.append((m.start(), m.end(), restates, value))
    return found
