"""The whole job against the replica sites and a real Postgres, asserting concrete rows."""

import time
from decimal import Decimal

import pytest
from sqlalchemy import text

from disclosure import pipeline
from tests.conftest import query_rows, query_scalar


@pytest.fixture
def ctx(env_settings):
    return pipeline.context(env_settings)


def _one(ctx, sql, **params):
    with ctx.engine.connect() as conn:
        return conn.execute(text(sql), params).one()


def test_first_run_archives_parses_loads_and_validates(ctx):
    out = pipeline.run_once(ctx)
    assert [c["status"] for c in out["crawl"]] == ["ok", "ok"]
    assert out["parse"] == {"parsed": 2, "failed": 0, "errors": []}

    # The Datong filing: resolved to its registered unit, archived by hash, parsed.
    row = _one(
        ctx,
        """
        SELECT f.fiscal_year, f.kind, u.code, af.media_type, af.http_status, length(af.sha256), af.storage_key
        FROM disclosure.filing f JOIN disclosure.unit u ON u.id = f.unit_id
        JOIN disclosure.archived_file af ON af.filing_id = f.id WHERE u.code = 'dt-ggzy'""",
    )
    assert row[:6] == (2024, "单位决算", "dt-ggzy", "application/pdf", 200, 64)
    assert (ctx.settings.archive_dir / row.storage_key).stat().st_size > 10_000

    value = query_scalar(
        ctx,
        """
        SELECT c.value FROM disclosure.cell c JOIN disclosure.current_parse cp ON cp.id = c.parse_run_id
        JOIN disclosure.filing f ON f.id = cp.filing_id JOIN disclosure.unit u ON u.id = f.unit_id
        WHERE u.code = 'xz-swbgs' AND c.table_code = '01' AND c.row_key = '31' AND c.col = 1""",
    )
    assert value == Decimal("2795.38")
    # What the filing prints of itself is kept with its parse: the unit's code, each table's amount unit.
    parse = _one(
        ctx,
        """SELECT pr.unit_code, pr.tables->'01'->>'amount_unit' AS unit FROM disclosure.parse_run pr
                         JOIN disclosure.current_parse cp ON cp.id = pr.id JOIN disclosure.filing f ON f.id = cp.filing_id
                         JOIN disclosure.unit u ON u.id = f.unit_id WHERE u.code = 'xz-swbgs'""",
    )
    assert (parse.unit_code, parse.unit) == ("101001", "万元")

    finding = _one(
        ctx,
        """SELECT status, expected, actual, evidence->'pages' AS pages FROM disclosure.finding
                           WHERE rule_id = '01.expenditure_sum'""",
    )
    assert (finding.status, finding.expected, finding.actual) == ("rounding", Decimal("584.54"), Decimal("584.55"))

    # The budget notice is a filing without a file; the holiday notice is not a filing.
    titles = {r[0] for r in ctx.engine.connect().execute(text("SELECT title FROM disclosure.filing"))}
    assert "大同市公共资源交易中心2025年单位预算公开" in titles
    assert not any("春节" in t for t in titles)
    assert out["summary"]["cells"] == query_scalar(ctx, "SELECT count(*) FROM disclosure.cell") > 300


def test_unidentified_filings_are_kept_and_reported(ctx, replica):
    index = replica.routes["/xinzhou/yjsgk/list.html"]
    index.body = index.body.replace(
        b"</ul>", '<li><a href="/xinzhou/yjsgk/x.html">忻州市某某中心决算公开</a></li></ul>'.encode()
    )
    replica.routes["/xinzhou/yjsgk/x.html"] = replica.routes["/xinzhou/yjsgk/2024/0820/c1.html"].__class__(
        "<html><body><h2>忻州市某某中心决算公开</h2></body></html>".encode(), "text/html; charset=utf-8"
    )
    out = pipeline.run_once(ctx)
    row = _one(ctx, "SELECT title, detail_url, problem FROM disclosure.identification_findings")
    assert row.title == "忻州市某某中心决算公开" and row.detail_url.endswith("/xinzhou/yjsgk/x.html")
    assert row.problem == (
        "neither the title nor the document names a registered unit; no fiscal year can be "
        "told from the title or the document; no kind (决算/预算/绩效) can be told from the "
        "title or the document"
    )
    assert out["alerts"]["by_kind"]["unidentified_filing"] == 1


