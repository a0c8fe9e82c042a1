"""Synthetic filings derived from a seed: other units, other years, planted failures.

A derived filing shifts the seed to another year (and, optionally, another unit name). Its
amounts are the seed's times `factor`: every identity is linear, so an integer factor keeps
the exact ones exact, but it also multiplies the published rounding noise (a 0.01 note
becomes 0.02 and may leave the envelope), so the fixtures use factor 1 until totals are
recomputed from the leaves. A derived year chains to the seed it follows when the seed's
closing balance is what it opens with; the narrative's year-on-year sentences are rewritten
from the two years' figures. Planted failures are edits that break exactly the rules named
in PLANTS, and the truth file lists them.
"""

from __future__ import annotations

import copy
import json
import re
import unicodedata
from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path

from replica.seeds import SeedFiling

AMOUNT_CELL = re.compile(r"^-?[\d,]+\.\d+$")
NARRATIVE_AMOUNT = re.compile(r"(?<![\d.])(\d[\d,]*(?:\.\d+)?)万元")
YEAR = re.compile(r"(?<!\d)(20\d{2})(?=年)")
TREND = re.compile(r",(增长|下降)\d+(?:\.\d+)?%")
REF = re.compile(r"^(\d{2})\[([^\]]+)\]\.(\d+)$")

# What each planted failure breaks (rule id → subject), checked by the tests.
PLANTS: dict[str, list[tuple[str, str]]] = {
    "opening_balance": [("xyear.opening_01", "")],
    "table_misprint": [("01.expenditure_sum", ""), ("03.class_208_vs_01", "")],
    "narrative_amount": [("narrative.amount", "1")],
}


@dataclass(frozen=True)
class Derivation:
    seed: str
    year: int
    factor: int
    unit_name: str | None = None
    plants: tuple[str, ...] = ()


def _scale_text(value: str, factor: int) -> str:
    number = Decimal(value.replace(",", "")) * factor
    decimals = len(value.split(".", 1)[1]) if "." in value else 0
    text = f"{number:,.{decimals}f}" if "," in value else f"{number:.{decimals}f}"
    return text


def _shift_years(text: str, delta: int) -> str:
    return YEAR.sub(lambda m: str(int(m.group(1)) + delta), text)


def _line_cell(filing: SeedFiling, table: str, line: int) -> tuple[list[str], int]:
    """The printed row and column holding 行次 `line` of table 01/04 (amount right of it)."""
    for row in filing.tables[table].rows:
        for j, cell in enumerate(row[:-1]):
            if cell.strip() == str(line) and j in (1, 4):
                return row, j + 1
    raise KeyError(f"{table}[{line}]")


def _add(filing: SeedFiling, table: str, line: int, delta: Decimal) -> None:
    row, j = _line_cell(filing, table, line)
    current = Decimal(row[j].replace(",", "")) if row[j].strip() else Decimal(0)
    row[j] = f"{current + delta:.2f}"


def _amount(filing: SeedFiling, table: str, line: int) -> Decimal:
    row, j = _line_cell(filing, table, line)
    return Decimal(row[j].replace(",", "")) if row[j].strip() else Decimal(0)


def printed_value(filing: SeedFiling, ref: str) -> Decimal:
    """A cell read straight from the fixture's printed rows (01/04 by 行次, others' 合计 row)."""
    table, row_key, col = REF.match(ref).groups()
    col = int(col)
    if row_key.isdigit():
        row, j = _line_cell(filing, table, int(row_key))
        j += (col - 2) if table == "04" and col >= 2 else 0
    else:
        row = next(r for r in filing.tables[table].rows if row_key in (c.strip() for c in r[:2]))
        j = 1 + col
    text = row[j].strip().replace(",", "") if j < len(row) else ""
    return Decimal(text) if text else Decimal(0)


