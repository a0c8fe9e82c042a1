"""A budget for the same unit and year as seed 001 (大同市公共资源交易中心（大同市政府采购中心）,
2024 单位决算): its 2024 单位预算, so that the cross-document rules have a pair to check.

Laid out as real budgets are (tests/real: Changsha's cs_zjjd_2026, the central budget's cards): a
cover, then one table a page titled "2024年单位…情况表" without a marker, "单位名称：… 金额单位：万元", a ruled grid whose
header names the columns, then the project 绩效目标表 cards and a short 情况说明. The figures
are the seed's own: its narrative's 年初预算 by class (一般公共服务 582.22, 社会保障和就业
31.97, 卫生健康 10.29, 住房保障 20.14; 644.62 in all), its table 09's 三公 预算数 (公务用车运行
维护费 1.01) and its self-evaluations' 预算编制数 for each project; the rest (the economic
classes of 基本支出) is made up so that every identity of the budget holds.

`render_budget(plant)` renders it byte-stably (reportlab invariant mode, as replica.render_pdf);
the plant "three_public" raises 公务用车运行维护费 to 1.21 (and the table's subtotals with it):
a budget the final account's 09 预算数 then contradicts; the plant "share" has the 说明 give
基本支出 as 35.30% of the 支出预算总计 (226.89 of 644.62 is 35.20%), which the tables contradict.
"""

from __future__ import annotations

import io
from decimal import Decimal

from reportlab.lib.pagesizes import A4, landscape
from reportlab.lib.units import mm
from reportlab.platypus import BaseDocTemplate, Frame, NextPageTemplate, PageBreak, PageTemplate, Paragraph, Spacer

from replica.render_pdf import BODY, COVER, SMALL, TITLE, _column_widths, _grid, _page_number

UNIT = "大同市公共资源交易中心（大同市政府采购中心）"
YEAR = 2024
TITLE_TEXT = "大同市公共资源交易中心2024年单位预算公开"  # as the Datong list prints the notice
PUBLISHED = "2024-02-06"
PLANTS = ("three_public", "share")  # share: the 说明 misstates 基本支出's share (35.30% for 35.20%)

