"""The checks a careful reader makes (issue #22), over what parsers.careful noted of a filing
(Filing.reading): placeholders left from the template, the years it prints agreeing, its 目录
agreeing with what is printed and in that order, a breakdown's shares adding to 100 %, rates
that follow from the amounts the sentence states, 大于/小于/持平 and 增加/减少 agreeing with those
amounts with a reason given where the difference is stated, and a stated score's grade. Pure.

Tolerances: half a unit of the printed last digit of a percentage, plus what the rounding of
the amounts it is computed from (half a unit of their last digit) can move it.
"""

from __future__ import annotations

from decimal import Decimal, InvalidOperation

from validation.core import FAILED, NOT_EVALUATED, PASSED, CheckerFamily, Filing, Outcome, decide, doc_row
from validation.performance import grade_for

CAREFUL = "careful"
RULES = {
    "careful.placeholder": (
        "no template placeholder left in the text",
        "none of XX局, ××, （单位名称）, 此处填写, 【…名称】, 下降（增长）, (如持平作持平表述)",
    ),
    "careful.year": (
        "the year of the cover, titles, table headings and 截至…12月31日 dates",
        "= the filing's year",
    ),
    "careful.contents": (
        "the 目录 agrees with the tables and parts printed, in its order",
        "each table/part listed is printed, each table printed is listed, listed order = printed order",
    ),
    "careful.breakdown": ("the shares of a complete breakdown (基本支出 x% + 项目支出 y%)", "Σ shares = 100 %"),
    "careful.rate": (
        "a rate the sentence states (完成年初预算的P%, 增长/下降P%, a part's 占P%)",
        "= what its own amounts give (B/A×100; change/(amount−change)×100; part/whole×100)",
    ),
    "careful.direction": (
        "大于/小于/等于/持平 and 增加/减少 agree with the two amounts compared",
        "sign(决算 − 预算) as stated; 增加 with 增长, 减少 with 下降",
    ),
    "careful.reason": (
        "a stated difference gives its reason (决算数小于预算数的主要原因…, 与上年相比…主要原因)",
        "原因 follows a 大于/小于 or an 增加/减少 of a non-zero amount",
    ),
    "careful.grade": (
        "a stated score's grade (得分92分，等级为优; 总分数为100，等级为优秀)",
        "优 ≥ 90, 80 ≤ 良 < 90, 60 ≤ 中 < 80, 差 < 60 (filings.md)",
    ),
}
# 基本持平: within 1 % of the budget (the documents use it for differences of a few tenths of a percent).
ABOUT_EQUAL = Decimal("0.01")
QUANTUM = Decimal("0.0001")


def _d(value: str | None) -> Decimal | None:
    try:
        return Decimal(value) if value not in (None, "") else None
    except InvalidOperation:
        return None


def _half_unit(value: str) -> Decimal:
    decimals = len(value.split(".", 1)[1]) if "." in value else 0
    return Decimal("0.5").scaleb(-decimals)


def _outcome(rule: str, subject: str, status: str, page: int | None, reason: str, **figures) -> Outcome:
    return Outcome(rule, CAREFUL, subject, status, pages=[page] if page else [], reason=reason, **figures)


def _not_evaluated(rule: str, reason: str) -> Outcome:
    return Outcome(rule, CAREFUL, "document", NOT_EVALUATED, reason=reason)


def _compared(rule, subject, expected, actual, tolerance, page, reason, cells, printed: str | None = None) -> Outcome:
    """A computed figure against the printed one; a rate is first rounded as it is printed
    (`printed`: the printed digits), so a correctly rounded rate passes."""
    if printed is not None:
        expected = expected.quantize(Decimal(1).scaleb(-(len(printed.split(".", 1)[1]) if "." in printed else 0)))
    difference = actual - expected
    return Outcome(
        rule,
        CAREFUL,
        subject,
        decide(difference, tolerance),
        expected.quantize(QUANTUM),
        actual,
        difference.quantize(QUANTUM),
        tolerance.quantize(QUANTUM),
        cells,
        [page] if page else [],
        reason,
    )


def placeholders(reading: dict) -> list[Outcome]:
    found = reading.get("placeholders", [])
    if not found:
        return [_outcome("careful.placeholder", "document", PASSED, None, f"{reading.get('pages', 0)} pages read")]
    return [
        _outcome("careful.placeholder", f"p{p['page']}#{i}", FAILED, p["page"], f"“{p['context']}”: {p['text']} left")
        for i, p in enumerate(found, start=1)
    ]


