"""The Datong unit's 2024 final account (seed 001) and its 2024 budget (replica.budget_fixture)
crawled from the replica, parsed, loaded and validated against each other in the store."""

from __future__ import annotations

from decimal import Decimal

import pytest
from sqlalchemy import text

from disclosure import pipeline
from replica.budget_fixture import render_budget
from replica.site import ReplicaSite
from tests.conftest import registry_subset

pytestmark = pytest.mark.slow

THREE_PUBLIC = (
    "across_documents.three_public_total",
    "across_documents.three_public_abroad",
    "across_documents.three_public_cars",
    "across_documents.three_public_car_purchase",
    "across_documents.three_public_car_running",
    "across_documents.three_public_reception",
)
BUDGET_PATH = "/datong/czxx/202402/P020240206305512.pdf"


def _context(monkeypatch, tmp_path, db_url, site):
    for key, value in {
        "DATABASE_URL": db_url,
        "DISCLOSURE_VAR_DIR": str(tmp_path / "var"),
        "DISCLOSURE_REPLICA_BASE": site.base_url,
        "DISCLOSURE_CRAWL_THROTTLE": "0",
        "DISCLOSURE_REGISTRY": str(registry_subset(tmp_path / "registry.yaml", ("replica-datong-trs",))),
    }.items():
        monkeypatch.setenv(key, value)
    return pipeline.context()


def _findings(ctx, year: int = 2024, kind: str = "单位决算") -> dict[tuple[str, str], dict]:
    """The across_documents findings on the unit's current parse of that year and kind."""
    with ctx.engine.connect() as conn:
        rows = conn.execute(
            text("""
            SELECT fd.rule_id, fd.subject, fd.status, fd.expected, fd.actual, fd.evidence
            FROM disclosure.finding fd JOIN disclosure.current_parse cp ON cp.id = fd.parse_run_id
            JOIN disclosure.filing f ON f.id = cp.filing_id JOIN disclosure.unit u ON u.id = f.unit_id
            WHERE u.code = 'dt-ggzy' AND f.fiscal_year = :year AND f.kind = :kind
              AND fd.family = 'across_documents'"""),
            {"year": year, "kind": kind},
        ).mappings()
        return {(r["rule_id"], r["subject"]): dict(r) for r in rows}


def test_the_final_account_is_checked_against_the_budget_that_arrives_a_night_later(
    server_url, db_url, monkeypatch, tmp_path
):
    with ReplicaSite(budget=render_budget()) as site:
        site.behaviour.server_error_paths.add(BUDGET_PATH)  # the budget's file is not reachable yet
        ctx = _context(monkeypatch, tmp_path, db_url, site)
        pipeline.run_once(ctx)
        night_one = _findings(ctx)
        for rule in THREE_PUBLIC:
            assert night_one[(rule, "")]["status"] == "not_evaluated"
            assert night_one[(rule, "")]["evidence"]["reason"] == "no 2024 budget of this unit in the archive"

        site.behaviour.server_error_paths.clear()
        out = pipeline.run_once(ctx)
        assert out["parse"]["parsed"] == 1  # the budget; the final account is validated again, not parsed
        night_two = _findings(ctx)
    # The 三公 预算数 agree: no 三公 finding is left (passed outcomes are not stored).
    assert not [key for key in night_two if key[0] in THREE_PUBLIC]
    # Every project the final account evaluates is in the budget's 项目支出表: equal, except the two
    # 其他养人 projects whose 1.782 the budget prints as 1.78 (within rounding).
    assert {(k[0], v["status"]) for k, v in night_two.items()} == {
        ("across_documents.evaluation_initial_budget", "rounding")
    }
    rounding = sorted(
        v["evidence"]["cells"]["决算 QT其他养人1 年初预算数"]
        for v in night_two.values()
        if "决算 QT其他养人1 年初预算数" in v["evidence"]["cells"]
    )
    assert rounding == ["1.782"] and len(night_two) == 2
    with ctx.engine.connect() as conn:
        budget_checked = conn.execute(
            text("""SELECT count(*) FROM disclosure.finding fd JOIN disclosure.current_parse cp ON cp.id = fd.parse_run_id
                    JOIN disclosure.filing f ON f.id = cp.filing_id
                    WHERE f.kind = '单位预算' AND fd.family = 'budget' AND fd.status = 'failed'""")
        ).scalar()
    assert budget_checked == 0  # the budget's own identities hold


