"""After parsing, a filing carries what its document says it is; completeness counts by the
published date and never counts a non-filing (real Postgres, no crawl)."""

from datetime import UTC, datetime

import pytest
from sqlalchemy import create_engine, text

from parsers.model import ParseResult
from registry.model import parse_registry
from warehouse.filing_identity import reconcile_filing
from warehouse.load import load_parse
from warehouse.registry_sync import sync_registry

REGISTRY = parse_registry(
    {
        "jurisdictions": [
            {
                "code": "dt",
                "name": "大同市",
                "level": "city",
                "deadlines": [{"kind": "部门决算", "year": 2024, "due_on": "2025-09-10"}],
            }
        ],
        "units": [
            {
                "code": "zjj",
                "jurisdiction": "dt",
                "name": "大同市住房和城乡建设局",
                "kind": "department",
                "first_year": 2023,
                "last_year": 2024,
            },
            {
                "code": "jyj",
                "jurisdiction": "dt",
                "name": "大同市教育局",
                "kind": "department",
                "first_year": 2024,
                "last_year": 2024,
            },
            {
                "code": "wjj",
                "jurisdiction": "dt",
                "name": "大同市卫生健康委员会",
                "kind": "department",
                "first_year": 2024,
                "last_year": 2024,
            },
        ],
        "sites": [{"key": "dt", "jurisdiction": "dt", "family": "trs_wcm", "start_urls": ["http://www.dt.gov.cn/"]}],
    },
    "test",
)


@pytest.fixture
def engine(migrated_url):
    eng = create_engine(migrated_url)
    with eng.begin() as conn:
        sync_registry(conn, REGISTRY)
    yield eng
    eng.dispose()


def add_filing(conn, title, published=None, first_seen="2025-08-01", unit=None, year=None, kind=None):
    site = conn.execute(text("SELECT id FROM disclosure.site WHERE key = 'dt'")).scalar()
    unit_id = conn.execute(text("SELECT id FROM disclosure.unit WHERE code = :c"), {"c": unit}).scalar()
    seen = datetime.fromisoformat(first_seen).replace(tzinfo=UTC)
    url = f"http://www.dt.gov.cn/{abs(hash(title))}.html"
    filing = conn.execute(
        text("""
        INSERT INTO disclosure.filing (site_id, detail_url, detail_key, title, unit_id, fiscal_year, kind,
                                       published_on, first_seen_at, last_seen_at)
        VALUES (:s, :u, :k, :t, :unit, :y, :kind, :p, :seen, :seen) RETURNING id"""),
        {
            "s": site,
            "u": url,
            "k": url[5:],
            "t": title,
            "unit": unit_id,
            "y": year,
            "kind": kind,
            "p": published,
            "seen": seen,
        },
    ).scalar()
    return conn.execute(
        text("""
        INSERT INTO disclosure.archived_file (filing_id, sha256, source_url, final_url, fetched_at, http_status,
                                              storage_key, size_bytes, media_type)
        VALUES (:f, repeat('a', 64), :u, :u, now(), 200, 'k', 1, 'application/pdf') RETURNING id"""),
        {"f": filing, "u": url + ".pdf"},
    ).scalar()


def parsed(unit, year, kind, status="filing"):
    return ParseResult(source="x", unit=unit, year=year, kind=kind, tables={}, cells=[], status=status)


def completeness(engine, kind="部门决算"):
    """(unit, year) → status of one kind (the departments also owe their 部门预算 by default)."""
    with engine.connect() as conn:
        return {
            (r.unit_code, r.fiscal_year): r.status
            for r in conn.execute(
                text("SELECT unit_code, fiscal_year, status FROM disclosure.completeness WHERE kind = :k"), {"k": kind}
            )
        }


def test_late_is_by_the_published_date_and_no_date_is_never_late(engine):
    with engine.begin() as conn:
        # printed date after the due date 2025-09-10: late, whenever we first saw it
        add_filing(
            conn,
            "大同市住房和城乡建设局2024年度部门决算公开",
            published="2025-09-12",
            first_seen="2025-09-13",
            unit="zjj",
            year=2024,
            kind="部门决算",
        )
        # printed date in time, first seen long after (a new site added to the registry): present
        add_filing(
            conn,
            "大同市住房和城乡建设局2023年度部门决算公开",
            published="2024-08-20",
            first_seen="2025-10-01",
            unit="zjj",
            year=2023,
            kind="部门决算",
        )
        # no readable date, first seen after the due date: date unknown, not late
        add_filing(
            conn, "大同市教育局2024年度部门决算公开", first_seen="2025-11-01", unit="jyj", year=2024, kind="部门决算"
        )
        # no readable date but seen before it was due: present
        add_filing(
            conn,
            "大同市卫生健康委员会2024年度部门决算公开",
            first_seen="2025-09-01",
            unit="wjj",
            year=2024,
            kind="部门决算",
        )
    assert completeness(engine) == {
        ("zjj", 2024): "late",
        ("zjj", 2023): "present",
        ("jyj", 2024): "date_unknown",
        ("wjj", 2024): "present",
    }


