"""Every format a site publishes, rendered from the same fixtures, parses to the same ground truth;
hostile files end in a clear ParseError naming the file."""

import zipfile

import pytest

from parsers import ParseError, parse_bytes
from parsers.limits import Limits
from replica import hostile
from replica.render_formats import (
    render_doc,
    render_docx,
    render_html,
    render_libreoffice_pdf,
    render_xls,
    render_xlsx,
    render_zip,
)
from replica.seeds import load_fixture
from tests.conftest import FIXTURES, truth, truth_cells

RENDERERS = {
    "html": render_html,
    "html-gbk": lambda f: render_html(f, encoding="gbk"),
    "xlsx": render_xlsx,
    "xls": render_xls,
    "docx": render_docx,
    "doc": render_doc,
    "zip": render_zip,
    "libreoffice-pdf": render_libreoffice_pdf,
}
WITH_NARRATIVE = {"html", "html-gbk", "docx", "doc", "zip", "libreoffice-pdf"}  # workbooks carry the tables only
# Rendered by LibreOffice (seconds a file): in `make test`, not in `make test-fast`.
BY_LIBREOFFICE = {"doc", "libreoffice-pdf"}


def _without_pages(items: list[dict]) -> list[dict]:
    """Claims or evaluations without where they are printed (pages and boxes differ by format)."""
    return [{k: v for k, v in item.items() if k not in ("page", "bbox", "boxes")} for item in items]


@pytest.fixture(scope="module")
def pdf_parses(seed_pdfs):
    return {seed: parse_bytes(data, f"{seed}.pdf") for seed, data in seed_pdfs.items()}


@pytest.mark.parametrize(
    "fmt", [pytest.param(f, marks=pytest.mark.slow) if f in BY_LIBREOFFICE else f for f in sorted(RENDERERS)]
)
@pytest.mark.parametrize("seed", ["001", "002"])
def test_every_format_gives_the_ground_truth(seed, fmt, pdf_parses):
    filing = load_fixture(FIXTURES / f"seed_{seed}.json")
    expected = truth(seed)
    result = parse_bytes(RENDERERS[fmt](filing), f"seed-{seed}.{fmt}")
    got = result.cell_map()
    want = truth_cells(seed)
    assert {k: got.get(k) for k in want} == want
    for table in expected["complete_tables"]:
        assert {k for k in got if k[0] == table} == {k for k in want if k[0] == table}
    assert (result.unit, result.year, result.kind) == (expected["unit"], expected["year"], expected["kind"])
    # Beyond the hand-typed cells: exactly what the PDF gives, table statuses included.
    reference = pdf_parses[seed]
    assert got == reference.cell_map()
    assert {k: (v.status, v.amount_unit) for k, v in result.tables.items() if len(k) == 2} == {
        k: (v.status, v.amount_unit) for k, v in reference.tables.items() if len(k) == 2
    }
    if fmt in WITH_NARRATIVE:
        assert _without_pages(result.claims) == _without_pages(reference.claims)
        assert result.tables["情况说明"].status == "present"
    if fmt in WITH_NARRATIVE:
        assert result.unit_code == reference.unit_code == expected["unit_code"]
        # LibreOffice's PDF breaks tall rows across pages: the halves are joined again.
        assert _without_pages(result.evaluations) == _without_pages(reference.evaluations)


def test_html_merged_header_cells_are_expanded():
    from parsers.flow import expand_spans

    rows = [
        [("项目", 2, 1), ("金额", 1, 2)],
        [("科目代码", 1, 1), ("科目名称", 1, 1)],
        [("201", 1, 1), ("x", 1, 1), ("1.00", 1, 1)],
    ]
    assert expand_spans(rows) == [["项目", None, "金额"], ["科目代码", "科目名称", None], ["201", "x", "1.00"]]


