"""The rule catalogue: every identity of filings.md as data.

Formula language: `LHS = RHS` or `LHS <= RHS`; each side a sum of terms joined by `+` or
`-`. A term is `TT[ROW].COL` where ROW is
- a row key (行次, 科目代码, 合计, an economic code, 人员经费合计),
- `a..b`: every 行次 from a to b,
- `*`: the rule is checked once per row of that table (the row is the finding's subject),
- `^` and `^*`: once per parent code that has children printed (类 with 款, 款 with 项),
  `^` being the parent and `^*` its children,
- `###`: every 类 (3-digit code) printed in the table.
`when` lists cells of which at least one must be printed for the rule to apply.
Tolerance is the rounding envelope (n + 1) × 0.005 万元 for n printed terms on the longer side.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Rule:
    id: str
    family: str
    title: str
    formula: str
    when: tuple[str, ...] = ()


WITHIN = "within_table"
HIERARCHY = "hierarchy"
CROSS = "cross_table"
INEQUALITY = "inequality"

# 功能分类 classes in the row order of tables 01 (row 32 + i) and 04 (row 33 + i).
CLASSES = (
    "201",
    "202",
    "203",
    "204",
    "205",
    "206",
    "207",
    "208",
    "210",
    "211",
    "212",
    "213",
    "214",
    "215",
    "216",
    "217",
    "219",
    "220",
    "221",
    "222",
    "223",
    "224",
    "229",
    "231",
    "232",
    "234",
)
# Columns of the subject-code tables, for the per-column hierarchy rules.
SUBJECT_COLUMNS = {"02": range(1, 8), "03": range(1, 7), "05": range(1, 4), "07": range(1, 7), "08": range(1, 4)}

_FIXED: tuple[Rule, ...] = (
    # 01 收入支出决算总表
    Rule("01.income_sum", WITHIN, "本年收入合计 equals the sum of the income lines", "01[27].1 = 01[1..8].1"),
    Rule(
        "01.expenditure_sum", WITHIN, "本年支出合计 equals the sum of the functional classes", "01[58].2 = 01[32..57].2"
    ),
    Rule(
        "01.income_total",
        WITHIN,
        "收入总计 = 本年收入合计 + 使用非财政拨款结余 + 年初结转和结余",
        "01[31].1 = 01[27].1 + 01[28].1 + 01[29].1",
    ),
    Rule(
        "01.expenditure_total",
        WITHIN,
        "支出总计 = 本年支出合计 + 结余分配 + 年末结转和结余",
        "01[62].2 = 01[58].2 + 01[59].2 + 01[60].2",
    ),
    Rule("01.balance", WITHIN, "收入总计 equals 支出总计", "01[31].1 = 01[62].2"),
    # 02, 03, 05, 07, 08 every row
    Rule(
        "02.row_sources",
        WITHIN,
        "each row: 本年收入合计 = the six sources",
        "02[*].1 = 02[*].2 + 02[*].3 + 02[*].4 + 02[*].5 + 02[*].6 + 02[*].7",
    ),
    Rule(
        "03.row_kinds",
        WITHIN,
        "each row: 本年支出合计 = its five kinds",
        "03[*].1 = 03[*].2 + 03[*].3 + 03[*].4 + 03[*].5 + 03[*].6",
    ),
    Rule("05.row_kinds", WITHIN, "each row: 小计 = 基本支出 + 项目支出", "05[*].1 = 05[*].2 + 05[*].3"),
    Rule("08.row_kinds", WITHIN, "each row: 合计 = 基本支出 + 项目支出", "08[*].1 = 08[*].2 + 08[*].3"),
    Rule("07.row_kinds", WITHIN, "each row: 本年支出小计 = 基本支出 + 项目支出", "07[*].3 = 07[*].4 + 07[*].5"),
    Rule(
        "07.row_balance",
        WITHIN,
        "each row: 年末结转和结余 = 年初 + 本年收入 − 本年支出",
        "07[*].6 = 07[*].1 + 07[*].2 - 07[*].3",
    ),
    # 04 财政拨款收入支出决算总表
    Rule("04.income_sum", WITHIN, "本年收入合计 = the three fiscal funds", "04[27].1 = 04[1].1 + 04[2].1 + 04[3].1"),
    Rule(
        "04.opening_sum",
        WITHIN,
        "年初财政拨款结转和结余 = its three funds",
        "04[28].1 = 04[29].1 + 04[30].1 + 04[31].1",
    ),
    Rule("04.income_total", WITHIN, "收入总计 = 本年收入合计 + 年初结转和结余", "04[32].1 = 04[27].1 + 04[28].1"),
    Rule(
        "04.row_funds", WITHIN, "each expenditure row: 合计 = the three funds", "04[*].2 = 04[*].3 + 04[*].4 + 04[*].5"
    ),
    Rule("04.balance", WITHIN, "财政拨款收入总计 equals 支出总计", "04[32].1 = 04[64].2"),
    # 06 基本支出明细
    Rule("06.class_sum", HIERARCHY, "each economic class = the sum of its items", "06[^].1 = 06[^*].1"),
    Rule(
        "06.personnel_total",
        WITHIN,
        "人员经费合计 = 工资福利支出 (301) + 对个人和家庭的补助 (303)",
        "06[人员经费合计].1 = 06[301].1 + 06[303].1",
    ),
    Rule(
        "06.public_total",
        WITHIN,
        "公用经费合计 = the other classes (302, 307, 310, 312, 313, 399)",
        "06[公用经费合计].1 = 06[302].1 + 06[307].1 + 06[310].1 + 06[312].1 + 06[313].1 + 06[399].1",
    ),
    # 09 三公
    Rule(
        "09.budget_total",
        WITHIN,
        "预算数: 合计 = 因公出国(境) + 公务用车 + 公务接待",
        "09[1].1 = 09[1].2 + 09[1].3 + 09[1].6",
    ),
    Rule("09.budget_cars", WITHIN, "预算数: 公务用车小计 = 购置 + 运行维护", "09[1].3 = 09[1].4 + 09[1].5"),
    Rule(
        "09.actual_total",
        WITHIN,
        "决算数: 合计 = 因公出国(境) + 公务用车 + 公务接待",
        "09[1].7 = 09[1].8 + 09[1].9 + 09[1].12",
    ),
    Rule("09.actual_cars", WITHIN, "决算数: 公务用车小计 = 购置 + 运行维护", "09[1].9 = 09[1].10 + 09[1].11"),
    # 10 统计表
    Rule("10.procurement", WITHIN, "政府采购合计 = 货物 + 工程 + 服务", "10[1].1 = 10[2].1 + 10[3].1 + 10[4].1"),
    Rule("10.vehicles", WITHIN, "车辆数合计 = the vehicles by kind", "10[7].1 = 10[8..15].1"),
    # across tables
    Rule("02.total_vs_01", CROSS, "02 本年收入合计 equals 01 本年收入合计", "02[合计].1 = 01[27].1"),
    Rule(
        "02.fiscal_vs_01",
        CROSS,
        "02 财政拨款收入 equals 01's three fiscal income lines",
        "02[合计].2 = 01[1].1 + 01[2].1 + 01[3].1",
    ),
    Rule("02.fiscal_vs_04", CROSS, "02 财政拨款收入 equals 04 本年收入合计", "02[合计].2 = 04[27].1"),
    Rule("03.total_vs_01", CROSS, "03 本年支出合计 equals 01 本年支出合计", "03[合计].1 = 01[58].2"),
    Rule("04.gpb_vs_05", CROSS, "04 一般公共预算 expenditure equals 05 合计", "04[59].3 = 05[合计].1"),
    Rule("04.gov_fund_vs_07", CROSS, "04 政府性基金 expenditure equals 07 本年支出", "04[59].4 = 07[合计].3"),
    Rule("04.soe_vs_08", CROSS, "04 国有资本经营 expenditure equals 08 合计", "04[59].5 = 08[合计].1"),
    Rule("07.income_vs_01", CROSS, "07 本年收入 equals 01 政府性基金预算财政拨款收入", "07[合计].2 = 01[2].1"),
    Rule(
        "05.basic_vs_06",
        CROSS,
        "05 基本支出 = 06 人员经费合计 + 公用经费合计",
        "05[合计].2 = 06[人员经费合计].1 + 06[公用经费合计].1",
    ),
    Rule(
        "10.running_costs_vs_06",
        CROSS,
        "机关运行经费 (10[5] + 10[6]) = 06 公用经费合计",
        "10[5].1 + 10[6].1 = 06[公用经费合计].1",
        when=("10[5].1", "10[6].1"),
    ),
    Rule(
        "06.travel_abroad_le_09", INEQUALITY, "06 因公出国(境)费用 ≤ 09 决算 因公出国(境)费", "06[30212].1 <= 09[1].8"
    ),
    Rule("06.car_running_le_09", INEQUALITY, "06 公务用车运行维护费 ≤ 09 决算 运行维护费", "06[30231].1 <= 09[1].11"),
    Rule("06.reception_le_09", INEQUALITY, "06 公务接待费 ≤ 09 决算 公务接待费", "06[30217].1 <= 09[1].12"),
    Rule("05.le_03", INEQUALITY, "each code: 一般公共预算财政拨款 ≤ all money (05 ≤ 03)", "05[*].1 <= 03[*].1"),
)


def _generated() -> tuple[Rule, ...]:
    rules: list[Rule] = []
    for k in range(2, 6):
        rules.append(
            Rule(
                f"04.expenditure_sum.c{k}",
                WITHIN,
                f"本年支出合计 (栏{k}) = the sum of the classes",
                f"04[59].{k} = 04[33..58].{k}",
            )
        )
        rules.append(
            Rule(
                f"04.expenditure_total.c{k}",
                WITHIN,
                f"支出总计 (栏{k}) = 本年支出合计 + 年末结转和结余",
                f"04[64].{k} = 04[59].{k} + 04[60].{k}",
            )
        )
    for table, columns in SUBJECT_COLUMNS.items():
        for c in columns:
            rules.append(
                Rule(
                    f"{table}.total_classes.c{c}",
                    HIERARCHY,
                    f"合计 (栏{c}) = the sum of the 类",
                    f"{table}[合计].{c} = {table}[###].{c}",
                )
            )
            rules.append(
                Rule(
                    f"{table}.subtotals.c{c}",
                    HIERARCHY,
                    f"each 类/款 (栏{c}) = the sum of its 款/项",
                    f"{table}[^].{c} = {table}[^*].{c}",
                )
            )
    for c, source in zip(range(3, 8), range(4, 9)):
        rules.append(
            Rule(
                f"02.source_c{c}_vs_01",
                CROSS,
                f"02 合计 栏{c} equals 01 row {source}",
                f"02[合计].{c} = 01[{source}].1",
            )
        )
    for fund in range(1, 4):
        rules.append(
            Rule(
                f"04.fund{fund}_vs_01",
                CROSS,
                f"04 income row {fund} equals 01 row {fund}",
                f"04[{fund}].1 = 01[{fund}].1",
            )
        )
    for i, code in enumerate(CLASSES):
        rules.append(
            Rule(
                f"03.class_{code}_vs_01",
                CROSS,
                f"03 class {code} equals 01 row {32 + i}",
                f"03[{code}].1 = 01[{32 + i}].2",
            )
        )
        rules.append(
            Rule(
                f"05.class_{code}_vs_04",
                CROSS,
                f"05 class {code} equals 04 row {33 + i} (一般公共预算)",
                f"05[{code}].1 = 04[{33 + i}].3",
            )
        )
        rules.append(
            Rule(
                f"04.class_{code}_le_01",
                INEQUALITY,
                f"04 class row {33 + i} ≤ 01 row {32 + i}",
                f"04[{33 + i}].2 <= 01[{32 + i}].2",
            )
        )
    return tuple(rules)


RULES: tuple[Rule, ...] = _FIXED + _generated()
