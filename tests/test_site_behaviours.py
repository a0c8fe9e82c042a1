"""Every switchable site behaviour ends in recovery or in a recorded, explained failure with
nothing lost, and the next night picks up what was missed (issues #3, #5, #10)."""

import threading
import time

import pytest
from sqlalchemy import text

from crawlers.site_crawl import CrawlLimits
from disclosure import pipeline
from disclosure.settings import load_settings
from tests.conftest import query_rows, query_scalar

PDF = "/xinzhou/files/swbgs2023js.pdf"
SITE = "replica-xinzhou-static"


@pytest.fixture
def ctx(env_settings):
    ctx = pipeline.context(env_settings)
    pipeline.prepare(ctx)
    return ctx


def _served(replica, path):
    return [status for _m, p, status in replica.requests if p.split("?")[0] == path]


def test_a_burst_of_5xx_is_retried_within_the_crawl(ctx, replica):
    replica.behaviour.error_bursts[PDF] = 2
    (result,) = pipeline.crawl(ctx, [SITE])
    assert _served(replica, PDF) == [503, 503, 200]
    assert (result["status"], result["new_file_versions"]) == ("ok", 1)


def test_connection_resets_fail_the_site_and_the_next_night_recovers(ctx, replica):
    replica.behaviour.reset_paths.add(PDF)
    (result,) = pipeline.crawl(ctx, [SITE])
    assert result["status"] == "failed" and result["new_file_versions"] == 0
    assert any(PDF in e and ("Connection" in e or "ResponseNeverReceived" in e) for e in result["errors"])
    assert query_scalar(ctx, "SELECT count(*) FROM disclosure.filing") == 1  # the filing is kept, file pending
    replica.behaviour.reset_paths.clear()
    (again,) = pipeline.crawl(ctx, [SITE])
    assert (again["status"], again["new_file_versions"]) == ("ok", 1)


def test_a_truncated_download_is_never_archived(ctx, replica):
    replica.behaviour.truncate_paths.add(PDF)
    (result,) = pipeline.crawl(ctx, [SITE])
    assert result["status"] == "failed" and result["new_file_versions"] == 0
    assert query_scalar(ctx, "SELECT count(*) FROM disclosure.archived_file") == 0
    archive = ctx.settings.archive_dir / "sha256"
    assert not archive.exists() or not any(p.is_file() for p in archive.rglob("*"))
    replica.behaviour.truncate_paths.clear()
    (again,) = pipeline.crawl(ctx, [SITE])
    assert again["new_file_versions"] == 1


def test_a_slow_answer_times_out_with_a_recorded_reason(ctx, replica):
    replica.behaviour.slow_paths[PDF] = 2.5
    (result,) = pipeline.crawl(ctx, [SITE], CrawlLimits(throttle_start_delay=0, download_delay=0, timeout=1))
    assert result["status"] == "failed"
    assert any("TimeoutError" in e or "took longer than" in e for e in result["errors"])


def test_a_bare_user_agent_gets_403_but_ours_is_served(ctx, replica):
    import urllib.request
    from urllib.error import HTTPError

    replica.behaviour.forbid_bare_agents = True
    with pytest.raises(HTTPError) as refused:
        urllib.request.urlopen(replica.base_url + "/xinzhou/yjsgk/list.html")
    assert refused.value.code == 403
    (result,) = pipeline.crawl(ctx, [SITE])
    assert (result["status"], result["new_file_versions"]) == ("ok", 1)


def test_a_redirect_is_followed_and_both_urls_are_kept(ctx, replica):
    moved = "/xinzhou/files/2024/swbgs2023js.pdf"
    replica.routes[moved] = replica.routes[PDF]
    replica.behaviour.redirects[PDF] = replica.base_url + moved
    (result,) = pipeline.crawl(ctx, [SITE])
    assert result["new_file_versions"] == 1
    source, final = (
        ctx.engine.connect().execute(text("SELECT source_url, final_url FROM disclosure.archived_file")).one()
    )
    assert source.endswith(PDF) and final.endswith(moved)


