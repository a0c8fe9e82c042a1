"""The registry sync writes only what changed (issue #21), and leaves the store as a first
sync of the same registry would."""

from __future__ import annotations

import copy

import pytest
import yaml
from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url

from disclosure.settings import PROJECT_ROOT
from registry.model import parse_registry
from warehouse.migrate import upgrade
from warehouse.registry_sync import sync_registry

REPLICA = PROJECT_ROOT / "registry" / "replica.yaml"
NOTHING = {"jurisdictions": 0, "deadlines": 0, "units": 0, "aliases": 0, "sites": 0}

STATE = {  # the store's registry tables, by their registry keys (ids differ from store to store)
    "jurisdiction": """SELECT j.code, j.name, j.level, p.code, j.publishes FROM disclosure.jurisdiction j
                       LEFT JOIN disclosure.jurisdiction p ON p.id = j.parent_id ORDER BY 1""",
    "deadline": """SELECT j.code, d.kind, d.fiscal_year, d.approved_on, d.due_on, d.due_month, d.due_day
                   FROM disclosure.deadline d JOIN disclosure.jurisdiction j ON j.id = d.jurisdiction_id
                   ORDER BY 1, 2, 3, 4, 5, 6, 7""",
    "unit": """SELECT j.code, u.code, u.name, u.budget_code, u.kind, u.parent_code, u.first_year, u.last_year,
                      u.publishes
               FROM disclosure.unit u JOIN disclosure.jurisdiction j ON j.id = u.jurisdiction_id ORDER BY 1, 2""",
    "alias": """SELECT u.code, a.alias FROM disclosure.unit_alias a JOIN disclosure.unit u ON u.id = a.unit_id
                ORDER BY 1, 2""",
    "site": """SELECT s.key, j.code, s.family, s.start_urls, s.config FROM disclosure.site s
               JOIN disclosure.jurisdiction j ON j.id = s.jurisdiction_id ORDER BY 1""",
    "expected": """SELECT u.code, e.fiscal_year, e.kind FROM disclosure.expected_filing e
                   JOIN disclosure.unit u ON u.id = e.unit_id ORDER BY 1, 2, 3""",
}


def state(engine) -> dict:
    with engine.connect() as conn:
        return {name: [tuple(r) for r in conn.execute(text(sql))] for name, sql in STATE.items()}


def sync(engine, registry) -> dict:
    with engine.begin() as conn:
        return sync_registry(conn, registry)["written"]


@pytest.fixture
def data() -> dict:
    return yaml.safe_load(REPLICA.read_text(encoding="utf-8"))


@pytest.fixture
def engine(migrated_url):
    eng = create_engine(migrated_url)
    yield eng
    eng.dispose()


def test_an_unchanged_registry_is_synced_without_writing(engine, data):
    registry = parse_registry(data, "replica.yaml", {"replica": "http://127.0.0.1:9"})
    first = sync(engine, registry)
    assert first["units"] == len(registry.units) and first["sites"] == len(registry.sites)
    assert first["deadlines"] == 1  # datong's, the only jurisdiction with deadlines
    before = state(engine)
    assert before["unit"] and before["alias"] and before["expected"] and before["deadline"]
    versions = "SELECT unit_id, fiscal_year, kind, xmin::text FROM disclosure.expected_filing ORDER BY 1, 2, 3"
    with engine.connect() as conn:
        written = conn.execute(text(versions)).all()
    assert sync(engine, registry) == NOTHING
    assert state(engine) == before
    with engine.connect() as conn:  # no expected filing rewritten either (same row versions)
        assert conn.execute(text(versions)).all() == written


def test_a_changed_registry_writes_exactly_its_changes_and_ends_as_a_first_sync(engine, migrated_url, data):
    subs = {"replica": "http://127.0.0.1:9"}
    sync(engine, parse_registry(data, "replica.yaml", subs))
    edited = copy.deepcopy(data)
    units = {u["code"]: u for u in edited["units"]}
    units["xz-czj"]["name"] = "忻州市财政局（国资委）"  # renamed: one unit row and its new name as alias
    units["yz-jyj"]["last_year"] = 2022  # fewer expected filings
    units["xf-slj"]["aliases"] = ["忻府区水利局"]  # a new alias only
    edited["units"].append(
        {"code": "xf-jyj", "jurisdiction": "xinzhou-xinfu", "name": "忻州市忻府区教育局", "first_year": 2020}
    )
    juris = {j["code"]: j for j in edited["jurisdictions"]}
    juris["datong"]["deadlines"] = [{"kind": "单位决算", "due": "09-30"}]  # replaced
    juris["xinzhou"]["deadlines"] = [{"kind": "单位决算", "year": 2024, "due_on": "2025-09-15"}]  # added
    sites = {s["key"]: s for s in edited["sites"]}
    sites["replica-yunzhou-hanweb"]["config"] = {"prefix": "/yunzhou", "unit_id": "4521"}
    registry = parse_registry(edited, "replica.yaml", subs)

    written = sync(engine, registry)
    assert written == {"jurisdictions": 0, "deadlines": 2, "units": 3, "aliases": 3, "sites": 1}
    after = state(engine)
    assert ("yz-jyj", 2023, "单位决算") not in after["expected"] and ("yz-jyj", 2022, "单位决算") in after["expected"]
    assert ("xf-jyj", 2020, "单位决算") in after["expected"]
    assert sync(engine, registry) == NOTHING

    # the same registry synced into an empty store gives the same rows (the old names of the
    # renamed unit excepted: aliases are added, never taken away)
    url = make_url(migrated_url)
    name = f"{url.database}_fresh"
    fresh_url = url.set(database=name).render_as_string(hide_password=False)
    admin = create_engine(url.set(database="postgres"), isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'CREATE DATABASE "{name}"'))
    try:
        upgrade(fresh_url)
        fresh = create_engine(fresh_url)
        sync(fresh, registry)
        expected = state(fresh)
        fresh.dispose()
        assert {k: v for k, v in after.items() if k != "alias"} == {k: v for k, v in expected.items() if k != "alias"}
        assert set(after["alias"]) - set(expected["alias"]) == {("xz-czj", "忻州市财政局")}
        assert set(expected["alias"]) <= set(after["alias"])
    finally:
        with admin.connect() as conn:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()


def test_a_store_that_lost_rows_gets_them_back(engine, data):
    """The comparison is with the store, not with a remembered digest: rows deleted there are
    written again."""
    registry = parse_registry(data, "replica.yaml", {"replica": "http://127.0.0.1:9"})
    sync(engine, registry)
    before = state(engine)
    with engine.begin() as conn:
        conn.execute(text("DELETE FROM disclosure.unit_alias WHERE alias = '云州区财政局'"))
        conn.execute(text("UPDATE disclosure.site SET family = 'static_list' WHERE key = 'replica-datong-trs'"))
        conn.execute(text("DELETE FROM disclosure.deadline"))
    assert sync(engine, registry) == {"jurisdictions": 0, "deadlines": 1, "units": 0, "aliases": 1, "sites": 1}
    assert state(engine) == before
