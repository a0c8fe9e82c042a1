"""The text-PDF parser on the seeds rendered as PDFs, against hand-typed ground truth."""

from decimal import Decimal

import pytest

from parsers import ParseError, parse_bytes
from tests.conftest import truth, truth_cells
from tests.parsed import seed_parse


@pytest.mark.parametrize("seed", ["001", "002"])
def test_cells_match_hand_typed_ground_truth(seed_pdfs, seed):
    expected = truth(seed)
    result = seed_parse(seed, f"seed-{seed}.pdf")
    got = result.cell_map()
    want = truth_cells(seed)
    assert {k: got.get(k) for k in want} == want
    for table in expected["complete_tables"]:  # nothing more than the truth in these tables
        assert {k for k in got if k[0] == table} == {k for k in want if k[0] == table}
    assert (result.unit, result.year, result.kind) == (expected["unit"], expected["year"], expected["kind"])
    assert {code for code, info in result.tables.items() if info.status == "missing"} == set()


def test_table_broken_across_pages_keeps_its_continuation(seed_pdfs):
    result = seed_parse("001", "seed-001.pdf")
    # 01 breaks after row 23 onto a page with no title and no header (as in the seed).
    assert len(result.tables["01"].pages) == 2
    cont_page = result.tables["01"].pages[1]
    rows_on_cont = {c.row for c in result.cells if c.table == "01" and c.page == cont_page}
    assert {"27", "31", "58", "59", "62"} <= rows_on_cont


def test_empty_tables_are_present_and_empty(seed_pdfs):
    result = seed_parse("001", "seed-001.pdf")
    assert result.tables["07"].status == "empty"
    assert result.tables["08"].status == "empty"
    assert not [c for c in result.cells if c.table in ("07", "08")]


def test_subject_code_tables_keep_codes_names_and_columns(seed_pdfs):
    cells = seed_parse("001", "seed-001.pdf").cell_map()
    assert cells[("02", "合计", 1)] == Decimal("584.83")
    assert cells[("02", "合计", 7)] == Decimal("0.29")
    assert cells[("03", "2010399", 3)] == Decimal("345.08")
    assert cells[("05", "合计", 2)] == Decimal("233.88")
    assert ("03", "2010399", 2) not in cells  # blank is absent, not zero


def test_json_contract(seed_pdfs):
    doc = seed_parse("002", "seed-002.pdf").to_json()
    assert doc["tables"]["01"]["status"] == "present" and doc["tables"]["01"]["amount_unit"] == "万元"
    assert doc["unit_code"] == "101001"  # printed beside the unit's name as 预算单位 of its self-evaluations
    cell = next(c for c in doc["cells"] if c["table"] == "01" and c["row"] == "31")
    assert cell == {**cell, "col": 1, "value": "2795.38"}
    assert set(doc) >= {"unit", "year", "kind", "tables", "cells", "claims", "evaluations"}


@pytest.mark.parametrize(
    "data, reason",
    [
        (b"", "empty file"),
        (b"<!DOCTYPE html><html><body>404</body></html>", "HTML page"),
        (b"%PDF-1.4\n1 0 obj\n<<", "PDF"),
        (b"\x00\x01garbage", "unsupported format"),
    ],
)
def test_bad_files_raise_a_clear_error_naming_the_file(data, reason):
    with pytest.raises(ParseError) as err:
        parse_bytes(data, "http://example.invalid/P0123.pdf")
    assert "http://example.invalid/P0123.pdf" in str(err.value)
    assert reason in str(err.value)


def test_truncated_pdf_is_a_parse_error(seed_pdfs):
    data = seed_pdfs["001"]
    with pytest.raises(ParseError, match="truncated.pdf"):
        parse_bytes(data[: len(data) // 3], "truncated.pdf")


def test_tables_in_another_order_and_without_titles_read_the_same(seed_pdfs):
    """Some units print the ten tables in their own order and leave out the titles (收入决算表…),
    keeping only the 公开NN表 marker and the header: the same cells and statuses come out."""
    import copy

    from replica.render_pdf import render_pdf
    from replica.site import load_fixtures

    filing = copy.deepcopy(load_fixtures()["001"])
    filing.tables = {code: filing.tables[code] for code in ["03", "10", "01", "06", "02", "09", "05", "08", "04", "07"]}
    for table in filing.tables.values():
        table.title = ""
    reordered = parse_bytes(render_pdf(filing), "reordered.pdf")
    reference = seed_parse("001", "001.pdf")
    assert reordered.cell_map() == reference.cell_map()
    assert {k: v.status for k, v in reordered.tables.items()} == {k: v.status for k, v in reference.tables.items()}
    assert reordered.tables["03"].pages[0] < reordered.tables["01"].pages[0]