def test_a_new_filing_between_two_nights_is_picked_up(ctx, replica):
    pipeline.crawl(ctx, [SITE])
    index = replica.routes["/xinzhou/yjsgk/list.html"]
    index.body = index.body.replace(
        b"</ul>",
        '<li><a href="/xinzhou/yjsgk/2025/0901/c9.html">中国共产党忻州市委员会办公室2024年度单位决算公开</a>'
        " 2025-09-01</li></ul>".encode(),
    )
    replica.routes["/xinzhou/yjsgk/2025/0901/c9.html"] = type(index)(
        '<html><body><h2>2024年度单位决算</h2><a href="/xinzhou/files/swbgs2024js.pdf">附件</a></body></html>'.encode(),
        "text/html; charset=utf-8",
    )
    replica.routes["/xinzhou/files/swbgs2024js.pdf"] = type(index)(
        replica.routes[PDF].body + b"%new", "application/pdf"
    )
    (result,) = pipeline.crawl(ctx, [SITE])
    assert (result["new_filings"], result["new_file_versions"], result["not_modified"]) == (1, 1, 1)


def test_sites_are_crawled_with_their_hosts_in_turn():
    from registry.model import Site

    def site(key: str, host: str) -> Site:
        return Site(key, "j", "static_list", (f"http://{host}/{key}/list.html",))

    sites = [site("a1", "a.gov.cn"), site("a2", "a.gov.cn"), site("a3", "a.gov.cn"), site("b1", "b.gov.cn")]
    sites.append(site("c1", "c.gov.cn:8080"))
    order = [s.key for s in pipeline.in_crawl_order(sites)]
    assert order == ["a1", "b1", "c1", "a2", "a3"]


LIST_PAGES = ("/xinzhou/yjsgk/list.html", "/datong/czxx/index.html")  # each crawl's first page after robots.txt


class _ListPagesMeet(dict):
    """slow_paths whose list pages answer only once both have been asked for (at most 60 s),
    then 0.3 s later. The two crawl processes start up to 1.4 s apart on a busy machine, longer
    than a fixed 0.3 s: their list requests then never overlapped, and "two in flight" failed."""

    def __init__(self):
        super().__init__(dict.fromkeys(LIST_PAGES, 0.3))
        self._asked: set[str] = set()
        self._lock = threading.Lock()
        self._both = threading.Event()
        self._first = 0.0
        self.waited = 0.0  # seconds the first list page waited for the second

    def __getitem__(self, path: str) -> float:  # the replica's handler thread, before it answers
        with self._lock:
            if not self._asked:
                self._first = time.monotonic()
            self._asked.add(path)
            if self._asked == set(self) and not self._both.is_set():
                self.waited = time.monotonic() - self._first
                self._both.set()
        self._both.wait(60)  # the other never came: answer anyway, and max_in_flight tells
        return super().__getitem__(path)


def _two_sites_at_once(settings, replica, meet: bool = False) -> float:
    """Crawl two sites of one host (the replica serves all of them) in two threads, as two
    mapped Airflow tasks do; the seconds it took. `meet`: their list pages wait for each other."""
    ctx = pipeline.context(settings)
    pipeline.prepare(ctx)
    if meet:
        replica.behaviour.slow_paths = _ListPagesMeet()
    else:
        replica.behaviour.slow_paths.update(dict.fromkeys(LIST_PAGES, 0.3))
    threads = [
        threading.Thread(target=pipeline.crawl, args=(pipeline.context(settings), [key]))
        for key in ("replica-datong-trs", SITE)
    ]
    started = time.monotonic()
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert {r[0] for r in ctx.engine.connect().execute(text("SELECT status FROM disclosure.crawl_run"))} == {"ok"}
    return time.monotonic() - started


def test_two_sites_on_one_host_with_one_slot_take_turns(env_settings, replica, monkeypatch):
    """Per-host politeness holds across concurrent crawls (mapped Airflow tasks)."""
    monkeypatch.setenv("DISCLOSURE_HOST_CONCURRENCY", "1")
    _two_sites_at_once(load_settings(), replica)
    assert replica.max_in_flight == 1


