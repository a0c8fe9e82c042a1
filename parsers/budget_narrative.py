"""Claims of a budget's 情况说明: the totals it restates (收入/支出预算总计, 财政拨款收支总预算),
the 三公 amounts, the parts of income (财政拨款, 一般公共预算, 政府性基金, 事业收入, 其他收入,
上年结转…) and of expenditure (基本支出, 项目支出, 人员经费, 公用经费…), each one's change against
the year before and its printed share (占…P%), with the budget cells they restate (keys of
docs/budget-keys.md). Pure functions over page texts, like parsers.narrative.

The patterns are data. A claim's `restates` lists alternatives, first printed first, joined by
" | ": the same total is 收支总表's 收入总计 in one region, its 收入合计 or the 收入总表's 合计 in
another. The 三公 items are read only in a section about 三公 (its heading or sentence names
三公), so a 公务接待费 of the 基本支出 section is not taken for the 三公 table's.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from parsers.narrative import Claim, _flatten, _mark_at, _sentence
from parsers.numbers import normalise_amount

ALTERNATIVE = " | "
PRIOR = 100  # parsers.budget: a column of the year before is its column + 100
LEAD = 60  # characters of a sentence kept before a claim's label (a subject, a heading)
THREE_PUBLIC_TOTAL = "B9[合计].20 | B9[合计].21 + B9[合计].22 + B9[合计].25"


@dataclass(frozen=True)
class BudgetClaimPattern:
    label: str  # regex
    restates: str  # alternatives joined by ALTERNATIVE
    three_public: bool = False  # only inside a 三公 section
    share_of: str | None = None  # the whole that a share printed right after the amount (占P%) is of
    # only where its section, up to the label, names this (the latest-named wins): the 人员经费
    # of a 财政拨款 基本支出 section is B6's, of a 一般公共预算 one B8's
    context: str | None = None


# Totals named without a fund: not 财政拨款收入预算, 一般公共预算收入预算, 基本支出预算, 三公经费支出预算.
_NO_FUND = "(?<!拨款)(?<!预算)(?<!经费)(?<!基本)(?<!项目)(?<!财政)(?<!采购)(?<!基金)(?<!经营)"
INCOME_TOTAL = "B1[收入总计].1 | B1[收入合计].1 | B2[合计].1 | B2[收入总计].1"
EXPENDITURE_TOTAL = "B1[支出总计].1 | B1[支出合计].1 | B3[合计].1"
FISCAL_TOTAL = "B4[收入总计].1 | B4[收入合计].1"

PATTERNS: tuple[BudgetClaimPattern, ...] = (
    BudgetClaimPattern("财政拨款收、?支总预算|财政拨款收支预算总计", FISCAL_TOTAL),
    BudgetClaimPattern(f"{_NO_FUND}(?:收入、支出预算总计|收支总预算|收、?支预算(?:总计)?)", INCOME_TOTAL),
    BudgetClaimPattern(f"{_NO_FUND}收入预算(?:总计|合计)?", INCOME_TOTAL),
    BudgetClaimPattern(f"{_NO_FUND}支出预算(?:总计|合计)?", EXPENDITURE_TOTAL),
    BudgetClaimPattern("“?三公”?经费(?:财政拨款)?(?:预算数|预算支出|支出预算|预算)", THREE_PUBLIC_TOTAL),
    *(
        BudgetClaimPattern(label, restates, True, THREE_PUBLIC_TOTAL)
        for label, restates in (
            (r"因公出国\(境\)经?费(?:预算)?(?:支出)?(?:预算)?", "B9[合计].21"),
            ("公务用车购置及运行(?:维护)?费(?:预算)?(?:支出)?(?:预算)?", "B9[合计].22"),
            ("公务用车购置费(?:预算)?(?:支出)?(?:预算)?", "B9[合计].23"),
            ("公务用车运行(?:维护)?费(?:预算)?(?:支出)?(?:预算)?", "B9[合计].24"),
            ("公务接待费(?:预算)?(?:支出)?(?:预算)?", "B9[合计].25"),
        )
    ),
)

# The parts of income and expenditure (read after the patterns above, and numbered after their
# claims, so that those keep the numbers findings and alerts know them by). Income parts are B2's columns, else the 收支总表's lines; not the
# 上年结转结余的… parts of the carry-over (no key of their own).
_NOT_CARRIED = "(?<!结余的)(?<!结转的)(?:本年)?"
_NOT_A_CHANGE = "(?<!增加)(?<!减少)"  # 增加基本支出844.15万元 is a change
_GENERAL_BASIC = "一般公共预算(?:财政拨款)?基本支出"
_FISCAL_BASIC = "(?<!预算)财政拨款基本支出"
_FISCAL_INCOME = "B2[合计].6 | B1[财政拨款收入].1 | B1[财政拨款].1 | B1[本级财政拨款收入].1"
_FISCAL_INCOME_TOTAL = "(?<!预算)(?<!基金)财政拨款收入(?:预算)?总计"
# The 说明 of the 财政拨款收支总表 (四、关于财政拨款收支总表的说明, 四、财政拨款收支预算总体情况说明),
# not the table's title, which a Jiangsu 说明 runs on from without a heading of its own
_FISCAL_SECTION = "财政拨款收、?支[^,。;0-9]{0,12}说明"
# The funds a section about expenditure names (四、一般公共预算拨款支出…; 财政拨款支出预算表说明)
_ALL_FUNDS = f"{_NO_FUND}支出预算|{_NO_FUND}支出总表|本年支出(?:合计|总计)"
_FISCAL_SPENDING = "(?<!预算)财政拨款(?:预算)?(?:拨款)?(?:基本)?支出"
_GENERAL_SPENDING = "一般公共预算(?:财政)?(?:拨款)?(?:基本)?支出"
_OTHER_FUND_SPENDING = "(?:政府性基金|国有资本经营)(?:预算)?(?:财政)?(?:拨款)?支出"


def _all_funds_share(restates: str) -> str | None:
    """A part of all funds is a share of the 支出预算总计; a fund's part is claimed with no share."""
    return EXPENDITURE_TOTAL if restates.startswith("B3") else None


