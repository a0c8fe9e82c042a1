"""Budgets in the completeness matrix: who owes which of 部门/单位 预算 and 决算, when a budget
is due (the registry's dates, the congress's approval + 40 days, or Y-03-31), late and missing
budgets, their alerts (raised once) and the registry's errors on bad kinds (real Postgres)."""

from datetime import UTC, date, datetime

import pytest
from sqlalchemy import create_engine, text

from alerting.raise_alerts import raise_alerts
from registry.model import RegistryError, parse_registry
from warehouse.registry_sync import sync_registry
from warehouse.summary import store_summary

# A city like Datong: a department (部门 filings) and one of its units (单位 filings). The
# congress approved 2025's budget on 2025-01-16 (due 40 days later, 02-25); the finance bureau
# 批复 2024's on 2024-01-30 (due 20 days later); 2023's and 2022's fall to the default (Y-03-31).
REGISTRY = {
    "jurisdictions": [
        {
            "code": "dt",
            "name": "大同市",
            "level": "city",
            "deadlines": [
                {"kind": "预算", "year": 2025, "congress_approved_on": "2025-01-16"},
                {"kind": "部门预算", "year": 2024, "approved_on": "2024-01-30"},
                {"kind": "单位预算", "year": 2024, "due_on": "2024-02-20"},
            ],
        },
        {"code": "dt-yz", "name": "大同市云州区", "level": "county", "parent": "dt"},
    ],
    "units": [
        {
            "code": "zjj",
            "jurisdiction": "dt",
            "name": "大同市住房和城乡建设局",
            "kind": "department",
            "first_year": 2022,
            "last_year": 2025,
        },
        {
            "code": "ggzy",
            "jurisdiction": "dt",
            "name": "大同市公共资源交易中心",
            "parent": "zjj",
            "first_year": 2024,
            "last_year": 2025,
        },
    ],
    "sites": [{"key": "dt", "jurisdiction": "dt", "family": "trs_wcm", "start_urls": ["http://www.dt.gov.cn/"]}],
}


@pytest.fixture
def engine(migrated_url):
    eng = create_engine(migrated_url)
    with eng.begin() as conn:
        sync_registry(conn, parse_registry(REGISTRY, "test.yaml"))
    yield eng
    eng.dispose()


def add_filing(conn, unit, year, kind, published=None, first_seen=None):
    """A filing as the crawl records it (title, unit, year, kind, the date the site prints)."""
    name = conn.execute(text("SELECT name FROM disclosure.unit WHERE code = :c"), {"c": unit}).scalar()
    title = f"{name}{year}年{kind}公开"
    seen = datetime.fromisoformat(first_seen or published or f"{year}-06-01").replace(tzinfo=UTC)
    url = f"http://www.dt.gov.cn/{unit}/{year}/{kind}.html"
    conn.execute(
        text("""
        INSERT INTO disclosure.filing (site_id, detail_url, detail_key, title, unit_id, fiscal_year, kind,
                                       published_on, first_seen_at, last_seen_at)
        SELECT s.id, :u, :k, :t, u.id, :y, :kind, :p, :seen, :seen
        FROM disclosure.site s, disclosure.unit u WHERE s.key = 'dt' AND u.code = :unit"""),
        {"u": url, "k": url[5:], "t": title, "unit": unit, "y": year, "kind": kind, "p": published, "seen": seen},
    )


def matrix(engine):
    with engine.connect() as conn:
        return {
            (r.unit_code, r.fiscal_year, r.kind): (r.status, r.due_on, r.due_basis)
            for r in conn.execute(text("SELECT * FROM disclosure.completeness"))
        }


