"""Narrative claims (情况说明): extraction from the seeds and checks against the tables."""

import copy
import json
from decimal import Decimal

import pytest

from disclosure.settings import PROJECT_ROOT
from parsers import parse_bytes
from parsers.narrative import extract_claims
from replica.render_pdf import render_pdf
from replica.site import load_fixtures
from tests.parsed import real_parse as parsed
from tests.parsed import seed_parse
from validation.engine import validate_parse


@pytest.fixture(scope="module")
def fixtures():
    return load_fixtures()


def _claims(filing):
    return extract_claims([(16, "\n".join(filing.narrative))])


def test_claims_of_seed_001_name_what_they_restate(fixtures):
    claims = {(c.kind, c.restates, c.value) for c in _claims(fixtures["001"])}
    assert ("amount", "01[31].1", "584.83") in claims  # 收入总计
    assert ("amount", "03[合计].2", "233.89") in claims  # 基本支出
    assert ("percent", "02[合计].2", "99.95") in claims  # 财政拨款收入 占比
    assert ("amount", "04[64].2", "584.54") in claims  # 支出总计 in section 四 is the fiscal one
    assert ("amount", "09[1].7", "1.01") in claims  # 三公 支出决算
    assert ("amount", "10[5].1 + 10[6].1", "19.55") in claims  # 机关运行经费
    assert ("change", "01[31].1", "-267.37") in claims  # 与上年相比 … 减少267.37万元
    assert ("count", "10[7].1", "1") in claims  # 共有车辆1辆
    # 年初预算 is no figure of this filing's tables: a claim on the budget's, never an amount.
    assert [c for c in claims if c[2] == "644.62"] == [("initial_budget", "B7[合计].1", "644.62")]


def test_thousands_separators_in_the_narrative(fixtures):
    claims = {(c.kind, c.restates, c.value) for c in _claims(fixtures["002"])}
    assert ("amount", "01[31].1", "2795.38") in claims  # printed 2,795.38


@pytest.mark.parametrize("seed", ["001", "002"])
def test_pdf_claims_equal_the_source_text_across_page_breaks(fixtures, seed_pdfs, seed):
    from_pdf = {(c["kind"], c["restates"], c["value"]) for c in seed_parse(seed, seed).claims}
    assert from_pdf == {(c.kind, c.restates, c.value) for c in _claims(fixtures[seed])}


@pytest.mark.parametrize("seed", ["001", "002"])
def test_the_real_narratives_agree_with_their_tables(seed_pdfs, seed):
    outcomes = [o for o in validate_parse(seed_parse(seed, seed)) if o.family == "narrative"]
    assert outcomes and not [o for o in outcomes if o.status == "failed"]
    assert {o.rule_id for o in outcomes if o.status == "not_evaluated"} == {"narrative.change"}


def _with_narrative(filing, old: str, new: str):
    edited = copy.deepcopy(filing)
    edited.narrative = [p.replace(old, new) for p in edited.narrative]
    assert edited.narrative != filing.narrative
    return parse_bytes(render_pdf(edited), "edited")


def test_a_misstated_amount_fails_with_sentence_and_page(fixtures):
    result = _with_narrative(fixtures["001"], "收入总计584.83万元", "收入总计585.83万元")
    (o,) = [o for o in validate_parse(result) if o.status == "failed" and o.family == "narrative"]
    assert (o.rule_id, o.actual, o.expected, o.difference) == (
        "narrative.amount",
        Decimal("585.83"),
        Decimal("584.83"),
        Decimal("1.00"),
    )
    assert "收入总计585.83万元" in o.reason and o.cells == {"01[31].1": "584.83"}
    narrative_pages = [p for p in o.pages if p > 14]
    assert narrative_pages  # the page of the sentence, besides the table's pages


def test_a_misstated_share_fails(fixtures):
    result = _with_narrative(fixtures["001"], "占比99.95%", "占比98.95%")
    (o,) = [o for o in validate_parse(result) if o.status == "failed" and o.family == "narrative"]
    assert (o.rule_id, o.expected, o.actual) == ("narrative.percent", Decimal("99.95"), Decimal("98.95"))


