"""The checks a careful reader makes (validation/careful.py over parsers/careful.py): each fails
on one defect planted in a seed's text, stays quiet on the seeds, and finds on the real final
accounts exactly the defects confirmed on their rendered pages (tests/real/truth/defects/careful.json)."""

import copy
import json
from decimal import Decimal

import pytest

from disclosure.settings import PROJECT_ROOT
from parsers import parse_bytes, parse_path
from parsers.contents import parse_contents
from replica.render_pdf import render_pdf
from replica.site import load_fixtures
from validation.engine import validate_parse

REAL = PROJECT_ROOT / "tests" / "real"
TRUTH = json.loads((REAL / "truth" / "defects" / "careful.json").read_text(encoding="utf-8"))


@pytest.fixture(scope="module")
def fixtures():
    return load_fixtures()


def careful(result) -> list:
    return [o for o in validate_parse(result) if o.family == "careful"]


def failed(result) -> set[tuple[str, str]]:
    return {(o.rule_id, o.subject) for o in careful(result) if o.status == "failed"}


def planted(filing, old: str, new: str):
    edited = copy.deepcopy(filing)
    edited.narrative = [p.replace(old, new) for p in edited.narrative]
    assert edited.narrative != filing.narrative, old
    return parse_bytes(render_pdf(edited), "planted")


@pytest.fixture(scope="module")
def seed_001(fixtures):
    return parse_bytes(render_pdf(fixtures["001"]), "001")


def test_seed_001_is_quiet_and_every_rule_is_reported(seed_001):
    outcomes = careful(seed_001)
    assert not [o for o in outcomes if o.status == "failed"]
    assert {o.rule_id for o in outcomes} == {
        "careful.placeholder",
        "careful.year",
        "careful.contents",
        "careful.breakdown",
        "careful.rate",
        "careful.direction",
        "careful.reason",
        "careful.grade",
    }
    # Its rendering prints no 目录 and no stated grade: not evaluated, with the reason.
    absent = {o.rule_id: o.reason for o in outcomes if o.status == "not_evaluated"}
    assert absent == {"careful.contents": "no 目录 printed", "careful.grade": "the narrative states none"}


def test_seed_002_fails_only_on_its_own_growth_rates(fixtures):
    result = parse_bytes(render_pdf(fixtures["002"]), "002")
    assert failed(result) == {(d["rule"], d["subject"]) for d in TRUTH["seeds"]["002"]}


def test_a_placeholder_left_in_the_text_fails(fixtures):
    result = planted(fixtures["001"], "2024年度收入总计584.83万元", "XX局2024年度收入总计584.83万元")
    (o,) = [o for o in careful(result) if o.rule_id == "careful.placeholder"]
    assert o.status == "failed" and "XX局" in o.reason and o.pages and o.pages[0] > 14


def test_a_wrong_year_in_a_heading_fails(fixtures):
    result = planted(fixtures["001"], "截至2024年12月31日", "截至2023年12月31日")
    (o,) = [o for o in careful(result) if o.rule_id == "careful.year" and o.status == "failed"]
    assert (o.expected, o.actual) == (2024, 2023) and "截至2023年12月31日" in o.reason


def test_a_breakdown_not_adding_to_100_fails(fixtures):
    result = planted(fixtures["001"], "占比59.99%", "占比60.99%")
    (o,) = [o for o in careful(result) if o.rule_id == "careful.breakdown" and o.status == "failed"]
    assert str(o.actual) == "101.00" and "项目支出" in o.cells


def test_a_rate_that_does_not_follow_from_its_amounts_fails(fixtures):
    result = planted(fixtures["001"], "完成年初预算的88.38%", "完成年初预算的83.38%")
    (o,) = [o for o in careful(result) if o.rule_id == "careful.rate" and o.status == "failed"]
    assert (o.expected, o.actual) == (Decimal("88.38"), Decimal("83.38")) and o.cells["预算"] == "582.22"


def test_a_growth_rate_that_does_not_follow_fails(fixtures):
    result = planted(fixtures["001"], "增加1.51万元，增长8.37%", "增加1.51万元，增长9.37%")
    (o,) = [o for o in careful(result) if o.rule_id == "careful.rate" and o.status == "failed"]
    assert o.expected == Decimal("8.37") and o.cells["本年"] == "19.55"