def years(reading: dict, year: int | None) -> list[Outcome]:
    found = reading.get("years", [])
    cover = next((y["year"] for y in found if y["where"] == "cover"), None)
    reference = year or cover
    if reference is None or len(found) < 2:
        return [_not_evaluated("careful.year", "fewer than two printed years of the filing found")]
    wrong = [y for y in found if y["year"] != reference]
    if not wrong:
        return [_outcome("careful.year", "document", PASSED, None, f"{len(found)} printed years = {reference}")]
    return [
        _outcome(
            "careful.year",
            f"{y['where']} p{y['page']}",
            FAILED,
            y["page"],
            f"{y['where']} prints {y['year']} (the filing is {reference}): “{y['text']}”",
            expected=Decimal(reference),
            actual=Decimal(y["year"]),
            difference=Decimal(y["year"] - reference),
        )
        for y in wrong
    ]


def _in_order(positions: list[int]) -> set[int]:
    """Indexes of the longest increasing run through the positions (the entries in order);
    the others are the ones printed out of the listed order."""
    n = len(positions)
    best, back = [1] * n, [-1] * n
    for i in range(n):
        for j in range(i):
            if positions[j] < positions[i] and best[j] + 1 > best[i]:
                best[i], back[i] = best[j] + 1, j
    if not n:
        return set()
    i = max(range(n), key=lambda k: best[k])
    kept = set()
    while i != -1:
        kept.add(i)
        i = back[i]
    return kept


def contents(reading: dict, tables: dict[str, dict]) -> list[Outcome]:
    toc = reading.get("contents")
    if not toc:
        return [_not_evaluated("careful.contents", reading.get("contents_note") or "no 目录 printed")]
    page = toc["page"]
    entries = toc["entries"]
    out: list[Outcome] = []

    def name(e: dict) -> str:
        return f"第{e['number']}部分 {e['title']}" if e["kind"] == "part" else f"{e['number']}、{e['title']}"

    for e in entries:
        if e["kind"] in ("table", "part") and e["at"] is None:
            out.append(
                _outcome(
                    "careful.contents",
                    f"listed {e['code']}",
                    FAILED,
                    page,
                    f"目录 lists “{name(e)}”; no page prints it" + (" (this heading)" if e["kind"] == "part" else ""),
                )
            )
    listed = {e["code"] for e in entries if e["kind"] == "table"}
    if listed:
        for code, info in sorted(tables.items()):
            if code.isdigit() and info.get("status") in ("present", "empty") and code not in listed:
                first = (info.get("pages") or [None])[0]
                out.append(
                    _outcome(
                        "careful.contents",
                        f"unlisted {code}",
                        FAILED,
                        first,
                        f"table {code} is printed; the 目录 does not list it",
                    )
                )
    located = [e for e in entries if e["at"] is not None]
    kept = _in_order([e["at"][1] for e in located])
    for i, e in enumerate(located):
        if i in kept:
            continue
        after = next((located[j] for j in range(i + 1, len(located)) if j in kept), None)
        before = f", before “{name(after)}” (page {after['at'][0]})" if after else ""
        out.append(
            _outcome(
                "careful.contents",
                f"order {e['code'] or e['number']}",
                FAILED,
                e["at"][0],
                f"“{name(e)}” is listed{before} but printed on page {e['at'][0]}, out of the 目录's order",
            )
        )
    if not out:
        out.append(
            _outcome(
                "careful.contents",
                "document",
                PASSED,
                page,
                f"{len(located)} of {len(entries)} entries printed in order",
            )
        )
    return out


def _complete(parts: list[dict], whole: Decimal | None) -> tuple[bool, Decimal]:
    """Whether the listed parts are the whole breakdown, and the whole: the stated one when the
    parts add to it, else their sum when at least one share follows from it (a partial list,
    "主要用于…", has every share of a larger whole)."""
    amounts = [_d(p["amount"]) or Decimal(0) for p in parts]
    total = sum(amounts)
    envelope = (len(parts) + 1) * Decimal("0.005")
    if whole is not None:
        return abs(total - whole) <= envelope, whole
    if total <= 0:
        return False, total
    for p, a in zip(parts, amounts):
        share = _d(p["share"])
        if (
            a > 0
            and share is not None
            and abs(a / total * 100 - share) <= _half_unit(p["share"]) + 100 * envelope / total
        ):
            return True, total
    return False, total


