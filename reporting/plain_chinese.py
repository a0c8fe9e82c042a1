"""What the store says in English (evidence, identification problems, CMS families), as the
report's Chinese reader reads it.

The store keeps the rules' own words (analysts and tests query them); only the report says them
in Chinese. A text no pattern knows is shown as it is, never dropped.
"""

from __future__ import annotations

import re

# Evidence cell names the checkers write (validation/performance.py and others) → what they are.
CELL_LABELS = {
    "counted": "所附自评表个数",
    "full": "全年预算数",
    "executed": "全年执行数",
    "rate": "执行率",
    "score": "得分",
    "terms": "各项得分",
    "total": "总分",
    "grade": "等级",
    "weight": "分值",
    "balance": "结余",
    "says": "表述",
}

# Where the careful reader found a year printed (parsers/careful.py find_years).
YEAR_PLACES = {"cover": "封面", "title": "标题", "part heading": "部分标题", "as of": "截至日期"}


def _year_place(where: str) -> str:
    table = re.fullmatch(r"table (\w+)", where)
    return f"{table.group(1)}表表头" if table else YEAR_PLACES.get(where, where)


# English phrases of the checkers' reasons, most specific first.
_REASONS = [
    (re.compile(r"^(.+?) is missing from the filing$"), r"公开文件中没有“\1”"),
    (
        re.compile(r"^(.+?) is printed without figures and without 说明：本表无数据$"),
        r"“\1”未列数字，也未注明“本表无数据”",
    ),
    (re.compile(r"^table (.+?) missing from the filing$"), r"缺少 \1 表"),
    (re.compile(r"^table (.+?) missing; "), r"缺少 \1 表；"),
    (re.compile(r"^table (.+?) prints no 类 row$"), r"\1 表未列“类”级科目"),
    (
        re.compile(r"^the budget prints no 上年 figure for it \(needs last year's budget\); "),
        "预算未列上年数（需上年预算）；",
    ),
    (re.compile(r"^the tables print different amount units \((.+)\)$"), r"各表金额单位不同（\1）"),
    # The cross-document rules (validation/across_documents.py).
    (re.compile(r"^no (\d+) final account of this unit in the archive$"), r"归档中没有该单位 \1 年度的决算"),
    (re.compile(r"^no final account of this unit in the archive$"), "归档中没有该单位的决算"),
    (re.compile(r"^no (\d+) budget of this unit in the archive$"), r"归档中没有该单位 \1 年度的预算"),
    (re.compile(r"^no budget of this unit in the archive$"), "归档中没有该单位的预算"),
    (re.compile(r"^the final account prints no 三公 table \(09\)$"), "决算未列三公经费表（09）"),
    (re.compile(r"^the (\d+) final account prints no 三公 table \(09\)$"), r"\1 年度决算未列三公经费表（09）"),
    (re.compile(r"^the budget prints no 三公 table$"), "预算未列三公经费表"),
    (
        re.compile(r"^the budget lists no projects \(项目支出表 or 绩效目标表\)$"),
        "预算未列项目（项目支出表或绩效目标表）",
    ),
    (re.compile(r"^the budget lists no project “(.+)”$"), r"预算未列项目“\1”"),
    (re.compile(r"^the budget prints no (\w+); "), r"预算未列 \1；"),
    (re.compile(r"^unknown amount unit \('?([^',]*)'?, '?([^')]*)'?\)$"), r"金额单位不明（\1，\2）"),
    (re.compile(r"final account p\. ([\d, ?]+); budget p\. ([\d, ?]+)"), r"决算第 \1 页；预算第 \2 页"),
    (re.compile(r" \(attached: (\d+)\)$"), r"（所附自评表 \1 个）"),
    (re.compile(r"^no self-evaluation attached to this file; "), "本文件未附自评表；"),
    (
        re.compile(r": a fund-source line printed with 得分 0; this template scores the total line only$"),
        "：资金来源行得分印为 0（此模板只对合计行评分）",
    ),
    (re.compile(r": 总分 (\S+) is (\S+), printed (\S+)$"), r"：总分 \1 应为“\2”，印为“\3”"),
    # The careful reader's checks (validation/careful.py).
    (re.compile(r"^(“.*”): (.+) left$", re.S), r"\1：模板占位“\2”未替换"),
    (
        re.compile(r"^(cover|title|part heading|as of|table \w+) prints (\d{4}) \(the filing is (\d{4})\): "),
        lambda m: f"{_year_place(m.group(1))}印的是 {m.group(2)} 年（本文件为 {m.group(3)} 年）：",
    ),
    (re.compile(r"^目录 lists (“.+”); no page prints it \(this heading\)$"), r"目录列有\1，正文中却没有这一部分"),
    (re.compile(r"^目录 lists (“.+”); no page prints it$"), r"目录列有\1，却没有一页印出"),
    (re.compile(r"^table (\w+) is printed; the 目录 does not list it$"), r"印有 \1 表，目录却未列"),
    (
        re.compile(
            r"^(“.+?”) is listed, before (“.+?”) \(page (\d+)\) but printed on page (\d+), out of the 目录's order$"
        ),
        r"目录中\1列在\2（第 \3 页）之前，却印在第 \4 页，与目录顺序不符",
    ),
    (
        re.compile(r"^(“.+?”) is listed but printed on page (\d+), out of the 目录's order$"),
        r"\1印在第 \2 页，与目录顺序不符",
    ),
    (re.compile(r"^决算 (\S+) against 预算 (\S+): “(.+?)”; "), r"决算 \1、预算 \2，却说“\3”；"),
    (re.compile(r"^([^:]+): no reason given; "), r"\1：未说明原因；"),
    (re.compile(r"^([^:]+): reason given; "), r"\1：已说明原因；"),
    (re.compile(r"^得分 (\S+) is (\S+) by the bands, printed (\S+); "), r"得分 \1 按分档应为“\2”，印为“\3”；"),
    (re.compile(r"^the parts listed are not the whole; "), "所列各项并非全部构成；"),
    (re.compile(r"^last year's amount is (\S+): no growth rate; "), r"上年数为 \1，无从计算增长率；"),
]