def test_every_unit_owes_its_budget_and_final_account_by_its_kind(engine):
    owed = {(u, y, k) for (u, y, k) in matrix(engine)}
    assert {k for u, _, k in owed if u == "zjj"} == {"部门预算", "部门决算"}
    assert {k for u, _, k in owed if u == "ggzy"} == {"单位预算", "单位决算"}
    assert {y for u, y, k in owed if u == "zjj" and k == "部门预算"} == {2022, 2023, 2024, 2025}
    with engine.connect() as conn:  # a county owes nothing here but is synced with its parent
        parent = conn.execute(
            text("""SELECT p.code FROM disclosure.jurisdiction j JOIN disclosure.jurisdiction p ON p.id = j.parent_id
                    WHERE j.code = 'dt-yz'""")
        ).scalar()
    assert parent == "dt"


def test_budget_due_dates_from_the_registry_the_congress_and_the_default(engine):
    m = matrix(engine)
    # the congress approved 2025's on 01-16: both kinds due 40 days later
    assert m[("zjj", 2025, "部门预算")][1:] == (date(2025, 2, 25), "congress_approved_on")
    assert m[("ggzy", 2025, "单位预算")][1:] == (date(2025, 2, 25), "congress_approved_on")
    # 2024: the 部门预算 20 days after the finance bureau's 批复, the 单位预算 on its own date
    assert m[("zjj", 2024, "部门预算")][1:] == (date(2024, 2, 19), "approved_on")
    assert m[("ggzy", 2024, "单位预算")][1:] == (date(2024, 2, 20), "due_on")
    # no registry date: budgets by the end of March of the year itself, final accounts Y+1-09-30
    assert m[("zjj", 2023, "部门预算")][1:] == (date(2023, 3, 31), "default")
    assert m[("zjj", 2023, "部门决算")][1:] == (date(2024, 9, 30), "default")


def test_late_and_missing_budgets_follow_the_final_accounts_rule(engine):
    with engine.begin() as conn:
        add_filing(conn, "zjj", 2025, "部门预算", published="2025-02-20")  # due 02-25: in time
        add_filing(conn, "ggzy", 2025, "单位预算", published="2025-03-05")  # due 02-25: late
        add_filing(conn, "zjj", 2024, "部门预算", first_seen="2024-02-10")  # no date, seen before due
        add_filing(conn, "zjj", 2023, "部门预算", first_seen="2024-05-01")  # no date, seen after due
    status = {k: v[0] for k, v in matrix(engine).items()}
    assert status[("zjj", 2025, "部门预算")] == "present"
    assert status[("ggzy", 2025, "单位预算")] == "late"
    assert status[("zjj", 2024, "部门预算")] == "present"
    assert status[("zjj", 2023, "部门预算")] == "date_unknown"  # never called late
    assert status[("ggzy", 2024, "单位预算")] == "missing"  # expected, due 2024-02-20, absent
    assert status[("zjj", 2022, "部门预算")] == "missing"
    with engine.connect() as conn:
        summary = store_summary(conn)
    assert summary["completeness_by_kind"]["部门预算"] == {"date_unknown": 1, "missing": 1, "present": 2}
    assert summary["completeness_by_kind"]["单位预算"] == {"late": 1, "missing": 1}


def test_a_budget_not_yet_due_is_not_missing(engine):
    with engine.begin() as conn:
        conn.execute(
            text("""UPDATE disclosure.deadline SET congress_approved_on = current_date
                    WHERE kind = '部门预算' AND fiscal_year = 2025""")
        )
    assert matrix(engine)[("zjj", 2025, "部门预算")][0] == "not_yet_due"


def test_missing_and_late_budget_alerts_are_raised_once(engine):
    with engine.begin() as conn:
        add_filing(conn, "ggzy", 2025, "单位预算", published="2025-03-05")
        first = raise_alerts(conn)
        again = raise_alerts(conn)
    late = [a for a in first if a["kind"] == "late_filing"]
    assert [(a["payload"]["kind"], a["payload"]["due_basis"]) for a in late] == [("单位预算", "congress_approved_on")]
    assert late[0]["subject"] == "大同市公共资源交易中心 2025 单位预算 — published 2025-03-05, due 2025-02-25"
    missing = {
        (a["payload"]["unit"], a["payload"]["year"], a["payload"]["kind"])
        for a in first
        if a["kind"] == "missing_filing"
    }
    assert {("ggzy", 2024, "单位预算"), ("zjj", 2022, "部门预算"), ("zjj", 2025, "部门预算")} <= missing
    assert again == []