# 功能分类: code, name, 基本支出, 项目支出 (万元).
FUNCTIONS = (
    ("201", "一般公共服务支出", "164.49", "417.73"),
    ("20103", "政府办公厅（室）及相关机构事务", "164.49", "417.73"),
    ("2010301", "行政运行", "164.49", ""),
    ("2010399", "其他政府办公厅（室）及相关机构事务支出", "", "417.73"),
    ("208", "社会保障和就业支出", "31.97", ""),
    ("20805", "行政事业单位养老支出", "31.97", ""),
    ("2080505", "机关事业单位基本养老保险缴费支出", "21.31", ""),
    ("2080506", "机关事业单位职业年金缴费支出", "10.66", ""),
    ("210", "卫生健康支出", "10.29", ""),
    ("21011", "行政事业单位医疗", "10.29", ""),
    ("2101101", "行政单位医疗", "10.29", ""),
    ("221", "住房保障支出", "20.14", ""),
    ("22102", "住房改革支出", "20.14", ""),
    ("2210201", "住房公积金", "20.14", ""),
)
# 基本支出 by economic class: code, name, 人员经费, 公用经费.
ECONOMIC = (
    ("301", "工资福利支出", "190.00", ""),
    ("30101", "基本工资", "60.00", ""),
    ("30102", "津贴补贴", "55.06", ""),
    ("30108", "机关事业单位基本养老保险缴费", "21.31", ""),
    ("30109", "职业年金缴费", "10.66", ""),
    ("30110", "职工基本医疗保险缴费", "10.29", ""),
    ("30113", "住房公积金", "20.14", ""),
    ("30199", "其他工资福利支出", "12.54", ""),
    ("302", "商品和服务支出", "", "33.89"),
    ("30201", "办公费", "", "8.00"),
    ("30211", "差旅费", "", "5.00"),
    ("30228", "工会经费", "", "3.20"),
    ("30229", "福利费", "", "2.40"),
    ("30231", "公务用车运行维护费", "", "1.01"),
    ("30299", "其他商品和服务支出", "", "14.28"),
    ("303", "对个人和家庭的补助", "3.00", ""),
    ("30302", "退休费", "3.00", ""),
)
# Each project the seed's 绩效自评表 evaluates, at its 预算编制数 (1.782 printed as 1.78).
PROJECTS = (
    ("律师顾问费", "5.00"),
    ("政府采购事务经费", "19.14"),
    ("残疾人就业保障金", "1.86"),
    ("其他养人1", "1.78"),
    ("其他养人2", "1.78"),
    ("产权交易工作经费", "4.80"),
    ("产权交易运转经费", "20.70"),
    ("公共资源电子档案管理系统", "69.80"),
    ("公共资源交易平台维护费", "40.00"),
    ("公共资源交易一体化平台电子政务外网配置", "19.90"),
    ("公共资源交易中心数字CA证书建设", "40.50"),
    ("公共资源数字见证系统", "49.60"),
    ("网络安全等保测评和风险评估三级", "16.65"),
    ("网络安全运维服务", "35.00"),
    ("委托业务费", "65.00"),
    ("驻村帮扶工作人员经费", "10.50"),
    ("专家评审费", "15.72"),
)
# Target cards for three projects: (一级, 二级, 三级, 指标值), the 三级 as the seed evaluates them.
CARDS = {
    "律师顾问费": (
        ("产出指标", "数量指标", "聘请律师人数", "=1人"),
        ("产出指标", "质量指标", "律师工作能力", "胜任"),
        ("效益指标", "社会效益指标", "依法行政水平", "有所提高"),
        ("满意度指标", "服务对象满意度指标", "单位职工满意度", "≥90%"),
    ),
    "政府采购事务经费": (
        ("产出指标", "数量指标", "完成公共交易平台及政府采购项目数量", "≤350个项目"),
        ("产出指标", "质量指标", "完成工作保障率", "保障保量"),
        ("效益指标", "经济效益指标", "节约财政资金", "有效节约"),
        ("满意度指标", "服务对象满意度指标", "交易主体满意度", "≥90%"),
    ),
    "公共资源电子档案管理系统": (
        ("产出指标", "数量指标", "电子档案系统", "=1套"),
        ("产出指标", "质量指标", "档案管理内容", "电子档案借阅、数据统计分析、电子文件归档"),
        ("效益指标", "社会效益指标", "档案查阅效率", "明显提高"),
        ("满意度指标", "服务对象满意度指标", "使用人员满意度", "≥90%"),
    ),
}
GOALS = {
    "律师顾问费": "聘请法律顾问一名，为单位重大决策、合同审查和纠纷处理提供法律服务。",
    "政府采购事务经费": "保障全市政府采购和公共资源交易项目的组织实施，完成年度交易任务。",
    "公共资源电子档案管理系统": "建成公共资源交易电子档案管理系统，实现交易档案电子化归集、借阅和统计。",
}


def _sum(values) -> Decimal:
    return sum((Decimal(v) for v in values if v), Decimal(0))


def _fmt(value: Decimal) -> str:
    return f"{value:.2f}"


def three_public(plant: str | None = None) -> dict[str, str]:
    """The 三公 budget by column name (万元): as seed 001's 09 预算数 prints it, or planted."""
    running = Decimal("1.21") if plant == "three_public" else Decimal("1.01")
    return {
        "合计": _fmt(running),
        "因公出国（境）费": "0.00",
        "小计": _fmt(running),
        "公务用车购置费": "0.00",
        "公务用车运行维护费": _fmt(running),
        "公务接待费": "0.00",
    }


def _classes() -> list[tuple[str, str, Decimal, Decimal]]:
    return [(c, n, _sum([b]), _sum([p])) for c, n, b, p in FUNCTIONS if len(c) == 3]


