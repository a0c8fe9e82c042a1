"""A night that fits in a night (issue #21): archived files asked for on a rotation of K
nights and at once when their list entry changed; a crawl cut by its time limit is recorded
incomplete, withdraws nothing, and the next night goes on from the store's record."""

from __future__ import annotations

from collections import Counter
from datetime import UTC, datetime, timedelta

import pytest

from alerting.raise_alerts import raise_alerts
from crawlers.events import CrawlError, FilingFound, Listed, NotModified
from crawlers.health import judge_health
from crawlers.revalidation import entry_fingerprint, is_due, night_number, rotation_slot
from crawlers.site_crawl import CrawlLimits
from crawlers.spiders.trs_wcm import TrsWcmSpider
from crawlers.spiders.unified_json import UnifiedJsonSpider
from crawlers.urls import url_key
from disclosure import pipeline
from disclosure.settings import load_settings
from replica import hostile_sites
from tests.conftest import query_rows, query_scalar
from tests.saved_pages import make_spider, saved, split

DT = "http://www.dt.gov.cn/dtzww/czxx/"
PDF = DT + "202508/P020250828556712345678.pdf"  # a list entry that links straight to its file
PDF_TITLE = "大同市公共资源交易中心（大同市政府采购中心）2024年度单位决算公开"
SITE = "replica-xinzhou-static"
K = 7


# ---- pure: the rotation ------------------------------------------------------------------
def test_each_file_is_due_once_in_k_nights_and_the_nights_share_them_evenly():
    keys = [f"//www.example.gov.cn/files/{n}.pdf" for n in range(2100)]
    first = night_number(datetime(2026, 9, 1).date())
    checked = dict.fromkeys(keys, first - 1)  # all asked for the night before
    asked: Counter = Counter()
    per_night = []
    for night in range(first, first + 3 * K):
        due = [k for k in keys if is_due(k, night, K, checked[k])]
        for k in due:
            checked[k] = night
        asked.update(due)
        per_night.append(len(due))
    assert set(asked.values()) == {3}  # three rotations, each file once in each
    assert min(per_night) > 0.8 * len(keys) / K and max(per_night) < 1.2 * len(keys) / K


def test_a_file_whose_night_failed_is_due_the_night_after_and_k_1_means_every_night():
    key = "//www.example.gov.cn/files/a.pdf"
    slot_night = next(n for n in range(1000, 1000 + K) if rotation_slot(key, K) == n % K)
    assert is_due(key, slot_night, K, slot_night - K)
    # its slot passed without an answer (the site was down): asked for at once, not in K nights
    assert not is_due(key, slot_night + 1, K, slot_night - 1)
    assert is_due(key, slot_night + 1, K, slot_night - K)
    assert is_due(key, slot_night + 1, 1, slot_night) and is_due(key, 5, K, None)


# ---- the spider: known entries on the rotation, changed ones at once --------------------
def _known(entry: str, checked_night: int) -> dict:
    return {
        "details": {url_key(PDF): {"files": [PDF], "entry": entry}},
        "files": {url_key(PDF): {"etag": '"abc"', "checked_night": checked_night}},
    }


def _night_of(key: str, due: bool) -> int:
    """A night on which the file at `key` (asked for the night before) is (not) due."""
    return next(n for n in range(1000, 1000 + K) if (rotation_slot(key, K) == n % K) == due)


def _crawl_list(known: dict, night: int):
    spider = make_spider(TrsWcmSpider, DT + "index.html", known=known)
    spider.night, spider.revalidate_every = night, K
    items, requests = split(spider.parse_list(saved("trs_wcm/czxx_index.html", DT + "index.html")))
    return spider, items, [r for r in requests if r.url == PDF]


def test_a_known_entry_is_asked_for_on_its_night_only():
    entry = entry_fingerprint(PDF_TITLE, "2025-08-28")
    not_due = _night_of(url_key(PDF), due=False)
    spider, items, fetches = _crawl_list(_known(entry, not_due - 1), not_due)
    assert [i.detail_url for i in items if isinstance(i, Listed)] == [PDF] and fetches == []
    assert spider.crawler.stats.get_value("disclosure/revalidation_deferred") == 1
    due = _night_of(url_key(PDF), due=True)
    _, _, [fetch] = _crawl_list(_known(entry, due - 1), due)
    assert fetch.headers[b"If-None-Match"] == b'"abc"'


