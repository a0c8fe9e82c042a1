"""Narrative claims (情况说明): extraction from the seeds and checks against the tables."""
import copy
from decimal import Decimal

import pytest

from parsers import parse_bytes
from parsers.narrative import extract_claims
from replica.render_pdf import render_pdf
from replica.site import load_fixtures
from validation.engine import validate_parse


@pytest.fixture(scope="module")
def fixtures():
    return load_fixtures()


def _claims(filing):
    return extract_claims([(16, "\n".join(filing.narrative))])


def test_claims_of_seed_001_name_what_they_restate(fixtures):
    claims = {(c.kind, c.restates, c.value) for c in _claims(fixtures["001"])}
    assert ("amount", "01[31].1", "584.83") in claims            # 收入总计
    assert ("amount", "03[合计].2", "233.89") in claims           # 基本支出
    assert ("percent", "02[合计].2", "99.95") in claims           # 财政拨款收入 占比
    assert ("amount", "04[64].2", "584.54") in claims            # 支出总计 in section 四 is the fiscal one
    assert ("amount", "09[1].7", "1.01") in claims               # 三公 支出决算
    assert ("amount", "10[5].1 + 10[6].1", "19.55") in claims    # 机关运行经费
    assert ("change", "01[31].1", "-267.37") in claims           # 与上年相比 … 减少267.37万元
    assert ("count", "10[7].1", "1") in claims                   # 共有车辆1辆
    assert not [c for c in claims if c[2] == "644.62"]           # 年初预算 is not a table figure


def test_thousands_separators_in_the_narrative(fixtures):
    claims = {(c.kind, c.restates, c.value) for c in _claims(fixtures["002"])}
    assert ("amount", "01[31].1", "2795.38") in claims           # printed 2,795.38


@pytest.mark.parametrize("seed", ["001", "002"])
def test_pdf_claims_equal_the_source_text_across_page_breaks(fixtures, seed_pdfs, seed):
    from_pdf = {(c["kind"], c["restates"], c["value"]) for c in parse_bytes(seed_pdfs[seed], seed).claims}
    assert from_pdf == {(c.kind, c.restates, c.value) for c in _claims(fixtures[seed])}


@pytest.mark.parametrize("seed", ["001", "002"])
def test_the_real_narratives_agree_with_their_tables(seed_pdfs, seed):
    outcomes = [o for o in validate_parse(parse_bytes(seed_pdfs[seed], seed)) if o.family == "narrative"]
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
        "narrative.amount", Decimal("585.83"), Decimal("584.83"), Decimal("1.00"))
    assert "收入总计585.83万元" in o.reason and o.cells == {"01[31].1": "584.83"}
    narrative_pages = [p for p in o.pages if p > 14]
    assert narrative_pages  # the page of the sentence, besides the table's pages


def test_a_misstated_share_fails(fixtures):
    result = _with_narrative(fixtures["001"], "占比99.95%", "占比98.95%")
    (o,) = [o for o in validate_parse(result) if o.status == "failed" and o.family == "narrative"]
    assert (o.rule_id, o.expected, o.actual) == ("narrative.percent", Decimal("99.95"), Decimal("98.95"))
