"""The HTML report: built from a real store after a night on the replica sites, checked as
HTML and in a real headless Chromium (Debian's, installed by `make system-deps`)."""

import json
import re
import shutil
from decimal import Decimal
from pathlib import Path

import pytest

from disclosure import pipeline
from tests.conftest import query_rows

CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
# How long the browser tests wait for a page or a drawn chart: reached only when one is broken,
# so long enough for a busy machine (Plotly draws in seconds there, not in milliseconds).
BROWSER_WAIT_MS = 120_000


@pytest.fixture(scope="module")
def built_report(tmp_path_factory, module_env_settings, module_replica):
    """One night on the two city sites with the Datong list page broken on a second night."""
    env_settings, replica = module_env_settings, module_replica  # named: the db marker sees them
    ctx = pipeline.context(env_settings)
    pipeline.run_once(ctx)
    replica.behaviour.server_error_paths.add("/datong/czxx/index.html")
    pipeline.run_once(ctx)
    plant_budget(ctx)
    out = tmp_path_factory.mktemp("report")
    written = pipeline.html_report(ctx, out)
    return out, written, ctx


def plant_budget(ctx):
    """Xinzhou's 市委办公室 published its 2023 单位预算 (an HTML page, as sites do) beside its 2023
    单位决算 (seed 002). The budget's figures are the final account's: 支出 at 90 % of the
    actuals (spending outgrows the 年初预算), its 三公 table the 预算数 the final account prints
    (09, columns 1–6), except 公务用车, planted 2.00 万元 higher. The cross-document rules
    (validation.across_documents) are run on both by the store's validation stage, the evidence
    naming both documents."""
    from decimal import Decimal

    from sqlalchemy import text

    from archive.store import store_bytes
    from parsers.model import Cell, ParseResult, TableInfo
    from warehouse.load import load_parse

    with ctx.engine.begin() as conn:
        final = conn.execute(
            text("""SELECT cp.id, cp.archived_file_id, cp.tables FROM disclosure.current_parse cp
                    JOIN disclosure.filing f ON f.id = cp.filing_id JOIN disclosure.unit u ON u.id = f.unit_id
                    WHERE u.code = 'xz-swbgs' AND f.fiscal_year = 2023 AND f.kind = '单位决算'""")
        ).one()
        printed = {
            (r.table_code, r.row_key, r.col): r.value
            for r in conn.execute(
                text("SELECT table_code, row_key, col, value FROM disclosure.cell WHERE parse_run_id = :id"),
                {"id": final.id},
            )
        }
        spent = {col: printed[("03", "合计", col)] for col in (1, 2, 3)}
        three = {col: printed.get(("09", "1", col), Decimal(0)) for col in range(1, 7)}
        cells = [
            Cell("B3", "合计", col, (v * Decimal("0.9")).quantize(Decimal("0.01")), "合计", 3)
            for col, v in spent.items()
        ]
        for budget_col, col in ((20, 1), (21, 2), (22, 3), (23, 4), (24, 5), (25, 6)):
            planted = Decimal("2.00") if budget_col == 22 else Decimal(0)
            cells.append(Cell("B9", "合计", budget_col, three[col] + planted, "合计", 6))
        rows = "".join(f"<tr><td>{c.table}</td><td>{c.col}</td><td>{c.value}</td></tr>" for c in cells)
        body = f"<html><body><h1>中国共产党忻州市委员会办公室2023年单位预算公开</h1><table>{rows}</table></body></html>"
        sha, key = store_bytes(ctx.settings.archive, body.encode())
        url = "http://replica.invalid/xinzhou/yjsgk/2023/0220/ys.html"
        budget_file = conn.execute(
            text("""
            WITH f AS (
                INSERT INTO disclosure.filing (site_id, detail_url, detail_key, title, unit_id, fiscal_year, kind,
                                               published_on, first_seen_at, last_seen_at)
                SELECT s.id, :url, :key, '中国共产党忻州市委员会办公室2023年单位预算公开', u.id, 2023, '单位预算',
                       DATE '2023-02-20', now(), now()
                FROM disclosure.site s, disclosure.unit u WHERE s.key = 'replica-xinzhou-static' AND u.code = 'xz-swbgs'
                RETURNING id)
            INSERT INTO disclosure.archived_file (filing_id, sha256, source_url, final_url, fetched_at, http_status,
                                                  storage_key, size_bytes, media_type)
            SELECT f.id, :sha, :url, :url, now(), 200, :storage, :size, 'text/html' FROM f RETURNING id"""),
            {"url": url, "key": url[5:], "sha": sha, "storage": key, "size": len(body.encode())},
        ).scalar()
        tables = {
            "B3": TableInfo("present", [3], "万元"),
            "B9": TableInfo("present", [6], "万元"),
        }
        load_parse(
            conn,
            budget_file,
            ParseResult(url, "中国共产党忻州市委员会办公室", 2023, "单位预算", tables, cells, pages=8),
        )
    # The store's own stage pairs the two documents and stores the cross-document findings.
    pipeline.validate(ctx)


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
    values = {
        "DATABASE_URL": make_url(server_url).set(database=name).render_as_string(hide_password=False),
        "DISCLOSURE_VAR_DIR": str(tmp / "var"),
        "DISCLOSURE_REPLICA_BASE": module_replica.base_url,
        "DISCLOSURE_CRAWL_THROTTLE": "0",
        "DISCLOSURE_REGISTRY": str(registry_subset(tmp / "registry.yaml", CORE_SITES)),
    }
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


