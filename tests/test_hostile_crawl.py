"""A hostile web (issue #17, crawl side): every list entry, JSON row, redirect and page count
from a site is untrusted. Each probe is served by the replica on loopback and shows that the
bound holds, that a bad entry costs only itself and is recorded, and that nothing is
withdrawn after a crawl that did not see the whole list."""

import gzip
import hashlib
import json
import socket
import threading
from datetime import UTC, date

import pytest

from crawlers.caps import SiteCaps, site_caps
from crawlers.events import CrawlError, NotModified
from crawlers.fields import BadField, clean_text, published_date, row_id, web_url
from crawlers.health import judge_health
from crawlers.origins import AllowedOrigins
from crawlers.site_crawl import CrawlOutcome, read_manifest
from disclosure import pipeline
from replica import hostile_sites
from tests.conftest import query_rows, query_scalar

SITE = "replica-xinzhou-static"
TRS = "replica-datong-trs"
HANWEB = "replica-yunzhou-hanweb"
UNIFIED = "replica-xinfu-unified"
PDF = "/xinzhou/files/swbgs2023js.pdf"
FINISHED = {"finish_reason": "finished", "disclosure/list_pages": 1}


@pytest.fixture
def ctx(env_settings):
    ctx = pipeline.context(env_settings)
    pipeline.prepare(ctx)
    return ctx


def _served(replica, path: str) -> list[int]:
    return [status for _m, p, status in replica.requests if p.split("?")[0] == path]


def _entries(n: int) -> list[tuple[str, str]]:
    return [(f"/xinzhou/yjsgk/e{k}.html", f"忻州市第{k}单位2023年度单位决算公开") for k in range(1, n + 1)]


def _filing_statuses(ctx) -> dict[str, str]:
    return dict(query_rows(ctx, "SELECT detail_url, status FROM disclosure.filing"))


# ---- pure: fields, origins, caps, health --------------------------------------------------
def test_untrusted_fields_are_cleaned_or_refused_with_the_field_named():
    assert clean_text("单位\x00决算\n 公开", "title") == "单位决算 公开"
    with pytest.raises(BadField, match="title is a int"):
        clean_text(12, "title")
    assert web_url("../f/a.pdf", "http://h.gov.cn/x/y/list.html") == "http://h.gov.cn/x/f/a.pdf"
    for bad in ("javascript:void(0)", "mailto:a@b.cn", "http://[::1", "http://h:99999/", None, "  "):
        with pytest.raises(BadField):
            web_url(bad, "http://h.gov.cn/list.html")
    assert published_date(1724112000000) == published_date(1724112000) == "2024-08-20"
    assert published_date("发布时间：2024-8-20 10:00") == published_date(20240820) == "2024-08-20"
    assert published_date("2024-02-30") is None and published_date(True) is None and published_date([1]) is None
    assert row_id(6) == "6" and row_id("6a1f0001") == "6a1f0001"
    for bad in (None, "", "a b", {"x": 1}, True):
        with pytest.raises(BadField):
            row_id(bad)


def test_allowed_origins_are_scheme_host_and_port():
    allowed = AllowedOrigins.for_site(
        ["http://czj.dt.gov.cn/col/index.html"],
        {"allowed_hosts": ["cdn.example.cn"], "allowed_origins": ["https://files.dt.gov.cn:8443"]},
    )
    assert allowed.allows("http://czj.dt.gov.cn/a.pdf") and allowed.allows("https://czj.dt.gov.cn/a.pdf")
    assert not allowed.allows("http://czj.dt.gov.cn:5432/")  # another port of the same host
    assert not allowed.allows("http://other.gov.cn/a.pdf")
    assert allowed.allows("https://img.cdn.example.cn/a.pdf") and not allowed.allows("http://cdn.example.cn:81/")
    assert allowed.allows("https://files.dt.gov.cn:8443/a.pdf") and not allowed.allows("https://files.dt.gov.cn/a")
    loopback = AllowedOrigins.for_site(["http://127.0.0.1:8000/list.html"])
    assert not loopback.allows("https://127.0.0.1:8443/list.html") and not loopback.allows("ftp://127.0.0.1:8000/")


