"""The budget family: identities of a budget's tables (keys of docs/budget-keys.md), as data,
checked with the same terms, rounding envelope and evidence as the final accounts' tables.
Pure: no I/O. A final account has no B-tables and gets no budget outcome.

A rule applies when all of its `when` cells are printed and none of its `unless` cells is
(the 三公 table prints its own 三公 total in some regions, only a grand total in others); a
rule summing every 类 (`###`) is not evaluated where the table prints no 类 row. The rounding
envelope is the final accounts' — (n + 1) × half the last printed digit — with that digit read
from the figures: a budget printed in whole 元 rounds by 0.5 元 a figure, not by half a cent.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from decimal import ROUND_HALF_UP, Decimal

from parsers.budget_narrative import PRIOR, alternatives
from validation.catalogue import CROSS, HIERARCHY, INEQUALITY, WITHIN, Rule
from validation.core import (
    FAILED,
    NOT_EVALUATED,
    CheckerFamily,
    Filing,
    Outcome,
    cell_key,
    cell_label,
    decide,
    doc_row,
    parse_formula,
    parse_terms,
    share,
)
from validation.tables import evaluate_rule

FAMILY_NAME = "budget"
HALF_UNIT = Decimal("0.5")
SUBJECT_TABLES = {
    "B2": (1,),
    "B3": (1, 2, 3),
    "B5": (1, 2, 3),
    "B7": (1, 2, 3),
    "B6": (1, 4, 5),
    "B8": (1, 4, 5),
    "BI": (1, 4, 5),
    "BH": (1, 4, 5),
}


@dataclass(frozen=True)
class BudgetRule:
    id: str
    kind: str
    title: str
    formula: str
    when: tuple[str, ...] = ()
    unless: tuple[str, ...] = ()


def _rules() -> tuple[BudgetRule, ...]:
    rules = [
        BudgetRule(
            "B1.balance",
            WITHIN,
            "收支总表: 收入总计 = 支出总计",
            "B1[收入总计].1 = B1[支出总计].1",
            ("B1[收入总计].1",),
        ),
        BudgetRule(
            "B1.balance_this_year",
            WITHIN,
            "收支总表: 本年收入合计 = 本年支出合计 (no 结转 printed)",
            "B1[本年收入合计].1 = B1[本年支出合计].1",
            ("B1[本年收入合计].1",),
            ("B1[收入总计].1",),
        ),
        BudgetRule(
            "B4.balance",
            WITHIN,
            "财政拨款收支总表: 收入总计 = 支出总计",
            "B4[收入总计].1 = B4[支出总计].1",
            ("B4[收入总计].1",),
        ),
        BudgetRule(
            "B4.balance_grants",
            WITHIN,
            "财政拨款收支总表: 财政拨款收入 = 财政拨款支出 (总计)",
            "B4[收入总计].6 = B4[支出总计].6",
            ("B4[收入总计].6",),
        ),
        BudgetRule(
            "B4.balance_subtotals",
            WITHIN,
            "财政拨款收支总表: 收入合计 = 支出合计",
            "B4[收入合计].1 = B4[支出合计].1",
            ("B4[收入合计].1",),
            ("B4[收入总计].1",),
        ),
        BudgetRule(
            "B9.parts",
            WITHIN,
            "三公: 三公经费合计 = 因公出国(境) + 公务用车 + 公务接待",
            "B9[合计].20 = B9[合计].21 + B9[合计].22 + B9[合计].25",
            ("B9[合计].20",),
        ),
        BudgetRule(
            "B9.parts_total",
            WITHIN,
            "三公: 合计 = 因公出国(境) + 公务用车 + 公务接待 + 会议费 + 培训费",
            "B9[合计].1 = B9[合计].21 + B9[合计].22 + B9[合计].25 + B9[合计].26 + B9[合计].27",
            ("B9[合计].1",),
            ("B9[合计].20",),
        ),
        BudgetRule(
            "B9.parts_with_meetings",
            WITHIN,
            "三公: 合计 = 三公经费合计 + 会议费 + 培训费",
            "B9[合计].1 = B9[合计].20 + B9[合计].26 + B9[合计].27",
            ("B9[合计].1", "B9[合计].20"),
        ),
        BudgetRule(
            "B9.cars",
            WITHIN,
            "三公: 公务用车购置及运行费 = 购置费 + 运行费",
            "B9[合计].22 = B9[合计].23 + B9[合计].24",
            ("B9[合计].22",),
        ),
        BudgetRule(
            "B9.prior_parts",
            WITHIN,
            "三公 (上年): 合计 = 因公出国(境) + 公务用车 + 公务接待",
            "B9[合计].120 = B9[合计].121 + B9[合计].122 + B9[合计].125",
            ("B9[合计].120",),
        ),
        BudgetRule(
            "B9.prior_cars",
            WITHIN,
            "三公 (上年): 公务用车 = 购置费 + 运行费",
            "B9[合计].122 = B9[合计].123 + B9[合计].124",
            ("B9[合计].122",),
        ),
        BudgetRule(
            "B3.vs_B1",
            CROSS,
            "支出总表 合计 = 收支总表 本年支出合计",
            "B3[合计].1 = B1[本年支出合计].1",
            ("B1[本年支出合计].1", "B3[合计].1"),
        ),
        BudgetRule(
            "B7.basic_vs_B8",
            CROSS,
            "一般公共预算支出表 基本支出 = 一般公共预算基本支出表 合计",
            "B7[合计].2 = B8[合计].1",
            ("B7[合计].2", "B8[合计].1"),
        ),
        BudgetRule(
            "B7.basic_vs_B8_subtotal",
            CROSS,
            "一般公共预算支出表 基本支出 = 一般公共预算基本支出表 基本支出小计",
            "B7[合计].2 = B8[合计].2",
            ("B7[合计].2", "B8[合计].2"),
            ("B8[合计].1",),
        ),
        BudgetRule(
            "B7.staff_vs_B8",
            CROSS,
            "一般公共预算支出表 人员经费 = 一般公共预算基本支出表 人员经费",
            "B7[合计].4 = B8[合计].4",
            ("B7[合计].4",),
        ),
        BudgetRule(
            "B7.vs_B4",
            CROSS,
            "一般公共预算支出表 合计 = 财政拨款收支总表 一般公共预算支出",
            "B7[合计].1 = B4[支出总计].7",
            ("B4[支出总计].7",),
        ),
        BudgetRule(
            "BC.le_B8",
            INEQUALITY,
            "机关运行经费 ≤ 一般公共预算基本支出 (合计)",
            "BC[合计].28 <= B8[合计].1",
            ("BC[合计].28", "B8[合计].1"),
        ),
        BudgetRule(
            "BC.goods_le_B8",
            INEQUALITY,
            "机关运行经费 商品和服务支出 (302) ≤ 基本支出's 302",
            "BC[302].28 <= B8[302].1",
            ("BC[302].28", "B8[302].1"),
        ),
        BudgetRule(
            "B5.basic_vs_B6",
            CROSS,
            "财政拨款支出表 基本支出 = 财政拨款基本支出表 合计",
            "B5[合计].2 = B6[合计].1",
            ("B5[合计].2",),
        ),
    ]
    for table, cols in SUBJECT_TABLES.items():
        rules.append(
            BudgetRule(
                f"{table}.row_kinds",
                WITHIN,
                f"{table} each row: 合计 = 基本支出 + 项目支出 (+ 单位预留机动经费)",
                f"{table}[*].1 = {table}[*].2 + {table}[*].3 + {table}[*].14",
                (f"{table}[合计].2",),
            )
            if 2 in cols
            else BudgetRule(
                f"{table}.row_kinds",
                WITHIN,
                f"{table} each row: 合计 = 人员经费 + 公用经费 (+ 项目支出)",
                f"{table}[*].1 = {table}[*].4 + {table}[*].5 + {table}[*].3",
                (f"{table}[合计].1", f"{table}[合计].4"),
            )
            if 4 in cols
            else None
        )
        for col in cols:
            rules.append(
                BudgetRule(
                    f"{table}.classes.{col}",
                    WITHIN,
                    f"{table} 合计 = Σ 类 (column {col})",
                    f"{table}[合计].{col} = {table}[###].{col}",
                    (f"{table}[合计].{col}",),
                )
            )
            rules.append(
                BudgetRule(
                    f"{table}.hierarchy.{col}",
                    HIERARCHY,
                    f"{table} each 类/款 = Σ its children (column {col})",
                    f"{table}[^].{col} = {table}[^*].{col}",
                )
            )
        if 2 in cols:
            rules.append(
                BudgetRule(
                    f"{table}.basic_parts",
                    WITHIN,
                    f"{table} each row: 基本支出 = 人员经费 + 公用经费",
                    f"{table}[*].2 = {table}[*].4 + {table}[*].5",
                    (f"{table}[合计].2", f"{table}[合计].4"),
                )
            )
    return tuple(r for r in rules if r is not None)


RULES = _rules()


def _printed(filing: Filing, refs: tuple[str, ...], every: bool = False) -> bool:
    found = [filing.cells.get(cell_key(ref)) is not None for ref in refs]
    return all(found) if every else any(found)


def _in_printed_digits(outcome: Outcome) -> Outcome:
    """Figures printed without decimals (whole 元) round by half a unit each."""
    if outcome.status != FAILED or not outcome.cells or any("." in v for v in outcome.cells.values()):
        return outcome
    outcome.tolerance = (len(outcome.cells) + 1) * HALF_UNIT
    outcome.status = decide(outcome.difference, outcome.tolerance)
    return outcome


# ------------------------------------------------------------------ the 说明 against the tables

NARRATIVE_RULES = {
    "budget.narrative_amount": (
        "each amount of the 说明 (收入/支出预算总计, 财政拨款收支总预算, 三公 and its parts, the parts of income and expenditure)",
        "= the budget cells it restates, in 万元",
    ),
    "budget.narrative_percent": (
        "each share of the 说明 (其中:基本支出X万元,占P%; 占“三公”经费的P%)",
        "= the part's cells / the whole's × 100 unrounded, within half the printed digit and the rounding of both",
    ),
    "budget.narrative_change": (
        "each change against the year before (比上年增加/减少X万元, 持平)",
        "= this year's cells − the 上年 columns the table prints (else needs last year's budget)",
    ),
}
# What one amount unit is in 万元, the unit of the 说明's figures.
IN_WAN = {"元": Decimal("0.0001"), "千元": Decimal("0.1"), "万元": Decimal(1), "亿元": Decimal(10000)}


def _exponent(value: str) -> int:
    return -len(value.split(".", 1)[1]) if "." in value else 0


def _chosen(filing: Filing, restates: str, shift: int = 0):
    """The first alternative the budget prints (any of its cells), its terms moved by `shift`
    columns (the 上年 columns): (terms, table) or None."""
    for alternative in alternatives(restates):
        terms = tuple(replace(t, col=t.col + shift) for t in parse_terms(alternative))
        if any(filing.cells.get((t.table, t.rows, t.col)) is not None for t in terms):
            return terms
    return None


def _in_wan(filing: Filing, terms, printed: dict[str, str]) -> tuple[Decimal, Decimal]:
    """Σ of the terms' printed cells in 万元, and how far their rounding can move it: half the
    last printed digit of each (0.5 元 a figure printed in whole 元)."""
    total, spread = Decimal(0), Decimal(0)
    for term in terms:
        value = filing.cells.get((term.table, term.rows, term.col))
        if value is None:
            continue
        scale = IN_WAN.get(filing.units.get(term.table) or "万元", Decimal(1))
        total += value * scale * (-1 if term.sign < 0 else 1)
        spread += HALF_UNIT * Decimal(1).scaleb(_exponent(str(value))) * scale
        printed[cell_label(term.table, term.rows, term.col)] = str(value)
    return total, spread


def narrative_outcome(filing: Filing, claim: dict) -> Outcome:
    kind, seq = claim["kind"], str(claim["seq"])
    rule_id = f"budget.narrative_{kind}"
    sentence = f"“{claim['sentence']}”"
    claim_pages = [claim["page"]] if claim.get("page") else []
    wholes = [claim["share_of"]] if kind == "percent" else []
    pages, absent = set(claim_pages), []
    for restates in [claim["restates"], *wholes]:
        tables = sorted({t.table for a in alternatives(restates) for t in parse_terms(a)})
        present = [t for t in tables if filing.statuses.get(t, "missing") != "missing"]
        pages |= {p for t in present for p in filing.pages.get(t, [])}
        if not present:
            absent += [t for t in tables if t not in absent]
    if absent:
        return Outcome(
            rule_id,
            FAMILY_NAME,
            seq,
            NOT_EVALUATED,
            pages=sorted(pages),
            reason=f"table {', '.join(absent)} missing; {sentence}",
        )
    printed: dict[str, str] = {}
    expected, spread = _in_wan(filing, _terms(filing, claim["restates"]), printed)
    actual = Decimal(claim["value"])
    if kind == "percent":
        whole, whole_spread = _in_wan(filing, _terms(filing, claim["share_of"]), printed)
        judged = share(expected, whole, claim["value"], spread, whole_spread)
        return judged.outcome(rule_id, FAMILY_NAME, seq, actual, printed, sorted(pages), sentence)
    if kind == "change":
        prior = _chosen(filing, claim["restates"], PRIOR)
        if prior is None:
            return Outcome(
                rule_id,
                FAMILY_NAME,
                seq,
                NOT_EVALUATED,
                pages=sorted(pages),
                reason=f"the budget prints no 上年 figure for it (needs last year's budget); {sentence}",
            )
        before, prior_spread = _in_wan(filing, prior, printed)
        expected, spread = expected - before, spread + prior_spread
    digit = Decimal(1).scaleb(_exponent(claim["value"]))
    if spread < HALF_UNIT * digit:  # the 说明 rounds finer figures (元) to its digit (0.01 万元)
        expected = expected.quantize(digit, ROUND_HALF_UP)
    tolerance = HALF_UNIT * digit + spread
    return _outcome(rule_id, seq, expected, actual, tolerance, printed, sorted(pages), sentence)


def _terms(filing: Filing, restates: str):
    """The alternative the budget prints; where the table is there but leaves the figure blank,
    the first (the 说明 must say 0)."""
    return _chosen(filing, restates) or parse_terms(alternatives(restates)[0])


def _outcome(rule_id, seq, expected, actual, tolerance, printed, pages, sentence) -> Outcome:
    difference = actual - expected
    return Outcome(
        rule_id,
        FAMILY_NAME,
        seq,
        decide(difference, tolerance),
        expected,
        actual,
        difference,
        tolerance.normalize() if tolerance else tolerance,
        printed,
        pages,
        reason=sentence,
    )


def narrative_outcomes(filing: Filing) -> list[Outcome]:
    return [narrative_outcome(filing, c) for c in filing.claims if c["restates"].startswith("B")]


def check(filing: Filing) -> list[Outcome]:
    if not any(code.startswith("B") and info.get("status") != "missing" for code, info in filing.tables.items()):
        return []  # not a budget
    outcomes: list[Outcome] = narrative_outcomes(filing)
    for rule in RULES:
        if not _printed(filing, rule.when, every=True) or _printed(filing, rule.unless):
            continue
        formula = parse_formula(rule.formula)
        bare = [t.table for t in formula.terms if t.rows == "###" and not filing.keys.categories(t.table)]
        if bare:
            outcomes.append(
                Outcome(rule.id, FAMILY_NAME, "", NOT_EVALUATED, reason=f"table {bare[0]} prints no 类 row")
            )
            continue
        as_rule = Rule(rule.id, FAMILY_NAME, rule.title, rule.formula)
        outcomes.extend(
            _in_printed_digits(o)
            for o in evaluate_rule(as_rule, filing.cells, filing.statuses, filing.pages, filing.keys, filing.units)
        )
    return outcomes


def documentation() -> list[dict]:
    return [doc_row(r.id, FAMILY_NAME, r.formula, r.title, r.when) for r in RULES] + [
        doc_row(rule_id, FAMILY_NAME, formula, title) for rule_id, (title, formula) in NARRATIVE_RULES.items()
    ]


FAMILY = CheckerFamily(FAMILY_NAME, check, documentation, on_budgets=True)