def test_findings_link_to_copies_inside_the_report_folder(built_report):
    out, _written, ctx = built_report
    html = (out / "findings.html").read_text(encoding="utf-8")
    assert "perf.rate" in html and "perf.total" in html  # seed 002's 执行率 and 总分 errors
    assert "file://" not in html and "/sha256/" not in html
    links = re.findall(r'href="(files/[^"]+)"', html)
    pdfs = [link for link in links if link.split("#")[0].endswith(".pdf")]
    # Every PDF is opened at its page; the other links are the planted HTML budget's copy.
    assert pdfs and all("#page=" in link for link in pdfs)
    assert all(link.endswith(".html") for link in links if link not in pdfs)
    first = out / pdfs[0].split("#")[0]
    archived = query_rows(ctx, "SELECT sha256 FROM disclosure.archived_file")
    assert first.is_file() and first.read_bytes().startswith(b"%PDF") and first.stem in {r[0] for r in archived}


def test_findings_speak_chinese_with_units_grouped_and_filterable(built_report):
    out, _written, _ctx = built_report
    html = (out / "findings.html").read_text(encoding="utf-8")
    groups = re.findall(r'<details class="family" open data-family="([^"]+)">', html)
    assert "绩效自评" in groups and not any(re.search(r"[a-z]{3,}", g) for g in groups)
    assert "执行率 = 全年执行数 ÷ 全年预算数 × 100" in html
    assert re.search(r'<td class="num">81\.51%</td>', html)  # a rate printed as a percentage
    assert re.search(r'<td class="num">\d+(\.\d+)? 分</td>', html)  # scores in points
    assert 'id="filter"' in html and 'id="family"' in html
    # The evidence too: the checkers' cell names and English reasons are said in Chinese.
    evidence = " ".join(re.findall(r'<td class="evidence">(.*?)</td>', html, re.S))
    assert "全年预算数 = " in evidence and "执行率 = 81.51" in evidence and "各项得分 = " in evidence
    for english in ("full =", "rate =", "terms =", "counted =", "(attached:", "is missing from"):
        assert english not in evidence, english
    # Seed 002's own growth rates (careful.rate): percentages as the sentence prints them, on its page.
    careful = re.search(r'<details class="family" open data-family="细读核对">.*?</details>', html, re.S).group(0)
    rates = re.findall(
        r"<code[^>]*>careful\.rate</code></td><td>([^<]*)</td>\s*"
        r'<td class="num">([^<]*)</td><td class="num">([^<]*)</td>',
        careful,
    )
    assert ("第16页", "534.20%", "540.46%") in rates, rates
    assert all(expected.endswith("%") and actual.endswith("%") for _s, expected, actual in rates), rates


def test_index_lists_each_unit_once_with_its_link(built_report):
    out, _written, _ctx = built_report
    html = (out / "index.html").read_text(encoding="utf-8")
    units = re.search(r'<table class="grid" id="units">.*?</table>', html, re.S).group(0)
    rows = re.findall(r"<tr><td><a href=\"units/([^\"]+)\">([^<]+)</a></td>", units)
    assert sorted(rows) == [
        ("datong__dt-ggzy.html", "大同市公共资源交易中心（大同市政府采购中心）"),
        ("xinzhou__xz-swbgs.html", "中国共产党忻州市委员会办公室"),
    ]
    counts = re.search(r'<table class="grid" id="counts">.*?</table>', html, re.S).group(0)
    header = re.findall(r"<th>([^<]+)</th>", counts)
    assert "已公开" in header and "未公开" in header
    assert "未到期" not in header and "已撤下" not in header  # no column that is empty on every row
    # The heatmap's cells carry the unit page they open.
    assert '"customdata":[["units\\u002fdatong__dt-ggzy.html"' in html and "plotly_click" in html  # JSON, \\u escapes