def test_caps_have_defaults_in_one_place_and_wrong_limits_name_the_key():
    assert site_caps(None) == SiteCaps() and site_caps({"max_list_pages": 5}).max_list_pages == 5
    for limits, message in (
        ({"max_pages": 5}, "unknown key"),
        ({"max_records": "many"}, "limits.max_records"),
        ({"max_bytes": 0}, "positive"),
        ("200", "mapping"),
    ):
        with pytest.raises(ValueError, match=message):
            site_caps(limits)


def test_health_separates_a_failing_site_from_a_crawl_that_saw_the_whole_list():
    file_ok = NotModified("http://x.gov.cn/a.html", "http://x.gov.cn/a.pdf")  # a file served (unchanged)
    refused = CrawlError(url="u", reason="HTML page served where…", scope="file", refused=True)
    one_refused = judge_health([file_ok, refused], FINISHED, 0, "", 2, 2)
    assert (one_refused.status, one_refused.saw_whole_list, len(one_refused.item_errors)) == ("ok", True, 1)
    all_refused = judge_health([refused], FINISHED, 0, "", 1, 1)
    assert (all_refused.status, all_refused.saw_whole_list) == ("failed", True)
    broken_download = judge_health([CrawlError(url="u", reason="reset", scope="file")], FINISHED, 0, "", 1, 1)
    assert (broken_download.status, broken_download.saw_whole_list) == ("failed", True)
    raised = judge_health(
        [file_ok], {**FINISHED, "spider_exceptions/ValueError": 1, "spider_exceptions/count": 1}, 0, "", 2, 2
    )
    assert (raised.status, raised.saw_whole_list) == ("failed", False)
    assert raised.problems == ["callbacks raised 1× ValueError"]
    capped = judge_health([file_ok], {**FINISHED, "disclosure/capped/list_pages": 200}, 0, "", 2, 2)
    assert not capped.saw_whole_list and "stopped at 200 list pages" in capped.problems[0]
    unscoped = judge_health([CrawlError(url="u", reason="r")], FINISHED, 0, "", 1, 1)
    assert not unscoped.saw_whole_list  # an error of unknown origin may hide an entry


# ---- list pages: one bad entry costs only itself -----------------------------------------
def test_a_javascript_link_costs_only_itself_and_withdraws_nothing(ctx, replica):
    good = _entries(3)
    hostile_sites.static_list_entries(replica, good)
    (first,) = pipeline.crawl(ctx, [SITE])
    assert (first["status"], first["filings"], first["new_file_versions"]) == ("ok", 3, 3)
    hostile_sites.static_list_entries(
        replica,
        [
            good[0],
            ("javascript:void(0)", "忻州市某单位2023年度单位决算公开"),
            ("http://[::1", "忻州市某单位2022年度单位决算公开"),
            good[1],
            good[2],
        ],
    )
    (second,) = pipeline.crawl(ctx, [SITE])
    assert second["filings"] == 3 and second["not_modified"] == 3  # the entries after the bad ones were read
    assert (second["status"], second["saw_whole_list"], second["withdrawn"]) == ("failed", False, 0)
    assert any("javascript:void(0)" in e and "not a web address" in e for e in second["errors"])
    assert set(_filing_statuses(ctx).values()) == {"present"}
    hostile_sites.static_list_entries(replica, good[:2])  # a whole list without the third: withdrawn
    (third,) = pipeline.crawl(ctx, [SITE])
    assert (third["status"], third["withdrawn"]) == ("ok", 1)


@pytest.mark.parametrize("site_keys", [(HANWEB,)])
def test_a_callback_that_raises_fails_the_crawl_and_withdraws_nothing(ctx, replica):
    (first,) = pipeline.crawl(ctx, [HANWEB])
    assert first["status"] == "ok" and first["filings"] == 6
    hostile_sites.hanweb_total(replica, 40, per_page=0)  # range(…, step 0) raises in parse_list
    (second,) = pipeline.crawl(ctx, [HANWEB])
    assert second["status"] == "failed" and not second["saw_whole_list"] and second["withdrawn"] == 0
    assert any("callbacks raised" in p and "ValueError" in p for p in second["problems"])


