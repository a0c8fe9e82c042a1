"""The published classification codes a table's rows are keyed by, with their labels, and the
correction of a row code OCR misread (issue #22).

Table 06 is keyed by the economic classification of departmental expenditure (部门支出经济分类:
301 工资福利支出, 30101 基本工资 …, as the Ministry of Finance publishes it); the subject tables
by the functional classification, of which the classes (类, 201 一般公共服务支出 …) are
catalogued here (parsers.narrative.CLASS_NAMES). A code outside its table's catalogue that OCR
read is corrected only when the printed label names one catalogue entry, or when exactly one
entry one digit away (a digit OCR confuses, or the runner-up digit it reported) has that label;
every correction, and every code left as read, is listed for review. Pure.
"""

from __future__ import annotations

import difflib
import re
import unicodedata
from dataclasses import replace

from parsers.model import Cell
from parsers.narrative import CLASS_NAMES

ECONOMIC = {
    "301": "工资福利支出",
    "30101": "基本工资",
    "30102": "津贴补贴",
    "30103": "奖金",
    "30106": "伙食补助费",
    "30107": "绩效工资",
    "30108": "机关事业单位基本养老保险缴费",
    "30109": "职业年金缴费",
    "30110": "职工基本医疗保险缴费",
    "30111": "公务员医疗补助缴费",
    "30112": "其他社会保障缴费",
    "30113": "住房公积金",
    "30114": "医疗费",
    "30199": "其他工资福利支出",
    "302": "商品和服务支出",
    "30201": "办公费",
    "30202": "印刷费",
    "30203": "咨询费",
    "30204": "手续费",
    "30205": "水费",
    "30206": "电费",
    "30207": "邮电费",
    "30208": "取暖费",
    "30209": "物业管理费",
    "30211": "差旅费",
    "30212": "因公出国(境)费用",
    "30213": "维修(护)费",
    "30214": "租赁费",
    "30215": "会议费",
    "30216": "培训费",
    "30217": "公务接待费",
    "30218": "专用材料费",
    "30224": "被装购置费",
    "30225": "专用燃料费",
    "30226": "劳务费",
    "30227": "委托业务费",
    "30228": "工会经费",
    "30229": "福利费",
    "30231": "公务用车运行维护费",
    "30239": "其他交通费用",
    "30240": "税金及附加费用",
    "30299": "其他商品和服务支出",
    "303": "对个人和家庭的补助",
    "30301": "离休费",
    "30302": "退休费",
    "30303": "退职(役)费",
    "30304": "抚恤金",
    "30305": "生活补助",
    "30306": "救济费",
    "30307": "医疗费补助",
    "30308": "助学金",
    "30309": "奖励金",
    "30310": "个人农业生产补贴",
    "30311": "代缴社会保险费",
    "30399": "其他对个人和家庭的补助",
    "307": "债务利息及费用支出",
    "30701": "国内债务付息",
    "30702": "国外债务付息",
    "30703": "国内债务发行费用",
    "30704": "国外债务发行费用",
    "309": "资本性支出(基本建设)",
    "30901": "房屋建筑物购建",
    "30902": "办公设备购置",
    "30903": "专用设备购置",
    "30905": "基础设施建设",
    "30906": "大型修缮",
    "30907": "信息网络及软件购置更新",
    "30908": "物资储备",
    "30913": "公务用车购置",
    "30919": "其他交通工具购置",
    "30921": "文物和陈列品购置",
    "30922": "无形资产购置",
    "30999": "其他基本建设支出",
    "310": "资本性支出",
    "31001": "房屋建筑物购建",
    "31002": "办公设备购置",
    "31003": "专用设备购置",
    "31005": "基础设施建设",
    "31006": "大型修缮",
    "31007": "信息网络及软件购置更新",
    "31008": "物资储备",
    "31009": "土地补偿",
    "31010": "安置补助",
    "31011": "地上附着物和青苗补偿",
    "31012": "拆迁补偿",
    "31013": "公务用车购置",
    "31019": "其他交通工具购置",
    "31021": "文物和陈列品购置",
    "31022": "无形资产购置",
    "31099": "其他资本性支出",
    "311": "对企业补助(基本建设)",
    "31101": "资本金注入(基本建设)",
    "31199": "其他对企业补助",
    "312": "对企业补助",
    "31201": "资本金注入",
    "31203": "政府投资基金股权投资",
    "31204": "费用补贴",
    "31205": "利息补贴",
    "31206": "其他资本性补助",
    "31299": "其他对企业补助",
    "313": "对社会保障基金补助",
    "31302": "对社会保险基金补助",
    "31303": "补充全国社会保障基金",
    "31304": "对机关事业单位职业年金的补助",
    "399": "其他支出",
    "39906": "赠与",
    "39907": "国家赔偿费用支出",
    "39908": "对民间非营利组织和群众性自治组织补贴",
    "39909": "经常性赠与",
    "39910": "资本性赠与",
    "39999": "其他支出",
}
FUNCTIONAL_CLASSES = {code: f"{name}支出" for code, name in CLASS_NAMES.items()}
# The tables keyed by a catalogued classification; which code lengths the catalogue covers
# (the functional 款 and 项 are not catalogued here, so their codes are never judged).
CATALOGUES = {
    "06": (ECONOMIC, (3, 5)),
    **{table: (FUNCTIONAL_CLASSES, (3,)) for table in ("02", "03", "05", "07", "08")},
}
# Digits the recogniser takes for one another on a poor scan.
CONFUSED = {frozenset(p) for p in ("06", "08", "38", "36", "17", "14", "35", "56", "69", "89", "09", "23", "27")}
LABEL_LIKE = 0.6  # similarity (difflib ratio) at which an OCR'd label names a catalogue label