def test_a_planted_three_public_mismatch_fails_citing_both_documents_pages(server_url, db_url, monkeypatch, tmp_path):
    with ReplicaSite(budget=render_budget("three_public")) as site:
        ctx = _context(monkeypatch, tmp_path, db_url, site)
        out = pipeline.run_once(ctx)
    findings = _findings(ctx)
    failed = {k[0]: v for k, v in findings.items() if v["status"] == "failed"}
    assert set(failed) == {
        "across_documents.three_public_total",
        "across_documents.three_public_cars",
        "across_documents.three_public_car_running",
    }
    running = failed["across_documents.three_public_car_running"]
    assert (running["expected"], running["actual"]) == (Decimal("1.21"), Decimal("1.01"))
    assert running["evidence"]["cells"] == {"决算 09[1].5": "1.01", "预算 B9[合计].24": "1.21"}
    documents = running["evidence"]["documents"]
    assert (documents["final"]["pages"], documents["budget"]["pages"]) == ([13], [8])
    assert documents["final"]["kind"] == "单位决算" and documents["budget"]["kind"] == "单位预算"
    assert documents["final"]["fiscal_year"] == documents["budget"]["fiscal_year"] == 2024
    assert "final account p. 13; budget p. 8" in running["evidence"]["reason"]
    with ctx.engine.connect() as conn:
        files = dict(conn.execute(text("SELECT id, storage_key FROM disclosure.archived_file")).all())
    for role in ("final", "budget"):  # each document named by its archived file, as archived
        assert files[documents[role]["archived_file_id"]] == documents[role]["storage_key"]
    assert documents["budget"]["source_url"].endswith(BUDGET_PATH)
    # Raised as alerts like every failed finding, the evidence of both documents with them.
    assert out["alerts"]["by_kind"]["failed_identity"] >= 3
    with ctx.engine.connect() as conn:
        alerted = conn.execute(
            text("""SELECT payload->'evidence'->'documents'->'budget'->>'archived_file_id' FROM disclosure.alert
                    WHERE kind = 'failed_identity' AND payload->>'rule_id' = 'across_documents.three_public_car_running'""")
        ).scalar()
    assert int(alerted) == documents["budget"]["archived_file_id"]


def test_the_budgets_targets_are_stored_and_joined_to_the_final_accounts_self_evaluations(
    server_url, db_url, monkeypatch, tmp_path
):
    from warehouse.export import ExportFilter, export_csv

    with ReplicaSite(budget=render_budget()) as site:
        ctx = _context(monkeypatch, tmp_path, db_url, site)
        pipeline.run_once(ctx)
    with ctx.engine.connect() as conn:
        targets = conn.execute(
            text(
                "SELECT project, level1, level2, level3, target_value, page FROM disclosure.performance_target ORDER BY seq"
            )
        ).all()
        joined = conn.execute(
            text("""SELECT evaluation_project, target_project, level3, target_value, indicator_as_evaluated,
                           evaluation_page, target_page
                    FROM disclosure.evaluation_target ORDER BY target_seq""")
        ).all()
    assert len(targets) == 12 and targets[0] == ("律师顾问费", "产出指标", "数量指标", "聘请律师人数", "=1人", 11)
    assert len(joined) == 12  # every target of the three cards meets its project's self-evaluation
    first = joined[0]
    assert (first.evaluation_project, first.target_project, first.level3) == (
        "J律师顾问费",
        "律师顾问费",
        "聘请律师人数",
    )
    assert first.indicator_as_evaluated.startswith("产出指标 / 数量指标 / 聘请律师人数")
    assert (first.evaluation_page, first.target_page) == (21, 11)
    # What the budget set, the evaluation does not name (效益/满意度 indicators differ): no indicator row.
    assert sum(1 for j in joined if j.indicator_as_evaluated is None) >= 1
    out = tmp_path / "targets.csv"
    assert export_csv(ctx.engine, "targets", ExportFilter(), out) == 12
    assert "聘请律师人数" in out.read_text(encoding="utf-8-sig")