def test_a_share_of_sums_is_within_the_rounding_of_every_term():
    """机关运行经费 (10[5] + 10[6], two printed figures) as a share of three printed figures: each
    sum may be off by a half cent a term. 0.504 + 0.514 of 3.326 + 3.326 + 3.336 is 10.19 %; the
    printed 1.01 of 10.00 give 10.10 %, within the rounding of 2 and 3 terms (not of 1 and 1)."""
    from validation.core import TableKeys
    from validation.narrative import claim_outcome

    cells = {
        ("10", "5", 1): Decimal("0.50"),
        ("10", "6", 1): Decimal("0.51"),
        ("10", "1", 1): Decimal("3.33"),
        ("10", "2", 1): Decimal("3.33"),
        ("10", "3", 1): Decimal("3.34"),
    }
    claim = {
        "seq": 7,
        "kind": "percent",
        "restates": "10[5].1 + 10[6].1",
        "share_of": "10[1].1 + 10[2].1 + 10[3].1",
        "value": "10.19",
        "sentence": "机关运行经费支出1.01万元，占10.19%",
        "page": 18,
    }
    statuses, pages = {"10": "present"}, {"10": [14]}
    found = claim_outcome(claim, cells, statuses, pages, TableKeys(cells))
    assert (found.status, found.expected, found.difference) == ("rounding", Decimal("10.10"), Decimal("0.09"))
    assert found.tolerance == Decimal("0.1203") and found.pages == [14, 18]
    claim["value"] = "10.23"  # beyond what five half cents can move it
    assert claim_outcome(claim, cells, statuses, pages, TableKeys(cells)).status == "failed"
    cells[("10", "1", 1)] = cells[("10", "2", 1)] = cells[("10", "3", 1)] = Decimal("0.00")
    blank = claim_outcome(claim, cells, statuses, pages, TableKeys(cells))
    assert blank.status == "not_evaluated" and blank.reason.startswith("the whole is 0: no share of it; “机关")


# ---- narratives of other templates: sections by their headings, claims by meaning -------------

REAL = PROJECT_ROOT / "tests" / "real"


@pytest.fixture(scope="module")
def central():
    return parsed("central_gjxfj_2024_final.pdf")


def test_central_claims_mean_the_cell_of_their_section(central):
    claims = {(c["kind"], c["restates"], c["value"]) for c in central.claims}
    assert {
        ("amount", "01[31].1", "22066.59"),  # 一、收、支总计
        ("amount", "01[32].2", "10685.56"),  # 一、一般公共服务（类）支出: all money, table 01
        ("amount", "03[201].1", "10685.56"),  # 三、按功能分类 … 一般公共服务支出: table 03
        ("percent", "03[201].1", "73.33"),
        ("amount", "05[201].1", "9846.82"),  # 五、一般公共服务（类）支出: the general budget's, 05
        ("percent", "01[1].1", "95.7"),  # 一般公共预算财政拨款收入 … 占 95.7％
        ("amount", "04[32].1", "20727.53"),  # 四、财政拨款收支总决算
        ("amount", "09[1].7", "46.21"),  # 七 is 三公 here (九 in the ten-table template)
        ("amount", "09[1].9", "40.61"),
    } <= claims
    assert ("amount", "05[201].1", "10685.56") not in claims
    assert {c["value"] for c in central.claims if c["restates"] == "09[1].7"} == {"46.21"}


def test_shanghai_narrative_part_and_claims():
    result = parsed("sh_putuo_shgzb_2024_final.pdf")
    assert result.tables["情况说明"].pages[0] == 17  # 第三部分 中共上海市普陀区委社会工作部 2024 年度部门决算情况说明
    claims = {(c["kind"], c["restates"], c["value"]) for c in result.claims}
    assert {
        ("amount", "04[32].1", "307.82"),  # 财政拨款收入支出总计
        ("percent", "05[201].1", "86.05"),  # 一般公共服务支出（类）264.87 万元，占 86.05%
        ("amount", "10[1].1", "21.07"),
    } <= claims  # 政府采购金额（以合同签订为准）为 21.07 万元


def test_a_fund_section_restates_the_fund_never_the_overall_total():
    text = (
        "第三部分 情况说明\n一、收入支出决算总体情况说明\n2024年度收入总计584.83万元，支出总计584.83万元。\n"
        "七、政府性基金预算财政拨款收入支出决算情况说明\n"
        "政府性基金预算财政拨款收入120.50万元，支出100.25万元，支出具体情况如下：\n"
        "1、城乡社区支出（类）其他支出（款）。年初预算为90.00万元，支出决算为100.25万元。本年支出合计100.25万元。\n"
        "八、国有资本经营预算财政拨款支出决算情况说明\n国有资本经营预算财政拨款收入5.00万元，支出5.00万元。\n"
        "九、政府采购情况说明\n政府采购支出总额64.02万元，支出决算64.02万元。\n"
    )
    claims = [(c.kind, c.restates, c.value) for c in extract_claims([(16, text)])]
    assert claims == [
        ("amount", "01[31].1", "584.83"),
        ("amount", "01[62].2", "584.83"),
        ("amount", "01[2].1", "120.50"),
        ("amount", "04[59].4", "100.25"),
        ("amount", "01[3].1", "5.00"),
        ("amount", "04[59].5", "5.00"),
        ("amount", "10[1].1", "64.02"),
    ]  # 支出决算 in 政府采购 is no 三公 figure


@pytest.mark.parametrize("truth_file", sorted((REAL / "truth").glob("*_final*.json")), ids=lambda p: p.stem)
def test_every_hand_checked_claim_is_read_with_its_meaning(truth_file):
    """The claims the truth engineer read on the page (tests/real/truth/<stem>.json): each is
    extracted, on its page, restating the cell it means."""
    truth = json.loads(truth_file.read_text(encoding="utf-8"))
    got = {
        (c["restates"], Decimal(c["value"]), c["page"]) for c in parsed(truth["file"]).claims if c["kind"] == "amount"
    }
    missing = [c for c in truth["claims"] if (c["means"], Decimal(c["value"]), c["page"]) not in got]
    assert not missing