def _tables(plant: str | None) -> list[tuple[str, list[list[str]]]]:
    """(title, grid rows) of each table, in print order."""
    basic = _sum(b for c, _n, b, _p in FUNCTIONS if len(c) == 3)
    project = _sum(p for c, _n, _b, p in FUNCTIONS if len(c) == 3)
    total = _fmt(basic + project)
    classes = _classes()
    summary = [["收入", "", "支出", ""], ["项目", "预算数", "项目", "预算数"]]
    income = [
        ("一、一般公共预算拨款收入", total),
        ("二、政府性基金预算拨款收入", ""),
        ("三、事业收入", ""),
        ("四、其他收入", ""),
    ]
    spending = [(f"{'一二三四五六'[i]}、{name}", _fmt(b + p)) for i, (_c, name, b, p) in enumerate(classes)]
    for i in range(max(len(income), len(spending))):
        left = income[i] if i < len(income) else ("", "")
        right = spending[i] if i < len(spending) else ("", "")
        summary.append([*left, *right])
    summary += [
        ["本年收入合计", total, "本年支出合计", total],
        ["上年结转", "", "结转下年", ""],
        ["收入总计", total, "支出总计", total],
    ]
    grants = [["收入", "", "支出", ""], ["项目", "预算数", "项目", "预算数"]]
    grant_income = [("一、本年收入", total), ("（一）一般公共预算拨款", total), ("（二）政府性基金预算拨款", "")]
    grant_spending = [("一、本年支出", total)] + [
        (f"（{'一二三四五六'[i]}）{name}", _fmt(b + p)) for i, (_c, name, b, p) in enumerate(classes)
    ]
    for i in range(max(len(grant_income), len(grant_spending))):
        left = grant_income[i] if i < len(grant_income) else ("", "")
        right = grant_spending[i] if i < len(grant_spending) else ("", "")
        grants.append([*left, *right])
    grants += [["二、上年结转", "", "二、结转下年", ""], ["收入总计", total, "支出总计", total]]

    def subject_rows(header: list[list[str]], rows, columns) -> list[list[str]]:
        out = [*header]
        first, second = (_sum(r[2] for r in rows if len(r[0]) == 3), _sum(r[3] for r in rows if len(r[0]) == 3))
        out.append(["", "合计", *columns(first, second)])
        for code, name, a, b in rows:
            out.append([code, name, *columns(_sum([a]), _sum([b]))])
        return out

    def blank(v: Decimal) -> str:
        return _fmt(v) if v else ""

    three = three_public(plant)
    income_rows = [["科目编码", "科目名称", "合计", "一般公共预算拨款", "政府性基金预算拨款", "事业收入", "其他收入"]]
    income_rows.append(["", "合计", total, total, "", "", ""])
    income_rows += [[c, n, _fmt(b + p), _fmt(b + p), "", "", ""] for c, n, b, p in classes]
    projects = [["项目名称", "合计", "一般公共预算拨款", "政府性基金预算拨款", "其他资金"]]
    projects.append(["合计", _fmt(_sum(v for _n, v in PROJECTS)), _fmt(_sum(v for _n, v in PROJECTS)), "", ""])
    projects += [[name, value, value, "", ""] for name, value in PROJECTS]
    return [
        ("2024年单位收支总体情况表", summary),
        ("2024年单位收入总体情况表", income_rows),
        (
            "2024年单位支出总体情况表",
            subject_rows(
                [["科目编码", "科目名称", "合计", "基本支出", "项目支出"]],
                FUNCTIONS,
                lambda a, b: [_fmt(a + b), blank(a), blank(b)],
            ),
        ),
        ("2024年单位财政拨款收支总体情况表", grants),
        (
            "2024年单位一般公共预算支出情况表",
            subject_rows(
                [["科目编码", "科目名称", "合计", "基本支出", "项目支出"]],
                FUNCTIONS,
                lambda a, b: [_fmt(a + b), blank(a), blank(b)],
            ),
        ),
        (
            "2024年单位一般公共预算基本支出情况表",
            subject_rows(
                [["科目编码", "科目名称", "合计", "人员经费", "公用经费"]],
                ECONOMIC,
                lambda a, b: [_fmt(a + b), blank(a), blank(b)],
            ),
        ),
        (
            "2024年单位一般公共预算“三公”经费支出情况表",
            [
                ["合计", "因公出国（境）费", "公务用车购置及运行维护费", "", "", "公务接待费"],
                ["", "", "小计", "公务用车购置费", "公务用车运行维护费", ""],
                [
                    three[k]
                    for k in ("合计", "因公出国（境）费", "小计", "公务用车购置费", "公务用车运行维护费", "公务接待费")
                ],
            ],
        ),
        (
            "2024年单位政府性基金预算支出情况表",
            [["科目编码", "科目名称", "合计", "基本支出", "项目支出"], ["", "合计", "", "", ""]],
        ),
        ("2024年单位项目支出情况表", projects),
    ]


