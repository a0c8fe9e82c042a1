"""The one table of formats (parsers.formats): every place that names, sniffs, accepts or reads
a format takes it from there, so a new format is its row and its reader."""

from __future__ import annotations

import io
import zipfile
from pathlib import Path

import pytest

from crawlers import attachments, pipelines
from parsers import dispatch, formats
from parsers.model import ParseError
from parsers.sniff import extension_for, sniff_kind, sniff_media_type
from replica.render_formats import render_docx, render_html, render_xls, render_xlsx, render_zip
from replica.seeds import load_fixture
from reporting import html as report

REAL = Path(__file__).parent / "real"
FIXTURES = Path(__file__).parent.parent / "replica" / "fixtures"


@pytest.fixture(scope="module")
def filing():
    return load_fixture(FIXTURES / "seed_002.json")


def test_every_read_format_has_a_reader_and_every_reader_a_row():
    assert set(dispatch.READERS) == formats.READ_KINDS
    assert formats.READ_KINDS < set(formats.BY_KIND)  # rar is discovered and archived, not read


def test_the_crawler_and_the_report_take_the_table_not_a_copy():
    assert attachments.FILE_EXTENSIONS is formats.LINK_EXTENSIONS
    assert pipelines.ACCEPTED_MEDIA is formats.READ_CONTAINERS
    assert report.extension_for is extension_for
    # every extension a row lists makes a link a file; the detail page itself (HTML) does not
    for f in formats.FORMATS:
        for ext in f.extensions:
            assert attachments.is_file_link(f"http://czj.example.gov.cn/files/P0202509{ext}") is f.linked, ext
    assert attachments.is_file_link("http://czj.example.gov.cn/downfile.jsp?classid=0&filename=决算.et")


@pytest.mark.parametrize(
    "render, kind",
    [(render_xlsx, "xlsx"), (render_docx, "docx"), (render_xls, "xls"), (render_zip, "zip"), (render_html, "html")],
)
def test_rendered_filings_sniff_as_their_row(filing, render, kind):
    body = render(filing)
    row = formats.BY_KIND[kind]
    assert sniff_media_type(body[:2048]) == row.container
    assert sniff_kind(body) == kind
    assert extension_for(body) == row.extensions[0]
    # a download script answering these bytes is a file, whatever it calls itself
    assert attachments.answer_is_file({"Content-Type": "application/octet-stream"}, body[:2048]) is (kind != "html")


@pytest.mark.parametrize(
    "name, kind",
    [
        ("central_gjxfj_2024_final.pdf", "pdf"),
        ("sh_putuo_2026_dept_budget_checklist.xlsx", "xlsx"),
        ("cq_gzw_2026_dept_budget_landing.html", "html"),
    ],
)
def test_real_files_sniff_as_their_row(name, kind):
    body = (REAL / name).read_bytes()
    assert sniff_kind(body) == kind
    assert extension_for(body) == Path(name).suffix


def test_word_is_told_from_excel_by_its_streams_and_word_wins_over_an_embedded_sheet():
    header = formats.MAGIC[formats.OLE] + b"\0" * 504

    def directory(*streams: str) -> bytes:
        return header + b"".join(f"{s}\0".encode("utf-16-le").ljust(64, b"\0") for s in streams)

    assert sniff_kind(directory("Root Entry", "WordDocument", "1Table")) == "doc"
    assert sniff_kind(directory("Root Entry", "Workbook")) == "xls"
    assert sniff_kind(directory("Root Entry", "WordDocument", "ObjectPool", "Workbook")) == "doc"
    assert sniff_kind(directory("Root Entry", "PowerPoint Document")) is None
    assert extension_for(directory("Root Entry", "PowerPoint Document")) == ""


def test_a_zip_of_office_parts_without_content_types_is_a_bundle():
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as z:
        z.writestr("xl/workbook.xml", "<workbook/>")
    assert sniff_kind(buf.getvalue()) == "zip"


def test_a_rar_is_archived_but_refused_by_the_parser_with_its_name():
    body = b"Rar!\x1a\x07\x01\x00" + bytes(64)
    assert sniff_kind(body) == "rar" and extension_for(body) == ".rar"
    assert attachments.answer_is_file({}, body)
    media, reason = pipelines.check_file(body, {})
    assert reason == f"not a filing document ({media})"
    with pytest.raises(ParseError, match=r"x\.rar: unsupported format \(rar"):
        dispatch.parse_bytes(body, "x.rar")