@pytest.mark.parametrize(
    "name, failures",
    [
        ("central_gjxfj_2024_final.pdf", set()),
        # 29.42 / 307.82 is 9.5575 %: the four shares were forced to sum to 100.00 (truth notes).
        ("sh_putuo_shgzb_2024_final.pdf", {("9.55", "9.56")}),
        # The narrative's 基本支出 and 人员经费 disagree with 05 and 06 (truth notes).
        ("sh_putuo_ghzyj_2024_final.pdf", {("5377.64", "5364.75"), ("4896.98", "4884.09")}),
        # 收入支出总计 0 万元; 2106.66 / 2940.05 is 71.65 %, not 71.73 %; a 三公 budget of 0.95 beside an empty 09.
        ("sh_putuo_czj_2024_final_altered.pdf", {("0", "2995.39"), ("71.73", "71.65"), ("0.95", "0")}),
    ],
)
def test_real_narratives_fail_only_where_the_document_is_wrong(name, failures):
    outcomes = [o for o in validate_parse(parsed(name)) if o.family == "narrative" and o.status == "failed"]
    assert {(str(o.actual), str(o.expected)) for o in outcomes} == failures  # (printed, what the tables say)


@pytest.mark.parametrize(
    "seed, expected",
    [
        (
            "001",  # 2024年度一般公共预算财政拨款支出年初预算644.62万元 … 一般公共服务支出年初预算582.22万元
            [("B7[合计].1", "644.62"), ("B7[201].1", "582.22"), ("B7[208].1", "31.97")]
            + [("B7[210].1", "10.29"), ("B7[221].1", "20.14")],
        ),
        (
            "002",  # printed 4,942.21; …其他支出年初预算0万元
            [("B7[合计].1", "4942.21"), ("B7[201].1", "4585.73"), ("B7[208].1", "143.84"), ("B7[210].1", "62.60")]
            + [("B7[213].1", "13.60"), ("B7[221].1", "136.44"), ("B7[229].1", "0")],
        ),
    ],
)
def test_the_seeds_initial_budget_sentences_restate_the_budgets_general_budget_table(fixtures, seed, expected):
    claims = [c for c in _claims(fixtures[seed]) if c.kind == "initial_budget"]
    assert [(c.restates, c.value) for c in claims] == expected
    assert all("年初预算" in c.sentence and "支出决算" in c.sentence for c in claims)


@pytest.mark.parametrize(
    "name, value, page",
    [
        ("central_gjxfj_2024_final.pdf", "15068.55", 21),  # 国家信访局2024年度财政拨款支出年初预算为15068.55万元
        ("sh_putuo_czj_2024_final_altered.pdf", "2993.92", 19),  # 一般公共预算财政拨款支出年初预算为2993.92万元
        ("sh_putuo_ghzyj_2024_final.pdf", "10210.34", 21),
        ("sh_putuo_shgzb_2024_final.pdf", "0", 18),  # 年初预算为0万元,全年预算为321.02万元 (set up in 2024)
    ],
)
def test_the_real_final_accounts_initial_budget_is_one_claim_on_the_budgets_total(name, value, page):
    """Their lines per 项 ("1、一般公共服务支出(类)财政事务(款)行政运行(项)。…年初预算为10.00万元")
    name no class alone and are not read; the total is."""
    claims = [c for c in parsed(name).claims if c["kind"] == "initial_budget"]
    assert [(c["restates"], c["value"], c["page"]) for c in claims] == [("B7[合计].1", value, page)]


def test_initial_budget_claims_are_not_checked_against_the_final_accounts_own_tables(seed_pdfs):
    result = seed_parse("001", "001")
    seqs = {str(c["seq"]) for c in result.claims if c["kind"] == "initial_budget"}
    assert len(seqs) == 5
    narrative = [o for o in validate_parse(result) if o.family == "narrative"]
    assert narrative and not [o for o in narrative if o.subject in seqs]


def test_a_fund_or_a_line_per_item_gives_no_initial_budget_claim():
    text = (
        "第三部分 情况说明\n五、一般公共预算财政拨款支出决算情况说明\n"
        "1、一般公共服务支出（类）财政事务（款）行政运行（项）。年初预算为10.00万元，支出决算为10.00万元。\n"
        "社会保障和就业支出（类）其他社会保障和就业支出年初预算5.00万元，支出决算5.00万元。\n"
        "住房保障支出（类）年初预算为20.14万元，支出决算为20.88万元。\n"
        "七、政府性基金预算财政拨款收入支出决算情况说明\n"
        "城乡社区支出年初预算90.00万元，支出决算100.25万元。\n"
    )
    claims = [(c.restates, c.value) for c in extract_claims([(16, text)]) if c.kind == "initial_budget"]
    assert claims == [("B7[221].1", "20.14")]
