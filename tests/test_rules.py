"""The rule catalogue over the seeds: real rounding notes found, planted failures found."""

import json
from decimal import Decimal

import pytest

from tests.conftest import FIXTURES
from tests.parsed import seed_parse
from validation.catalogue import RULES
from validation.core import parse_formula
from validation.engine import validate_parse
from validation.tables import validate


def _not_passed(outcomes):
    return {(o.rule_id, o.subject): o for o in outcomes if o.status != "passed"}


@pytest.mark.parametrize("seed", ["001", "002"])
def test_seeds_known_failures_are_found_and_nothing_else_fails(seed_pdfs, seed):
    truth = json.loads((FIXTURES / f"truth_{seed}.json").read_text(encoding="utf-8"))
    outcomes = validate_parse(seed_parse(seed, seed))
    failed = sorted(f"{o.rule_id} {o.subject}" for o in outcomes if o.status == "failed")
    assert failed == truth["expected_failures"]
    tables = {
        o.rule_id: o.status
        for o in outcomes
        if o.status != "passed" and not o.subject and o.family not in ("narrative", "perf", "xyear")
    }
    assert tables == truth["expected_findings"]


def test_seed_002_department_self_evaluation_rates_fail(seed_pdfs):
    """The known real failure: 执行率 81.51 and 81.15 printed for the same money, neither 执行数/全年预算数."""
    outcomes = validate_parse(seed_parse("002", "002"))
    rates = {
        o.subject: (o.actual, o.expected) for o in outcomes if o.rule_id == "perf.rate" and o.subject.startswith("1:")
    }
    assert rates["1:1:资金总额"] == (Decimal("81.51"), Decimal("100.00"))
    assert rates["1:3:资金总额"] == (Decimal("81.15"), Decimal("100.00"))


def test_rounding_note_carries_its_evidence(seed_pdfs):
    outcomes = _not_passed(validate_parse(seed_parse("001", "001")))
    o = outcomes[("01.expenditure_sum", "")]
    # 514.54 + 38.40 + 10.72 + 20.88 = 584.54 against a printed 584.55; envelope (4+1)×0.005.
    assert (o.actual, o.expected, o.difference, o.tolerance) == (
        Decimal("584.55"),
        Decimal("584.54"),
        Decimal("0.01"),
        Decimal("0.025"),
    )
    assert o.cells["01[58].2"] == "584.55" and o.cells["01[39].2"] == "38.40"
    assert o.pages == [2, 3]


def test_a_planted_error_fails_with_expected_printed_and_difference(seed_pdfs):
    result = seed_parse("002", "002")
    cells = result.cell_map()
    cells[("01", "39", 2)] = Decimal("150.52")  # printed 140.52: a 10 万元 misprint
    statuses = {k: v.status for k, v in result.tables.items()}
    failed = {o.rule_id: o for o in validate(cells, statuses) if o.status == "failed"}
    # The sum in 01 breaks, and so does 01's class row against table 03's class total.
    assert set(failed) == {"01.expenditure_sum", "03.class_208_vs_01"}
    assert failed["01.expenditure_sum"].difference == Decimal("-10.00")
    assert failed["03.class_208_vs_01"].expected == Decimal("150.52")


def test_missing_table_is_not_evaluated_never_passed(seed_pdfs):
    result = seed_parse("001", "001")
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


def test_tables_in_different_amount_units_are_not_compared(seed_pdfs):
    """Table 02 printed in 元 beside the others in 万元: every rule joining 02 to another table
    is not evaluated, with the reason; 02's own rules still are."""
    result = seed_parse("002", "002")
    result.tables["02"].amount_unit = "元"
    outcomes = validate_parse(result)
    tables = {r.id: parse_formula(r.formula).tables for r in RULES}
    joined = [o for o in outcomes if o.rule_id in tables and "02" in tables[o.rule_id] and len(tables[o.rule_id]) > 1]
    assert {o.status for o in joined} == {"not_evaluated"} and len(joined) >= 3
    assert "the tables print different amount units (01 万元, 02 元)" in {o.reason for o in joined}
    own = {o.status for o in outcomes if tables.get(o.rule_id) == ("02",)}
    assert own and own <= {"passed", "rounding"}