# ---- unified JSON: every field of every row checked --------------------------------------
def _hostile_rows(rows: list[dict]) -> list[dict]:
    a, b = rows[0], rows[1]
    return [
        {**a, "title": a["title"][:4] + "\x00" + a["title"][4:], "publishDate": 1724112000000},
        {k: v for k, v in b.items() if k != "id"} | {"title": "忻府区某单位2023年度单位决算公开"},
        {**b, "id": "c3", "title": "忻府区另一单位2023年度单位决算公开", "attachments": b["attachments"][0]["fileUrl"]},
        {**b, "attachments": [{"fileName": "x.pdf", "fileUrl": "javascript:download('6a1f0001')"}, *b["attachments"]]},
        "not a row",
    ]


@pytest.mark.parametrize("site_keys", [(UNIFIED, SITE)])
def test_malformed_json_rows_cost_only_themselves_and_the_run_goes_on(ctx, replica):
    hostile_sites.unified_rows(replica, _hostile_rows)
    out = pipeline.run_once(ctx)
    crawls = {c["site"]: c for c in out["crawl"]}
    unified = crawls[UNIFIED]
    assert unified["filings"] == 2 and unified["new_file_versions"] == 2  # row 0 and row 3, both files
    assert (unified["status"], unified["withdrawn"]) == ("failed", 0)
    errors = " | ".join(unified["errors"])
    assert "row 1 skipped: id missing" in errors and "row 2 skipped: attachments is a str" in errors
    assert "attachment 0 skipped: fileUrl" in errors and "row 4 skipped: a str, not an object" in errors
    titles = dict(
        query_rows(
            ctx,
            "SELECT title, published_on FROM disclosure.filing f JOIN disclosure.site s "
            "ON s.id = f.site_id WHERE s.key = :k",
            k=UNIFIED,
        )
    )
    assert all("\x00" not in t for t in titles) and date(2024, 8, 20) in titles.values()
    assert crawls[SITE]["status"] == "ok"  # the next site was crawled
    assert out["parse"]["parsed"] == 3 and out["parse"]["failed"] == 0  # and everything was parsed
    assert query_scalar(ctx, "SELECT count(*) FROM disclosure.crawl_run") == 2


def test_record_crawl_never_raises_on_values_a_crawler_should_not_have_written(ctx):
    from warehouse.crawl_record import record_crawl

    site = ctx.registry.site(SITE)
    # As the manifest carries them: the types hold, the values are whatever the site served;
    # lines that do not fit their kind are errors of the crawl, read and kept.
    manifest = [
        {"type": "filing", "detail_url": "http://x.gov.cn/a.html", "title": "单位\x00决算", "published": 20240820},
        {"type": "filing", "detail_url": "http://x.gov.cn/b.html", "title": ["not", "text"], "published": None},
        {"type": "listed", "title": "no detail_url"},
        {"type": "file", "detail_url": "http://x.gov.cn/a.html", "source_url": "http://x.gov.cn/a.pdf"},
    ]
    events = read_manifest([json.dumps(line, ensure_ascii=False) for line in manifest] + ["{cut by a kill"])
    assert [type(e).__name__ for e in events] == [
        "FilingFound",
        "FilingFound",
        "CrawlError",
        "CrawlError",
        "CrawlError",
    ]
    outcome = CrawlOutcome(SITE, events=events, stats=dict(FINISHED))
    from datetime import datetime

    with ctx.engine.begin() as conn:
        result = record_crawl(conn, ctx.registry, site, outcome, datetime.now(UTC))
    assert result["status"] == "failed" and result["filings"] == 1 and result["withdrawn"] == 0
    assert sum("not recorded" in e for e in result["errors"]) == 1  # the title that is no text
    assert sum(e.startswith("manifest: line") for e in result["errors"]) == 3
    assert query_rows(ctx, "SELECT title, published_on FROM disclosure.filing") == [("单位决算", date(2024, 8, 20))]
    assert query_rows(ctx, "SELECT status FROM disclosure.crawl_run") == [("failed",)]