def test_second_night_downloads_and_parses_nothing(ctx, replica):
    pipeline.run_once(ctx)
    served_before = len(replica.requests)
    again = pipeline.run_once(ctx)
    assert [c["not_modified"] for c in again["crawl"]] == [1, 1]
    assert [c["new_file_versions"] for c in again["crawl"]] == [0, 0]
    assert again["parse"]["parsed"] == 0 and again["alerts"]["new_alerts"] == 0
    second = sorted((path, status) for _method, path, status in replica.requests[served_before:])
    # Only list pages are read again (and robots.txt, once per crawl); the archived files are asked
    # for conditionally and answer 304; the one detail page without a file yet is read again.
    assert second == sorted(
        [
            ("/robots.txt", 200),
            ("/robots.txt", 200),
            ("/datong/czxx/index.html", 200),
            ("/datong/czxx/index_1.html", 200),
            ("/datong/czxx/202502/t20250210_0997.html", 200),
            ("/datong/czxx/202509/P020250915538210726915.pdf", 304),
            ("/xinzhou/yjsgk/list.html", 200),
            ("/xinzhou/files/swbgs2023js.pdf", 304),
        ]
    )
    assert query_scalar(ctx, "SELECT count(*) FROM disclosure.archived_file") == 2
    assert query_scalar(ctx, "SELECT count(*) FROM disclosure.parse_run") == 2


def test_a_full_crawl_reads_every_detail_page_again(ctx, replica):
    pipeline.run_once(ctx)
    served = len(replica.requests)
    (result,) = pipeline.crawl(ctx, ["replica-datong-trs"], full=True)
    paths = {path for _method, path, _status in replica.requests[served:]}
    assert "/datong/czxx/202509/t20250915_1001.html" in paths and result["not_modified"] == 1


def test_html_served_for_a_pdf_fails_the_site_loudly_and_alerts(ctx, replica):
    replica.behaviour.html_instead_of_pdf = True
    out = pipeline.run_once(ctx)
    assert [c["status"] for c in out["crawl"]] == ["failed", "failed"]
    assert "HTML page served where a file was linked" in out["crawl"][0]["problems"][0]
    assert query_scalar(ctx, "SELECT count(*) FROM disclosure.archived_file") == 0
    assert out["alerts"]["by_kind"]["site_failed"] == 2
    assert "failed_identity" not in out["alerts"]["by_kind"]  # nothing was parsed
    # Filings were still seen and kept; the next good night picks the files up.
    replica.behaviour.html_instead_of_pdf = False
    out = pipeline.run_once(ctx)
    assert out["parse"]["parsed"] == 2


def test_one_failing_site_does_not_stop_the_others(ctx, replica):
    replica.behaviour.server_error_paths.add("/datong/czxx/index.html")
    out = pipeline.run_once(ctx)
    status = {c["site"]: c["status"] for c in out["crawl"]}
    assert status == {"replica-datong-trs": "failed", "replica-xinzhou-static": "ok"}
    assert out["parse"]["parsed"] == 1


def test_a_file_replaced_in_place_becomes_a_second_version(ctx, replica):
    pipeline.run_once(ctx)
    path = "/xinzhou/files/swbgs2023js.pdf"
    replica.routes[path].body = replica.routes[path].body + b"\n% corrected edition\n"
    out = pipeline.run_once(ctx)
    xz = next(c for c in out["crawl"] if c["site"] == "replica-xinzhou-static")
    assert (xz["new_file_versions"], xz["changed_files"]) == (1, 1)
    assert (
        query_scalar(ctx, "SELECT count(*) FROM disclosure.archived_file WHERE source_url LIKE '%swbgs2023js.pdf'") == 2
    )
    assert out["alerts"]["by_kind"].get("revised_filing") == 1


def test_a_removed_filing_is_withdrawn_and_its_files_kept(ctx, replica):
    pipeline.run_once(ctx)
    index = replica.routes["/datong/czxx/index.html"]
    index.body = index.body.replace("2025年单位预算公开</a>".encode(), b"</a>").replace(
        b'href="./202502/t20250210_0997.html"', b'href="./gone.html"'
    )
    (result,) = pipeline.crawl(ctx, ["replica-datong-trs"])
    assert (result["status"], result["withdrawn"]) == ("ok", 1)
    status, withdrawn_at = _one(
        ctx,
        "SELECT status, withdrawn_at FROM disclosure.filing WHERE title = '大同市公共资源交易中心2025年单位预算公开'",
    )
    assert status == "withdrawn" and withdrawn_at is not None
    assert (
        query_scalar(
            ctx, "SELECT status FROM disclosure.filing WHERE title LIKE '%2024年度单位决算公开' AND title LIKE '大同%'"
        )
        == "present"
    )


def test_an_empty_list_where_filings_were_fails_and_withdraws_nothing(ctx, replica):
    pipeline.run_once(ctx)
    replica.routes["/xinzhou/yjsgk/list.html"].body = b"<html><body><ul></ul></body></html>"
    pipeline.crawl(ctx, ["replica-xinzhou-static"])
    status, withdrawn_at = _one(ctx, "SELECT status, withdrawn_at FROM disclosure.filing WHERE title LIKE '%忻州%'")
    # An empty list where filings were before is itself a failed crawl: nothing is withdrawn on it.
    assert (status, withdrawn_at) == ("present", None)
    assert query_scalar(ctx, "SELECT status FROM disclosure.crawl_run ORDER BY id DESC LIMIT 1") == "failed"


