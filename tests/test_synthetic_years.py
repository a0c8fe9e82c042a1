"""Synthetic units and years derived from the seeds: every planted failure is found and
nothing unplanted is; the cross-year rules run on the longitudinal archive."""

import json
from decimal import Decimal

import pytest
from sqlalchemy import text

from disclosure import pipeline
from parsers import parse_bytes
from replica.render_pdf import render_pdf
from replica.site import ReplicaSite, _rendered_fixture, load_fixtures
from replica.synthetic import PLANTS, Derivation, derive
from tests.conftest import FIXTURES
from validation.engine import validate_parse


@pytest.fixture(scope="module")
def seed_2024():
    return load_fixtures()["001"]


@pytest.fixture(scope="module")
def parsed_2024():
    return parse_bytes(_rendered_fixture("001"), "001")


def _failed(outcomes):
    return sorted(f"{o.rule_id} {o.subject}".strip() for o in outcomes if o.status == "failed")


def test_scaling_keeps_exact_identities_exact(seed_2024):
    scaled = derive(seed_2024, Derivation("001", 2025, 2))
    result = parse_bytes(render_pdf(scaled), "scaled")
    base = parse_bytes(_rendered_fixture("001"), "001").cell_map()
    assert {k: v for k, v in result.cell_map().items() if k[0] == "01"} == {
        k: v * 2 for k, v in base.items() if k[0] == "01"
    }
    assert next(o for o in validate_parse(result) if o.rule_id == "01.balance").status == "passed"


def test_a_derived_year_keeps_every_identity_and_chains(seed_2024, parsed_2024):
    derived = derive(seed_2024, Derivation("001", 2025, 1, unit_name="大同市政务服务中心"), previous=seed_2024)
    result = parse_bytes(render_pdf(derived), "derived")
    assert (result.year, result.unit) == (2025, "大同市政务服务中心")
    assert result.cell_map() == parsed_2024.cell_map()
    outcomes = validate_parse(result, previous=parsed_2024)
    truth = json.loads((FIXTURES / "truth_001.json").read_text(encoding="utf-8"))
    assert _failed(outcomes) == truth["expected_failures"]  # only the seed's own real failures
    changes = [o for o in outcomes if o.rule_id == "narrative.change"]
    assert changes and {o.status for o in changes} == {"passed"}  # rewritten from the two years' figures
    opening = next(o for o in outcomes if o.rule_id == "xyear.opening_01")
    assert opening.status == "passed"


@pytest.mark.parametrize("plant", sorted(PLANTS))
def test_every_planted_failure_is_found_and_nothing_unplanted(seed_2024, parsed_2024, plant):
    derived = derive(seed_2024, Derivation("001", 2025, 1, plants=(plant,)), previous=seed_2024)
    outcomes = validate_parse(parse_bytes(render_pdf(derived), plant), previous=parsed_2024)
    truth = json.loads((FIXTURES / "truth_001.json").read_text(encoding="utf-8"))
    planted = [f"{rule} {subject}".strip() for rule, subject in PLANTS[plant]]
    assert _failed(outcomes) == sorted(truth["expected_failures"] + planted)


def test_without_last_year_the_cross_year_rules_are_not_evaluated(parsed_2024):
    outcomes = validate_parse(parsed_2024)
    cross = [o for o in outcomes if o.family == "xyear" or o.rule_id == "narrative.change"]
    assert cross and {o.status for o in cross} == {"not_evaluated"}
    assert all("no 2023 filing" in o.reason for o in cross)


def test_a_missing_table_is_a_required_parts_failure(parsed_2024):
    import copy

    result = copy.deepcopy(parsed_2024)
    result.tables["06"].status = "missing"
    result.cells = [c for c in result.cells if c.table != "06"]
    failed = {o.rule_id: o.reason for o in validate_parse(result) if o.family == "required" and o.status == "failed"}
    assert failed == {"required.06": "公开06表 is missing from the filing"}


def test_the_store_checks_years_against_each_other_in_any_order(server_url, db_url, monkeypatch, tmp_path, seed_2024):
    """2025 (opening balance planted) is crawled first; 2024 appears a night later."""
    derived = derive(seed_2024, Derivation("001", 2025, 1, plants=("opening_balance",)), previous=seed_2024)
    with ReplicaSite(extra=[derived]) as site:
        hidden = "/datong/czxx/202509/t20250915_1001.html"
        site.behaviour.server_error_paths.add(hidden)  # the 2024 filing is not reachable yet
        for key, value in {
            "DATABASE_URL": db_url,
            "DISCLOSURE_VAR_DIR": str(tmp_path),
            "DISCLOSURE_REPLICA_BASE": site.base_url,
            "DISCLOSURE_CRAWL_THROTTLE": "0",
        }.items():
            monkeypatch.setenv(key, value)
        ctx = pipeline.context()
        pipeline.run_once(ctx)

        def opening_status():
            with ctx.engine.connect() as conn:
                return dict(
                    conn.execute(
                        text("""
                    SELECT f.fiscal_year, fd.status FROM disclosure.finding fd
                    JOIN disclosure.current_parse cp ON cp.id = fd.parse_run_id
                    JOIN disclosure.filing f ON f.id = cp.filing_id
                    JOIN disclosure.unit u ON u.id = f.unit_id
                    WHERE fd.rule_id = 'xyear.opening_01' AND u.code = 'dt-ggzy'""")
                    ).all()
                )

        assert opening_status() == {2025: "not_evaluated"}
        site.behaviour.server_error_paths.clear()
        pipeline.run_once(ctx)
        # 2025 is validated again now that 2024 is in the archive: its planted opening balance fails.
        assert opening_status() == {2025: "failed", 2024: "not_evaluated"}
        with ctx.engine.connect() as conn:
            expected, actual = conn.execute(
                text(
                    "SELECT expected, actual FROM disclosure.finding WHERE rule_id = 'xyear.opening_01' "
                    "AND status = 'failed'"
                )
            ).one()
        assert (expected, actual) == (Decimal("0"), Decimal("5.00"))


def test_derive_command_writes_pdf_and_truth(tmp_path):
    from typer.testing import CliRunner

    from disclosure.cli import app

    result = CliRunner().invoke(app, ["fixtures", "derive", "001", "2025", str(tmp_path), "--plant", "table_misprint"])
    assert result.exit_code == 0, result.output
    (truth_file,) = tmp_path.glob("*.truth.json")
    truth = json.loads(truth_file.read_text(encoding="utf-8"))
    assert truth["year"] == 2025 and truth["planted"] == {
        "table_misprint": ["01.expenditure_sum", "03.class_208_vs_01"]
    }
    (pdf,) = tmp_path.glob("*.pdf")
    assert parse_bytes(pdf.read_bytes(), str(pdf)).year == 2025