# ---- redirects by origin ------------------------------------------------------------------
class _Trap:
    """A listening socket that counts connections: where a refused redirect must never go."""

    def __init__(self):
        self.server = socket.create_server(("127.0.0.1", 0))
        self.port = self.server.getsockname()[1]
        self.hits = 0
        threading.Thread(target=self._accept, daemon=True).start()

    def _accept(self):
        while True:
            try:
                conn, _ = self.server.accept()
            except OSError:
                return
            self.hits += 1
            conn.close()


def test_a_redirect_to_another_port_is_refused_and_recorded(ctx, replica):
    trap = _Trap()  # stands for 127.0.0.1:5432
    replica.behaviour.redirects[PDF] = f"http://127.0.0.1:{trap.port}/x.pdf"
    (result,) = pipeline.crawl(ctx, [SITE])
    trap.server.close()
    assert trap.hits == 0
    assert result["status"] == "failed" and result["new_file_versions"] == 0 and result["filings"] == 1
    assert any(
        e.startswith(replica.base_url + PDF) and "refused redirect" in e and f":{trap.port}" in e
        for e in result["errors"]
    )


def test_a_redirect_to_another_host_is_recorded_not_dropped(ctx, replica):
    moved = replica.base_url.replace("127.0.0.1", "localhost") + "/xinzhou/files/moved.pdf"
    replica.behaviour.redirects[PDF] = moved
    (result,) = pipeline.crawl(ctx, [SITE])
    assert result["status"] == "failed" and result["new_file_versions"] == 0
    assert any("refused redirect" in e and "localhost" in e for e in result["errors"])
    assert not [p for _m, p, _s in replica.requests if p == "/xinzhou/files/moved.pdf"]


# ---- gzip on the wire ----------------------------------------------------------------------
def test_a_gzip_encoded_pdf_is_compared_by_its_wire_length(ctx, replica):
    body = replica.routes[PDF].body
    replica.behaviour.gzip_paths.add(PDF)
    assert len(gzip.compress(body)) < len(body)  # the Content-Length sent is not the PDF's size
    (result,) = pipeline.crawl(ctx, [SITE])
    assert (result["status"], result["new_file_versions"]) == ("ok", 1)
    assert query_scalar(ctx, "SELECT sha256 FROM disclosure.archived_file") == hashlib.sha256(body).hexdigest()


def test_a_truncated_gzip_is_still_refused(ctx, replica):
    replica.behaviour.gzip_paths.add(PDF)
    replica.behaviour.truncate_paths.add(PDF)
    (result,) = pipeline.crawl(ctx, [SITE])
    assert result["status"] == "failed" and result["new_file_versions"] == 0
    assert query_scalar(ctx, "SELECT count(*) FROM disclosure.archived_file") == 0


# ---- site health: a refused attachment is an item -----------------------------------------
def test_one_broken_attachment_is_an_item_and_the_withdrawal_check_still_runs(ctx, replica):
    from replica.resources import html_page

    files = hostile_sites.static_list_entries(replica, _entries(3))
    (first,) = pipeline.crawl(ctx, [SITE])
    assert (first["status"], first["new_file_versions"]) == ("ok", 3)
    hostile_sites.static_list_entries(replica, _entries(2))  # the third filing taken down
    replica.routes[files[0]] = html_page("错误", "<p>系统繁忙，请稍后再试</p>")  # an error page at the first's URL
    (second,) = pipeline.crawl(ctx, [SITE])
    assert (second["status"], second["withdrawn"], second["not_modified"]) == ("ok", 1, 1)
    assert any(files[0] in e and "HTML page served" in e for e in second["errors"])
    assert sorted(_filing_statuses(ctx).values()) == ["present", "present", "withdrawn"]


# ---- bounds: list pages, records, bytes ---------------------------------------------------
def _list_requests(replica, prefix: str) -> int:
    return sum(1 for _m, p, _s in replica.requests if p.startswith(prefix))


