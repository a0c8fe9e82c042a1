"""The rule catalogue over the seeds: real rounding notes found, planted failures found."""
import json
from decimal import Decimal

import pytest

from parsers import parse_bytes
from validation.catalogue import RULES
from validation.engine import parse_formula, validate, validate_parse
from tests.conftest import FIXTURES


def _not_passed(outcomes):
    return {(o.rule_id, o.subject): o for o in outcomes if o.status != "passed"}


@pytest.mark.parametrize("seed", ["001", "002"])
def test_seeds_fail_nothing_outside_the_rounding_envelope(seed_pdfs, seed):
    truth = json.loads((FIXTURES / f"truth_{seed}.json").read_text(encoding="utf-8"))
    outcomes = validate_parse(parse_bytes(seed_pdfs[seed], seed))
    assert not [o for o in outcomes if o.status == "failed"]
    found = {o.rule_id: o.status for o in outcomes if o.status != "passed" and not o.subject}
    assert found == truth["expected_findings"]


def test_rounding_note_carries_its_evidence(seed_pdfs):
    outcomes = _not_passed(validate_parse(parse_bytes(seed_pdfs["001"], "001")))
    o = outcomes[("01.expenditure_sum", "")]
    # 514.54 + 38.40 + 10.72 + 20.88 = 584.54 against a printed 584.55; envelope (4+1)×0.005.
    assert (o.actual, o.expected, o.difference, o.tolerance) == (
        Decimal("584.55"), Decimal("584.54"), Decimal("0.01"), Decimal("0.025"))
    assert o.cells["01[58].2"] == "584.55" and o.cells["01[39].2"] == "38.40"
    assert o.pages == [2, 3]


def test_a_planted_error_fails_with_expected_printed_and_difference(seed_pdfs):
    result = parse_bytes(seed_pdfs["002"], "002")
    cells = result.cell_map()
    cells[("01", "39", 2)] = Decimal("150.52")  # printed 140.52: a 10 万元 misprint
    statuses = {k: v.status for k, v in result.tables.items()}
    failed = {o.rule_id: o for o in validate(cells, statuses) if o.status == "failed"}
    # The sum in 01 breaks, and so does 01's class row against table 03's class total.
    assert set(failed) == {"01.expenditure_sum", "03.class_208_vs_01"}
    assert failed["01.expenditure_sum"].difference == Decimal("-10.00")
    assert failed["03.class_208_vs_01"].expected == Decimal("150.52")


def test_missing_table_is_not_evaluated_never_passed(seed_pdfs):
    result = parse_bytes(seed_pdfs["001"], "001")
    statuses = {k: v.status for k, v in result.tables.items()}
    statuses["05"] = "missing"
    outcomes = [o for o in validate(result.cell_map(), statuses) if o.rule_id in ("05.row_kinds", "04.gpb_vs_05")]
    assert {o.status for o in outcomes} == {"not_evaluated"}
    assert all("05" in o.reason for o in outcomes)


def test_every_rule_formula_parses_and_ids_are_unique():
    assert len({r.id for r in RULES}) == len(RULES)
    for rule in RULES:
        formula = parse_formula(rule.formula)
        assert formula.lhs and formula.rhs
