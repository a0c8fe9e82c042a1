"""Seed 003, a 绩效情况说明 printed one cell per line: as DOCX and as HTML it parses to its
hand-typed truth, and validation finds exactly its real failure (13 projects claimed, 3 attached)."""

import json
from decimal import Decimal

import pytest

from parsers import parse_bytes
from replica.render_formats import render_docx, render_html
from replica.seeds import load_fixture
from tests.conftest import FIXTURES
from validation.engine import validate_parse

TRUTH = json.loads((FIXTURES / "truth_003.json").read_text(encoding="utf-8"))


@pytest.fixture(scope="module", params=["docx", "html"])
def parsed(request):
    filing = load_fixture(FIXTURES / "performance_003.json")
    render = {"docx": render_docx, "html": render_html}[request.param]
    return parse_bytes(render(filing), f"seed-003.{request.param}")


def test_identity_of_a_performance_statement(parsed):
    assert (parsed.unit, parsed.year, parsed.kind) == (TRUTH["unit"], TRUTH["year"], TRUTH["kind"])
    assert parsed.cells == []


def test_every_self_evaluation_matches_the_truth(parsed):
    assert len(parsed.evaluations) == len(TRUTH["evaluations"])
    for got, want in zip(parsed.evaluations, TRUTH["evaluations"]):
        total_line = got["budget_lines"][0]
        assert (got["project_name"], got["department"], got["budget_unit"]) == (
            want["project_name"],
            want["department"],
            want["budget_unit"],
        )
        for field in ("full", "executed", "balance", "rate", "score"):
            assert Decimal(total_line[field]) == Decimal(want[field]), field
        assert (Decimal(got["total_score"]), got["grade"]) == (Decimal(want["total_score"]), want["grade"])
        assert len(got["indicators"]) == want["indicators"]


def test_validation_finds_exactly_the_real_failure(parsed):
    assert [{k: c[k] for k in ("kind", "restates", "value")} for c in parsed.claims] == TRUTH["claims"]
    failed = sorted([o.rule_id, o.subject] for o in validate_parse(parsed) if o.status == "failed")
    assert failed == TRUTH["expected_failures"]
    # Table rules do not apply to a statement without tables: nothing is reported about them
    # (the careful reader checks only what its sentences state: here its 总分数 and 等级).
    assert not [o for o in validate_parse(parsed) if o.family not in ("perf", "narrative", "careful")]
    assert [(o.rule_id, o.status) for o in validate_parse(parsed) if o.family == "careful"] == [
        ("careful.grade", "passed")
    ]