def test_sites_page_shows_the_failed_crawl_its_history_and_the_last_success(built_report):
    out, _written, _ctx = built_report
    html = (out / "sites.html").read_text(encoding="utf-8")
    row = re.search(r'<tr class="bad"><td>replica-datong-trs</td>.*?</tr>', html, re.S).group(0)
    assert "失败" in row and "一个列表页也没有读到" in row and "no list page" not in row
    assert re.findall(r'<span class="run (\w+)"', row) == ["failed", "ok"]  # newest first
    assert re.search(r'<td class="num failing">1</td>', row)
    ok = re.search(r"<tr class=\"\"><td>replica-xinzhou-static</td>.*?</tr>", html, re.S).group(0)
    assert re.findall(r'<span class="run (\w+)"', ok) == ["ok", "ok"] and re.search(
        r'<td class="num">0</td>\s*<td>20', ok
    )
    # Said as a reader says them: the jurisdiction's name and the CMS family, not their codes.
    assert "<td>忻州市</td>" in ok and ">静态列表</td>" in ok and "<td>xinzhou</td>" not in ok


def test_unit_page_shows_key_figures_across_years(built_report):
    out, _written, _ctx = built_report
    html = (out / "units" / "xinzhou__xz-swbgs.html").read_text(encoding="utf-8")
    # The chart's data: 收入总计 (01[31].1 of seed 002) as Plotly writes it (JSON, \\u escapes).
    assert f'"name":{json.dumps("收入总计")},' in html and '"y":[2795.38]' in html
    assert "中国共产党忻州市委员会办公室2023年度单位决算公开" in html
    table = re.search(r'<table class="grid" id="figures-table">.*?</table>', html, re.S).group(0)
    assert "收入总计（万元）" in table and re.search(r"<td>2023</td>.*2,795.38", table, re.S)
    assert re.search(r'href="\.\./files/[0-9a-f]{64}\.pdf">归档副本</a>', html)  # the archived copy
    findings = re.search(r'<table class="grid" id="unit-findings">.*?</table>', html, re.S).group(0)
    assert "绩效自评" in findings and re.search(r'href="\.\./files/[0-9a-f]{64}\.pdf#page=\d+"', findings)


def test_unit_page_sets_each_budget_against_its_final_account(built_report):
    out, _written, ctx = built_report
    html = (out / "units" / "xinzhou__xz-swbgs.html").read_text(encoding="utf-8")
    spent, three_budget, three_spent = query_rows(
        ctx,
        """SELECT max(value) FILTER (WHERE table_code = '03' AND row_key = '合计' AND col = 1),
                  max(value) FILTER (WHERE table_code = '09' AND col = 1),
                  max(value) FILTER (WHERE table_code = '09' AND col = 7)
           FROM disclosure.cell_series WHERE unit_code = 'xz-swbgs' AND fiscal_year = 2023 AND kind = '单位决算'""",
    )[0]
    table = re.search(r'<table class="grid" id="budget-actual-table">.*?</table>', html, re.S).group(0)
    rows = {
        r[2]: r
        for r in re.findall(
            r"<tr><td>(\d{4})</td><td>(\S+?)</td><td>(\S+?)</td>\s*<td class=\"num\">([^<]*)(?:<small>[^<]*</small>)?</td>\s*"
            r"<td class=\"num\">([^<]*)",
            table,
        )
    }
    budgeted = (spent * Decimal("0.9")).quantize(Decimal("0.01"))
    assert rows["支出合计"][:2] == ("2023", "单位")
    assert rows["支出合计"][3].strip() == f"{budgeted:,.2f}" and rows["支出合计"][4].strip() == f"{spent:,.2f}"
    assert (
        rows["三公经费"][3].strip() == f"{three_budget:,.2f}" and rows["三公经费"][4].strip() == f"{three_spent:,.2f}"
    )
    # the chart: one panel per figure, 预算数 and 决算数 bars (Plotly's JSON, \\u escapes)
    assert 'id="budget-actual"' in html and json.dumps("预算数") in html and json.dumps("决算数") in html
    # a unit with no budget beside its final account says so
    other = (out / "units" / "datong__dt-ggzy.html").read_text(encoding="utf-8")
    assert "尚无同一年度的预算与决算数字可对照" in other