def test_a_changed_list_entry_is_read_again_at_once_whatever_the_night():
    recorded = entry_fingerprint(PDF_TITLE, "2025-08-01")  # the list printed another date then
    not_due = _night_of(url_key(PDF), due=False)
    spider, items, [fetch] = _crawl_list(_known(recorded, not_due - 1), not_due)
    [filing] = [i for i in items if isinstance(i, FilingFound) and i.detail_url == PDF]
    assert filing.entry == entry_fingerprint(PDF_TITLE, "2025-08-28") != recorded
    assert fetch.headers[b"If-None-Match"] == b'"abc"'  # still conditional: the bytes may be the same
    assert spider.crawler.stats.get_value("disclosure/changed_entries") == 1


JS = "http://czt.jiangsu.gov.cn/yjsgk/front/department/"
JS_ITEMS = JS + "itemsandpag.do?deptId=8a8a8a01&pageNo=1&pageSize=2"
JS_CONFIG = {"download_url": "download.do?iid={iid}"}


def _platform_rows(known: dict | None = None, night: int = 0):
    spider = make_spider(UnifiedJsonSpider, JS_ITEMS, config=JS_CONFIG, known=known)
    spider.night, spider.revalidate_every = night, K
    items, requests = split(spider.parse_list(saved("unified_json/itemsandpag_p1.json", JS_ITEMS)))
    return items, [r for r in requests if r.callback == spider.parse_file]


def test_a_platform_row_listed_as_recorded_waits_for_its_night_and_one_with_other_files_is_read_at_once():
    first, _ = _platform_rows()
    rows = [i for i in first if isinstance(i, FilingFound)]
    assert len(rows) == 2 and all(r.entry for r in rows)
    files = {r.detail_url: r.attachments[0]["url"] for r in rows}
    not_due = {u: _night_of(url_key(f), due=False) for u, f in files.items()}
    night = next(iter(not_due.values()))
    known = {
        "details": {url_key(r.detail_url): {"files": [files[r.detail_url]], "entry": r.entry} for r in rows},
        "files": {url_key(f): {"etag": '"e"', "checked_night": night - 1} for f in files.values()},
    }
    items, fetches = _platform_rows(known, night)
    due_tonight = {f for f in files.values() if is_due(url_key(f), night, K, night - 1)}
    assert {type(i).__name__ for i in items} == {"Listed"} and {r.url for r in fetches} == due_tonight
    # the platform replaced one row's file: that row is recorded again and its files asked for at once
    changed = rows[0].detail_url
    known["details"][url_key(changed)]["entry"] = entry_fingerprint(rows[0].title, rows[0].published, ["x.pdf"])
    items, fetches = _platform_rows(known, night)
    assert [i.detail_url for i in items if isinstance(i, FilingFound)] == [changed]
    assert files[changed] in {r.url for r in fetches}


def test_a_crawl_stopped_by_its_time_limit_alone_is_incomplete_anything_else_fails_it():
    cut = {"finish_reason": "closespider_timeout", "disclosure/list_pages": 3}
    served = NotModified("http://x.gov.cn/a.html", "http://x.gov.cn/a.pdf")
    alone = judge_health([served], cut, 0, "", 5, 10)
    assert (alone.status, alone.saw_whole_list) == ("incomplete", False)
    broken = judge_health([served, CrawlError(url="u", reason="reset", scope="file")], cut, 0, "", 5, 10)
    assert (broken.status, broken.saw_whole_list) == ("failed", False)
    killed = judge_health([served], {"disclosure/list_pages": 3}, -9, "did not stop", 5, 10)
    assert killed.status == "failed"  # no stats: nobody knows where it stopped


# ---- on the replica: nights replayed by date ---------------------------------------------
def _entries(n: int) -> list[tuple[str, str]]:
    return [(f"/xinzhou/yjsgk/e{k}.html", f"忻州市第{k}单位2023年度单位决算公开") for k in range(1, n + 1)]