def test_a_direction_against_its_amounts_fails(fixtures):
    result = planted(fixtures["001"], "较上年决算增加0.75万元，增长3.73%", "较上年决算增加0.75万元，下降3.73%")
    (o,) = [o for o in careful(result) if o.rule_id == "careful.direction" and o.status == "failed"]
    assert o.cells == {"增减": "增加0.75万元", "幅度": "下降3.73%"}


def test_a_budget_verdict_against_its_amounts_fails(fixtures):
    result = planted(
        fixtures["001"],
        "完成年初预算的88.38%，",
        "完成年初预算的88.38%，决算数大于预算数的主要原因是人员增加，",
    )
    (o,) = [o for o in careful(result) if o.rule_id == "careful.direction" and o.status == "failed"]
    assert (o.expected, o.actual) == (Decimal("582.22"), Decimal("514.54"))


def test_a_change_without_its_reason_fails(fixtures):
    result = planted(fixtures["001"], "增长8.37%，主要原因办公费增加、福利费增加、其他交通费用增加", "增长8.37%")
    (o,) = [o for o in careful(result) if o.rule_id == "careful.reason" and o.status == "failed"]
    assert "增加1.51万元" in o.reason and "no reason given" in o.reason


def test_a_stated_grade_against_its_score_fails(fixtures):
    sentence = "本单位整体支出绩效自评得分88分，自评等级为优。"
    edited = copy.deepcopy(fixtures["001"])
    edited.narrative = [*edited.narrative[:-1], edited.narrative[-1] + sentence]
    result = parse_bytes(render_pdf(edited), "planted")
    (o,) = [o for o in careful(result) if o.rule_id == "careful.grade"]
    assert o.status == "failed" and o.cells == {"得分": "88", "等级": "优"} and "良" in o.reason


def test_the_contents_page_is_read_in_order():
    text = (
        "目 录\n第一部分 概况\t1\n一、本部门（单位）职责.....\t1\n第二部分 2024年部门决算表\t3\n"
        "一、收入支出决算总表.....\t3\n三、支出决算表.....\t6\n七、政府性基金预算财政拨款收入支出决算表.....\t12\n"
        "第三部分 情况说明\t16\n"
    )
    contents = parse_contents([(1, "封面 2024年度单位决算公开"), (2, text)])
    assert [(e["kind"], e["code"], e["printed_page"]) for e in contents["entries"]] == [
        ("part", "一", "1"),
        ("section", None, "1"),
        ("part", "二", "3"),
        ("table", "01", "3"),
        ("table", "03", "6"),
        ("table", "07", "12"),
        ("part", "三", "16"),
    ]


REAL_FINALS = sorted(TRUTH["documents"])


@pytest.mark.slow
@pytest.mark.parametrize("name", REAL_FINALS)
def test_real_final_accounts_fail_exactly_on_their_confirmed_defects(name):
    result = parse_path(REAL / name)
    assert failed(result) == {(d["rule"], d["subject"]) for d in TRUTH["documents"][name]}


def test_a_blank_template_is_not_evaluated():
    outcomes = careful(parse_path(REAL / "sh_district_final_template.pdf"))
    assert outcomes and {o.status for o in outcomes} == {"not_evaluated"}
    assert all("not a filing" in o.reason for o in outcomes)


def test_a_performance_statement_grade_against_its_score_fails():
    from replica.render_formats import render_html
    from replica.seeds import load_fixture
    from tests.conftest import FIXTURES

    filing = load_fixture(FIXTURES / "performance_003.json")
    assert any("综合总分数为100" in line for line in filing.narrative)
    filing.narrative = [line.replace("综合总分数为100", "综合总分数为85") for line in filing.narrative]
    outcomes = careful(parse_bytes(render_html(filing), "seed-003.html"))
    assert [(o.rule_id, o.status, o.cells) for o in outcomes] == [
        ("careful.grade", "failed", {"得分": "85", "等级": "优"})
    ]


def test_a_bundle_is_read_as_its_members_and_its_contents_are_not_compared():
    from replica import hostile
    from replica.render_formats import render_xlsx
    from replica.seeds import load_fixture
    from tests.conftest import FIXTURES

    filing = load_fixture(FIXTURES / "seed_002.json")
    bundle = hostile.bundle_of_repeats({"决算公开.pdf": render_pdf(filing), "决算报表.xlsx": render_xlsx(filing)})
    outcomes = careful(parse_bytes(bundle, "bundle.zip"))
    assert {(o.rule_id, o.subject) for o in outcomes if o.status == "failed"} == {
        (d["rule"], d["subject"]) for d in TRUTH["seeds"]["002"]
    }
    (contents,) = [o for o in outcomes if o.rule_id == "careful.contents"]
    assert contents.status == "not_evaluated" and "bundle" in contents.reason