def test_the_document_names_what_the_title_could_not_and_completeness_uses_it(engine):
    with engine.begin() as conn:
        # the title names no unit (as identify() reads it: year and kind, no unit)
        af = add_filing(conn, "2024年度部门决算公开", published="2025-09-01", year=2024, kind="部门决算")
        assert completeness(engine)[("jyj", 2024)] == "missing"
        changes = reconcile_filing(conn, REGISTRY, af, parsed("大同市教育局", 2024, "部门决算"))
        assert changes["filled"] == ["unit_id"]
        row = conn.execute(text("SELECT identity_source, identity_note FROM disclosure.filing")).one()
    assert tuple(row) == ("document", None)
    assert completeness(engine)[("jyj", 2024)] == "present"


def test_a_disagreement_between_title_and_document_is_recorded_and_the_title_kept(engine):
    with engine.begin() as conn:
        af = add_filing(
            conn, "大同市教育局2024年度部门决算公开", published="2025-09-01", unit="jyj", year=2024, kind="部门决算"
        )
        reconcile_filing(conn, REGISTRY, af, parsed("大同市卫生健康委员会", 2023, "部门决算"))
        unit = conn.execute(text("SELECT u.code FROM disclosure.filing f JOIN disclosure.unit u ON u.id = f.unit_id"))
        assert unit.scalar() == "jyj"
    with engine.connect() as conn:
        problem = conn.execute(text("SELECT problem FROM disclosure.identification_findings")).scalar()
    assert (
        problem
        == "the title names 大同市教育局, the document 大同市卫生健康委员会; the title says 2024, the document 2023"
    )


def test_a_document_that_is_not_a_filing_is_never_counted(engine):
    with engine.begin() as conn:
        af = add_filing(
            conn,
            "关于召开会议审议大同市教育局2024年度部门决算的通知",
            published="2025-08-20",
            unit="jyj",
            year=2024,
            kind="部门决算",
        )
        # as the parse stage does: the parse is stored (its status with it), then reconciled
        result = parsed(None, None, None, status="not_a_filing")
        load_parse(conn, af, result)
        reconcile_filing(conn, REGISTRY, af, result)
    assert completeness(engine)[("jyj", 2024)] == "missing"
    with engine.connect() as conn:
        assert conn.execute(text("SELECT count(*) FROM disclosure.identification_findings")).scalar() == 0


def test_a_unit_that_publishes_two_kinds_owes_both(migrated_url):
    registry = parse_registry(
        {
            "jurisdictions": [{"code": "dt", "name": "大同市", "level": "city", "publishes": ["决算"]}],
            "units": [
                {
                    "code": "zjj",
                    "jurisdiction": "dt",
                    "name": "大同市住房和城乡建设局",
                    "kind": "department",
                    "publishes": ["部门决算", "单位决算"],
                    "first_year": 2023,
                    "last_year": 2024,
                },
                {
                    "code": "jyj",
                    "jurisdiction": "dt",
                    "name": "大同市教育局",
                    "kind": "department",
                    "first_year": 2024,
                    "last_year": 2024,
                },
            ],
        },
        "test",
    )
    eng = create_engine(migrated_url)
    with eng.begin() as conn:
        sync_registry(conn, registry)
        owed = sorted(
            tuple(r)
            for r in conn.execute(
                text("""
            SELECT u.code, e.fiscal_year, e.kind FROM disclosure.expected_filing e
            JOIN disclosure.unit u ON u.id = e.unit_id""")
            )
        )
    eng.dispose()
    assert owed == [
        ("jyj", 2024, "部门决算"),
        ("zjj", 2023, "单位决算"),
        ("zjj", 2023, "部门决算"),
        ("zjj", 2024, "单位决算"),
        ("zjj", 2024, "部门决算"),
    ]


def test_a_unit_publishes_list_with_an_unknown_kind_is_refused():
    from registry.model import RegistryError

    with pytest.raises(RegistryError, match=r"units\[0\] \(zjj\): publishes.0: Input should be '部门决算'"):
        parse_registry(
            {
                "jurisdictions": [{"code": "dt", "name": "大同市", "level": "city"}],
                "units": [{"code": "zjj", "jurisdiction": "dt", "name": "x", "publishes": ["决算"]}],
            },
            "test",
        )