@pytest.fixture
def rotating(env_settings, monkeypatch):
    monkeypatch.setenv("DISCLOSURE_REVALIDATE_EVERY", str(K))
    ctx = pipeline.context(load_settings())
    pipeline.prepare(ctx)
    return ctx


def _served(replica, since: int) -> Counter:
    kinds: Counter = Counter()
    for _m, path, _status in replica.requests[since:]:
        kinds["file" if path.endswith(".pdf") else "list" if path.endswith("list.html") else path] += 1
    return kinds


@pytest.mark.slow
def test_no_change_nights_ask_for_each_file_once_in_k_and_a_changed_entry_at_once(rotating, replica):
    ctx = rotating
    files = hostile_sites.static_list_entries(replica, _entries(14))
    day0 = datetime(2026, 9, 1, 1, 0, tzinfo=UTC)
    (first,) = pipeline.crawl(ctx, [SITE], at=day0)
    assert (first["status"], first["new_file_versions"]) == ("ok", 14)
    asked: Counter = Counter()
    for n in range(1, K + 1):
        if n == 3:  # a corrected filing: its list entry shows another title
            hostile_sites.static_list_entries(
                replica, [(h, t.replace("第5单位", "第5单位(更正)")) for h, t in _entries(14)]
            )
        since = len(replica.requests)
        (night,) = pipeline.crawl(ctx, [SITE], at=day0 + timedelta(days=n))
        served = _served(replica, since)
        assert night["status"] == "ok" and night["withdrawn"] == 0 and night["filings"] == 14
        assert night["not_modified"] + night["revalidation_deferred"] == 14
        assert night["changed_entries"] == (1 if n == 3 else 0)
        # requests: the list page, the files due tonight, and the changed entry's page and file
        assert served["list"] == 1 and served["file"] == night["not_modified"]
        assert served["/xinzhou/yjsgk/e5.html"] == (1 if n == 3 else 0)
        asked.update(p for _m, p, _s in replica.requests[since:] if p.endswith(".pdf"))
    e5 = "/xinzhou/files/e5.pdf"
    assert {f: asked[f] for f in files if f != e5} == {f: 1 for f in files if f != e5}
    assert asked[e5] in (1, 2)  # at once on night 3, and on its own night if that came later
    title = query_scalar(ctx, "SELECT title FROM disclosure.filing WHERE detail_url LIKE '%e5.html'")
    assert "更正" in title


@pytest.mark.slow
def test_a_first_crawl_cut_by_its_time_limit_is_incomplete_and_the_next_night_goes_on(env_settings, replica):
    ctx = pipeline.context(env_settings)
    pipeline.prepare(ctx)
    files = hostile_sites.static_list_entries(replica, _entries(24))
    for path in files:
        replica.behaviour.slow_paths[path] = 1.0
    (first,) = pipeline.crawl(ctx, [SITE], limits=CrawlLimits(throttle_start_delay=0, download_delay=0, wall_clock=20))
    assert first["status"] == "incomplete" and first["withdrawn"] == 0, first["problems"]
    assert first["finish_reason"] == "closespider_timeout"
    assert "time limit reached" in first["problems"][0] and len(first["problems"]) == 1
    got_first = first["new_file_versions"]
    assert 0 < got_first < 24
    with ctx.engine.begin() as conn:  # one night cut short is alerted only past the threshold
        assert [a for a in raise_alerts(conn) if a["kind"] == "site_unfinished"] == []
        (unfinished,) = [a for a in raise_alerts(conn, site_unfinished_nights=1) if a["kind"] == "site_unfinished"]
    assert unfinished["payload"] == {
        "site": SITE,
        "nights": 1,
        "new_filings": first["new_filings"],
        "later_progress": 0,
    }
    assert f"{SITE}: cut by its time limit 1 night running, {first['new_filings']} new filings" in unfinished["subject"]
    replica.behaviour.slow_paths.clear()
    since = len(replica.requests)
    (second,) = pipeline.crawl(ctx, [SITE])
    assert second["status"] == "ok" and second["new_file_versions"] == 24 - got_first
    pages_again = [p for _m, p, _s in replica.requests[since:] if p.startswith("/xinzhou/yjsgk/e")]
    # detail pages recorded the first night are not read again: only the ones it never reached
    assert len(pages_again) == 24 - first["filings"]
    assert query_scalar(ctx, "SELECT count(*) FROM disclosure.archived_file") == 24
    statuses = [r[0] for r in query_rows(ctx, "SELECT status FROM disclosure.crawl_run ORDER BY id")]
    assert statuses == ["incomplete", "ok"]
    with ctx.engine.begin() as conn:  # an incomplete night is no failure of the site
        assert [a for a in raise_alerts(conn) if a["kind"].startswith("site_")] == []


