"""Performance self-evaluation arithmetic (filings.md), as printed. Pure.

Per budget line: 资金结(转)余 = 全年预算数 − 全年执行数; 执行率 = 执行数 / 全年预算数 × 100;
预算执行得分 = 执行率 × 10 / 100. Per project evaluation: 总分 = 预算执行得分 + Σ indicator 得分,
等级 from 总分 (优 ≥ 90, 良 ≥ 80, 中 ≥ 60, 差 below), each indicator 得分 ≤ 分值. A blank
figure is zero; tolerances are half a unit of the printed last digit plus what the rounding of
the inputs can move the result.
"""

from __future__ import annotations

from decimal import Decimal
from functools import lru_cache

from validation.core import (
    FAILED,
    HALF_CENT,
    NOT_EVALUATED,
    PASSED,
    CheckerFamily,
    Filing,
    Outcome,
    decide,
    doc_row,
    rounding_envelope,
)

PERFORMANCE = "perf"  # the family, and the prefix of its rule ids
RULES = {
    "perf.balance": "资金结(转)余 = 全年预算数 − 全年执行数",
    "perf.rate": "执行率 = 全年执行数 / 全年预算数 × 100",
    "perf.execution_score": "预算执行得分 = 执行率 × 10 / 100",
    "perf.total": "总分 = 预算执行得分 + the indicators' 得分",
    "perf.grade": "等级 follows 总分: 优 ≥ 90, 良 ≥ 80, 中 ≥ 60, 差 below",
    "perf.indicator_score": "each indicator's 得分 ≤ its 分值",
    "perf.count": "the narrative's counts of evaluations and grades match the attached evaluations",
}


@lru_cache(maxsize=8192)  # figures repeat across evaluations ("20", "10.00", "100"); Decimals are immutable
def _d(value: str | None) -> Decimal:
    return Decimal(value) if value not in (None, "") else Decimal(0)


@lru_cache(maxsize=8192)
def _half_unit(value: str | None) -> Decimal:
    """Half a unit of the printed precision; zeros a template pads with ("8.9600" for 8.96) do
    not make a figure more precise than two decimals."""
    printed = value.split(".", 1)[1] if value and "." in value else ""
    decimals = min(len(printed), max(2, len(printed.rstrip("0"))))
    return Decimal("0.5").scaleb(-decimals)


TOLERANCE_QUANTUM = Decimal("0.0001")


def grade_for(total: Decimal) -> str:
    return "优" if total >= 90 else "良" if total >= 80 else "中" if total >= 60 else "差"


def _outcome(
    rule: str,
    subject: str,
    expected: Decimal,
    actual: Decimal,
    tolerance: Decimal,
    cells: dict,
    page: int | None,
    reason: str = "",
    inequality: bool = False,
) -> Outcome:
    difference = actual - expected
    return Outcome(
        rule,
        PERFORMANCE,
        subject,
        decide(difference, tolerance, inequality),
        expected,
        actual,
        difference,
        tolerance.quantize(TOLERANCE_QUANTUM),
        cells,
        [page] if page else [],
        reason,
    )


