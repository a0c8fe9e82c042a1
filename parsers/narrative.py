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


@dataclass(frozen=True)
class ClaimPattern:
    label: str  # regex
    restates: str
    share_of: str | None = None
    section: str | None = None  # only inside this numbered section (四 = 财政拨款收支总体情况)


CLASS_NAMES = {
    "201": "一般公共服务", "202": "外交", "203": "国防", "204": "公共安全", "205": "教育", "206": "科学技术",
    "207": "文化旅游体育与传媒", "208": "社会保障和就业", "210": "卫生健康", "211": "节能环保", "212": "城乡社区",
    "213": "农林水", "214": "交通运输", "215": "资源勘探工业信息等", "216": "商业服务业等", "217": "金融",
    "219": "援助其他地区", "220": "自然资源海洋气象等", "221": "住房保障", "222": "粮油物资储备",
    "223": "国有资本经营预算", "224": "灾害防治及应急管理", "229": "其他", "231": "债务还本", "232": "债务付息",
    "234": "抗疫特别国债安排的",
}

PATTERNS: tuple[ClaimPattern, ...] = (
    ClaimPattern("财政拨款收入总计", "04[32].1"),
    ClaimPattern("财政拨款支出总计", "04[64].2"),
    ClaimPattern("收入总计", "01[31].1"),
    ClaimPattern("支出总计", "01[62].2"),
    ClaimPattern("收入总计", "04[32].1", section="四"),
    ClaimPattern("支出总计", "04[64].2", section="四"),
    ClaimPattern("收入合计", "01[27].1"),
    ClaimPattern("支出合计", "03[合计].1"),
    ClaimPattern("财政拨款基本支出", "05[合计].2"),
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
    ClaimPattern("人员经费", "06[人员经费合计].1"),
    ClaimPattern("公用经费", "06[公用经费合计].1"),
    ClaimPattern("“三公”经费财政拨款支出全年预算", "09[1].1"),
    ClaimPattern("支出决算", "09[1].7", section="九"),
    ClaimPattern("因公出国\\(境\\)费支出", "09[1].8"),
    ClaimPattern("公务用车购置费?支出", "09[1].10"),
    ClaimPattern("公务用车运行维护费支出", "09[1].11"),
    ClaimPattern("公务接待费支出", "09[1].12"),
    ClaimPattern("机关运行经费支出", "10[5].1 + 10[6].1"),
    ClaimPattern("政府采购支出总额", "10[1].1"),
    ClaimPattern("政府采购货物支出", "10[2].1"),
    ClaimPattern("政府采购工程支出", "10[3].1"),
    ClaimPattern("政府采购服务支出", "10[4].1"),
    *(ClaimPattern(f"{name}支出\\(类\\)", f"05[{code}].1", "05[合计].1") for code, name in CLASS_NAMES.items()),
)
COUNT_PATTERNS = (ClaimPattern("共有车辆", "10[7].1"),)
# "…二级项目绩效自评个数18个" (决算 narratives) or "…类13个项目支出全面开展绩效自评" (绩效说明).
_EVALUATION_COUNT = re.compile(r"绩效自评个数(\d+)个|(?<=[类对])(\d+)个项目支出全面开展绩效自评")
_GRADE_COUNT = re.compile(r"(\d+)个项目自评等级为“?(优|良|中|差)”?")

# Between a label and its amount only a few words may stand, never a change or a budget figure.
_NOT_FILLER = "增加|减少|增长|下降|相比|上年|较|预算"
_FILLER = f"(?:(?!{_NOT_FILLER})[^0-9,。;:])" + "{0,6}?"
_NUMBER = r"(-?\d[\d,]*(?:\.\d+)?)"
_LABELS = sorted({p.label for p in PATTERNS}, key=lambda label: -len(label))
_LABEL_GROUPS = "(" + "|".join(f"(?P<p{i}>{label})" for i, label in enumerate(_LABELS)) + ")"
_AMOUNT = re.compile(_LABEL_GROUPS + _FILLER + _NUMBER + r"万元(?:[,]?占比" + _NUMBER + "%)?")
CHANGE_RE = re.compile(_LABEL_GROUPS + r"(增加|减少)" + _NUMBER + r"万元")
_COUNT = re.compile("(" + "|".join(p.label for p in COUNT_PATTERNS) + r")(\d+)辆")
_PAGE_NUMBER = re.compile(r"^\s*[-—–]\s*\d+\s*[-—–]\s*$", re.MULTILINE)
_SECTION = re.compile(r"(?<![\d.])([一二三四五六七八九十]{1,2})、(?=[^,。;]{2,30}?说明)")


@dataclass(frozen=True)
class Claim:
    seq: int
    kind: str  # amount | percent | change | count
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
    return text[left + 1: right + 1].strip()


def pattern_of(match: re.Match, section: str | None) -> ClaimPattern | None:
    """The pattern a matched label stands for in this section (a scoped one wins), if any."""
    label = next(label for i, label in enumerate(_LABELS) if match.group(f"p{i}") is not None)
    candidates = [p for p in PATTERNS if p.label == label]
    scoped = [p for p in candidates if p.section == section]
    generic = [p for p in candidates if p.section is None]
    return (scoped or generic or [None])[0]


def extract_claims(pages: list[tuple[int, str]]) -> list[Claim]:
    text, offsets = _flatten(pages)
    sections = [(m.start(), m.group(1)) for m in _SECTION.finditer(text)]
    found: list[tuple[int, Claim]] = []

    def add(position: int, kind: str, restates: str, value: str, end: int, share_of: str | None = None) -> None:
        found.append((position, Claim(0, kind, restates, value, _sentence(text, position, end),
                                      _mark_at(offsets, position), share_of)))

    for m in _AMOUNT.finditer(text):
        pattern = pattern_of(m, _mark_at(sections, m.start()))
        if pattern is None:
            continue
        amount, share = m.group(len(_LABELS) + 2), m.group(len(_LABELS) + 3)
        value = normalise_amount(amount)
        if value is None:
            continue
        add(m.start(), "amount", pattern.restates, value, m.end())
        if share is not None and pattern.share_of:
            add(m.start(), "percent", pattern.restates, normalise_amount(share), m.end(), pattern.share_of)
    for m in CHANGE_RE.finditer(text):
        pattern = pattern_of(m, _mark_at(sections, m.start()))
        if pattern is None:
            continue
        sign = "-" if m.group(len(_LABELS) + 2) == "减少" else ""
        add(m.start(), "change", pattern.restates, sign + normalise_amount(m.group(len(_LABELS) + 3)), m.end())
    for m in _COUNT.finditer(text):
        add(m.start(), "count", COUNT_PATTERNS[0].restates, m.group(2), m.end())
    # Counts of the attached self-evaluations; "restates" names what is counted.
    for m in _EVALUATION_COUNT.finditer(text):
        add(m.start(), "count", "evaluations[project]", m.group(1) or m.group(2), m.end())
    for m in _GRADE_COUNT.finditer(text):
        add(m.start(), "count", f"evaluations[{m.group(2)}]", m.group(1), m.end())
    found.sort(key=lambda pair: pair[0])
    return [Claim(i, c.kind, c.restates, c.value, c.sentence, c.page, c.share_of)
            for i, (_pos, c) in enumerate(found, start=1)]