PARTS: tuple[BudgetClaimPattern, ...] = (
    # 财政拨款收入总计 in a section about the 财政拨款收支总表 is that table's 收入总计 (with the
    # carry-over); elsewhere (jcy 2019: 收入预算总计…包括:1.财政拨款收入预算总计) B2's 财政拨款 column
    BudgetClaimPattern(_NOT_CARRIED + _FISCAL_INCOME_TOTAL, FISCAL_TOTAL, context=_FISCAL_SECTION),
    *(
        BudgetClaimPattern(_NOT_CARRIED + label, restates, share_of=INCOME_TOTAL)
        for label, restates in (
            (_FISCAL_INCOME_TOTAL, _FISCAL_INCOME),
            ("(?<!预算)(?<!基金)财政拨款收入", _FISCAL_INCOME),
            (
                "一般公共预算(?:拨款)?收入(?:预算)?",
                "B2[合计].7 | B1[一般公共预算拨款收入].1 | B1[一般公共预算收入].1 | B1[一般公共预算].1"
                " | B1[一般公共预算资金].1",
            ),
            (
                "政府性基金(?:预算)?(?:拨款)?收入(?:预算)?",
                "B2[合计].8 | B1[政府性基金预算拨款收入].1 | B1[政府性基金预算].1 | B1[政府性基金预算拨款].1",
            ),
            (
                "国有资本经营预算(?:拨款)?收入(?:预算)?",
                "B2[合计].9 | B1[国有资本经营预算拨款收入].1 | B1[国有资本经营预算].1 | B1[国有资本经营预算拨款].1",
            ),
            ("财政专户管理资金(?:收入)?", "B2[合计].15 | B1[财政专户管理资金].1"),
            ("(?<!管理)事业收入", "B2[合计].10 | B1[事业收入].1"),
            ("事业单位经营(?:服务)?收入", "B2[合计].11 | B1[事业单位经营收入].1"),
            ("上级补助收入", "B1[上级补助收入].1"),
            ("附属单位上缴收入", "B1[附属单位上缴收入].1"),
            ("(?<!经营)(?<!补助)(?<!上缴)其他收入", "B2[合计].12 | B1[其他收入].1"),
            ("(?<!含)上年结转(?:结余)?", "B2[合计].13 | B1[上年结转].1 | B1[上年结余、结转].1 | B1[上年结转结余].1"),
        )
    ),
    # 基本支出 and 项目支出 are of the fund their section names last: all funds (B3) by default and
    # after the 支出预算总计; 财政拨款 → B5's, 一般公共预算 → B7's columns; a fund without a key of
    # them (政府性基金, 国有资本经营) → no claim.
    *(
        BudgetClaimPattern(_NOT_A_CHANGE + label, restates, share_of=_all_funds_share(restates), context=context)
        for label, column, lines in (
            ("(?<!预算)(?<!拨款)(?<!机关)基本支出(?:预算)?(?:数)?", 2, "B1[基本支出].1"),
            # not a project's own (大厅保安和安检服务项目支出328.69万元)
            ("(?<!预算)(?<!服务)项目支出(?:预算)?(?:数)?", 3, "B1[项目支出].1"),
        )
        for context, restates in (
            (None, f"B3[合计].{column} | {lines}"),
            (_ALL_FUNDS, f"B3[合计].{column} | {lines}"),
            (_FISCAL_SPENDING, f"B5[合计].{column}"),
            (_GENERAL_SPENDING, f"B7[合计].{column}"),
            (_OTHER_FUND_SPENDING, ""),
        )
    ),
    *(
        BudgetClaimPattern(_NOT_A_CHANGE + label, restates, share_of=EXPENDITURE_TOTAL)
        for label, restates in (
            ("单位预留机动经费", "B3[合计].14 | B1[单位预留机动经费].1"),
            ("(?<!预算)(?<!基金)财政拨款(?:预算)?支出(?:预算)?", "B5[合计].1 | B4[支出总计].1 | B4[支出合计].1"),
        )
    ),
    BudgetClaimPattern(f"{_FISCAL_BASIC}(?:预算)?", "B6[合计].1 | B5[合计].2"),
    BudgetClaimPattern(f"{_GENERAL_BASIC}(?:预算)?", "B8[合计].1 | B8[合计].2 | B7[合计].2"),
    # A 基本支出 table printing only 合计 (Jiangsu) gives 人员经费 as 301 + 303 and 公用经费 as 302.
    *(
        BudgetClaimPattern(f"(?<!在职){label}", restates, context=context)
        for label, column, classes in (("人员经费", 4, ("301", "303")), ("公用经费", 5, ("302",)))
        for context, table, other in ((_GENERAL_BASIC, "B8", "B7"), (_FISCAL_BASIC, "B6", "B5"))
        for restates in (
            f"{table}[合计].{column} | {other}[合计].{column} | " + " + ".join(f"{table}[{c}].1" for c in classes),
        )
    ),
)