def breakdowns(statements: list[dict]) -> tuple[list[Outcome], list[Outcome]]:
    """(careful.breakdown, careful.rate of each part's share) for every breakdown stated."""
    sums, shares = [], []
    for n, s in enumerate(statements, start=1):
        if s["kind"] != "breakdown":
            continue
        parts, subject, sentence = s["parts"], f"p{s['page']}#{n}", f"“{s['sentence']}”"
        complete, whole = _complete(parts, _d(s.get("whole")))
        if not complete:
            sums.append(
                Outcome(
                    "careful.breakdown",
                    CAREFUL,
                    subject,
                    NOT_EVALUATED,
                    pages=[s["page"]],
                    reason=f"the parts listed are not the whole; {sentence}",
                )
            )
            continue
        printed = {f"{p['label'] or i}": f"{p['amount']}万元 {p['share']}%" for i, p in enumerate(parts, start=1)}
        total = sum(_d(p["share"]) or Decimal(0) for p in parts)
        nonzero = [p for p in parts if (_d(p["amount"]) or 0) != 0]
        tolerance = sum((_half_unit(p["share"]) for p in nonzero), Decimal(0))
        tolerance += 100 * (len(parts) + 1) * Decimal("0.005") / whole if whole else Decimal(0)
        sums.append(
            _compared("careful.breakdown", subject, Decimal(100), total, tolerance, s["page"], sentence, printed)
        )
        for i, p in enumerate(nonzero, start=1):
            amount, share = _d(p["amount"]), _d(p["share"])
            if share is None or not whole:
                continue
            expected = amount / whole * 100
            tol = _half_unit(p["share"]) + expected * (
                _half_unit(p["amount"]) / amount + Decimal("0.005") * len(parts) / whole
            )
            shares.append(
                _compared(
                    "careful.rate",
                    f"{subject}.{i}",
                    expected,
                    share,
                    tol,
                    s["page"],
                    f"{p['label']}: {sentence}",
                    printed,
                    p["share"],
                )
            )
    return sums, shares


def rates(statements: list[dict]) -> list[Outcome]:
    out = []
    for n, s in enumerate(statements, start=1):
        subject, sentence = f"p{s['page']}#{n}", f"“{s['sentence']}”"
        if s["kind"] == "completion":
            budget, final, rate = _d(s["budget"]), _d(s["final"]), _d(s["rate"])
            if not budget or final is None or rate is None:
                continue  # a budget of 0 has no completion rate
            expected = final / budget * 100
            tolerance = _half_unit(s["rate"]) + 100 * (
                _half_unit(s["final"]) / budget + final * _half_unit(s["budget"]) / budget / budget
            )
            cells = {"预算": s["budget"], "决算": s["final"], "完成%": s["rate"]}
            out.append(
                _compared("careful.rate", subject, expected, rate, tolerance, s["page"], sentence, cells, s["rate"])
            )
        elif s["kind"] == "change" and s.get("current") is not None:
            change, current, rate = _d(s["amount"]), _d(s["current"]), _d(s["rate"])
            if change is None or current is None or rate is None:
                continue
            up = s["word"] in ("增加", "增长", "上升", "增支")
            base = current - change if up else current + change
            cells = {"本年": s["current"], "增减": s["amount"], "幅度%": s["rate"]}
            if base <= 0:
                out.append(
                    Outcome(
                        "careful.rate",
                        CAREFUL,
                        subject,
                        NOT_EVALUATED,
                        cells=cells,
                        pages=[s["page"]],
                        reason=f"last year's amount is {base}: no growth rate; {sentence}",
                    )
                )
                continue
            expected = change / base * 100
            half = _half_unit(s["amount"]) + _half_unit(s["current"])
            tolerance = _half_unit(s["rate"]) + 100 * (half / base + change * half / base / base)
            out.append(
                _compared("careful.rate", subject, expected, rate, tolerance, s["page"], sentence, cells, s["rate"])
            )
    return out


