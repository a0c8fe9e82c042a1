"""The validation core: one decision and one rounding envelope, and one list of checker
families that both validation and the rule catalogue walk."""

from decimal import Decimal

import pytest

from tests.parsed import seed_parse
from validation import families
from validation.core import CheckerFamily, Outcome, decide, doc_row, rounding_envelope
from validation.documentation import catalogue_rows
from validation.engine import validate_filing, validate_parse


@pytest.mark.parametrize(
    ("difference", "tolerance", "inequality", "status"),
    [
        ("0", "0.015", False, "passed"),
        ("0.015", "0.015", False, "rounding"),  # at the edge of the envelope: still rounding
        ("-0.015", "0.015", False, "rounding"),
        ("0.016", "0.015", False, "failed"),
        ("1", "0", False, "failed"),
        ("-5", "0.015", True, "passed"),  # printed well under its bound
        ("0.015", "0.015", True, "passed"),
        ("0.016", "0.015", True, "failed"),
    ],
)
def test_the_one_decision(difference, tolerance, inequality, status):
    assert decide(Decimal(difference), Decimal(tolerance), inequality) == status


def test_the_rounding_envelope_is_half_a_cent_per_figure_and_one_more():
    assert [rounding_envelope(n) for n in (0, 1, 4)] == [Decimal("0.005"), Decimal("0.010"), Decimal("0.025")]


def test_every_rule_an_outcome_names_is_in_the_catalogue(seed_pdfs):

    documented = {row["id"] for row in catalogue_rows()}
    emitted = {o.rule_id for seed in ("001", "002") for o in validate_parse(seed_parse(seed, seed))}
    assert len(emitted) > 100 and emitted <= documented


def test_a_new_family_is_validated_and_documented_from_the_one_list(monkeypatch):
    def check(filing):
        total = filing.cells.get(("01", "27", 1))
        return [Outcome("extra.total_printed", "extra", "", "passed" if total is not None else "failed")]

    extra = CheckerFamily("extra", check, lambda: [doc_row("extra.total_printed", "extra", "01[27].1", "printed")])
    monkeypatch.setattr(families, "FAMILIES", (*families.FAMILIES, extra))
    tables = {"01": {"status": "present", "pages": [2], "amount_unit": "万元"}}
    outcomes = validate_filing({("01", "27", 1): Decimal("1.00")}, tables, "单位决算", [], [])
    assert outcomes[-1].rule_id == "extra.total_printed" and outcomes[-1].status == "passed"
    assert catalogue_rows()[-1]["id"] == "extra.total_printed"
    # A 绩效说明 prints no tables: only the families checked on statements run there.
    assert validate_filing({("01", "27", 1): Decimal("1.00")}, tables, "绩效说明", [], []) == []


def _table_codes() -> set[str]:
    from parsers.budget import table_titles
    from parsers.model import TABLE_CODES

    return set(TABLE_CODES) | set(table_titles())


def test_every_rule_id_begins_with_its_family_or_a_table_it_checks():
    # As docs/rules.md says: `family.name`, or `table code.name` for an identity over tables' cells.
    from validation.core import parse_formula

    codes = _table_codes()
    misnamed = []
    for family in families.FAMILIES:
        for row in family.documentation():
            prefix = row["id"].split(".")[0]
            named_by_family = prefix == family.name == row["family"]
            named_by_table = prefix in codes and bool(row["formula"]) and prefix in parse_formula(row["formula"]).tables
            if not (named_by_family or named_by_table):
                misnamed.append(f"{row['id']} (family {family.name}, kind {row['family']})")
    assert misnamed == []
    assert len(families.FAMILIES) == len({f.name for f in families.FAMILIES})


def test_the_outcomes_of_real_seeds_carry_the_family_their_ids_name(seed_pdfs):

    codes = _table_codes()
    outcomes = [o for seed in ("001", "002") for o in validate_parse(seed_parse(seed, seed))]
    families_seen = {o.family for o in outcomes}
    assert {"within_table", "narrative", "required"} <= families_seen
    assert [(o.rule_id, o.family) for o in outcomes if o.rule_id.split(".")[0] not in codes | {o.family}] == []
