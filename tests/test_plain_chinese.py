"""The report's Chinese for what the store says in English: the checkers' evidence and the
identification problems, on the texts the pipeline wrote on the replica night (demo)."""

from decimal import Decimal

from parsers.model import TABLE_CODES
from reporting.html import evidence_text
from reporting.plain_chinese import SITE_FAMILY_LABELS, crawl_problems_zh, problems_zh, reason_zh, subject_zh
from validation.performance import count_outcome
from validation.required import required_outcomes


def test_the_evaluation_count_evidence_reads_in_chinese():
    sentence = "2023年二级项目绩效自评个数18个,涉及资金442.73万元"
    claim = {"restates": "evaluations[project]", "value": "18", "seq": 1, "page": 12, "sentence": sentence}
    outcome = count_outcome(claim, [{"scope": "project", "grade": "优"}] * 17)
    assert outcome.reason.endswith("(attached: 17)")  # what the store keeps
    text = evidence_text({"cells": outcome.cells, "pages": outcome.pages, "reason": outcome.reason})
    assert text == f"所附自评表个数 = 17 · “{sentence}”（所附自评表 17 个） · 第 12 页"
    alone = count_outcome(claim, [])
    assert reason_zh(alone.reason) == f"本文件未附自评表；“{sentence}”"


def test_a_missing_part_reads_in_chinese():
    # The Yunzhou filings print neither 情况说明 nor 名词解释; table 03 printed empty without 本表无数据.
    statuses = {code: "present" for code in TABLE_CODES} | {"05": "missing"}
    cells = {(code, "1", 1): Decimal("1") for code in TABLE_CODES if code != "03"}
    failed = {o.rule_id: o.reason for o in required_outcomes("单位决算", statuses, cells, {}) if o.status == "failed"}
    assert {k: reason_zh(v) for k, v in failed.items()} == {
        "required.03": "“公开03表”未列数字，也未注明“本表无数据”",
        "required.05": "公开文件中没有“公开05表”",
        "required.情况说明": "公开文件中没有“情况说明”",
        "required.名词解释": "公开文件中没有“名词解释”",
    }


def test_score_cells_and_unknown_texts():
    text = evidence_text(
        {"cells": {"terms": "8.03+10+10", "total": "90"}, "pages": [42], "reason": "干部专业能力提升培训"}
    )
    assert text == "各项得分 = 8.03+10+10；总分 = 90 · 干部专业能力提升培训 · 第 42 页"
    assert reason_zh("01[27].1 ≠ 01[1].1 + 01[2].1") == "01[27].1 ≠ 01[1].1 + 01[2].1"  # kept as it is


def test_identification_problems_and_families():
    view = (
        "neither the title nor the document names a registered unit; no fiscal year can be told from the "
        "title or the document; no kind (决算/预算/绩效) can be told from the title or the document"
    )
    assert problems_zh(view) == (
        "标题和正文都未写明登记簿中的单位；从标题和正文看不出年度；从标题和正文看不出类型（决算/预算/绩效）"
    )
    assert problems_zh(None) == ""
    from registry.model import FAMILIES

    assert set(SITE_FAMILY_LABELS) == set(FAMILIES)


def test_a_finding_is_about_what_a_reader_can_find_in_the_filing():
    # The demo's performance findings: a line of an evaluation, an evaluation, a narrative sentence.
    from validation.narrative import NARRATIVE
    from validation.performance import PERFORMANCE

    assert subject_zh(PERFORMANCE, "1:3:资金总额") == "资金总额"
    assert subject_zh(PERFORMANCE, "16") == "" and subject_zh(PERFORMANCE, "9:2") == ""
    assert subject_zh(NARRATIVE, "17") == ""
    assert subject_zh("hierarchy", "302") == "302" and subject_zh("within_table", None) == ""


def test_why_a_crawl_failed_reads_in_chinese():
    from crawlers.events import CrawlError
    from crawlers.health import judge_health

    # The demo's sites with `fixtures serve` stopped: every list page refused.
    url = "http://127.0.0.1:18450/datong/czxx/index.html"
    refused = f"{url}: DownloadConnectionRefusedError: Connection was refused by other side: 111: Connection refused."
    events = [CrawlError(url, refused.split(": ", 1)[1], scope="list")]
    health = judge_health(events, {"finish_reason": "finished"}, 0, "", 0, 2)
    assert health.status == "failed"
    assert crawl_problems_zh("; ".join(health.problems)) == (
        "一个列表页也没有读到；上次正常采集找到 2 个文件，这次一个也没有；列表页或详情页出错 1 次，第一次："
        + health.problems[-1].split("first: ", 1)[1]
    )
    assert url in crawl_problems_zh("; ".join(health.problems)) and crawl_problems_zh(None) == ""