def test_a_registry_sync_replaces_the_deadlines(engine):
    changed = {
        **REGISTRY,
        "jurisdictions": [{**REGISTRY["jurisdictions"][0], "deadlines": []}, REGISTRY["jurisdictions"][1]],
    }
    with engine.begin() as conn:
        sync_registry(conn, parse_registry(changed, "test.yaml"))
        sync_registry(conn, parse_registry(changed, "test.yaml"))  # idempotent
        assert conn.execute(text("SELECT count(*) FROM disclosure.deadline")).scalar() == 0
        assert conn.execute(text("SELECT count(*) FROM disclosure.unit_alias")).scalar() == 2
    assert matrix(engine)[("zjj", 2025, "部门预算")][1:] == (date(2025, 3, 31), "default")


@pytest.mark.parametrize(
    ("deadline", "message"),
    [
        (
            {"kind": "部门预决算", "due": "03-31"},
            "test.yaml: jurisdictions[0] (dt) deadlines[0]: kind: Input should be '部门决算', '单位决算', '部门预算', "
            "'单位预算', '决算' or '预算' (got '部门预决算')",
        ),
        (
            {"kind": "单位决算", "year": 2024, "congress_approved_on": "2025-01-16"},
            "test.yaml: jurisdictions[0] (dt) deadlines[0]: congress_approved_on is for budgets (预算): final "
            "accounts have no congress date",
        ),
        (
            {"kind": "预算", "congress_approved_on": "2025-01-16"},
            "test.yaml: jurisdictions[0] (dt) deadlines[0]: approved_on, due_on and congress_approved_on need the "
            "year they are for",
        ),
        (
            {"kind": "预算", "year": 2025},
            "test.yaml: jurisdictions[0] (dt) deadlines[0]: a deadline for year 2025 needs approved_on, due_on or "
            "congress_approved_on",
        ),
    ],
)
def test_a_bad_deadline_is_one_line_naming_the_file_and_key(deadline, message):
    data = {"jurisdictions": [{"code": "dt", "name": "大同市", "level": "city", "deadlines": [deadline]}]}
    with pytest.raises(RegistryError) as caught:
        parse_registry(data, "test.yaml")
    assert str(caught.value) == message and "\n" not in message


def test_bad_kind_names_in_publishes_and_twice_given_deadlines_are_refused():
    base = {"code": "dt", "name": "大同市", "level": "city"}
    with pytest.raises(
        RegistryError,
        match=r"^test.yaml: jurisdictions\[0\] \(dt\): publishes.1: Input should be '决算' or '预算' \(got '部门预算'\)$",
    ):
        parse_registry({"jurisdictions": [{**base, "publishes": ["决算", "部门预算"]}]}, "test.yaml")
    with pytest.raises(
        RegistryError,
        match=r"^test.yaml: units\[0\] \(zjj\): publishes.0: Input should be '部门决算', '单位决算', '部门预算' or '单位预算' \(got '预算'\)$",
    ):
        parse_registry(
            {
                "jurisdictions": [base],
                "units": [{"code": "zjj", "jurisdiction": "dt", "name": "x", "publishes": ["预算"]}],
            },
            "test.yaml",
        )
    twice = [
        {"kind": "预算", "year": 2025, "due_on": "2025-03-01"},
        {"kind": "单位预算", "year": 2025, "due_on": "2025-03-10"},
    ]
    with pytest.raises(
        RegistryError,
        match=r"^test.yaml: jurisdictions\[0\] \(dt\) deadlines: more than one deadline for 单位预算 2025$",
    ):
        parse_registry({"jurisdictions": [{**base, "deadlines": twice}]}, "test.yaml")