def evaluation_outcomes(ev: dict) -> list[Outcome]:
    out: list[Outcome] = []
    seq, page = ev["seq"], ev.get("page")
    where = f"{ev.get('project_name') or ev['title']}"
    for n, line in enumerate(ev["budget_lines"], start=1):
        subject = f"{seq}:{n}:{line['label']}"  # labels repeat (资金总额 by source and by direction)
        full, executed = _d(line["full"]), _d(line["executed"])
        cells = {k: line[k] for k in ("full", "executed", "balance", "rate", "score") if line.get(k) is not None}
        printed = line.get("columns", ("balance",))  # a template without 结余 prints no balance to check
        if "balance" in printed:
            out.append(
                _outcome(
                    "perf.balance",
                    subject,
                    full - executed,
                    _d(line["balance"]),
                    rounding_envelope(2),
                    cells,
                    page,
                    where,
                )
            )
        if full and line.get("rated", True):  # lines the template does not score carry no rate
            rate = executed / full * 100
            tolerance = _half_unit(line["rate"]) + rate * (HALF_CENT / full + (HALF_CENT / executed if executed else 0))
            out.append(
                _outcome(
                    "perf.rate",
                    subject,
                    rate.quantize(Decimal("0.01")),
                    _d(line["rate"]),
                    tolerance,
                    cells,
                    page,
                    where,
                )
            )
        if (
            line.get("score") is not None
            and n > 1
            and _d(line["score"]) == 0
            and _d(line["rate"]) != 0
            and ev["budget_lines"][0].get("score") is not None
        ):
            out.append(
                Outcome(
                    "perf.execution_score",
                    PERFORMANCE,
                    subject,
                    NOT_EVALUATED,
                    cells=cells,
                    pages=[page] if page else [],
                    reason=f"{where}: a fund-source line printed with 得分 0; this template scores the total line only",
                )
            )
        elif line.get("score") is not None:
            expected = _d(line["rate"]) * 10 / 100
            tolerance = _half_unit(line["score"]) + _half_unit(line["rate"]) / 10
            out.append(
                _outcome("perf.execution_score", subject, expected, _d(line["score"]), tolerance, cells, page, where)
            )
    scored = [i for i in ev["indicators"] if i.get("score") is not None]
    for ind in scored:
        out.append(
            _outcome(
                "perf.indicator_score",
                f"{seq}:{ind['line']}",
                _d(ind["weight"]),
                _d(ind["score"]),
                Decimal(0),
                {"weight": ind["weight"], "score": ind["score"]},
                page,
                " / ".join(ind["texts"][:3]),
                inequality=True,
            )
        )
    if ev["total_score"] is not None:
        total = _d(ev["total_score"])
        if ev["scope"] == "project" and ev["budget_lines"] and ev["budget_lines"][0].get("score") is not None:
            terms = [ev["budget_lines"][0]["score"]] + [i["score"] for i in scored]
            expected = sum((_d(t) for t in terms), Decimal(0))
            tolerance = _half_unit(ev["total_score"]) + rounding_envelope(len(terms))
            out.append(
                _outcome(
                    "perf.total",
                    str(seq),
                    expected,
                    total,
                    tolerance,
                    {"total": ev["total_score"], "terms": "+".join(terms)},
                    page,
                    where,
                )
            )
        if ev.get("grade"):
            ok = grade_for(total) == ev["grade"]
            out.append(
                Outcome(
                    "perf.grade",
                    PERFORMANCE,
                    str(seq),
                    PASSED if ok else FAILED,
                    actual=total,
                    cells={"total": ev["total_score"], "grade": ev["grade"]},
                    pages=[page] if page else [],
                    reason=f"{where}: 总分 {total} is {grade_for(total)}, printed {ev['grade']}",
                )
            )
    return out


def count_outcome(claim: dict, evaluations: list[dict]) -> Outcome:
    """A narrative count ("绩效自评个数18个", "15个项目自评等级为“优”") against the attachments."""
    projects = [e for e in evaluations if e["scope"] == "project"]
    what = claim["restates"][len("evaluations[") : -1]
    counted = len(projects) if what == "project" else sum(1 for e in projects if e.get("grade") == what)
    actual = Decimal(claim["value"])
    status = decide(actual - counted, Decimal(0)) if evaluations else NOT_EVALUATED
    return Outcome(
        "perf.count",
        PERFORMANCE,
        str(claim["seq"]),
        status,
        Decimal(counted),
        actual,
        actual - counted,
        Decimal(0),
        {"counted": str(counted)},
        [claim["page"]] if claim.get("page") else [],
        f"“{claim['sentence']}” (attached: {counted})"
        if evaluations
        else f"no self-evaluation attached to this file; “{claim['sentence']}”",
    )


def validate_evaluations(evaluations: list[dict]) -> list[Outcome]:
    return [o for ev in evaluations for o in evaluation_outcomes(ev)]


def check(filing: Filing) -> list[Outcome]:
    return validate_evaluations(filing.evaluations)


def documentation() -> list[dict]:
    return [doc_row(rid, PERFORMANCE, "", title) for rid, title in RULES.items()]


FAMILY = CheckerFamily(PERFORMANCE, check, documentation, on_statements=True)