def test_cross_document_findings_link_both_documents_at_their_pages(built_report):
    out, _written, ctx = built_report
    html = (out / "index.html").read_text(encoding="utf-8")
    section = re.search(r'<section id="across-findings">.*?</section>', html, re.S).group(0)
    rows = re.findall(r'<tr class="across sev-error">.*?</tr>', section, re.S)
    assert len(rows) == 1  # the planted 公务用车 mismatch; the other 三公 figures agree (not stored)
    row = rows[0]
    assert "across_documents.three_public_cars" in row and "不一致" in row and "2.00 万元" in row
    assert "决算所列公务用车购置及运行维护费预算数 = 当年预算公开所列" in row
    final_page = query_rows(
        ctx,
        """SELECT (cp.tables->'09'->'pages'->>0)::int FROM disclosure.current_parse cp
           JOIN disclosure.filing f ON f.id = cp.filing_id WHERE f.fiscal_year = 2023 AND f.kind = '单位决算'""",
    )[0][0]
    links = re.findall(r'class="doc-link" href="(files/[^"]+)"', row)
    assert links == [re.search(r"files/[0-9a-f]{64}\.pdf#page=\d+", links[0]).group(0), links[1]]
    assert links[0].endswith(f"#page={final_page}") and links[1].endswith(".html")  # HTML has no pages
    assert "2023单位决算：" in row and "2023单位预算：" in row and "第6页" in row  # the final account first
    for link in links:
        assert (out / link.split("#")[0]).is_file()
    unit = (out / "units" / "xinzhou__xz-swbgs.html").read_text(encoding="utf-8")
    assert "across_documents.three_public_cars" in re.search(
        r'<section id="across-findings">.*?</section>', unit, re.S
    ).group(0)
    # Datong's unit, whose checks could not be made: no column empty on every row, each reason said once.
    datong = (out / "units" / "datong__dt-ggzy.html").read_text(encoding="utf-8")
    section = re.search(r'<section id="across-findings">.*?</section>', datong, re.S).group(0)
    assert re.findall(r"<th>([^<]+)</th>", re.search(r"<thead>.*?</thead>", section).group(0)) == [
        "年度",
        "核对",
        "结果",
        "文件",
    ]
    rows = re.findall(r'<tr class="across.*?</tr>', section, re.S)
    assert rows and all("未核对" in row for row in rows)
    for row in rows:
        reason = re.search(r"<small>([^<]+)</small>", row).group(1)
        assert row.count(reason) == 1, row


def test_budgets_are_in_the_completeness_matrix(built_report):
    out, _written, _ctx = built_report
    html = (out / "index.html").read_text(encoding="utf-8")
    assert json.dumps("大同市公共资源交易中心（大同市政府采购中心） · 单位预算")[1:-1] in html  # a heatmap row
    unit = (out / "units" / "datong__dt-ggzy.html").read_text(encoding="utf-8")
    # Datong 批复 2025's budgets on 2025-01-17 (due 02-06); the 单位预算 came out 02-10
    assert re.search(
        r"<td>2025</td><td>单位预算</td><td>2025-02-06</td><td>2025-02-10</td>\s*<td>.*?逾期公开</td>", unit
    )
    # 2024's: no registry date, due by default at the end of March, never published
    assert re.search(
        r"<td>2024</td><td>单位预算</td><td>2024-03-31 <small[^>]*>（默认）</small></td><td></td>\s*<td>.*?未公开</td>",
        unit,
    )
    counts = re.search(r'<table class="grid" id="counts">.*?</table>', html, re.S).group(0)
    datong_2025 = re.findall(r"<tr><td>大同市</td><td>2025</td><td>(预算|决算)</td>", counts)
    assert datong_2025 == ["预算", "决算"]  # budgets and final accounts counted apart


SCREENSHOTS = Path(__file__).resolve().parent.parent / "var" / "screenshots"