def test_createpagehtml_10000_stops_at_the_list_page_cap_and_withdraws_nothing(ctx, replica):
    (first,) = pipeline.crawl(ctx, [TRS])
    assert first["status"] == "ok"
    hostile_sites.trs_page_count(replica, 10000)
    ctx.registry.site(TRS).limits.update(max_list_pages=5)
    served = len(replica.requests)
    (second,) = pipeline.crawl(ctx, [TRS])
    pages = [p for _m, p, _s in replica.requests[served:] if p.startswith("/datong/czxx/index")]
    assert len(pages) == 5  # index.html and index_1..4.html, not 9,999
    assert (second["status"], second["withdrawn"], second["capped"]) == ("failed", 0, {"list_pages": 5})
    assert any("capped: stopped at 5 list pages" in p for p in second["problems"])
    assert set(_filing_statuses(ctx).values()) == {"present"}


def test_an_endless_next_chain_stops_at_the_cap(ctx, replica):
    hostile_sites.endless_next(replica)
    ctx.registry.site(SITE).limits.update(max_list_pages=7)
    (result,) = pipeline.crawl(ctx, [SITE])
    assert len(_served(replica, "/xinzhou/yjsgk/list.html")) == 7
    assert result["capped"] == {"list_pages": 7} and result["filings"] == 1 and result["new_file_versions"] == 1


@pytest.mark.parametrize("site_keys", [(HANWEB,)])
def test_hanweb_total_record_2000000_stops_at_the_default_cap(ctx, replica):
    hostile_sites.hanweb_total(replica, 2_000_000)
    (result,) = pipeline.crawl(ctx, [HANWEB])
    proxy = _served(replica, "/yunzhou/module/web/jpage/dataproxy.jsp")
    assert len(proxy) == SiteCaps().max_list_pages - 1  # the column page is the first list page
    assert result["capped"] == {"list_pages": SiteCaps().max_list_pages} and result["filings"] == 6


@pytest.mark.parametrize("site_keys", [(UNIFIED,)])
def test_unified_pages_1000000_stops_at_the_cap(ctx, replica):
    hostile_sites.unified_pages(replica, 1_000_000)
    ctx.registry.site(UNIFIED).limits.update(max_list_pages=10)
    (result,) = pipeline.crawl(ctx, [UNIFIED])
    assert len(_served(replica, "/sxyjgk/api/list")) == 10
    assert result["capped"] == {"list_pages": 10} and result["filings"] == 2


def test_records_and_bytes_are_capped_too(ctx, replica):
    hostile_sites.static_list_entries(replica, _entries(4))
    ctx.registry.site(SITE).limits.update(max_records=2)
    (by_records,) = pipeline.crawl(ctx, [SITE])
    assert (by_records["filings"], by_records["capped"], by_records["status"]) == (2, {"records": 2}, "failed")
    ctx.registry.site(SITE).limits.clear()
    ctx.registry.site(SITE).limits.update(max_bytes=30_000)  # the list, a detail page, part of a PDF
    (by_bytes,) = pipeline.crawl(ctx, [SITE])
    assert by_bytes["capped"] == {"bytes": 30_000} and by_bytes["withdrawn"] == 0
    assert by_bytes["finish_reason"] == "capped_bytes"


def test_wrong_limits_fail_only_that_site_naming_the_key(ctx, replica):
    ctx.registry.site(SITE).limits.update(max_list_pages="many")
    results = {r["site"]: r for r in pipeline.crawl(ctx)}
    assert results[SITE]["status"] == "failed"
    assert any("limits.max_list_pages must be a positive integer" in p for p in results[SITE]["problems"])
    assert results[TRS]["status"] == "ok"


# ---- the crawler child: prompt on SIGTERM, dies with its parent ---------------------------
def _running(pid: int) -> bool:
    try:
        with open(f"/proc/{pid}/stat") as fh:
            return fh.read().rsplit(")", 1)[1].split()[0] != "Z"
    except FileNotFoundError:
        return False


def _children(pid: int) -> list[int]:
    import glob

    found = []
    for path in glob.glob(f"/proc/{pid}/task/*/children"):
        with open(path) as fh:
            found += [int(c) for c in fh.read().split()]
    return found


def _wait(condition, timeout: float, what: str) -> None:
    import time

    deadline = time.monotonic() + timeout
    while not condition():
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out waiting for {what}")
        time.sleep(0.1)