def _card(project: str, amount: str) -> list[list[str]]:
    rows = [
        ["项目名称", project, "", "", "", ""],
        ["主管部门及代码", "[105]大同市人民政府办公室", "", "实施单位", UNIT, ""],
        ["项目资金（万元）", "年度资金总额：", amount, "", "", ""],
        ["", "其中：财政拨款", amount, "", "", ""],
        ["", "上年结转", "", "", "", ""],
        ["", "其他资金", "", "", "", ""],
        ["年度总体目标", GOALS[project], "", "", "", ""],
        ["绩效指标", "一级指标", "二级指标", "三级指标", "指标值", "分值"],
    ]
    previous = ("", "")
    weight = str(90 // len(CARDS[project]))  # 分值: 90 for the indicators, 10 for 执行率
    for level1, level2, level3, value in CARDS[project]:
        shown = (level1 if level1 != previous[0] else "", level2 if (level1, level2) != previous else "")
        rows.append(["", *shown, level3, value, weight])
        previous = (level1, level2)
    return rows


NARRATIVE = (
    "一、收支预算总体情况说明",
    "2024年本单位收入预算总计644.62万元，全部为一般公共预算拨款收入；支出预算总计644.62万元，"
    "其中基本支出226.89万元，占{basic_share}%；项目支出417.73万元，占64.80%。",
    "二、“三公”经费预算情况说明",
    "2024年“三公”经费预算{three}万元，其中：因公出国（境）费0万元，公务用车购置费0万元，"
    "公务用车运行维护费{three}万元，公务接待费0万元。",
)


def render_budget(plant: str | None = None) -> bytes:
    """The budget as a PDF; the same bytes every time (reportlab invariant mode)."""
    if plant is not None and plant not in PLANTS:
        raise ValueError(f"unknown plant {plant!r}; choose from {', '.join(PLANTS)}")
    buf = io.BytesIO()
    margin = 15 * mm
    portrait, wide = A4, landscape(A4)

    def frame(size) -> Frame:
        return Frame(margin, margin, size[0] - 2 * margin, size[1] - 2 * margin, id="f")

    doc = BaseDocTemplate(buf, pagesize=portrait, title=f"{UNIT}{YEAR}年单位预算", invariant=True)
    doc.addPageTemplates(
        [
            PageTemplate("portrait", [frame(portrait)], onPage=_page_number, pagesize=portrait),
            PageTemplate("landscape", [frame(wide)], onPage=_page_number, pagesize=wide),
        ]
    )
    story: list = [Spacer(1, 60 * mm), Paragraph(UNIT, COVER), Paragraph(f"{YEAR}年单位预算公开", COVER)]
    width = wide[0] - 2 * margin - 2
    for title, rows in _tables(plant):
        story += [NextPageTemplate("landscape"), PageBreak(), Paragraph(title, TITLE)]
        story += [Paragraph(f"单位名称：{UNIT}　　　　金额单位：万元", SMALL), Spacer(1, 3 * mm)]
        story.append(_grid(rows, _column_widths(rows, width)))
        if len(rows) <= 2:
            story.append(Paragraph("注：本单位2024年无政府性基金预算支出，本表无数据。", SMALL))
    for n, project in enumerate(CARDS, start=1):
        amount = dict(PROJECTS)[project]
        story += [NextPageTemplate("landscape"), PageBreak(), Paragraph(f"{YEAR}年项目支出绩效目标表（{n}）", TITLE)]
        story += [Paragraph(f"单位名称：{UNIT}", SMALL), Spacer(1, 3 * mm)]
        card = _card(project, amount)
        story.append(_grid(card, _column_widths(card, width)))
    three = three_public(plant)["合计"]
    story += [NextPageTemplate("portrait"), PageBreak(), Paragraph(f"{YEAR}年单位预算情况说明", TITLE)]
    basic_share = "35.30" if plant == "share" else "35.20"  # 226.89 / 644.62 = 35.197%
    story += [Paragraph(p.format(three=three, basic_share=basic_share), BODY) for p in NARRATIVE]
    doc.build(story)
    return buf.getvalue()
