"""Claims of a budget's 情况说明: the totals it restates (收入/支出预算总计, 财政拨款收支总预算),
the 三公 amounts, and each one's change against the year before, with the budget cells they
restate (keys of docs/budget-keys.md). Pure functions over page texts, like parsers.narrative.

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


# Totals named without a fund: not 财政拨款收入预算, 一般公共预算收入预算, 基本支出预算, 三公经费支出预算.
_NO_FUND = "(?<!拨款)(?<!预算)(?<!经费)(?<!基本)(?<!项目)(?<!财政)(?<!采购)(?<!基金)(?<!经营)"
INCOME_TOTAL = "B1[收入总计].1 | B1[收入合计].1 | B2[合计].1 | B2[收入总计].1"
EXPENDITURE_TOTAL = "B1[支出总计].1 | B1[支出合计].1 | B3[合计].1"

PATTERNS: tuple[BudgetClaimPattern, ...] = (
    BudgetClaimPattern("财政拨款收、?支总预算|财政拨款收支预算总计", "B4[收入总计].1 | B4[收入合计].1"),
    BudgetClaimPattern(f"{_NO_FUND}(?:收入、支出预算总计|收支总预算|收、?支预算(?:总计)?)", INCOME_TOTAL),
    BudgetClaimPattern(f"{_NO_FUND}收入预算(?:总计|合计)?", INCOME_TOTAL),
    BudgetClaimPattern(f"{_NO_FUND}支出预算(?:总计|合计)?", EXPENDITURE_TOTAL),
    BudgetClaimPattern("“?三公”?经费(?:财政拨款)?(?:预算数|预算支出|支出预算|预算)", THREE_PUBLIC_TOTAL),
    BudgetClaimPattern(r"因公出国\(境\)经?费(?:预算)?(?:支出)?(?:预算)?", "B9[合计].21", True),
    BudgetClaimPattern("公务用车购置及运行(?:维护)?费(?:预算)?(?:支出)?(?:预算)?", "B9[合计].22", True),
    BudgetClaimPattern("公务用车购置费(?:预算)?(?:支出)?(?:预算)?", "B9[合计].23", True),
    BudgetClaimPattern("公务用车运行(?:维护)?费(?:预算)?(?:支出)?(?:预算)?", "B9[合计].24", True),
    BudgetClaimPattern("公务接待费(?:预算)?(?:支出)?(?:预算)?", "B9[合计].25", True),
)

# Between a label and its amount only a few words stand (为, 共, 数为, a bracketed aside),
# never a digit, a change or the end of a clause.
_FILLER = r"(?:\([^()0-9]{1,12}\))?(?:(?!增加|减少|增长|下降|比|较|与)[^0-9,。;:]){0,4}?"
_NUMBER = r"(-?\d[\d,]*(?:\.\d+)?)"
_LABELS = "|".join(f"(?P<p{i}>{p.label})" for i, p in enumerate(PATTERNS))
AMOUNT = re.compile(f"(?:{_LABELS}){_FILLER}{_NUMBER}万元")
# The change right after an amount: 比2025年预算增加793.14万元, 与上年相比减少1.00万元,
# 较2025年年初预算增加0.00万元, 与上年预算数相同, 与2025年“三公”经费预算持平.
CHANGE = re.compile(
    r",?(?:比|较|与)(?:上年|\d{4}年)[^,。;\d]{0,10}?(?:(增加|减少)" + _NUMBER + r"万元|(基本持平|持平|相同))"
)
# A section heading of the 说明: 一、…, 第五部分…; numbered items "(一)因公出国" stay inside.
_HEADING = re.compile(r"(?:^|[。;:])(?:[一二三四五六七八九十]{1,2}、|第[一二三四五六七八九十]部分)")
_THREE_PUBLIC = re.compile(r"三公")


def _three_public_at(text: str, position: int) -> bool:
    """Whether the section the position is in (since its heading) speaks of 三公."""
    start = max((m.start() for m in _HEADING.finditer(text, 0, position)), default=0)
    return bool(_THREE_PUBLIC.search(text, start, position + 1))


def _claim_sentence(text: str, start: int, end: int) -> str:
    """The sentence of a claim, from at most LEAD characters before its label: a 说明 sharing
    its page with a table has no full stop after the table's last figures."""
    sentence = _sentence(text, start, end)
    begin = max(text.rfind("。", 0, start), text.rfind(";", 0, start)) + 1  # where _sentence starts
    lead = start - begin - (len(text[begin:start]) - len(text[begin:start].lstrip()))
    return sentence[lead - LEAD :] if lead > LEAD else sentence


def _pattern(match: re.Match) -> BudgetClaimPattern:
    return next(p for i, p in enumerate(PATTERNS) if match.group(f"p{i}") is not None)


def extract_budget_claims(pages: list[tuple[int, str]]) -> list[Claim]:
    """The budget claims of the narrative pages, in reading order: an `amount` per stated
    figure (万元) and a `change` for the change stated right after it (signed; 持平 is 0)."""
    text, offsets = _flatten(pages)
    found: list[Claim] = []
    for m in AMOUNT.finditer(text):
        pattern = _pattern(m)
        if pattern.three_public and not _three_public_at(text, m.start()):
            continue
        value = normalise_amount(m.group(len(PATTERNS) + 1))
        if value is None:
            continue
        page, sentence = _mark_at(offsets, m.start()), _claim_sentence(text, m.start(), m.end())
        found.append(Claim(0, "amount", pattern.restates, value, sentence, page))
        change = CHANGE.match(text, m.end())
        if change is not None:
            amount = "0" if change.group(3) else normalise_amount(change.group(2))
            sign = "-" if change.group(1) == "减少" and amount not in ("0", None) else ""
            if amount is not None:
                found.append(Claim(0, "change", pattern.restates, sign + amount, sentence, page))
    return [Claim(i, c.kind, c.restates, c.value, c.sentence, c.page, c.share_of) for i, c in enumerate(found, start=1)]


def alternatives(restates: str) -> list[str]:
    return [a.strip() for a in restates.split(ALTERNATIVE.strip()) if a.strip()]