@pytest.mark.slow  # a real crawl process, signalled mid-crawl (11 s)
def test_sigterm_stops_a_crawl_promptly(replica, tmp_path):
    import subprocess
    import sys
    import time

    from crawlers.lifetime import GRACE

    replica.behaviour.slow_paths["/xinzhou/yjsgk/list.html"] = 120  # a list page that never answers
    proc = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "crawlers.child",
            "--site-key",
            SITE,
            "--family",
            "static_list",
            "--start-url",
            replica.base_url + "/xinzhou/yjsgk/list.html",
            "--manifest",
            str(tmp_path / "m.jsonl"),
            "--archive",
            str(tmp_path / "archive"),
            "--user-agent",
            "disclosure-watch-test/1 (+https://example.org)",
            "--throttle-start-delay",
            "0",
            "--download-delay",
            "0",
        ],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    _wait(lambda: replica.max_in_flight >= 1, 60, "the list request")
    time.sleep(0.5)
    asked = time.monotonic()
    proc.terminate()
    proc.wait(timeout=GRACE + 20)
    assert time.monotonic() - asked < GRACE + 5
    import json

    last = json.loads((tmp_path / "m.jsonl").read_text().splitlines()[-1])  # what was done is still reported
    assert last["type"] == "stats" and last["stats"]["finish_reason"] in ("shutdown", "terminated")


