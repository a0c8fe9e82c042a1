"""The HTML report: built from a real store after a night on the replica sites, checked as
HTML and in a real headless Chromium (Debian's, installed by `make system-deps`)."""
import json
import re
import shutil
from pathlib import Path

import pytest

from disclosure import pipeline

CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                 "--disable-background-networking", "--disable-component-update", "--disable-sync"]


@pytest.fixture(scope="module")
def built_report(tmp_path_factory, module_env_settings, module_replica):
    """One night on the two city sites with the Datong list page broken on a second night."""
    env_settings, replica = module_env_settings, module_replica  # named: the db marker sees them
    ctx = pipeline.context(env_settings)
    pipeline.run_once(ctx)
    replica.behaviour.server_error_paths.add("/datong/czxx/index.html")
    pipeline.run_once(ctx)
    out = tmp_path_factory.mktemp("report")
    written = pipeline.html_report(ctx, out)
    return out, written, ctx


@pytest.fixture(scope="module")
def module_replica():
    from replica.site import ReplicaSite

    with ReplicaSite() as site:
        yield site


@pytest.fixture(scope="module")
def module_env_settings(tmp_path_factory, server_url, module_replica):
    import os
    import uuid

    from sqlalchemy import create_engine, text
    from sqlalchemy.engine import make_url

    from disclosure.settings import load_settings
    from tests.conftest import CORE_SITES, registry_subset

    name = f"report_{uuid.uuid4().hex[:8]}"
    admin = create_engine(server_url, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'CREATE DATABASE "{name}"'))
    tmp = tmp_path_factory.mktemp("env")
    values = {"DATABASE_URL": make_url(server_url).set(database=name).render_as_string(hide_password=False),
              "DISCLOSURE_VAR_DIR": str(tmp / "var"), "DISCLOSURE_REPLICA_BASE": module_replica.base_url,
              "DISCLOSURE_CRAWL_THROTTLE": "0",
              "DISCLOSURE_REGISTRY": str(registry_subset(tmp / "registry.yaml", CORE_SITES))}
    saved = {k: os.environ.get(k) for k in values}
    os.environ.update(values)
    yield load_settings()
    for k, v in saved.items():
        if v is None:
            os.environ.pop(k, None)
        else:
            os.environ[k] = v
    with admin.connect() as conn:
        conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
    admin.dispose()


def test_report_folder_holds_every_page_and_works_offline(built_report):
    out, written, _ctx = built_report
    assert written["unit_pages"] == 2 and (out / "units" / "datong__dt-ggzy.html").exists()
    for page in [out / "index.html", out / "findings.html", out / "sites.html", *(out / "units").iterdir()]:
        html = page.read_text(encoding="utf-8")
        assert '<meta charset="utf-8">' in html
        # Nothing is fetched from the network: every script and stylesheet is in the folder.
        for ref in re.findall(r'(?:src|href)="([^"#]+\.(?:js|css))"', html):
            assert not ref.startswith("http") and (page.parent / ref).resolve().exists(), ref


def test_findings_link_to_the_archived_file_and_page(built_report):
    out, _written, ctx = built_report
    html = (out / "findings.html").read_text(encoding="utf-8")
    assert "perf.rate" in html and "perf.total" in html  # seed 002's 执行率 and 总分 errors
    links = re.findall(r'href="(file://[^"]+)"', html)
    assert links and all("#page=" in link for link in links)
    first = links[0].split("#")[0].removeprefix("file://")
    assert Path(first).is_file() and Path(first).read_bytes().startswith(b"%PDF")


def test_sites_page_shows_the_failed_crawl_and_the_last_success(built_report):
    out, _written, _ctx = built_report
    html = (out / "sites.html").read_text(encoding="utf-8")
    row = re.search(r'<tr class="bad"><td>replica-datong-trs</td>.*?</tr>', html, re.S)
    assert row and "failed" in row.group(0) and "no list page could be read" in row.group(0)


def test_unit_page_shows_key_figures_across_years(built_report):
    out, _written, _ctx = built_report
    html = (out / "units" / "xinzhou__xz-swbgs.html").read_text(encoding="utf-8")
    # The chart's data: 收入总计 (01[31].1 of seed 002) as Plotly writes it (JSON, \\u escapes).
    assert f'"name":{json.dumps("收入总计")},' in html and '"y":[2795.38]' in html
    assert "中国共产党忻州市委员会办公室2023年度单位决算公开" in html


@pytest.mark.slow
def test_report_renders_in_headless_chromium(built_report, tmp_path):
    from PIL import Image, ImageStat
    from playwright.sync_api import sync_playwright

    assert Path(CHROMIUM).exists(), "Debian's chromium is needed: run `make system-deps`"
    out, _written, _ctx = built_report
    errors: list[str] = []
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        page = browser.new_page(viewport={"width": 1200, "height": 1000})
        page.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
        page.on("pageerror", lambda e: errors.append(str(e)))
        page.goto((out / "index.html").as_uri())
        page.wait_for_selector("#heatmap .main-svg", timeout=20000)
        cells = page.evaluate("document.getElementById('heatmap').data[0].z.flat().filter(v => v !== null).length")
        page.screenshot(path=str(tmp_path / "index.png"))
        page.goto((out / "units" / "xinzhou__xz-swbgs.html").as_uri())
        page.wait_for_selector("#figures .main-svg", timeout=20000)
        traces = page.evaluate("document.getElementById('figures').data.map(t => t.name)")
        page.screenshot(path=str(tmp_path / "unit.png"))
        browser.close()
    assert errors == []
    assert cells == 14  # 2 units × 7 years (2019–2025)
    assert set(traces) == {"收入总计", "支出总计", "基本支出", "项目支出", "三公经费决算"}
    for shot in ("index.png", "unit.png"):
        image = Image.open(tmp_path / shot).convert("L")
        assert ImageStat.Stat(image).stddev[0] > 20, f"{shot} looks blank"