def test_why_a_final_account_was_not_set_against_its_budget():
    from validation.across_documents import final_against_budget

    assert {reason_zh(o.outcome.reason) for o in final_against_budget(None, None, 2024)} == {
        "归档中没有该单位 2024 年度的决算"
    }
    assert {reason_zh(o.outcome.reason) for o in final_against_budget(None, None)} == {"归档中没有该单位的决算"}
    assert reason_zh("final account p. 12; budget p. 3, 4") == "决算第 12 页；预算第 3, 4 页"
    assert reason_zh("the budget lists no project “律师顾问费”") == "预算未列项目“律师顾问费”"
    assert reason_zh("the 2023 final account prints no 三公 table (09)") == "2023 年度决算未列三公经费表（09）"
    assert reason_zh("unknown amount unit ('千元', None)") == "金额单位不明（千元，None）"


def test_a_crawl_stopped_by_its_time_limit_reads_in_chinese():
    from crawlers.health import judge_health

    health = judge_health([], {"finish_reason": "closespider_timeout", "disclosure/list_pages": 40}, 0, "", 3, 3)
    assert health.status == "incomplete"
    from reporting.plain_chinese import CRAWL_STATUS_LABELS

    assert health.status in CRAWL_STATUS_LABELS
    assert crawl_problems_zh("; ".join(health.problems)) == "达到时间上限，已读 40 个列表页，下一晚接着采"


def _english_outside_quotes(text: str) -> list[str]:
    """Latin words a reader would see, leaving out what the filing itself prints (“…”)."""
    import re

    return re.findall(r"[A-Za-z]{3,}", re.sub(r"“[^”]*”", "", text))


def test_the_careful_readers_findings_read_in_chinese():
    """The careful reader's failures on real pages: the altered Putuo final account (its
    confirmed placeholder, years, 目录 entry, breakdown, rates and 大于/等于 verdicts) and seed
    001 with a change left without its reason and a stated grade against its score."""
    import copy

    from disclosure.settings import PROJECT_ROOT
    from parsers import parse_bytes, parse_path
    from replica.render_formats import render_html
    from replica.site import load_fixtures
    from validation.careful import CAREFUL
    from validation.engine import validate_parse

    seed = copy.deepcopy(load_fixtures()["001"])
    reason = "，主要原因办公费增加、福利费增加、其他交通费用增加"
    seed.narrative = [p.replace("增长8.37%" + reason, "增长8.37%") for p in seed.narrative]
    seed.narrative[-1] += "本单位整体支出绩效自评得分88分，自评等级为优。"
    results = [
        parse_path(PROJECT_ROOT / "tests" / "real" / "sh_putuo_czj_2024_final_altered.pdf"),
        parse_bytes(render_html(seed), "planted.html"),
    ]
    failed = [o for r in results for o in validate_parse(r) if o.family == CAREFUL and o.status == "failed"]
    assert {o.rule_id for o in failed} == {
        "careful.placeholder",
        "careful.year",
        "careful.contents",
        "careful.breakdown",
        "careful.rate",
        "careful.direction",
        "careful.reason",
        "careful.grade",
    }
    for o in failed:
        shown = evidence_text({"cells": o.cells, "pages": o.pages, "reason": o.reason})
        subject = subject_zh(CAREFUL, o.subject)
        assert not _english_outside_quotes(shown) and not _english_outside_quotes(subject), (o.rule_id, shown, subject)
    said = {o.rule_id: reason_zh(o.reason) for o in failed}
    assert said["careful.grade"].startswith("得分 88 按分档应为“良”，印为“优”；")
    assert said["careful.reason"].startswith("增加1.51万元：未说明原因；")
    years = sorted(reason_zh(o.reason).split("：")[0] for o in failed if o.rule_id == "careful.year")
    assert years == ["截至日期印的是 2023 年（本文件为 2024 年）", "部分标题印的是 2023 年（本文件为 2024 年）"]
    assert sorted(subject_zh(CAREFUL, o.subject) for o in failed if o.rule_id == "careful.year") == [
        "截至日期 第24页",
        "部分标题 第18页",
    ]