def test_spreadsheet_numbers_print_as_formatted():
    from parsers.spreadsheet import cell_text

    assert cell_text(100, "0.00") == "100.00"
    assert cell_text(2795.38, "#,##0.00") == "2795.38"
    assert cell_text(0.1 + 0.2, "0.00") == "0.30"
    assert cell_text(27, "General") == "27"
    assert cell_text(None) == ""


def test_bundle_reports_a_member_it_could_not_read(seed_pdfs, pdf_parses):
    import io

    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as archive:
        archive.writestr("报表.pdf", seed_pdfs["001"])
        archive.writestr("附件2.pdf", hostile.truncated_pdf(seed_pdfs["002"]))
    result = parse_bytes(buf.getvalue(), "bundle.zip")
    assert len(result.cells) == len(pdf_parses["001"].cells)
    assert len(result.problems) == 1 and "bundle.zip!附件2.pdf" in result.problems[0]


@pytest.mark.parametrize(
    "name, make, reason",
    [
        ("truncated.pdf", lambda pdf: hostile.truncated_pdf(pdf), "unreadable PDF"),
        ("encrypted.pdf", lambda pdf: hostile.encrypted_pdf(), "encrypted PDF"),
        ("error-page.pdf", lambda pdf: hostile.html_error_page(), "HTML page without any table"),
        ("zero.pdf", lambda pdf: hostile.zero_bytes(), "empty file"),
        ("bomb.zip", lambda pdf: hostile.zip_bomb(), "decompression bomb refused"),
        ("nested.zip", lambda pdf: hostile.nested_zip(pdf, 3), "nested deeper than 2 levels"),
        ("random.bin", lambda pdf: bytes(range(256)) * 4, "unsupported format"),
    ],
)
def test_hostile_files_end_in_a_clear_error(seed_pdfs, name, make, reason):
    with pytest.raises(ParseError) as caught:
        parse_bytes(make(seed_pdfs["001"]), name)
    assert caught.value.source == name and reason in caught.value.reason


def test_huge_file_refused_under_the_limit():
    with pytest.raises(ParseError, match="exceeds the limit"):
        parse_bytes(hostile.huge_file(2 * 1024 * 1024), "huge.pdf", Limits(max_file_bytes=1024 * 1024))


def test_nesting_within_the_limit_is_read(seed_pdfs):
    result = parse_bytes(hostile.nested_zip(seed_pdfs["002"], 2), "two-levels.zip")
    assert result.year == 2023 and len(result.cells) == 197


@pytest.fixture(scope="module")
def seed_doc() -> bytes:
    return render_doc(load_fixture(FIXTURES / "seed_002.json"))


@pytest.mark.slow  # LibreOffice renders the DOC, then converts it back
def test_word97_doc_is_read_after_conversion_and_says_so(seed_doc, pdf_parses):
    result = parse_bytes(seed_doc, "部门决算.doc")
    assert result.cell_map() == pdf_parses["002"].cell_map()
    assert result.problems == ["Word 97 DOC: read after conversion to DOCX by LibreOffice"]


@pytest.mark.parametrize(
    "damage, reason",
    [
        (lambda doc: doc[: len(doc) // 3], "damaged Office 97 file"),  # the stream directory is cut off
        (
            lambda doc: doc[:512] + "WordDocument\0".encode("utf-16-le") + bytes(range(256)) * 40,
            "LibreOffice could not convert it to docx",
        ),
    ],
)
@pytest.mark.slow
def test_damaged_doc_is_a_clear_error(seed_doc, damage, reason):
    with pytest.raises(ParseError) as caught:
        parse_bytes(damage(seed_doc), "damaged.doc")
    assert caught.value.source == "damaged.doc" and reason in caught.value.reason


@pytest.mark.slow
def test_doc_without_libreoffice_names_what_to_install(seed_doc, monkeypatch):
    monkeypatch.setattr("parsers.convert.soffice_path", lambda: None)
    with pytest.raises(ParseError, match="make system-deps"):
        parse_bytes(seed_doc, "old.doc")
