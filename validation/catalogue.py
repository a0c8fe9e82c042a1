"""The rule catalogue: every identity of filings.md as data, one line each.

Formula language: `LHS = RHS` or `LHS <= RHS`; each side a sum of terms joined by `+`.
A term is `TT[ROW].COL`; ROW is a row key (行次, 科目代码, 合计), a range `a..b` of 行次
(expanded to every row in it), or `*` (the rule is checked once per row of that table,
the row being the finding's subject). Tolerance is the rounding envelope
(n + 1) × 0.005 万元 for n printed terms on the summed side.
"""
from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Rule:
    id: str
    family: str
    title: str
    formula: str


def _r(id: str, family: str, title: str, formula: str) -> Rule:
    return Rule(id, family, title, formula)


WITHIN = "within_table"
CROSS = "cross_table"

RULES: tuple[Rule, ...] = (
    # 01 收入支出决算总表
    _r("01.income_sum", WITHIN, "本年收入合计 equals the sum of the income lines", "01[27].1 = 01[1..8].1"),
    _r("01.expenditure_sum", WITHIN, "本年支出合计 equals the sum of the functional classes", "01[58].2 = 01[32..57].2"),
    _r("01.income_total", WITHIN, "收入总计 = 本年收入合计 + 使用非财政拨款结余 + 年初结转和结余", "01[31].1 = 01[27].1 + 01[28].1 + 01[29].1"),
    _r("01.expenditure_total", WITHIN, "支出总计 = 本年支出合计 + 结余分配 + 年末结转和结余", "01[62].2 = 01[58].2 + 01[59].2 + 01[60].2"),
    _r("01.balance", WITHIN, "收入总计 equals 支出总计", "01[31].1 = 01[62].2"),
    # 04 财政拨款收入支出决算总表
    _r("04.income_sum", WITHIN, "本年收入合计 = the three fiscal funds", "04[27].1 = 04[1].1 + 04[2].1 + 04[3].1"),
    _r("04.opening_sum", WITHIN, "年初财政拨款结转和结余 = its three funds", "04[28].1 = 04[29].1 + 04[30].1 + 04[31].1"),
    _r("04.income_total", WITHIN, "收入总计 = 本年收入合计 + 年初结转和结余", "04[32].1 = 04[27].1 + 04[28].1"),
    _r("04.row_funds", WITHIN, "each expenditure row: 合计 = the three funds", "04[*].2 = 04[*].3 + 04[*].4 + 04[*].5"),
    _r("04.expenditure_sum", WITHIN, "本年支出合计 (合计) = the sum of the classes", "04[59].2 = 04[33..58].2"),
    _r("04.expenditure_sum_gpb", WITHIN, "本年支出合计 (一般公共预算) = the sum of the classes", "04[59].3 = 04[33..58].3"),
    _r("04.expenditure_total", WITHIN, "支出总计 = 本年支出合计 + 年末结转和结余", "04[64].2 = 04[59].2 + 04[60].2"),
    _r("04.balance", WITHIN, "财政拨款收入总计 equals 支出总计", "04[32].1 = 04[64].2"),
    # 02, 03, 05 row identities
    _r("02.row_sources", WITHIN, "each row: 本年收入合计 = the six sources", "02[*].1 = 02[*].2 + 02[*].3 + 02[*].4 + 02[*].5 + 02[*].6 + 02[*].7"),
    _r("03.row_kinds", WITHIN, "each row: 本年支出合计 = its five kinds", "03[*].1 = 03[*].2 + 03[*].3 + 03[*].4 + 03[*].5 + 03[*].6"),
    _r("05.row_kinds", WITHIN, "each row: 小计 = 基本支出 + 项目支出", "05[*].1 = 05[*].2 + 05[*].3"),
    # across tables
    _r("02.total_vs_01", CROSS, "02 本年收入合计 equals 01 本年收入合计", "02[合计].1 = 01[27].1"),
    _r("02.fiscal_vs_01", CROSS, "02 财政拨款收入 equals 01's three fiscal income lines", "02[合计].2 = 01[1].1 + 01[2].1 + 01[3].1"),
    _r("02.fiscal_vs_04", CROSS, "02 财政拨款收入 equals 04 本年收入合计", "02[合计].2 = 04[27].1"),
    _r("03.total_vs_01", CROSS, "03 本年支出合计 equals 01 本年支出合计", "03[合计].1 = 01[58].2"),
    _r("04.gpb_vs_01", CROSS, "04 一般公共预算财政拨款 income equals 01's", "04[1].1 = 01[1].1"),
    _r("04.gpb_vs_05", CROSS, "04 一般公共预算 expenditure equals 05 合计", "04[59].3 = 05[合计].1"),
)


def rule_by_id(rule_id: str) -> Rule:
    for rule in RULES:
        if rule.id == rule_id:
            return rule
    raise KeyError(rule_id)
