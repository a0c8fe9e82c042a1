"""The other CMS families and formats, end to end: a Hanweb county site (GBK, jpage XML paging
by POST, attachments by href, pdf.js viewer and onclick, as XLSX, PDF and DOCX), the provincial
unified JSON platform (zip bundle and HTML by download id) and a department sub-site that
publishes its tables as HTML on the detail page. Every response lands in a WARC."""

import gzip
from decimal import Decimal

import pytest
from warcio.archiveiterator import ArchiveIterator

from disclosure import pipeline
from tests.conftest import query_rows

COUNTY_SITES = ("replica-yunzhou-hanweb", "replica-xinfu-unified", "replica-xinzhou-czj")


@pytest.fixture
def site_keys():
    return COUNTY_SITES


@pytest.fixture
def ctx(env_settings):
    return pipeline.context(env_settings)


@pytest.fixture
def first_night(ctx):
    return pipeline.run_once(ctx)


def test_every_filing_of_every_family_is_found_fetched_and_parsed(ctx, first_night, replica):
    assert {c["site"]: c["status"] for c in first_night["crawl"]} == dict.fromkeys(COUNTY_SITES, "ok")
    assert first_night["parse"] == {"parsed": 9, "failed": 0, "errors": []}
    rows = query_rows(
        ctx,
        """
        SELECT u.code, f.fiscal_year, af.media_type, cp.status
        FROM disclosure.filing f JOIN disclosure.unit u ON u.id = f.unit_id
        JOIN disclosure.archived_file af ON af.filing_id = f.id
        JOIN disclosure.current_parse cp ON cp.archived_file_id = af.id ORDER BY 1, 2""",
    )
    assert [tuple(r) for r in rows] == [
        ("xf-czj", 2023, "application/zip", "ok"),
        ("xf-slj", 2023, "text/html", "ok"),
        ("xz-czj", 2023, "text/html", "ok"),
        ("yz-czj", 2023, "application/zip", "ok"),
        ("yz-czj", 2024, "application/pdf", "ok"),
        ("yz-jyj", 2023, "application/zip", "ok"),
        ("yz-jyj", 2024, "application/zip", "ok"),
        ("yz-wjj", 2023, "application/pdf", "ok"),
        ("yz-wjj", 2024, "application/zip", "ok"),
    ]
    # Hanweb: records beyond the inline first page came from POSTs to the jpage proxy.
    assert (
        "POST",
        "/yunzhou/module/web/jpage/dataproxy.jsp?startrecord=7&endrecord=12&perpage=6"
        "&columnid=4521&unitid=17245&webid=1",
        200,
    ) in replica.requests
    # Same cells whatever the format: each derived unit restates its seed's 01[31].1.
    totals = dict(
        query_rows(
            ctx,
            """
        SELECT u.code || '-' || f.fiscal_year, c.value FROM disclosure.cell c
        JOIN disclosure.current_parse cp ON cp.id = c.parse_run_id JOIN disclosure.filing f ON f.id = cp.filing_id
        JOIN disclosure.unit u ON u.id = f.unit_id WHERE c.table_code = '01' AND c.row_key = '27' AND c.col = 1""",
        )
    )
    assert totals["yz-jyj-2023"] == totals["yz-czj-2024"] == Decimal("584.83")  # XLSX and PDF
    assert totals["xf-czj-2023"] == totals["xz-czj-2023"] == totals["xf-slj-2023"]  # zip and HTML


def test_a_second_night_reads_list_pages_only(ctx, first_night, replica):
    served = len(replica.requests)
    again = pipeline.run_once(ctx)
    assert again["parse"]["parsed"] == 0
    assert all(c["new_file_versions"] == 0 for c in again["crawl"])
    fetched = [(m, p.split("?")[0], s) for m, p, s in replica.requests[served:]]
    assert {s for _m, _p, s in fetched if "/art/" in _p or "/picture/" in _p or "/download" in _p} <= {304}
    assert not [p for _m, p, _s in fetched if p.startswith("/yunzhou/art/")]  # known detail pages not re-read


def test_every_response_is_in_a_warc_and_each_file_points_to_its_record(ctx, first_night):
    rows = query_rows(
        ctx,
        """SELECT af.warc_path, af.warc_offset, af.warc_record_id, af.sha256, af.size_bytes
                         FROM disclosure.archived_file af""",
    )
    assert len(rows) == 9 and all(r.warc_path and r.warc_offset is not None for r in rows)
    archive = ctx.settings.archive_dir
    for row in rows:
        with open(archive / row.warc_path, "rb") as fh:
            fh.seek(row.warc_offset)
            record = next(iter(ArchiveIterator(fh)))
            assert record.rec_type == "response"
            assert record.rec_headers.get_header("WARC-Record-ID") == row.warc_record_id
            assert len(record.content_stream().read()) == row.size_bytes
    runs = query_rows(ctx, "SELECT warc_path FROM disclosure.crawl_run")
    hanweb = next(r.warc_path for r in runs if "hanweb" in r.warc_path)
    with gzip.open(archive / hanweb) as fh:
        kinds = [
            (r.rec_type, r.http_headers.get_statuscode() if r.http_headers and r.rec_type == "response" else None)
            for r in ArchiveIterator(fh)
        ]
    assert kinds[0] == ("warcinfo", None)
    # robots.txt, the column page, one proxy page, 6 detail pages and 6 files (notices are not followed).
    assert sum(1 for k in kinds if k[0] == "response") == sum(1 for k in kinds if k[0] == "request") >= 14