def directions(statements: list[dict]) -> list[Outcome]:
    out = []
    for n, s in enumerate(statements, start=1):
        subject, sentence = f"p{s['page']}#{n}", f"“{s['sentence']}”"
        if s["kind"] == "verdict":
            budget, final = _d(s["budget"]), _d(s["final"])
            if budget is None or final is None:
                continue
            difference = final - budget
            actual = "more" if difference > 0 else "less" if difference < 0 else "equal"
            says = s["says"]
            agrees = says == actual or (
                says == "about_equal" and abs(difference) <= max(abs(budget) * ABOUT_EQUAL, Decimal("0.01"))
            )
            cells = {"预算": s["budget"], "决算": s["final"], "says": s["word"]}
            reason = f"决算 {final} against 预算 {budget}: “{s['word']}”; {sentence}"
            out.append(
                Outcome(
                    "careful.direction",
                    CAREFUL,
                    subject,
                    PASSED if agrees else FAILED,
                    budget,
                    final,
                    difference,
                    None,
                    cells,
                    [s["page"]],
                    reason,
                )
            )
        elif s["kind"] == "change":
            up_word = s["word"] in ("增加", "增长", "上升", "增支")
            up_rate = s["rate_word"] in ("增长", "上升", "增加")
            cells = {"增减": f"{s['word']}{s['amount']}万元", "幅度": f"{s['rate_word']}{s['rate']}%"}
            agrees = up_word == up_rate
            previous, current = _d(s.get("previous")), _d(s.get("current"))
            if agrees and previous is not None and current is not None and current != previous:
                agrees = (current > previous) == up_word
                cells |= {"上年": s["previous"], "本年": s["current"]}
            out.append(
                Outcome(
                    "careful.direction",
                    CAREFUL,
                    subject,
                    PASSED if agrees else FAILED,
                    cells=cells,
                    pages=[s["page"]],
                    reason=sentence,
                )
            )
    return out


def reasons(statements: list[dict]) -> list[Outcome]:
    out = []
    for n, s in enumerate(statements, start=1):
        subject, sentence = f"p{s['page']}#{n}", f"“{s['sentence']}”"
        if s["kind"] == "verdict" and s["says"] in ("more", "less"):
            stated = f"决算数{s['word']}预算数"
        elif s["kind"] == "change" and (_d(s["amount"]) or 0) != 0:
            stated = f"{s['word']}{s['amount']}万元"
        else:
            continue
        status = PASSED if s.get("reason") else FAILED
        out.append(
            Outcome(
                "careful.reason",
                CAREFUL,
                subject,
                status,
                pages=[s["page"]],
                reason=f"{stated}: {'reason given' if s.get('reason') else 'no reason given'}; {sentence}",
            )
        )
    return out


def grades(statements: list[dict]) -> list[Outcome]:
    out = []
    for n, s in enumerate(statements, start=1):
        if s["kind"] != "grade":
            continue
        score = _d(s["score"])
        expected = grade_for(score)
        status = PASSED if expected == s["grade"] else FAILED
        out.append(
            Outcome(
                "careful.grade",
                CAREFUL,
                f"p{s['page']}#{n}",
                status,
                cells={"得分": s["score"], "等级": s["grade"]},
                pages=[s["page"]],
                reason=f"得分 {s['score']} is {expected} by the bands, printed {s['grade']}; “{s['sentence']}”",
            )
        )
    return out


STATEMENT = "绩效说明"  # a performance statement: no tables, no 目录; only what its sentences state


def check(filing: Filing) -> list[Outcome]:
    reading = filing.reading
    if filing.kind == STATEMENT:
        statements = reading.get("statements", []) if reading else []
        sums, shares = breakdowns(statements)
        found = reading.get("placeholders") if reading else None
        return (
            (placeholders(reading) if found else [])
            + sums
            + shares
            + rates(statements)
            + directions(statements)
            + reasons(statements)
            + grades(statements)
        )
    if not reading:
        return [
            _not_evaluated(rule, "the filing was not read for these checks (parsed before parsers.careful)")
            for rule in RULES
        ]
    if reading.get("document_status") == "not_a_filing":
        return [
            _not_evaluated(rule, "not a filing (a blank template, a checklist…): nothing of it is stated")
            for rule in RULES
        ]
    statements = reading.get("statements", [])
    sums, shares = breakdowns(statements)
    out = placeholders(reading) + years(reading, filing.year) + contents(reading, filing.tables) + sums
    stated = {
        "careful.breakdown": sums,
        "careful.rate": shares + rates(statements),
        "careful.direction": directions(statements),
        "careful.reason": reasons(statements),
        "careful.grade": grades(statements),
    }
    for rule, outcomes in stated.items():
        if rule != "careful.breakdown":
            out += outcomes
        if not outcomes:
            out.append(_not_evaluated(rule, "the narrative states none"))
    return out


def documentation() -> list[dict]:
    return [doc_row(rid, CAREFUL, formula, title) for rid, (title, formula) in RULES.items()]


FAMILY = CheckerFamily(CAREFUL, check, documentation, on_statements=True)