def normal_label(text: str) -> str:
    """A label as compared: full width folded, no spaces, no list numbering ("一、")."""
    text = re.sub(r"\s", "", unicodedata.normalize("NFKC", text or ""))
    return re.sub(r"^[一二三四五六七八九十]+[、.]", "", text)


def one_digit_away(read: str, code: str, runner_ups: frozenset[str] = frozenset()) -> bool:
    """Whether `code` is `read` with one digit changed: to one OCR confuses it with, or as
    the recogniser's runner-up reading."""
    if code in runner_ups:
        return True
    diffs = [(a, b) for a, b in zip(read, code) if a != b] if len(read) == len(code) else []
    return len(diffs) == 1 and frozenset(diffs[0]) in CONFUSED


def heads_printed_items(code: str, printed: set[str]) -> bool:
    """Whether the table prints items of `code` (30201 … under 302) but not `code` itself."""
    return code not in printed and any(len(other) > len(code) and other.startswith(code) for other in printed)


def judge_code(
    table: str, read: str, label: str, taken: set[str], runner_ups: frozenset[str] = frozenset()
) -> dict | None:
    """What to do with a row code OCR read: None when it is in its table's catalogue (or its
    level is not catalogued); else {"action": corrected | ambiguous | kept, "why": …}.
    A correction never makes a code the table already has, and by the label alone changes at
    most one digit of three, two of five (a label printed under two codes, 房屋建筑物购建, decides nothing)."""
    catalogue, lengths = CATALOGUES.get(table, ({}, ()))
    if len(read) not in lengths or not read.isdigit() or read in catalogue:
        return None
    name = normal_label(label)
    level = {code: normal_label(text) for code, text in catalogue.items() if len(code) == len(read)}
    by_label = sorted(
        code
        for code, text in level.items()
        if text == name and sum(a != b for a, b in zip(read, code)) <= (len(read) - 1) // 2
    )
    # One digit away, and the label read like the entry's, or (a label OCR could not read)
    # the entry is the class of items the table prints under it without printing it.
    similar = {code for code, text in level.items() if difflib.SequenceMatcher(None, name, text).ratio() >= LABEL_LIKE}
    near = sorted(
        code
        for code in level
        if one_digit_away(read, code, runner_ups) and (code in similar or heads_printed_items(code, taken))
    )
    if len(by_label) == 1:
        chosen, by = by_label[0], "label"
    elif len(near) == 1 and (not by_label or near[0] in by_label):
        chosen, by = near[0], ("digit and label" if near[0] in similar else "digit and items")
    else:
        chosen, by = None, None
    candidates = sorted(set(by_label) | set(near))
    if chosen is not None and chosen not in taken:
        return {"action": "corrected", "by": by, "code": chosen}
    if chosen is not None:
        return {"action": "ambiguous", "candidates": candidates, "why": f"{chosen} is printed already"}
    if candidates:
        return {"action": "ambiguous", "candidates": candidates, "why": "more than one entry fits"}
    return {"action": "kept", "why": "no catalogue entry one digit away has its label or its items"}


def correct_codes(
    cells: list[Cell], runner_ups: dict[tuple[int | None, str], frozenset[str]]
) -> tuple[list[Cell], list[dict]]:
    """OCR'd cells with each misread row code corrected (judge_code), and the list of what was
    judged: every correction and every off-catalogue code left as read, with why.
    `runner_ups`: (page, code as read) → the other codes the recogniser found plausible."""
    taken: dict[str, set[str]] = {}
    for cell in cells:
        taken.setdefault(cell.table, set()).add(cell.row)
    out, judged, decided = [], [], {}
    for cell in cells:
        key = (cell.table, cell.row, cell.page)
        if key not in decided:
            verdict = judge_code(
                cell.table,
                cell.row,
                cell.label,
                taken.get(cell.table, set()),
                runner_ups.get((cell.page, cell.row), frozenset()),
            )
            decided[key] = verdict
            if verdict is not None:
                judged.append(
                    {"table": cell.table, "read": cell.row, "label": cell.label, "page": cell.page, **verdict}
                )
                if verdict["action"] == "corrected":
                    taken[cell.table].add(verdict["code"])
        verdict = decided[key]
        out.append(replace(cell, row=verdict["code"]) if verdict and verdict["action"] == "corrected" else cell)
    return out, judged
