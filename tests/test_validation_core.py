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


# ------------------------------------------------------------------ a printed share (占P%)


def _round(value: Decimal, digit: Decimal) -> Decimal:
    from decimal import ROUND_HALF_UP

    return value.quantize(digit, ROUND_HALF_UP)  # 四舍五入, as the 说明s round


def test_a_correct_share_near_a_rounding_boundary_is_not_failed():
    from validation.core import HALF_CENT, share

    # 基本支出 1200.814 of 1841.597 is 65.2051 %, printed 65.21; the printed amounts give 65.2047
    judged = share(Decimal("1200.81"), Decimal("1841.60"), "65.21", HALF_CENT, HALF_CENT)
    assert judged.status == "rounding" and judged.expected == Decimal("65.20")
    assert judged.difference == Decimal("0.0053") and judged.tolerance > judged.difference
    # 1234.50 / 10000.00 is 12.345 exactly: 四舍五入 prints 12.35 (not half to even, 12.34)
    judged = share(Decimal("1234.50"), Decimal("10000.00"), "12.35", HALF_CENT, HALF_CENT)
    assert (judged.status, judged.expected) == ("passed", Decimal("12.35"))
    assert share(Decimal("1234.50"), Decimal("10000.00"), "12.37", HALF_CENT, HALF_CENT).status == "failed"


def test_a_share_of_a_blank_or_zero_whole_is_not_evaluated():
    from validation.core import HALF_CENT, share

    zero = share(Decimal("12.00"), Decimal("0"), "35.20", HALF_CENT, HALF_CENT)  # a whole printed 0.00
    blank = share(Decimal("12.00"), Decimal("0"), "35.20", HALF_CENT, Decimal(0))  # no cell of it printed
    assert (zero.status, zero.reason) == ("not_evaluated", "the whole is 0: no share of it")
    assert (blank.status, blank.reason) == ("not_evaluated", "the whole is blank: no share of it")
    # a part left blank is 0 of a whole that is printed
    assert share(Decimal(0), Decimal("644.62"), "0", Decimal(0), HALF_CENT).status == "passed"


def test_correct_shares_of_finer_amounts_pass_and_a_digit_beyond_the_envelope_fails():
    """Shares computed from underlying amounts in 元 (4 decimals of 万元) and printed 四舍五入 at
    0, 1 or 2 decimals, of parts and wholes printed to the cent: none fails. Two digits off always
    fails; one digit off fails unless the true share is within the amounts' rounding of the
    boundary between the two printed values."""
    import random

    from validation.core import HALF_CENT, share

    rng = random.Random(20261201)
    cent, one_off_passed, one_off = Decimal("0.01"), 0, 0
    for _ in range(4000):
        whole = Decimal(rng.randint(10_000_000, 1_000_000_000)).scaleb(-4)  # 1000.0000 … 100000.0000 万元
        part = Decimal(rng.randint(0, int(whole.scaleb(4)))).scaleb(-4)
        printed_part, printed_whole = _round(part, cent), _round(whole, cent)
        for decimals in (0, 1, 2):
            digit = Decimal(1).scaleb(-decimals)
            true_share = part / whole * 100
            for printed in (_round(true_share, digit), _round(printed_part / printed_whole * 100, digit)):
                judged = share(printed_part, printed_whole, str(printed), HALF_CENT, HALF_CENT)
                assert judged.status != "failed", (part, whole, printed, judged)
            printed = _round(true_share, digit)
            for off in (-2 * digit, 2 * digit):
                assert share(printed_part, printed_whole, str(printed + off), HALF_CENT, HALF_CENT).status == "failed"
            for off in (-digit, digit):
                one_off += 1
                if share(printed_part, printed_whole, str(printed + off), HALF_CENT, HALF_CENT).status != "failed":
                    one_off_passed += 1
                    boundary = printed + off / 2
                    assert abs(printed_part / printed_whole * 100 - boundary) <= Decimal("0.001")
    assert one_off_passed < one_off / 100  # near a boundary: rare