def test_validation_in_two_worker_processes_stores_the_same_findings(ctx, monkeypatch):
    pipeline.run_once(ctx)
    findings = "SELECT parse_run_id, rule_id, subject, status, expected, actual FROM disclosure.finding"
    single = set(query_rows(ctx, findings))
    with ctx.engine.begin() as conn:
        conn.execute(text("DELETE FROM disclosure.finding"))
        conn.execute(text("UPDATE disclosure.parse_run SET validated_at = NULL"))
    monkeypatch.setenv("DISCLOSURE_VALIDATE_BATCH", "1")  # two batches, one for each process
    ctx = pipeline.context()
    assert len(pipeline.validate_batches(ctx)) == 2
    counts = pipeline.validate_parallel(ctx, 2)
    assert counts["parses"] == 2 and counts["failed"] == 19  # the seeds' known real failures
    assert set(query_rows(ctx, findings)) == single and len(single) > 16
    assert pipeline.validate_parallel(ctx, 2)["parses"] == 0  # nothing left to do


def test_batches_are_id_ranges_of_the_batch_size_growing_past_the_map_limit():
    assert pipeline.batches([], 10) == []
    assert pipeline.batches([3, 4, 9, 12, 13], 2) == [[3, 4], [9, 12], [13, 13]]
    assert pipeline.batches(list(range(1, 101)), 10, max_batches=4) == [[1, 25], [26, 50], [51, 75], [76, 100]]
    assert pipeline.batches(list(range(1, 11)), 3, max_batches=100) == [[1, 3], [4, 6], [7, 9], [10, 10]]


def test_parse_and_validate_in_batches_store_what_one_pass_stores_and_a_rerun_does_nothing(ctx, monkeypatch):
    """The DAG's way: list the pending work in batches, one task a batch, each re-runnable."""
    pipeline.run_once(ctx)
    cells = """SELECT af.source_url, c.table_code, c.row_key, c.col, c.value FROM disclosure.cell c
               JOIN disclosure.parse_run pr ON pr.id = c.parse_run_id
               JOIN disclosure.archived_file af ON af.id = pr.archived_file_id"""
    findings = """SELECT af.source_url, f.rule_id, f.subject, f.status FROM disclosure.finding f
                  JOIN disclosure.parse_run pr ON pr.id = f.parse_run_id
                  JOIN disclosure.archived_file af ON af.id = pr.archived_file_id"""
    one_pass = set(query_rows(ctx, cells)), set(query_rows(ctx, findings))
    assert len(one_pass[0]) > 300 and len(one_pass[1]) > 16
    with ctx.engine.begin() as conn:
        conn.execute(text("TRUNCATE disclosure.parse_run CASCADE"))
    files = [r[0] for r in query_rows(ctx, "SELECT id FROM disclosure.archived_file ORDER BY id")]
    assert pipeline.parse_batches(ctx) == [[files[0], files[-1]]]  # the default batch holds both
    monkeypatch.setenv("DISCLOSURE_PARSE_BATCH", "1")
    monkeypatch.setenv("DISCLOSURE_VALIDATE_BATCH", "1")
    small = pipeline.context()
    work = pipeline.parse_batches(small)
    assert work == [[f, f] for f in files]
    assert pipeline.parse_batches(small, max_batches=1) == [[files[0], files[-1]]]
    for batch in work:
        assert pipeline.parse_and_load(small, batch=batch)["parsed"] == 1
    assert pipeline.parse_and_load(small, batch=work[0]) == {"parsed": 0, "failed": 0, "errors": []}  # re-run
    assert pipeline.parse_batches(small) == []
    pipeline.queue_validation(small)
    checks = pipeline.validate_batches(small)
    assert len(checks) == 2
    # the seeds' known failures (truth_001/002.json): 16 table and self-evaluation ones, 3 growth rates
    assert sum(pipeline.validate(small, batch=b)["failed"] for b in checks) == 19
    assert pipeline.validate(small, batch=checks[0]) == {"parses": 0}  # re-run: nothing left in it
    assert pipeline.validate_batches(small) == []
    assert (set(query_rows(ctx, cells)), set(query_rows(ctx, findings))) == one_pass


def test_a_crawl_longer_than_the_time_limit_setting_is_stopped_and_recorded(monkeypatch, env_settings, replica):
    # The list page answers after 8 s, past the setting's limit (4 s): the crawl is stopped by its
    # time limit alone, so it is `incomplete` (resumed the next night), not failed.
    monkeypatch.setenv("DISCLOSURE_CRAWL_TIME_LIMIT", "4")
    replica.behaviour.slow_paths["/xinzhou/yjsgk/list.html"] = 8.0
    ctx = pipeline.context()
    pipeline.prepare(ctx)
    started = time.monotonic()
    [result] = pipeline.crawl(ctx, ["replica-xinzhou-static"])
    assert time.monotonic() - started < 4 + 30  # within the limit and the kill's grace (STOP_GRACE)
    assert result["status"] == "incomplete" and "time limit reached" in result["problems"][0], result
    assert query_scalar(ctx, "SELECT status FROM disclosure.crawl_run") == "incomplete"