def test_a_bundles_narrative_member_is_no_cover_of_last_years_comparisons(fixtures):
    """The unified platform's bundle (replica.render_formats.render_zip): the tables as XLSX and
    the whole text as one DOCX page, its title on top. Only that title is its cover: the
    comparisons below it (较2022年决算增加23.30万元) are no year printed wrongly."""
    from replica.render_formats import render_zip

    result = parse_bytes(render_zip(fixtures["002"]), "bundle.zip")
    covers = [y for y in result.reading["years"] if y["where"] == "cover"]
    assert covers and {y["year"] for y in covers} == {2023}
    sentence = lambda subject: subject.split("#")[1]  # noqa: E731 — the bundle's pages are not the PDF's
    assert {(rule, sentence(subject)) for rule, subject in failed(result)} == {
        (d["rule"], sentence(d["subject"])) for d in TRUTH["seeds"]["002"]
    }


def test_the_store_keeps_the_reading_and_validates_it_as_the_pure_validator(migrated_url, tmp_path, monkeypatch):
    """The reading rides in parse_run.coverage: validating from the store finds what
    validate_parse finds on the same file, with its evidence."""
    from sqlalchemy import create_engine

    from disclosure.settings import load_settings
    from tests.conftest import query_rows
    from tests.test_store_bounds import _one_filing_with_files
    from validation.store import validate_batch
    from warehouse.load import load_parse

    monkeypatch.setenv("DATABASE_URL", migrated_url)
    monkeypatch.setenv("DISCLOSURE_VAR_DIR", str(tmp_path / "var"))
    name = "sh_putuo_czj_2024_final_altered.pdf"
    data = (REAL / name).read_bytes()
    engine = create_engine(migrated_url)
    try:
        ids = _one_filing_with_files(engine, load_settings().archive, {f"http://127.0.0.1/{name}": data})
        result = parse_bytes(data, name)
        with engine.begin() as conn:
            run_id = load_parse(conn, ids[f"http://127.0.0.1/{name}"], result)
            validate_batch(conn, [run_id])
        stored = query_rows(
            engine,
            "SELECT subject, rule_id, evidence FROM disclosure.finding WHERE family = 'careful' AND status = 'failed'",
        )
    finally:
        engine.dispose()
    assert {(r.rule_id, r.subject) for r in stored} == {(d["rule"], d["subject"]) for d in TRUTH["documents"][name]}
    placeholder = next(r for r in stored if r.rule_id == "careful.placeholder")
    assert placeholder.evidence["pages"] == [7] and "XX局" in placeholder.evidence["reason"]


def _statement(kind: str, **fields) -> dict:
    return {"kind": kind, "page": 16, "sentence": "…", **fields}


@pytest.mark.parametrize(
    ("score", "grade", "status"),
    [
        ("90", "优", "passed"),
        ("89.99", "优", "failed"),
        ("89.99", "良", "passed"),
        ("80", "良", "passed"),
        ("79.9", "中", "passed"),
        ("60", "中", "passed"),
        ("59.5", "差", "passed"),
        ("59.5", "中", "failed"),
    ],
)
def test_grade_bands_at_their_boundaries(score, grade, status):
    from validation.careful import grades

    (o,) = grades([_statement("grade", score=score, grade=grade)])
    assert o.status == status


def test_a_partial_list_is_no_breakdown_and_about_equal_allows_one_percent():
    from validation.careful import breakdowns, directions

    # "主要用于": two of three classes listed, each share of the whole 584.54: not the whole breakdown.
    partial = _statement(
        "breakdown",
        whole=None,
        parts=[
            {"label": "一般公共服务", "amount": "514.54", "share": "88.02"},
            {"label": "卫生健康", "amount": "10.72", "share": "1.83"},
        ],
    )
    sums, shares = breakdowns([partial])
    assert [o.status for o in sums] == ["not_evaluated"] and shares == []
    near = _statement("verdict", budget="100.00", final="99.20", word="基本持平", says="about_equal")
    far = _statement("verdict", budget="100.00", final="98.90", word="基本持平", says="about_equal")
    assert [o.status for o in directions([near, far])] == ["passed", "failed"]