def test_two_sites_on_one_host_share_its_rate_limit(env_settings, replica, monkeypatch):
    """Two slots: both crawls run at once (two requests in flight, never more), and the host
    gets at most one request per DISCLOSURE_HOST_DELAY from both together."""
    delay = 0.15
    monkeypatch.setenv("DISCLOSURE_HOST_CONCURRENCY", "2")
    monkeypatch.setenv("DISCLOSURE_HOST_DELAY", str(delay))
    _two_sites_at_once(load_settings(), replica, meet=True)
    assert replica.max_in_flight == 2
    arrivals = sorted(replica.arrivals)
    # each crawl spaces its requests by 2 × delay: both together, one per delay (+1 each to start);
    # the time the first list page waited for the second is no spacing of either crawl
    span = arrivals[-1] - arrivals[0] - replica.behaviour.slow_paths.waited
    assert len(arrivals) >= 10 and len(arrivals) <= span / delay + 2
    # and no two requests of one crawl closer than its share: a window a little shorter than
    # 2 × delay holds one of each crawl (+1 at the seams). The server stamps a request when it
    # arrives, not when the crawl sent it: a first request's new connection arrives some ms
    # late, so its gap to the next looks shorter (0.291 s of 0.3 seen) and a window of exactly
    # 2 × delay held 4 when the two crawls ran in step.
    arrival_jitter = 0.1
    window = 2 * delay - arrival_jitter
    in_any_window = max(sum(1 for t in arrivals if a <= t < a + window) for a in arrivals)
    assert in_any_window <= 3, arrivals


def _allow_https_port(ctx, replica) -> None:
    """Loopback TLS listens on another port: an origin the site must register (issue #17)."""
    ctx.registry.site(SITE).config["allowed_origins"] = [replica.https_base_url]


def test_an_http_site_that_redirects_to_https_is_crawled_over_tls(ctx, replica):
    _allow_https_port(ctx, replica)
    replica.behaviour.https_only = True
    (result,) = pipeline.crawl(ctx, [SITE])
    assert (result["status"], result["new_file_versions"]) == ("ok", 1)
    assert ("GET", "/xinzhou/yjsgk/list.html", 301) in replica.requests  # the registered http start URL
    detail, final = query_rows(
        ctx,
        """SELECT f.detail_url, af.final_url FROM disclosure.archived_file af
                                       JOIN disclosure.filing f ON f.id = af.filing_id""",
    )[0]
    assert detail.startswith(replica.https_base_url) and final == replica.https_base_url + PDF


def test_a_site_that_moves_to_https_between_nights_keeps_its_filings(ctx, replica):
    (first,) = pipeline.crawl(ctx, [SITE])
    assert (first["status"], first["new_filings"], first["new_file_versions"]) == ("ok", 1, 1)
    _allow_https_port(ctx, replica)
    replica.behaviour.https_only = True
    (moved,) = pipeline.crawl(ctx, [SITE])
    # The same filing, now at its https address: nothing new, nothing withdrawn, the file
    # asked for conditionally under its archived URL and not downloaded again.
    assert (moved["status"], moved["filings"], moved["new_filings"], moved["withdrawn"]) == ("ok", 1, 0, 0)
    assert (moved["new_file_versions"], moved["not_modified"]) == (0, 1)
    ((detail, status),) = query_rows(ctx, "SELECT detail_url, status FROM disclosure.filing")
    assert detail.startswith(replica.https_base_url) and status == "present"


def test_a_list_page_redesign_between_years_loses_no_filing(ctx, replica):
    from replica.site import relayout_trs_lists

    (first,) = pipeline.crawl(ctx, ["replica-datong-trs"])
    relayout_trs_lists(replica)
    assert b'<table class="xxgk_list">' in replica.routes["/datong/czxx/index.html"].body
    (again,) = pipeline.crawl(ctx, ["replica-datong-trs"])
    assert again["status"] == "ok" and again["withdrawn"] == 0
    assert again["filings"] == first["filings"] == 2 and again["not_modified"] == 1