# Between a label and its amount only a few words stand (为, 共, 数为, a bracketed aside),
# never a digit, a change or the end of a clause.
_FILLER = r"(?:\([^()0-9]{1,12}\))?(?:(?!增加|减少|增长|下降|比|较|与)[^0-9,。;:]){0,4}?"
_NUMBER = r"(-?\d[\d,]*(?:\.\d+)?)"
_LABELS = "|".join(f"(?P<p{i}>{p.label})" for i, p in enumerate(PATTERNS))
AMOUNT = re.compile(f"(?:{_LABELS}){_FILLER}{_NUMBER}万元")
_PART_LABELS = list(dict.fromkeys(p.label for p in PARTS))
# nor a bound of a performance target (偏离目标项目支出≤270万元)
_PART_FILLER = _FILLER.replace("[^0-9,。;:]", "[^0-9,。;:≤≥<>=]")
PART_AMOUNT = re.compile(
    "(?:" + "|".join(f"(?P<p{i}>{label})" for i, label in enumerate(_PART_LABELS)) + f"){_PART_FILLER}{_NUMBER}万元"
)
# The share printed right after an amount: ,占32.55%  ,占本年支出预算63.43%  ,占“三公”经费的19.1%
SHARE = re.compile(r",?占([^0-9,。;%]{0,16}?)(\d+(?:\.\d+)?)%")
# The words between 占 and the number may only name the pattern's whole (本年支出预算, 收入预算总计,
# “三公”经费的): 占财政拨款支出的70% or 占公务用车购置及运行费的66.67% is a share of something else.
_TOTAL_WORDS = "(?:本年度?|全年|部门|单位)*{}(?:预算)?(?:总计|合计|总额|总数)?"
WHOLE_WORDS = {
    INCOME_TOTAL: _TOTAL_WORDS.format("(?:收入)?"),
    EXPENDITURE_TOTAL: _TOTAL_WORDS.format("(?:支出)?"),
    THREE_PUBLIC_TOTAL: "“?三公”?经费(?:预算)?(?:总额|合计|总计)?",
}
# The change right after an amount: 比2025年预算增加793.14万元, 与上年相比减少1.00万元,
# 较2025年年初预算增加0.00万元, 与上年预算数相同, 与2025年“三公”经费预算持平.
CHANGE = re.compile(
    r",?(?:比|较|与)(?:上年|\d{4}年)[^,。;\d]{0,10}?(?:(增加|减少)" + _NUMBER + r"万元|(基本持平|持平|相同))"
)
# A section heading of the 说明: 一、…, 第五部分…; numbered items "(一)因公出国" stay inside.
_HEADING = re.compile(r"(?:^|[。;:])(?:[一二三四五六七八九十]{1,2}、|第[一二三四五六七八九十]部分)")
_THREE_PUBLIC = re.compile(r"三公")


