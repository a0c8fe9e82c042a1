"""A unit's final account for year Y against its budget for Y, and a budget's 上年 columns
against the final account of the year before (what no peer checks). Pure.

- the 三公 预算数 the final account prints (09, row 1, columns 1–6) against the budget's 三公
  table (B9: 三公经费合计, or the table's 合计 where it prints no 三公 subtotal; 因公出国(境);
  公务用车 and its 购置 / 运行; 公务接待), in the final account's amount unit;
- each project self-evaluation's 年初预算数 (its 预算编制数) against the amount the budget sets
  for the same project (项目支出表 BE, else the project's 绩效目标表 card BF), names compared
  by `project_key`;
- the narrative's 年初预算 sentences (claims of kind `initial_budget`, restating a budget cell
  such as B7[201].1) against the budget;
- a budget's 上年 三公 columns (B9 columns 120–125) against the previous year's final account's
  09 预算数.
Each outcome carries both documents' figures and the pages of each (`CrossOutcome.pages`, by
role "final" / "budget"); without one of the two documents, or without the table a rule
reads, the rule is "not evaluated" with the reason. The engine validates one document at a
time: the store's validation (validation/store.py) pairs the documents by SQL and calls
`final_against_budget` and `budget_against_previous_final`.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from decimal import Decimal

from validation.core import (
    NOT_EVALUATED,
    CheckerFamily,
    Filing,
    Outcome,
    cell_key,
    cell_label,
    decide,
    doc_row,
    rounding_envelope,
)

ACROSS = "across_documents"
FINAL, BUDGET = "final", "budget"  # the roles of the two documents in evidence
UNIT_FACTORS = {"元": Decimal(1), "千元": Decimal(1000), "万元": Decimal(10000), "亿元": Decimal(100000000)}
EVALUATION_UNIT = "万元"  # 项目资金预算安排及执行进度（万元）: every 绩效自评表 template prints 万元
PREVIOUS = 100  # a budget's column for the year before is its column + 100 (docs/budget-keys.md)

# (rule name, final account's cell, the budget's cells in order of preference, what it checks)
THREE_PUBLIC = (
    ("three_public_total", ("09", "1", 1), (("B9", "合计", 20), ("B9", "合计", 1)), "三公 预算数 合计"),
    ("three_public_abroad", ("09", "1", 2), (("B9", "合计", 21),), "因公出国(境)费 预算数"),
    ("three_public_cars", ("09", "1", 3), (("B9", "合计", 22),), "公务用车购置及运行维护费 预算数"),
    ("three_public_car_purchase", ("09", "1", 4), (("B9", "合计", 23),), "公务用车购置费 预算数"),
    ("three_public_car_running", ("09", "1", 5), (("B9", "合计", 24),), "公务用车运行维护费 预算数"),
    ("three_public_reception", ("09", "1", 6), (("B9", "合计", 25),), "公务接待费 预算数"),
)
EVALUATION_RULE = f"{ACROSS}.evaluation_initial_budget"
NARRATIVE_RULE = f"{ACROSS}.narrative_initial_budget"
PROJECT_TABLE, TARGET_CARDS = "BE", "BF"
CARD_TOTAL = "年度资金总额"


@dataclass(slots=True)
class CrossOutcome:
    """An outcome over two documents, and the pages of each it read (role → pages)."""

    outcome: Outcome
    pages: dict[str, list[int]] = field(default_factory=dict)


def project_key(name: str | None) -> str:
    """A project's name without what differs between a budget and a 绩效自评表: blanks, quotes
    and brackets, a short code prefix (J, QT, Z: the seeds' 'J律师顾问费') and a trailing 项目.
    Migration 0009 carries the same normalisation as disclosure.project_key (SQL)."""
    s = re.sub(r"\s+", "", name or "")
    s = re.sub(r"[“”\"'‘’《》()（）【】\[\]、·]", "", s)
    s = re.sub(r"^(?:[A-Za-z]{1,3}|[0-9])(?=[一-鿿])", "", s)
    return re.sub(r"项目$", "", s)


def _table(filing: Filing, code: str) -> dict:
    return filing.tables.get(code) or {}


def _printed(filing: Filing, code: str) -> bool:
    return _table(filing, code).get("status", "missing") != "missing"


def _scale(from_unit: str | None, to_unit: str | None) -> Decimal | None:
    """The factor that turns an amount in `from_unit` into `to_unit` (万元 when not printed)."""
    a, b = UNIT_FACTORS.get(from_unit or "万元"), UNIT_FACTORS.get(to_unit or "万元")
    return None if a is None or b is None else a / b


def _where(pages: dict[str, list[int]]) -> str:
    def p(role: str) -> str:
        return ", ".join(map(str, pages.get(role) or [])) or "?"

    return f"final account p. {p(FINAL)}; budget p. {p(BUDGET)}"


def _compare(
    rule_id: str,
    subject: str,
    printed: Decimal,
    expected: Decimal,
    cells: dict,
    pages: dict,
    note: str = "",
    own: str = FINAL,
) -> CrossOutcome:
    """`printed` on the document the finding belongs to (`own`), `expected` from the other;
    the outcome's pages are its own document's, `CrossOutcome.pages` both documents'."""
    tolerance = rounding_envelope(1)  # one figure printed in each document, each rounded
    difference = printed - expected
    reason = _where(pages) + (f"; {note}" if note else "")
    outcome = Outcome(
        rule_id,
        ACROSS,
        subject,
        decide(difference, tolerance),
        expected,
        printed,
        difference,
        tolerance,
        cells,
        sorted(set(pages.get(own) or [])),
        reason,
    )
    return CrossOutcome(outcome, {role: sorted(set(p)) for role, p in pages.items()})


def _not_evaluated(rule_id: str, reason: str, subject: str = "") -> CrossOutcome:
    return CrossOutcome(Outcome(rule_id, ACROSS, subject, NOT_EVALUATED, reason=reason))


def _three_public(
    rules: tuple, final: Filing, budget: Filing, column_offset: int, final_label: str, budget_label: str
) -> list[CrossOutcome]:
    """The 三公 预算数 of a final account against a budget's B9: its own year's columns (the
    finding is the final account's: printed there, expected from the budget), or with
    `column_offset` = 100 the year before's (the budget's finding: printed on it, expected
    from last year's final account). Amounts in the final account's unit."""
    scale = _scale(_table(budget, "B9").get("amount_unit"), _table(final, "09").get("amount_unit"))
    if scale is None:
        units = (_table(final, "09").get("amount_unit"), _table(budget, "B9").get("amount_unit"))
        return [_not_evaluated(rule_id, f"unknown amount unit {units}") for rule_id, *_ in rules]
    pages = {FINAL: _table(final, "09").get("pages", []), BUDGET: _table(budget, "B9").get("pages", [])}
    out = []
    for rule_id, final_key, budget_keys, _title in rules:
        printed = final.cells.get(final_key)
        shifted = [(t, r, c + column_offset) for t, r, c in budget_keys]
        key = next((k for k in shifted if budget.cells.get(k) is not None), None)
        if printed is None and key is None:
            continue  # neither document prints it: nothing budgeted
        budgeted = budget.cells[key] * scale if key else Decimal(0)
        cells = {f"{final_label} {cell_label(*final_key)}": str(printed if printed is not None else "")}
        if key:
            cells[f"{budget_label} {cell_label(*key)}"] = str(budget.cells[key])
        if column_offset:
            out.append(_compare(rule_id, "", budgeted, printed or Decimal(0), cells, pages, own=BUDGET))
        else:
            out.append(_compare(rule_id, "", printed or Decimal(0), budgeted, cells, pages))
    return out


def _rules(prefix: str) -> tuple:
    return tuple((f"{ACROSS}.{prefix}{name}", f, b, t) for name, f, b, t in THREE_PUBLIC)


SAME_YEAR = _rules("")
PRIOR_YEAR = _rules("prior_")


def budget_projects(budget: Filing, cell_pages: dict | None = None) -> dict[str, tuple[tuple, Decimal, int | None]]:
    """The projects a budget sets amounts for: project_key → (cell, amount in 万元, page), from
    its 项目支出表 (a row per project, column 1) or, for projects it does not list, the
    年度资金总额 of the project's 绩效目标表 card."""
    found: dict[str, tuple[tuple, Decimal, int | None]] = {}
    cell_pages = cell_pages or {}
    for code, pick in ((PROJECT_TABLE, _project_row), (TARGET_CARDS, _card_total)):
        scale = _scale(_table(budget, code).get("amount_unit"), EVALUATION_UNIT)
        if scale is None:
            continue
        for key, value in budget.cells.items():
            name = pick(key, code)
            if name and project_key(name) and project_key(name) not in found:
                found[project_key(name)] = (key, value * scale, cell_pages.get(key))
    return found


def _project_row(key: tuple, code: str) -> str | None:
    table, row, col = key
    if table != code or col != 1 or row == "合计" or re.fullmatch(r"[\d/]+", row):
        return None  # a total or a 科目编码 row, not a project
    return row


def _card_total(key: tuple, code: str) -> str | None:
    table, row, col = key
    if table != code or col != 1 or not row.endswith(f"/{CARD_TOTAL}"):
        return None
    return row.removesuffix(f"/{CARD_TOTAL}")


def initial_budget(evaluation: dict) -> Decimal | None:
    """The 年初预算数 a self-evaluation prints for all its money: the 预算编制数 (the budget's
    figure; 目标申报数 printed beside it is the request), the last of its 年初预算数 columns."""
    lines = evaluation.get("budget_lines") or []
    initial = (lines[0].get("initial") if lines else None) or []
    try:
        return Decimal(str(initial[-1]).replace(",", "")) if initial else None
    except ArithmeticError:
        return None


def _evaluations(final: Filing, budget: Filing, cell_pages: dict | None) -> list[CrossOutcome]:
    projects = [e for e in final.evaluations if e.get("scope") == "project"]
    if not projects:
        return []
    listed = budget_projects(budget, cell_pages)
    if not listed:
        return [_not_evaluated(EVALUATION_RULE, "the budget lists no projects (项目支出表 or 绩效目标表)")]
    out = []
    for ev in projects:
        subject, name = str(ev["seq"]), ev.get("project_name") or ev.get("title") or ""
        printed = initial_budget(ev)
        if printed is None:
            out.append(_not_evaluated(EVALUATION_RULE, f"“{name}” prints no 年初预算数", subject))
            continue
        match = listed.get(project_key(name))
        if match is None:
            out.append(_not_evaluated(EVALUATION_RULE, f"the budget lists no project “{name}”", subject))
            continue
        key, budgeted, page = match
        cells = {f"决算 {name} 年初预算数": str(printed), f"预算 {cell_label(*key)}": str(budget.cells[key])}
        pages = {FINAL: [ev["page"]] if ev.get("page") else [], BUDGET: [page] if page else []}
        out.append(_compare(EVALUATION_RULE, subject, printed, budgeted, cells, pages, f"“{name}”"))
    return out


def _narrative(final: Filing, budget: Filing, cell_pages: dict | None) -> list[CrossOutcome]:
    """The final account's sentences "…支出年初预算X万元" (claims of kind initial_budget, which
    restate a budget cell) against the budget's figure, in 万元."""
    out = []
    for claim in final.claims:
        if claim.get("kind") != "initial_budget":
            continue
        subject, sentence = str(claim["seq"]), f"“{claim['sentence']}”"
        key = cell_key(claim["restates"])
        scale = _scale(_table(budget, key[0]).get("amount_unit"), EVALUATION_UNIT)
        if not _printed(budget, key[0]) or scale is None:
            out.append(_not_evaluated(NARRATIVE_RULE, f"the budget prints no {key[0]}; {sentence}", subject))
            continue
        value = budget.cells.get(key, Decimal(0))
        page = (cell_pages or {}).get(key)
        pages = {FINAL: [claim["page"]] if claim.get("page") else [], BUDGET: [page] if page else []}
        cells = {"决算 情况说明": str(claim["value"]), f"预算 {claim['restates']}": str(budget.cells.get(key, ""))}
        out.append(_compare(NARRATIVE_RULE, subject, Decimal(claim["value"]), value * scale, cells, pages, sentence))
    return out


def final_against_budget(
    final: Filing | None, budget: Filing | None, year: int | None = None, cell_pages: dict | None = None
) -> list[CrossOutcome]:
    """The cross-document rules for one unit and year: `final` its final account, `budget` its
    budget (either may be None when the archive has not got it); `cell_pages` the page of each
    budget cell, for the evidence of project amounts."""
    which = f"{year} " if year else ""
    if final is None or budget is None:
        why = f"no {which}{'final account' if final is None else 'budget'} of this unit in the archive"
        return [_not_evaluated(rule_id, why) for rule_id, *_ in SAME_YEAR] + [_not_evaluated(EVALUATION_RULE, why)]
    if not _printed(final, "09"):
        out = [_not_evaluated(rule_id, "the final account prints no 三公 table (09)") for rule_id, *_ in SAME_YEAR]
    elif not _printed(budget, "B9"):
        out = [_not_evaluated(rule_id, "the budget prints no 三公 table") for rule_id, *_ in SAME_YEAR]
    else:
        out = _three_public(SAME_YEAR, final, budget, 0, "决算", "预算")
    return out + _evaluations(final, budget, cell_pages) + _narrative(final, budget, cell_pages)


def budget_against_previous_final(
    budget: Filing, previous_final: Filing | None, year: int | None = None
) -> list[CrossOutcome]:
    """A budget's 上年 三公 columns (B9 120–125, as Yantai, Xi'an and Shenzhen print them)
    against the 09 预算数 of the same unit's final account for the year before."""
    before = f"{year - 1} " if year else ""
    if not any(t == "B9" and PREVIOUS < c < 2 * PREVIOUS for t, _r, c in budget.cells):
        return []  # no 上年 column printed: nothing to compare
    if previous_final is None:
        why = f"no {before}final account of this unit in the archive"
        return [_not_evaluated(rule_id, why) for rule_id, *_ in PRIOR_YEAR]
    if not _printed(previous_final, "09"):
        return [
            _not_evaluated(rule_id, f"the {before}final account prints no 三公 table (09)")
            for rule_id, *_ in PRIOR_YEAR
        ]
    return _three_public(PRIOR_YEAR, previous_final, budget, PREVIOUS, f"{before}决算", "预算 上年")


def _check(_filing: Filing) -> list[Outcome]:
    return []  # two documents at a time: evaluated by the store's validation (validation/store.py)


def documentation() -> list[dict]:
    rows = [
        doc_row(
            rule_id,
            ACROSS,
            f"{cell_label(*f)} = the same year's budget {' or '.join(cell_label(*b) for b in bs)}",
            f"{title}: the final account against its budget",
        )
        for rule_id, f, bs, title in SAME_YEAR
    ]
    rows.append(
        doc_row(
            EVALUATION_RULE,
            ACROSS,
            "绩效自评 年初预算数 (预算编制数) = the budget's BE[<project>].1, else BF[<project>/年度资金总额].1",
            "each project self-evaluation against the amount the same year's budget set for the project (name normalised)",
        )
    )
    rows.append(
        doc_row(
            NARRATIVE_RULE,
            ACROSS,
            "情况说明 “…年初预算X万元” = the budget cell it restates",
            "the final account's 年初预算 sentences against the same year's budget (claims of kind initial_budget)",
        )
    )
    rows += [
        doc_row(
            rule_id,
            ACROSS,
            f"budget {' or '.join(cell_label(t, r, c + PREVIOUS) for t, r, c in bs)} = last year's final {cell_label(*f)}",
            f"{title}: the budget's 上年 column against last year's final account",
        )
        for rule_id, f, bs, title in PRIOR_YEAR
    ]
    return rows


# Documented with the catalogue (docs/rules.md); never run on one document alone.
FAMILY = CheckerFamily(ACROSS, _check, documentation, on_statements=True, on_budgets=True)