# Why a filing could not be identified (the identification_findings view's problems).
_PROBLEMS = {
    "neither the title nor the document names a registered unit": "标题和正文都未写明登记簿中的单位",
    "no fiscal year can be told from the title or the document": "从标题和正文看不出年度",
    "no kind (决算/预算/绩效) can be told from the title or the document": "从标题和正文看不出类型（决算/预算/绩效）",
}

# Why a crawl failed (crawlers/health.py), one problem each, joined by "; ".
_CRAWL_PROBLEMS = [
    (re.compile(r"^no list page could be read$"), "一个列表页也没有读到"),
    (
        re.compile(r"^found no filings where the last good crawl found (\d+)$"),
        r"上次正常采集找到 \1 个文件，这次一个也没有",
    ),
    (re.compile(r"^(\d+) list/detail error\(s\), first: "), r"列表页或详情页出错 \1 次，第一次："),
    (re.compile(r"^(\d+) download error\(s\), first: "), r"下载出错 \1 次，第一次："),
    (re.compile(r"^(\d+) file\(s\) refused and none accepted, first: "), r"\1 个文件被拒收、无一可用，第一个："),
    (
        re.compile(r"^capped: stopped at (\d+) (.+?) \(the site's limits\.(\w+)\)$"),
        r"达到上限：读到 \1 个（\2）即停止（该网站的 limits.\3）",
    ),
    (re.compile(r"^crawler process exited (-?\d+): "), r"采集进程异常退出（状态 \1）："),
    (re.compile(r"^finish reason '(.+)'$"), r"采集未正常结束（\1）"),
    (
        re.compile(r"^time limit reached after (\d+) list page\(s\): the next night goes on$"),
        r"达到时间上限，已读 \1 个列表页，下一晚接着采",
    ),
    (re.compile(r"^callbacks raised "), "解析页面时出错："),
]

# A crawl run's status (crawlers.health: ok | incomplete | failed).
CRAWL_STATUS_LABELS = {"ok": "正常", "incomplete": "未采完（时间上限）", "failed": "失败"}

# CMS families of the registry (registry/model.py) as a reader knows them.
SITE_FAMILY_LABELS = {
    "trs_wcm": "拓尔思 WCM",
    "hanweb_jpage": "大汉 jpage",
    "unified_json": "统一公开平台",
    "static_list": "静态列表",
}


def reason_zh(reason: str) -> str:
    for pattern, replacement in _REASONS:
        reason = pattern.sub(replacement, reason)
    return reason


def cells_zh(cells: dict) -> str:
    return "；".join(f"{CELL_LABELS.get(k, k)} = {v}" for k, v in cells.items())


def problems_zh(problems: str | None) -> str:
    """'a; b' as the view joins them → the same problems in Chinese."""
    if not problems:
        return ""
    return "；".join(_PROBLEMS.get(p.strip(), p.strip()) for p in problems.split("; "))


def subject_zh(family: str | None, subject: str | None) -> str:
    """What a finding is about, for a reader: a self-evaluation's line by its name
    ("1:3:资金总额" → 资金总额); the checkers' own sequence numbers (which evaluation, which
    sentence of the narrative) say nothing to a reader, whose evidence names the project or
    quotes the sentence."""
    from validation.careful import CAREFUL
    from validation.narrative import NARRATIVE
    from validation.performance import PERFORMANCE

    subject = subject or ""
    if family == CAREFUL:
        return _careful_subject(subject)
    if family in (PERFORMANCE, NARRATIVE):
        last = subject.rsplit(":", 1)[-1]
        return "" if last.isdigit() else last
    return subject


def _careful_subject(subject: str) -> str:
    """validation.careful's subjects: p12#13 (a sentence, numbered by the checker) → 第12页;
    cover p1 → 封面 第1页; listed 05 / unlisted 07 / order 09 → what the 目录 check is about."""
    forms = [
        (r"p(\d+)#[\d.]+", lambda m: f"第{m.group(1)}页"),
        (r"(cover|title|part heading|as of|table \w+) p(\d+)", lambda m: f"{_year_place(m.group(1))} 第{m.group(2)}页"),
        (r"listed (\S+)", lambda m: f"目录所列 {m.group(1)}"),
        (r"unlisted (\S+)", lambda m: f"{m.group(1)}表（目录未列）"),
        (r"order (\S+)", lambda m: f"{m.group(1)}（顺序）"),
        (r"document", lambda m: "全文"),
    ]
    for pattern, said in forms:
        m = re.fullmatch(pattern, subject)
        if m:
            return said(m)
    return subject


def crawl_problems_zh(problems: str | None) -> str:
    """A failed crawl's problems ("a; b") in Chinese; the URLs and the errors they quote stay as
    they are."""
    if not problems:
        return ""
    out = []
    for problem in problems.split("; "):
        for pattern, replacement in _CRAWL_PROBLEMS:
            problem, n = pattern.subn(replacement, problem)
            if n:
                break
        out.append(problem)
    return "；".join(out)
