"""`disclosure sites probe` recognises every family from a start page; `crawl --dry-run` lists
what it would fetch and what it takes each entry to be, archiving nothing."""

import pytest

from crawlers.probe import ProbeError, check_site, dry_run_entries, probe, recognise
from crawlers.site_crawl import CrawlLimits, crawl_site
from disclosure.settings import PROJECT_ROOT
from registry.model import load_registry
from tests.saved_pages import PAGES

UA = "disclosure-watch-test (+https://example.org/disclosure-watch)"


@pytest.fixture
def replica_registry(replica):
    return load_registry(PROJECT_ROOT / "registry" / "replica.yaml", {"replica": replica.base_url})


def test_probe_recognises_the_family_of_every_replica_site_from_its_start_page(replica_registry):
    for site in replica_registry.sites:
        found = probe(site.start_urls[0], UA)
        assert found.family == site.family, (site.key, found.evidence)
        if site.family == "hanweb_jpage":  # the replica serves the county under /yunzhou
            assert found.config == {"prefix": "/yunzhou"}
        entry = found.registry_entry("new-site", "datong")
        assert entry["family"] == site.family and entry["start_urls"] == [site.start_urls[0]]
        assert entry["verified"] is False


def test_probe_asks_robots_txt_first_and_identifies_itself(replica):
    with pytest.raises(ProbeError, match="robots.txt does not allow"):
        probe(replica.base_url + "/private/list.html", UA)
    assert replica.requests[0][1] == "/robots.txt" and UA in replica.user_agents
    with pytest.raises(ProbeError, match="404"):
        probe(replica.base_url + "/nowhere/index.html", UA)


def test_recognise_on_saved_pages_of_real_layouts():
    cases = {
        "trs_wcm/czxx_index.html": ("http://www.dt.gov.cn/dtzww/czxx/index.html", "trs_wcm", {}),
        # the proxyUrl carries /yunzhou already: no prefix proposed
        "hanweb/col4521.html": ("http://www.yunzhou.gov.cn/yunzhou/col/col4521/index.html", "hanweb_jpage", {}),
        "static_list/czj_yjsgk.html": ("http://czj.sxxz.gov.cn/czxx/yjsgk/index.html", "static_list", {}),
        "unified_json/getdepartmentname.json": (
            ("http://czt.jiangsu.gov.cn/yjsgk/front/department/getdepartmentname.do"),
            "unified_json",
            {},
        ),
    }
    for name, (url, family, config) in cases.items():
        found = recognise(url, (PAGES / name).read_bytes(), {})
        assert (found.family, found.config) == (family, config), name
    departments = recognise(
        "http://x/getdepartmentname.do", (PAGES / "unified_json/getdepartmentname.json").read_bytes()
    )
    assert "items_url" in departments.notes[0]
    assert recognise("http://x/", b"<html><body><a href='/a'>about us</a></body></html>").family is None


def test_check_site_flags_a_wrong_family_or_prefix(replica_registry):
    from dataclasses import replace

    hanweb = replica_registry.site("replica-yunzhou-hanweb")
    assert check_site(hanweb, UA) == []
    wrong = replace(hanweb, config={"prefix": "/datong"})
    assert check_site(wrong, UA) == [f"config.prefix '/datong': the start page {hanweb.start_urls[0]} is not under it"]
    trs_as_static = replace(replica_registry.site("replica-datong-trs"), family="static_list")
    assert "looks like trs_wcm" in check_site(trs_as_static, UA)[0]


@pytest.mark.slow  # a Scrapy crawl of a replica site in a child process
def test_a_dry_run_lists_entries_and_their_files_and_fetches_no_file(replica, replica_registry, tmp_path):
    site = replica_registry.site("replica-yunzhou-hanweb")
    outcome = crawl_site(
        site, tmp_path / "archive", UA, None, CrawlLimits(throttle_start_delay=0, download_delay=0), dry_run=True
    )
    entries = dry_run_entries(outcome.events, replica_registry)
    filings = sorted((e.unit, e.year, e.kind, e.published) for e in entries if e.is_filing)
    assert [f[:3] for f in filings] == [
        ("yz-czj", 2023, "单位决算"),
        ("yz-czj", 2024, "单位决算"),
        ("yz-jyj", 2023, "单位决算"),
        ("yz-jyj", 2024, "单位决算"),
        ("yz-wjj", 2023, "单位决算"),
        ("yz-wjj", 2024, "单位决算"),
    ]
    assert all(f[3] for f in filings)  # every entry dated
    assert all(e.fetch for e in entries if e.is_filing)
    assert not [p for _m, p, _s in replica.requests if "/picture/" in p]  # no file was fetched
    assert not (tmp_path / "archive").exists() or not any((tmp_path / "archive").rglob("*"))


@pytest.mark.slow  # the probe, then a dry-run crawl in a child process
def test_the_commands_print_a_registry_entry_and_the_dry_run_entries(replica, monkeypatch, tmp_path):
    import yaml
    from typer.testing import CliRunner

    from disclosure.cli import app

    monkeypatch.setenv("DISCLOSURE_REPLICA_BASE", replica.base_url)
    monkeypatch.setenv("DISCLOSURE_CRAWL_THROTTLE", "0")
    monkeypatch.setenv("DISCLOSURE_VAR_DIR", str(tmp_path))
    url = replica.base_url + "/datong/czxx/index.html"
    out = CliRunner().invoke(app, ["sites", "probe", url, "--key", "dt-czxx", "--jurisdiction", "datong"])
    assert out.exit_code == 0, out.output
    entry = yaml.safe_load(out.stdout[out.stdout.index("sites:") :])["sites"][0]
    assert entry == {
        "key": "dt-czxx",
        "jurisdiction": "datong",
        "family": "trs_wcm",
        "verified": False,
        "start_urls": [url],
    }
    out = CliRunner().invoke(app, ["crawl", "replica-datong-trs", "--dry-run"])
    assert out.exit_code == 0, out.output
    lines = [line.split("\t") for line in out.stdout.splitlines()]
    assert ["replica-datong-trs", "filing  dt-ggzy 2024 单位决算", "2025-09-15"] in [line[:3] for line in lines]
    assert any(line[1].strip().startswith("would fetch") and line[1].endswith(".pdf") for line in lines)
    assert not (tmp_path / "archive").exists()