def _section_start(text: str, position: int) -> int:
    return max((m.start() for m in _HEADING.finditer(text, 0, position)), default=0)


def _three_public_at(text: str, position: int) -> bool:
    """Whether the section the position is in (since its heading) speaks of 三公."""
    return bool(_THREE_PUBLIC.search(text, _section_start(text, position), position + 1))


def _claim_sentence(text: str, start: int, end: int) -> str:
    """The sentence of a claim, from at most LEAD characters before its label: a 说明 sharing
    its page with a table has no full stop after the table's last figures."""
    sentence = _sentence(text, start, end)
    begin = max(text.rfind("。", 0, start), text.rfind(";", 0, start)) + 1  # where _sentence starts
    lead = start - begin - (len(text[begin:start]) - len(text[begin:start].lstrip()))
    return sentence[lead - LEAD :] if lead > LEAD else sentence


def _pattern(match: re.Match) -> BudgetClaimPattern:
    return next(p for i, p in enumerate(PATTERNS) if match.group(f"p{i}") is not None)


def _part_pattern(match: re.Match, text: str) -> BudgetClaimPattern | None:
    """The part a matched label stands for here: of those scoped by context, the one its section
    names last before the label, not in a share's words (占财政拨款支出的70%); else the unscoped one."""
    label = next(label for i, label in enumerate(_PART_LABELS) if match.group(f"p{i}") is not None)
    candidates = [p for p in PARTS if p.label == label]
    section = text[_section_start(text, match.start()) : match.start()]
    if any(p.context for p in candidates):
        section = SHARE.sub(lambda share: " " * len(share.group(0)), section)

    def named_at(pattern: BudgetClaimPattern) -> int:
        return max((m.start() for m in re.finditer(pattern.context, section)), default=-1)

    scoped = [(named_at(p), p) for p in candidates if p.context is not None]
    scoped = [(at, p) for at, p in scoped if at >= 0]
    if scoped:
        return max(scoped, key=lambda pair: pair[0])[1]
    return next((p for p in candidates if p.context is None), None)