@pytest.mark.slow
def test_report_renders_in_headless_chromium(built_report):
    """Index, findings, a unit page and crawl health, as a browser draws them (kept under
    var/screenshots/ to look at); a click on a heatmap cell opens the unit's page."""
    from PIL import Image, ImageStat
    from playwright.sync_api import sync_playwright

    assert Path(CHROMIUM).exists(), "Debian's chromium is needed: run `make system-deps`"
    out, _written, _ctx = built_report
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    errors: list[str] = []
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        page = browser.new_page(viewport={"width": 1200, "height": 1000})
        page.set_default_timeout(BROWSER_WAIT_MS)
        page.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
        page.on("pageerror", lambda e: errors.append(str(e)))
        page.goto((out / "index.html").as_uri())
        page.wait_for_selector("#heatmap .main-svg", timeout=BROWSER_WAIT_MS)
        cells = page.evaluate("document.getElementById('heatmap').data[0].z.flat().filter(v => v !== null).length")
        page.screenshot(path=str(SCREENSHOTS / "index.png"), full_page=True)
        page.evaluate(
            "document.getElementById('heatmap').emit('plotly_click', "
            "{points: [document.getElementById('heatmap').data[0].customdata[0][0]]"
            ".map(c => ({customdata: c}))})"
        )
        page.wait_for_url("**/units/*.html", timeout=BROWSER_WAIT_MS)
        assert page.url.endswith("/units/datong__dt-ggzy.html")
        page.goto((out / "units" / "xinzhou__xz-swbgs.html").as_uri())
        page.wait_for_selector("#figures .main-svg", timeout=BROWSER_WAIT_MS)
        traces = page.evaluate("document.getElementById('figures').data.map(t => t.name)")
        page.screenshot(path=str(SCREENSHOTS / "unit.png"), full_page=True)
        page.wait_for_selector("#budget-actual .main-svg", timeout=BROWSER_WAIT_MS)
        budget_traces = page.evaluate("document.getElementById('budget-actual').data.map(t => t.name)")
        page.goto((out / "findings.html").as_uri())
        total = page.locator("tr.finding:visible").count()
        page.fill("#filter", "执行率")
        shown = page.locator("tr.finding:visible").count()
        page.fill("#filter", "")
        page.screenshot(path=str(SCREENSHOTS / "findings.png"), full_page=True)
        page.goto((out / "sites.html").as_uri())
        page.screenshot(path=str(SCREENSHOTS / "sites.png"), full_page=True)
        browser.close()
    assert errors == []
    assert cells == 30  # 2 units: 单位决算 2019–2025 (7 years) and 单位预算 2019–2026 (8)
    assert set(traces) == {"收入总计", "支出总计", "基本支出", "项目支出", "三公经费决算"}
    assert set(budget_traces) == {"预算数", "决算数"} and len(budget_traces) == 8  # 4 panels × 2
    assert 0 < shown < total
    for shot in ("index.png", "unit.png", "findings.png", "sites.png"):
        image = Image.open(SCREENSHOTS / shot).convert("L")
        assert ImageStat.Stat(image).stddev[0] > 20, f"{shot} looks blank"


def test_latest_points_at_the_newest_nightly_report(tmp_path):
    from reporting.html import point_latest_at

    reports = tmp_path / "reports"
    latest = reports / "latest"
    latest.mkdir(parents=True)
    (latest / "index.html").write_text("written by `disclosure report`", encoding="utf-8")
    for run in ("scheduled__2025-09-16", "scheduled__2025-09-17"):
        (reports / run).mkdir()
        (reports / run / "index.html").write_text(run, encoding="utf-8")
        point_latest_at(reports / run, latest)
        assert (latest / "index.html").read_text(encoding="utf-8") == run
    assert latest.is_symlink() and not latest.readlink().is_absolute()  # the folder can move
    assert sorted(p.name for p in reports.iterdir()) == ["latest", "scheduled__2025-09-16", "scheduled__2025-09-17"]


def test_the_heatmap_legend_lists_only_the_statuses_on_the_map():
    from reporting.charts import completeness_heatmap

    rows = [
        {
            "jurisdiction": "datong",
            "unit_code": "dt-ggzy",
            "kind": "单位决算",
            "fiscal_year": 2023,
            "status": "present",
        },
        {"jurisdiction": "datong", "unit_code": "dt-ggzy", "kind": "单位决算", "fiscal_year": 2024, "status": "late"},
        {
            "jurisdiction": "datong",
            "unit_code": "dt-ggzy",
            "kind": "单位预算",
            "fiscal_year": 2024,
            "status": "missing",
        },
    ]
    html = completeness_heatmap(rows, {("datong", "dt-ggzy"): "大同市公共资源交易中心"})
    legend = json.loads(re.search(r'"ticktext":(\[[^\]]*\])', html).group(1))
    assert legend == ["已公开", "逾期公开", "未公开"]
    z = json.loads(re.search(r'"z":(\[\[.*?\]\])', html).group(1))
    assert z == [[0, 1], [None, 2]]  # each cell's band follows the shortened legend