def test_killing_disclosure_run_takes_its_crawler_child_and_temp_folder_with_it(env_settings, replica, tmp_path):
    import os
    import signal
    import subprocess
    import sys

    tmp = tmp_path / "tmp"
    tmp.mkdir()
    for page in ("/datong/czxx/index.html", "/xinzhou/yjsgk/list.html"):
        replica.behaviour.slow_paths[page] = 120  # the crawl hangs on its first list page
    run = subprocess.Popen(
        [sys.executable, "-m", "disclosure.cli", "run"],
        env={**os.environ, "TMPDIR": str(tmp)},
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    _wait(lambda: _children(run.pid) and replica.max_in_flight >= 1, 120, "the crawler child")
    (child,) = _children(run.pid)
    assert next(p.name for p in tmp.iterdir()).startswith(f"disclosure-crawl-{run.pid}-")
    os.kill(run.pid, signal.SIGKILL)  # the parent only, as an OOM killer or `kill -9 <pid>` does
    run.wait(timeout=10)
    _wait(lambda: not _running(child), 10, "the orphaned crawler to exit")
    _wait(lambda: not list(tmp.iterdir()), 10, "the crawl folder to be removed")
    ctx = pipeline.context(env_settings)
    _wait(
        lambda: (
            query_scalar(
                ctx,
                "SELECT count(*) FROM pg_locks WHERE locktype = 'advisory' AND database = "
                "(SELECT oid FROM pg_database WHERE datname = current_database())",
            )
            == 0
        ),
        10,
        "the host lock to be released",
    )


def test_folders_of_dead_crawls_are_swept(tmp_path):
    import os
    import subprocess

    from crawlers.site_crawl import TEMP_PREFIX, sweep_orphaned_folders

    dead = subprocess.Popen(["true"])
    dead.wait()
    stale = tmp_path / f"{TEMP_PREFIX}{dead.pid}-abc"
    mine = tmp_path / f"{TEMP_PREFIX}{os.getpid()}-def"
    for folder in (stale, mine):
        (folder / "sub").mkdir(parents=True)
    assert sweep_orphaned_folders(tmp_path) == [stale]
    assert mine.exists() and not stale.exists()


# ---- the database goes away during the crawl stage ----------------------------------------
OUTAGE = 20.0  # seconds, as probed


class _CuttableProxy:
    """tests.test_faults.FlakyProxy that can also cut the connections it is carrying."""

    def __init__(self, target):
        from tests.test_faults import FlakyProxy

        live: list[socket.socket] = []

        class Proxy(FlakyProxy):
            def _pipe(self, a, b):  # FlakyProxy's is static; this one also remembers the sockets
                live.extend((a, b))
                FlakyProxy._pipe(a, b)

        self.live = live
        self.proxy = Proxy(target)
        self.proxy.down = False

    def cut(self) -> None:
        self.proxy.down = True
        for s in list(self.live):
            with __import__("contextlib").suppress(OSError):
                s.shutdown(socket.SHUT_RDWR)

    def restore(self) -> None:
        self.proxy.down = False


@pytest.mark.slow
def test_the_crawl_stage_waits_for_a_database_gone_for_20_s_and_records_everything(env_settings, replica, monkeypatch):
    import os
    import time

    from sqlalchemy.engine import make_url

    url = make_url(os.environ["DATABASE_URL"])
    link = _CuttableProxy((url.host or "127.0.0.1", url.port or 5432))
    monkeypatch.setenv(
        "DATABASE_URL", url.set(host="127.0.0.1", port=link.proxy.port).render_as_string(hide_password=False)
    )
    ctx = pipeline.context()
    pipeline.prepare(ctx)
    replica.behaviour.slow_paths[PDF] = 4.0  # the cut lands while the file is on its way
    threading.Timer(1.5, link.cut).start()
    threading.Timer(1.5 + OUTAGE, link.restore).start()
    started = time.monotonic()
    results = pipeline.crawl(ctx)
    assert time.monotonic() - started >= OUTAGE and link.proxy.refused >= 1
    assert [(r["site"], r["status"]) for r in results] == [(TRS, "ok"), (SITE, "ok")]
    assert query_scalar(ctx, "SELECT count(*) FROM disclosure.crawl_run WHERE warc_path IS NOT NULL") == 2
    assert query_scalar(ctx, "SELECT count(*) FROM disclosure.archived_file") == 2
    link.proxy.server.close()


def test_a_crawl_the_recorder_cannot_store_is_still_a_recorded_failure_and_the_next_site_runs(
    ctx, replica, monkeypatch
):
    from warehouse import crawl_record

    real = crawl_record.record_crawl

    def flaky(conn, registry, site, outcome, started_at):
        if site.key == TRS:
            raise ValueError("a recorder bug")
        return real(conn, registry, site, outcome, started_at)

    monkeypatch.setattr(crawl_record, "record_crawl", flaky)
    results = {r["site"]: r for r in pipeline.crawl(ctx)}
    assert results[TRS]["status"] == "failed" and "a recorder bug" in results[TRS]["problems"][0]
    assert results[SITE]["status"] == "ok"
    assert query_rows(
        ctx,
        """SELECT s.key, cr.status, cr.error LIKE 'crawl not recorded: ValueError%'
                              FROM disclosure.crawl_run cr JOIN disclosure.site s ON s.id = cr.site_id
                              ORDER BY s.key""",
    ) == [(TRS, "failed", True), (SITE, "ok", None)]


def test_a_list_page_larger_than_its_cap_is_refused_and_recorded(ctx, replica):
    page = replica.routes["/xinzhou/yjsgk/list.html"]
    page.body = page.body.replace(b"</body>", b"<!--" + b"x" * 200_000 + b"--></body>")
    ctx.registry.site(SITE).limits.update(max_list_page_bytes=100_000)
    (result,) = pipeline.crawl(ctx, [SITE])
    assert (result["status"], result["filings"], result["withdrawn"]) == ("failed", 0, 0)
    assert any("list.html" in e and "100000" in e for e in result["errors"])


def test_a_detail_page_with_thousands_of_attachments_fetches_at_most_the_cap(ctx, replica):
    (pdf,) = hostile_sites.static_list_entries(replica, _entries(1))
    links = "".join(f'<a href="/xinzhou/files/many{n}.pdf">附件{n}</a>' for n in range(3000))
    detail = replica.routes["/xinzhou/yjsgk/e1.html"]
    detail.body = detail.body.replace(b"</body>", links.encode() + b"</body>")
    ctx.registry.site(SITE).limits.update(max_files_per_filing=4)
    (result,) = pipeline.crawl(ctx, [SITE])
    fetched = [p for _m, p, _s in replica.requests if p.startswith("/xinzhou/files/")]
    assert sorted(fetched) == sorted([pdf] + [f"/xinzhou/files/many{n}.pdf" for n in range(3)])
    assert result["capped"] == {"files_per_filing": 4} and result["withdrawn"] == 0