def _part_matches(text: str):
    pos = 0
    while (m := PART_AMOUNT.search(text, pos)) is not None:
        pattern = _part_pattern(m, text)
        if pattern is None or not pattern.restates:  # a label meaning nothing here gives up only its first character
            pos = m.start() + 1
            continue
        yield m, pattern
        pos = m.end()


def _share_of(share: re.Match | None, pattern: BudgetClaimPattern) -> bool:
    """Whether a share printed after the pattern's amount is of its whole: 占 and the number with
    nothing between, or words naming that whole."""
    if share is None or not pattern.share_of:
        return False
    words = share.group(1)
    return not words or re.fullmatch(WHOLE_WORDS[pattern.share_of] + "的?(?:比重|比例)?为?", words) is not None


def _claims_of(text: str, offsets, m: re.Match, pattern: BudgetClaimPattern) -> tuple[list[Claim], list[Claim]]:
    """The amount a match states and the change right after it; and, read later, the change found
    only after a printed share and the share itself (of the pattern's whole)."""
    value = normalise_amount(m.group(m.re.groups))
    if value is None:
        return [], []
    page, sentence = _mark_at(offsets, m.start()), _claim_sentence(text, m.start(), m.end())
    claims, later = [Claim(0, "amount", pattern.restates, value, sentence, page)], []
    share = SHARE.match(text, m.end())
    change, after_share = CHANGE.match(text, m.end()), False
    if change is None and share is not None:
        change, after_share = CHANGE.match(text, share.end()), True
    if change is not None:
        amount = "0" if change.group(3) else normalise_amount(change.group(2))
        sign = "-" if change.group(1) == "减少" and amount not in ("0", None) else ""
        if amount is not None:
            (later if after_share else claims).append(
                Claim(0, "change", pattern.restates, sign + amount, sentence, page)
            )
    if _share_of(share, pattern):
        percent = normalise_amount(share.group(2))
        later.append(Claim(0, "percent", pattern.restates, percent, sentence, page, pattern.share_of))
    return claims, later


def extract_budget_claims(pages: list[tuple[int, str]]) -> list[Claim]:
    """The budget claims of the narrative pages: an `amount` per stated figure (万元), a `change`
    for the change stated right after it (signed; 持平 is 0) and a `percent` for its printed
    share. The totals' and 三公 claims first, in reading order; then, in reading order, the
    parts, the shares and the changes printed after a share (read later), so that the first keep
    the numbers they had."""
    text, offsets = _flatten(pages)
    first: list[tuple[int, Claim]] = []
    then: list[tuple[int, Claim]] = []
    taken = set()  # the figures the first patterns claimed
    for m in AMOUNT.finditer(text):
        pattern = _pattern(m)
        if pattern.three_public and not _three_public_at(text, m.start()):
            continue
        claims, later = _claims_of(text, offsets, m, pattern)
        taken.add(m.start(m.re.groups))
        first += [(m.start(), c) for c in claims]
        then += [(m.start(), c) for c in later]
    for m, pattern in _part_matches(text):
        if m.start(m.re.groups) in taken:
            continue
        claims, later = _claims_of(text, offsets, m, pattern)
        then += [(m.start(), c) for c in claims + later]
    ordered = [c for _at, c in sorted(first, key=lambda pair: pair[0])]
    ordered += [c for _at, c in sorted(then, key=lambda pair: pair[0])]
    return [
        Claim(i, c.kind, c.restates, c.value, c.sentence, c.page, c.share_of) for i, c in enumerate(ordered, start=1)
    ]


def alternatives(restates: str) -> list[str]:
    return [a.strip() for a in restates.split(ALTERNATIVE.strip()) if a.strip()]