def _record_runs(ctx, nights: list[tuple[str, int, int]]) -> None:
    """Crawl runs of SITE as the recorder writes them, one a night after those recorded
    (status, new filings, new file versions)."""
    with ctx.engine.begin() as conn:
        before = conn.exec_driver_sql("SELECT count(*) FROM disclosure.crawl_run").scalar()
        start = datetime(2026, 11, 1, 1, 0, tzinfo=UTC) + timedelta(days=before)
        for night, (status, new, files) in enumerate(nights):
            conn.exec_driver_sql(
                """INSERT INTO disclosure.crawl_run (site_id, started_at, finished_at, status, stats)
                   SELECT id, %(at)s, %(at)s, %(status)s, jsonb_build_object('new_filings', %(new)s,
                          'new_file_versions', %(files)s) FROM disclosure.site WHERE key = %(site)s""",
                {"at": start + timedelta(days=night), "status": status, "new": new, "files": files, "site": SITE},
            )


def _site_alerts(ctx, kind: str) -> list[dict]:
    with ctx.engine.begin() as conn:
        return [a for a in raise_alerts(conn, site_down_nights=3, site_unfinished_nights=3) if a["kind"] == kind]


def test_a_site_cut_by_its_time_limit_night_after_night_is_alerted_once_per_streak(env_settings):
    ctx = pipeline.context(env_settings)
    pipeline.prepare(ctx)
    # a first crawl too big for a night: 40 filings, then 12 more files of them the night after
    _record_runs(ctx, [("incomplete", 40, 30), ("incomplete", 0, 12)])
    assert _site_alerts(ctx, "site_unfinished") == []  # two nights: below the threshold
    _record_runs(ctx, [("incomplete", 0, 0)])
    (alert,) = _site_alerts(ctx, "site_unfinished")
    assert alert["payload"] == {"site": SITE, "nights": 3, "new_filings": 40, "later_progress": 12}
    assert "cut by its time limit 3 nights running, 12 new filings and files after its first night" in alert["subject"]
    _record_runs(ctx, [("incomplete", 0, 0)])
    assert _site_alerts(ctx, "site_unfinished") == []  # the same streak: raised once
    # a failed night ends the streak (in a row means in a row); the next three bring nothing
    _record_runs(ctx, [("failed", 0, 0), ("incomplete", 2, 0), ("incomplete", 0, 0), ("incomplete", 0, 0)])
    (stuck,) = _site_alerts(ctx, "site_unfinished")
    assert stuck["payload"] == {"site": SITE, "nights": 3, "new_filings": 2, "later_progress": 0}
    assert "nothing new after its first night (the walk gets no further)" in stuck["subject"]
    assert "DISCLOSURE_CRAWL_TIME_LIMIT" in stuck["subject"]


def test_site_down_counts_failed_nights_in_a_row_only(env_settings):
    ctx = pipeline.context(env_settings)
    pipeline.prepare(ctx)
    _record_runs(ctx, [("failed", 0, 0), ("failed", 0, 0), ("incomplete", 5, 5), ("failed", 0, 0), ("failed", 0, 0)])
    assert _site_alerts(ctx, "site_down") == []  # an incomplete night read the site: two in a row since
    _record_runs(ctx, [("failed", 0, 0)])
    (down,) = _site_alerts(ctx, "site_down")
    assert down["payload"] == {"site": SITE, "nights": 3}
    assert down["subject"] == f"{SITE}: failed 3 nights running"
