"""Acceptance: a registry of one site of each family in the forms real sites take
(replica/variant_sites.py, registry/replica-variants.yaml), crawled on two nights with a new,
a replaced and a withdrawn filing."""

from datetime import date

import pytest

from disclosure import pipeline
from disclosure.settings import PROJECT_ROOT, load_settings
from replica.variant_sites import add_variant_sites
from tests.conftest import query_rows

SITES = ("variant-pingcheng-trs", "variant-xinrong-hanweb", "variant-daixian-unified", "variant-baode-static")


@pytest.fixture
def ctx(monkeypatch, tmp_path, db_url, replica):
    add_variant_sites(replica)
    for key, value in {
        "DATABASE_URL": db_url,
        "DISCLOSURE_VAR_DIR": str(tmp_path / "var"),
        "DISCLOSURE_REPLICA_BASE": replica.base_url,
        "DISCLOSURE_CRAWL_THROTTLE": "0",
        "DISCLOSURE_REGISTRY": str(PROJECT_ROOT / "registry" / "replica-variants.yaml"),
    }.items():
        monkeypatch.setenv(key, value)
    return pipeline.context(load_settings())


def filings(ctx):
    return {
        r.code: (r.fiscal_year, r.kind, r.published_on, r.status)
        for r in query_rows(
            ctx,
            """
        SELECT u.code, f.fiscal_year, f.kind, f.published_on, f.status FROM disclosure.filing f
        JOIN disclosure.unit u ON u.id = f.unit_id""",
        )
    }


def completeness(ctx, kind="单位决算"):
    """status → {(unit, year)} of one kind: the variant sites publish final accounts only (their
    units' budgets are owed too, and missing)."""
    out: dict = {}
    for r in query_rows(
        ctx, "SELECT unit_code, fiscal_year, status FROM disclosure.completeness WHERE kind = :k", k=kind
    ):
        out.setdefault(r.status, set()).add((r.unit_code, r.fiscal_year))
    return out


@pytest.mark.slow
def test_two_nights_on_sites_of_every_family_as_real_sites_publish(ctx, replica):
    night1 = pipeline.run_once(ctx)
    assert {c["site"]: c["status"] for c in night1["crawl"]} == dict.fromkeys(SITES, "ok"), night1["crawl"]
    found = filings(ctx)
    kind = "单位决算"
    assert found == {
        "pc-czj": (2024, kind, date(2025, 9, 12), "present"),  # <meta name="PubDate">, title broken by <br>
        "pc-jyj": (2024, kind, date(2025, 8, 28), "present"),  # the list links to the PDF, page 2 of .shtml
        "xr-czj": (2024, kind, date(2025, 8, 12), "present"),  # Hanweb without totalRecord, downfile.jsp
        "xr-slj": (2024, kind, date(2025, 8, 11), "present"),
        "xr-jyj": (2024, kind, date(2025, 8, 10), "present"),  # a record that is the download itself
        "dx-czj": (2024, kind, date(2025, 8, 21), "present"),  # unit from the platform's row, octet-stream
        "dx-jyj": (2024, kind, date(2025, 8, 22), "present"),
        "bd-czj": (2024, kind, date(2025, 8, 26), "present"),  # GBK, date before the link
        "bd-slj": (2024, kind, date(2025, 8, 27), "present"),  # "2024年度单位决算公开": the document names it
    }
    source = dict(
        query_rows(
            ctx,
            """SELECT u.code, f.identity_source FROM disclosure.filing f
                                     JOIN disclosure.unit u ON u.id = f.unit_id""",
        )
    )
    # the unified row's deptName completes its title; "2024年度单位决算公开" on the static list: only the PDF names it
    assert source["bd-slj"] == "document" and source["dx-czj"] == source["pc-czj"] == "title"
    status = completeness(ctx)
    assert status["missing"] == {("pc-sfj", 2024), ("xr-slj", 2023), ("pc-wjj", 2024)}
    assert "late" not in status and "date_unknown" not in status
    # the same units and years owe their budgets, which these sites do not publish
    assert completeness(ctx, "单位预算") == {"missing": set().union(*status.values())}
    # the agenda and the notices were not counted for anyone
    assert status["present"] == {(u, 2024) for u in found}
    assert not [p for _m, p, _s in replica.requests if p.startswith("/private/")]  # robots.txt

    add_variant_sites(replica, night=2)
    served = len(replica.requests)
    night2 = pipeline.run_once(ctx)
    # the list→PDF filing archived its file and asks for it conditionally afterwards
    assert ("GET", "/pingcheng/zwgk/czxx/202508/P020250828556712345678.pdf", 304) in replica.requests[served:]
    crawls = {c["site"]: c for c in night2["crawl"]}
    assert {k: c["status"] for k, c in crawls.items()} == dict.fromkeys(SITES, "ok")
    assert crawls["variant-pingcheng-trs"]["new_filings"] == 1
    assert crawls["variant-xinrong-hanweb"]["changed_files"] == 1
    assert crawls["variant-daixian-unified"]["withdrawn"] == 1
    found = filings(ctx)
    assert found["pc-wjj"] == (2024, kind, date(2025, 9, 25), "present")
    assert found["dx-jyj"][3] == "withdrawn"
    versions = query_rows(
        ctx,
        """SELECT count(*) FROM disclosure.archived_file af JOIN disclosure.filing f
                                  ON f.id = af.filing_id JOIN disclosure.unit u ON u.id = f.unit_id
                                  WHERE u.code = 'xr-czj'""",
    )[0][0]
    assert versions == 2
    status = completeness(ctx)
    assert status["missing"] == {("pc-sfj", 2024), ("xr-slj", 2023)}
    assert status["withdrawn"] == {("dx-jyj", 2024)}
    assert "late" not in status and "date_unknown" not in status
