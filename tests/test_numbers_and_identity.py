from decimal import Decimal

import pytest

from parsers.identity import identify
from parsers.numbers import normalise_amount, parse_amount


@pytest.mark.parametrize(
    "printed, value",
    [
        ("584.83", "584.83"),
        ("4183. 78", "4183.78"),  # OCR noise in seed 000
        ("2,795.38", "2795.38"),  # thousands separator
        ("１２３．４５", "123.45"),  # full-width digits
        ("0.29\n", "0.29"),
        ("——", None),
        ("", None),
        (None, None),
        ("-", None),
        ("本表无数据", None),
    ],
)
def test_amounts_are_normalised_as_printed(printed, value):
    assert normalise_amount(printed) == value


def test_parse_amount_is_exact_decimal():
    assert parse_amount("4183. 78") == Decimal("4183.78")
    assert parse_amount("0.1") + parse_amount("0.2") == Decimal("0.3")


@pytest.mark.parametrize(
    "title, unit, year, kind",
    [
        ("大同市住房和城乡建设局2024年度部门决算公开", "大同市住房和城乡建设局", 2024, "部门决算"),
        ("中共大同市云州区委员会办公室2022年度决算公开绩效情况说明", "中共大同市云州区委员会办公室", 2022, "绩效说明"),
        (
            "大同市公共资源交易中心（大同市政府\n采购中心）\n2024年度单位决算公开",
            "大同市公共资源交易中心（大同市政府采购中心）",
            2024,
            "单位决算",
        ),
        ("大同市公共资源交易中心2025年单位预算公开", "大同市公共资源交易中心", 2025, "单位预算"),
    ],
)
def test_titles_name_unit_year_and_kind(title, unit, year, kind):
    ident = identify(title)
    assert (ident.unit, ident.year, ident.kind) == (unit, year, kind)


def test_a_title_without_year_is_not_guessed():
    ident = identify("关于2025年春节假期安排的通知")
    assert ident.kind is None and ident.unit is None