def derive(seed: SeedFiling, d: Derivation, previous: SeedFiling | None = None) -> SeedFiling:
    out = copy.deepcopy(seed)
    delta = d.year - seed.fiscal_year
    out.seed = f"{d.seed}-{d.year}-x{d.factor}" + (f"-{'+'.join(d.plants)}" if d.plants else "")
    out.fiscal_year = d.year
    rename = (lambda s: s.replace(seed.unit_name, d.unit_name)) if d.unit_name else (lambda s: s)
    out.title_lines = [_shift_years(rename(t), delta) for t in seed.title_lines]
    if d.unit_name:
        out.title_lines = [d.unit_name, out.title_lines[-1]]
    for table in out.tables.values():
        table.meta = [_shift_years(rename(m), delta) for m in table.meta]
        table.rows = [
            [_scale_text(c, d.factor) if AMOUNT_CELL.match(c.strip()) else c for c in row] for row in table.rows
        ]
    narrative = [unicodedata.normalize("NFKC", p) for p in seed.narrative]
    narrative = [NARRATIVE_AMOUNT.sub(lambda m: _scale_text(m.group(1), d.factor) + "万元", p) for p in narrative]
    out.narrative = [_shift_years(p, delta) for p in narrative]
    for plant in d.plants:
        _plant(out, plant)
    if previous is not None:
        out.narrative = [_rewrite_changes(p, out, previous) for p in out.narrative]
    return out


def _rewrite_changes(paragraph: str, now: SeedFiling, previous: SeedFiling) -> str:
    """Every year-on-year change the narrative extractor recognises ("收入总计减少267.37万元,
    下降31.37%"), restated from the two years' printed tables (labels as in parsers.narrative,
    e.g. 财政拨款收入总计 → 04[32].1)."""
    from parsers.narrative import CHANGE_RE, pattern_of

    out, last = [], 0
    for m in CHANGE_RE.finditer(paragraph):
        pattern = pattern_of(m, None)
        if pattern is None:
            continue
        before, after = printed_value(previous, pattern.restates), printed_value(now, pattern.restates)
        change = after - before
        trend = TREND.match(paragraph, m.end())
        end = trend.end() if trend else m.end()
        text = f"{m.group(1)}{'增加' if change >= 0 else '减少'}{abs(change):.2f}万元"
        if trend:
            pct = (abs(change) / before * 100).quantize(Decimal("0.01")) if before else Decimal("0.00")
            text += f",{'增长' if change >= 0 else '下降'}{pct}%"
        out += [paragraph[last : m.start()], text]
        last = end
    return "".join(out) + paragraph[last:]


def _plant(filing: SeedFiling, plant: str) -> None:
    if plant == "opening_balance":
        # Opens with money the previous year did not close with; every within-table sum still holds
        # and the narrative restates the new totals.
        before = _amount(filing, "01", 31), _amount(filing, "01", 62)
        for line in (29, 31):
            _add(filing, "01", line, Decimal("5.00"))
        for line in (60, 62):
            _add(filing, "01", line, Decimal("5.00"))
        after = _amount(filing, "01", 31), _amount(filing, "01", 62)
        for label, old, new in (("收入总计", before[0], after[0]), ("支出总计", before[1], after[1])):
            filing.narrative = [
                p.replace(f"{label}{old:.2f}万元", f"{label}{new:.2f}万元", 1)
                if not p.startswith(("四", "(二)"))
                else p
                for p in filing.narrative
            ]
    elif plant == "table_misprint":
        _add(filing, "01", 39, Decimal("10.00"))  # 社会保障和就业支出 misprinted by 10 万元
    elif plant == "narrative_amount":
        first = next(i for i, p in enumerate(filing.narrative) if "收入总计" in p)
        filing.narrative[first] = re.sub(
            r"收入总计([\d,.]+)万元",
            lambda m: f"收入总计{Decimal(m.group(1).replace(',', '')) + 1:.2f}万元",
            filing.narrative[first],
            count=1,
        )
    else:
        raise ValueError(f"unknown plant {plant!r}; known: {sorted(PLANTS)}")


def write_truth(filing: SeedFiling, derivation: Derivation, seed_truth: dict, out: Path) -> None:
    """Ground truth of a derived filing: the seed's key cells scaled, and the planted failures."""
    cells = {ref: _scale_text(v, derivation.factor) if "." in v else v for ref, v in seed_truth["cells"].items()}
    truth = {
        "seed": filing.seed,
        "derived_from": derivation.seed,
        "year": filing.fiscal_year,
        "factor": derivation.factor,
        "unit": filing.unit_name,
        "kind": filing.kind,
        "cells": cells,
        "planted": {p: [f"{rule} {subject}".strip() for rule, subject in PLANTS[p]] for p in derivation.plants},
        "inherited_failures": seed_truth.get("expected_failures", []),
    }
    out.write_text(json.dumps(truth, ensure_ascii=False, indent=1) + "\n", encoding="utf-8")
