"""Findings as a reader of the report says them: plain Chinese titles, values with their unit.

The rule catalogue's titles mix Chinese row names with English connectives ("本年收入合计 equals
the sum of the income lines"); the report says them in Chinese. Rules without a hand-written
title are translated phrase by phrase from the catalogue's title.
"""

from __future__ import annotations

import re
from decimal import Decimal, InvalidOperation

FAMILY_TITLES = {
    "within_table": "表内勾稽",
    "hierarchy": "科目逐级汇总",
    "cross_table": "表间一致",
    "inequality": "表间大小关系",
    "xyear": "与上年衔接",
    "narrative": "情况说明与报表",
    "perf": "绩效自评",
    "required": "公开内容完整性",
    "budget": "预算报表勾稽",
    "across_documents": "预算与决算对照",
    "careful": "细读核对",
}

# Rules whose catalogue title does not translate phrase by phrase (prefix of the rule id).
RULE_TITLES = {
    "perf.count": "情况说明中的自评个数与等级 = 所附自评表",
    "perf.rate": "执行率 = 全年执行数 ÷ 全年预算数 × 100",
    "perf.execution_score": "预算执行得分 = 执行率 × 10 ÷ 100",
    "perf.total": "总分 = 预算执行得分 + 各指标得分",
    "perf.balance": "资金结余 = 全年预算数 − 全年执行数",
    "perf.grade": "等级与总分相符（优 ≥ 90，良 ≥ 80，中 ≥ 60）",
    "perf.indicator_score": "各指标得分 ≤ 其分值",
    "narrative.amount": "情况说明中的金额 = 报表中的数",
    "narrative.percent": "情况说明中的占比 = 按报表计算的占比",
    "narrative.count": "情况说明中的数量 = 报表中的数",
    "narrative.change": "情况说明中的同比增减 = 两年报表之差",
    "budget.narrative_percent": "预算说明中的占比 = 按预算报表计算的占比",
    "xyear.opening_01": "年初结转和结余 = 上年年末结转和结余",
    "xyear.opening_04": "年初财政拨款结转和结余 = 上年年末财政拨款结转和结余",
    "careful.placeholder": "正文未留模板占位（XX局、××、（单位名称）、下降（增长）等）",
    "careful.year": "封面、标题、表头与截至日期的年度 = 本决算年度",
    "careful.contents": "目录与实际印出的表格、部分一致，顺序相同",
    "careful.breakdown": "构成占比合计 = 100%",
    "careful.rate": "说明中的完成率、增减幅度、占比 = 按其所列金额计算",
    "careful.direction": "增加/减少、大于/小于/持平的表述与所比两数相符",
    "careful.reason": "说明差异时给出原因",
    "careful.grade": "说明中的等级与得分相符（优 ≥ 90，良 ≥ 80，中 ≥ 60）",
}

# Phrase by phrase, longest first: what the catalogue's English says, in Chinese.
_PHRASES = [
    ("the sum of the income lines", "各收入项之和"),
    ("the sum of the functional classes", "各功能分类之和"),
    ("the sum of the classes", "各类之和"),
    ("the sum of the 类", "各类之和"),
    ("the sum of its 款/项", "其下各款/项之和"),
    ("the sum of its items", "其下各项之和"),
    ("the six sources", "六类来源之和"),
    ("its five kinds", "五类支出之和"),
    ("the three fiscal funds", "三类财政拨款之和"),
    ("its three funds", "三类资金之和"),
    ("the three funds", "三类资金之和"),
    ("the other classes", "其他各经济分类之和"),
    ("the vehicles by kind", "各类车辆之和"),
    ("'s three fiscal income lines", "三项财政拨款收入之和"),
    ("last year's ", "上年"),
    ("all money", "全部资金"),
    ("each expenditure row: ", "每个支出行："),
    ("each economic class", "每个经济分类"),
    ("each row: ", "每行："),
    ("each code: ", "每个科目："),
    ("each 类/款", "每个类/款"),
    (" expenditure", " 支出"),
    ("income row", "收入 row"),
    (" equals ", " = "),
    (" below", " 以下"),
]
_TABLE = re.compile(r"(?<![\d栏\[])\b(0\d|10)\b(?![\]\d])")  # a table code such as 04 → 04表


def finding_title(rule_id: str, catalogue_title: str | None) -> str:
    for prefix, title in RULE_TITLES.items():
        if rule_id == prefix or rule_id.startswith(prefix + "."):
            return title
    if rule_id.startswith("required."):
        part = rule_id.split(".", 1)[1]
        return f"应包含{'公开' + part + '表' if part.isdigit() else part}"
    title = catalogue_title or rule_id
    for english, chinese in _PHRASES:
        title = title.replace(english, chinese)
    title = re.sub(r"\bclass row (\d+)", r"第\1行", title)
    title = re.sub(r"\brow (\d+)", r"第\1行", title)
    title = re.sub(r"\bclass (\d+)", r"\1类", title)
    title = re.sub(r"\((\S+) ≤ (\S+)\)", r"（\1表 ≤ \2表）", title)
    return _TABLE.sub(r"\1表", title)


def value_unit(rule_id: str, amount_unit: str | None = None) -> str:
    """The unit a rule's expected/printed values are in."""
    if rule_id.startswith(
        ("perf.rate", "narrative.percent", "budget.narrative_percent", "careful.rate", "careful.breakdown")
    ):
        return "%"
    if rule_id.startswith(("perf.count", "narrative.count", "10.vehicles")):
        return "个"
    if rule_id.startswith(("perf.total", "perf.execution_score", "perf.indicator_score")):
        return "分"
    if rule_id.startswith("careful.year"):
        return "年"
    return amount_unit or "万元"


def with_unit(value, unit: str) -> str:
    """'8.115' → '8.115 分', '2023' → '2023年', '19.8800' → '19.88%'; None → ''."""
    if value is None:
        return ""
    return f"{_as_printed(value)}{'' if unit in ('%', '年') else ' '}{unit}"


def _as_printed(value) -> str:
    """The store's 4 decimals (19.8800) cut to the digits that mean something, at least 2 as
    amounts are printed (19.88, 534.20); '8.115' and '2023' as they are."""
    text = str(value)
    whole, dot, decimals = text.partition(".")
    while len(decimals) > 2 and decimals.endswith("0"):
        decimals = decimals[:-1]
    return whole + dot + decimals


def relative_difference(expected, difference) -> str:
    """The difference as a share of the expected value: '0.43%' (empty when it means nothing)."""
    try:
        expected, difference = Decimal(str(expected)), Decimal(str(difference))
    except (InvalidOperation, TypeError):
        return ""
    if not expected:
        return ""
    return f"{abs(difference) / abs(expected):.2%}"
