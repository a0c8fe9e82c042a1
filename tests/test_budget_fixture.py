"""The replica's budget for seed 001's unit and year (replica.budget_fixture): byte-stable, read
by the budget parser as a whole filing, its 三公 table the 预算数 the seed's table 09 prints."""

from __future__ import annotations

from decimal import Decimal

import pytest

from parsers.dispatch import parse_bytes
from replica.budget_fixture import TITLE_TEXT, render_budget
from replica.site import build_routes, load_fixtures
from tests.conftest import truth_cells
from tests.test_fixtures_stable import _render_in_a_new_process
from validation.across_documents import SAME_YEAR
from validation.engine import validate_parse

RENDER_BUDGETS = """
import hashlib, json
from replica.budget_fixture import render_budget
print(json.dumps({str(p): hashlib.sha256(render_budget(p)).hexdigest() for p in (None, "three_public", "share")}))
"""


@pytest.fixture(scope="module")
def parsed():
    return parse_bytes(render_budget(), "replica/budget_fixture.pdf")


def test_the_budget_renders_to_the_same_bytes_in_two_processes():
    first = _render_in_a_new_process(RENDER_BUDGETS, "5")
    assert first == _render_in_a_new_process(RENDER_BUDGETS, "6")
    assert len(set(first.values())) == 3


def test_the_budget_is_read_as_a_whole_filing_of_the_seed_unit(parsed):
    seed = load_fixtures()["001"]
    assert (parsed.unit, parsed.year, parsed.kind) == (seed.unit_name, seed.fiscal_year, "单位预算")
    assert (parsed.status, parsed.template) == ("filing", "changsha-budget-10")
    printed = {code for code, t in parsed.tables.items() if t.status != "missing"}
    assert printed == {"B1", "B2", "B3", "B4", "B7", "B8", "B9", "BA", "BE", "BF"}
    assert parsed.tables["BA"].status == "empty"
    cells = parsed.cell_map()
    assert cells[("B1", "收入总计", 1)] == cells[("B7", "合计", 1)] == Decimal("644.62")
    assert cells[("B3", "合计", 2)] + cells[("B3", "合计", 3)] == Decimal("644.62")
    assert cells[("BE", "律师顾问费", 1)] == Decimal("5.00")
    assert len(parsed.targets) == 12 and {t["project"] for t in parsed.targets} == {
        "律师顾问费",
        "政府采购事务经费",
        "公共资源电子档案管理系统",
    }
    # Every identity of the budget holds (a rule over a table this template does not print is not evaluated).
    assert not [o.rule_id for o in validate_parse(parsed) if o.status in ("failed", "rounding")]


def test_its_three_public_table_is_what_the_seed_final_account_budgeted(parsed):
    # The seed's 09 as printed (its data row: 预算数 in columns 1–6, 决算数 in 7–12); blank is nothing budgeted.
    printed = load_fixtures()["001"].tables["09"].rows[-1]
    budgeted = {("09", "1", c): Decimal(printed[c - 1]) for c in range(1, 7) if printed[c - 1].strip()}
    assert budgeted == {("09", "1", c): Decimal("1.01") for c in (1, 3, 5)}
    assert set(budgeted) >= {k for k in truth_cells("001", ("09",)) if k[2] <= 6}  # the hand-typed truth agrees
    cells = parsed.cell_map()
    for _rule, final_key, budget_keys, _title in SAME_YEAR:
        on_budget = next((cells[k] for k in budget_keys if k in cells), None)
        assert on_budget == budgeted.get(final_key, Decimal("0.00")), final_key


def test_the_planted_variant_changes_one_three_public_amount_consistently():
    planted = parse_bytes(render_budget("three_public"), "planted.pdf").cell_map()
    b9 = {k[2]: v for k, v in planted.items() if k[0] == "B9"}
    assert (b9[1], b9[22], b9[24], b9[21], b9[23], b9[25]) == tuple(
        Decimal(v) for v in ("1.21", "1.21", "1.21", "0.00", "0.00", "0.00")
    )


def test_a_planted_share_fails_citing_the_narrative_and_the_tables(parsed):
    """The 说明 gives 基本支出 226.89万元 as 35.20% of 644.62 (35.197%); planted, 35.30%: the share
    fails, citing the 说明's page and those of 支出总表 (the part) and 收支总表 (the whole)."""

    def share_outcome(result):
        claim = next(c for c in result.claims if c["kind"] == "percent" and c["restates"].startswith("B3[合计].2"))
        return claim, next(
            o
            for o in validate_parse(result)
            if o.rule_id == "budget.narrative_percent" and o.subject == str(claim["seq"])
        )

    claim, printed = share_outcome(parsed)
    assert (claim["value"], printed.status) == ("35.20", "passed")
    claim, planted = share_outcome(parse_bytes(render_budget("share"), "planted.pdf"))
    assert (claim["value"], planted.status, planted.expected) == ("35.30", "failed", Decimal("35.20"))
    assert planted.cells == {"B3[合计].2": "226.89", "B1[支出总计].1": "644.62"}
    assert planted.pages == sorted({claim["page"], *parsed.tables["B3"].pages, *parsed.tables["B1"].pages})


def test_the_datong_site_lists_the_budget_only_when_asked():
    with_budget = build_routes(budget=b"%PDF-1.4 budget", counties=False)
    listed = with_budget["/datong/czxx/index_1.html"].body.decode("utf-8")
    assert TITLE_TEXT in listed and "./202402/t20240206_0950.html" in listed
    detail = with_budget["/datong/czxx/202402/t20240206_0950.html"].body.decode("utf-8")
    assert "./P020240206305512.pdf" in detail
    assert with_budget["/datong/czxx/202402/P020240206305512.pdf"].body == b"%PDF-1.4 budget"
    # The default sites are unchanged (the end-to-end tests count their files and requests).
    default = build_routes(counties=False)
    assert not any("20240206" in path for path in default)


def test_the_demo_sites_list_the_budget_beside_the_final_account():
    """`disclosure demo` and `fixtures serve` (disclosure.cli) serve the Datong unit's budget, so
    a demo night has a final account and its budget to check against each other."""
    from disclosure.cli import _serve_replica

    with _serve_replica(0) as site:
        listed = site.routes["/datong/czxx/index_1.html"].body.decode("utf-8")
        pdf = site.routes["/datong/czxx/202402/P020240206305512.pdf"].body
    assert TITLE_TEXT in listed and pdf == render_budget()
    assert "/datong/czxx/202509/P020250915538210726915.pdf" in site.routes  # the final account beside it
