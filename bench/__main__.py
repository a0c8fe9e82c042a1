"""Benchmarks: `python -m bench [load] [completeness] [parse] [real] [formats] [memory] [ocr] [validate] [crawl] [province] [registry] [hostile]`
(all by default), or `make bench`; `python -m bench hostile_crawl` for the crawl caps.

Each figure is printed next to the reference it is compared with, measured in the same run,
and the run is appended to bench/RESULTS.md with its date and machine. A dedicated database
`disclosure_bench` is (re)created on the server that DATABASE_URL names (embedded otherwise).
"""

from __future__ import annotations

import argparse
import os
import platform
import random
import time
from dataclasses import replace
from datetime import UTC, date, datetime
from decimal import Decimal
from pathlib import Path

from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url

from bench.environment import environment
from disclosure.settings import load_settings

RESULTS = Path(__file__).with_name("RESULTS.md")


def bench_database(name: str = "disclosure_bench") -> str:
    from warehouse.db import database_url
    from warehouse.migrate import upgrade

    server = database_url(load_settings())
    admin = create_engine(server, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        conn.execute(text(f'CREATE DATABASE "{name}"'))
    admin.dispose()
    url = make_url(server).set(database=name).render_as_string(hide_password=False)
    upgrade(url)
    return url


def _seed_results():
    from parsers import parse_bytes
    from replica.render_pdf import render_pdf
    from replica.site import load_fixtures

    pdfs = {seed: render_pdf(f) for seed, f in load_fixtures().items()}
    return pdfs, [parse_bytes(data, seed) for seed, data in pdfs.items()]


def _synthetic_results(base, n: int, rng: random.Random):
    """n parse results shaped like the seeds, every amount perturbed."""
    out = []
    for i in range(n):
        template = base[i % len(base)]
        cells = [replace(c, value=c.value + Decimal(rng.randint(0, 999)) / 100) for c in template.cells]
        out.append(replace(template, cells=cells))
    return out


def _script(conn, sql: str, params: dict) -> None:
    """Run several statements (bound parameters need one statement per execute)."""
    for statement in sql.split(";\n"):
        if statement.strip():
            conn.execute(text(statement), {k: v for k, v in params.items() if f":{k}" in statement})


def _make_files(conn, n: int) -> list[int]:
    _script(
        conn,
        """
        INSERT INTO disclosure.jurisdiction (code, name, level) VALUES ('bench', '基准', 'city');
        INSERT INTO disclosure.site (key, jurisdiction_id, family, start_urls)
        SELECT 'bench-site', id, 'static_list', ARRAY['http://bench.invalid/'] FROM disclosure.jurisdiction;
        INSERT INTO disclosure.filing (site_id, detail_url, detail_key, title)
        SELECT s.id, 'http://bench.invalid/' || g, '//bench.invalid/' || g, '基准' || g
        FROM disclosure.site s, generate_series(1, :n) g;
        INSERT INTO disclosure.archived_file (filing_id, sha256, source_url, final_url, fetched_at, http_status,
                                              storage_key, size_bytes, media_type)
        SELECT id, lpad(id::text, 64, '0'), detail_url, detail_url, now(), 200, 'k', 1, 'application/pdf'
        FROM disclosure.filing""",
        {"n": n},
    )
    return [r[0] for r in conn.execute(text("SELECT id FROM disclosure.archived_file ORDER BY id"))]


def bench_load(url: str, base, n_files: int) -> dict:
    from disclosure.pipeline import LOAD_BATCH
    from warehouse.load import LoadItem, load_parses

    engine = create_engine(url)
    results = _synthetic_results(base, n_files, random.Random(7))
    with engine.begin() as conn:
        file_ids = _make_files(conn, n_files)
    n_cells = sum(len(r.cells) for r in results)

    items = [LoadItem(file_id, result, None, 0) for file_id, result in zip(file_ids, results)]
    started = time.perf_counter()
    for start in range(0, len(items), LOAD_BATCH):  # batches as the pipeline loads them
        with engine.begin() as conn:
            load_parses(conn, items[start : start + LOAD_BATCH])
    ours = time.perf_counter() - started

    # The reference: the same rows (cells, claims, evaluations, indicators) COPYed straight into
    # the same tables, the parse runs already there; and the cells alone into a copy of the cell
    # table without its foreign key, to show what that key costs.
    from warehouse.load import copy_rows

    with engine.begin() as conn:
        run_ids = [r[0] for r in conn.execute(text("SELECT id FROM disclosure.parse_run ORDER BY archived_file_id"))]
        for table in ("evaluation_indicator", "evaluation", "narrative_claim", "cell"):
            conn.execute(text(f"DELETE FROM disclosure.{table}"))
        conn.execute(text("CREATE TABLE bench_cell (LIKE disclosure.cell INCLUDING ALL)"))
    loaded = list(zip(run_ids, results))
    started = time.perf_counter()
    with engine.begin() as conn:
        copy_rows(conn, loaded)
    bare = time.perf_counter() - started
    started = time.perf_counter()
    with engine.begin() as conn:
        with conn.connection.dbapi_connection.cursor() as cur:
            with cur.copy(
                "COPY bench_cell (parse_run_id, table_code, row_key, col, value, row_label, page) FROM STDIN"
            ) as copy:
                for run_id, result in loaded:
                    for c in result.cells:
                        copy.write_row((run_id, c.table, c.row, c.col, c.value, c.label, c.page))
    no_fk = time.perf_counter() - started
    engine.dispose()
    return {
        "files": n_files,
        "cells": n_cells,
        "load_s": ours,
        "cells_per_s": n_cells / ours,
        "bare_copy_s": bare,
        "bare_cells_per_s": n_cells / bare,
        "ratio": ours / bare,
        "no_fk_s": no_fk,
    }


def bench_completeness(url: str, units: int = 5000, years: int = 10) -> dict:
    engine = create_engine(url)
    last = date.today().year - 1
    with engine.begin() as conn:
        _script(
            conn,
            """
            INSERT INTO disclosure.jurisdiction (code, name, level, publishes)
            SELECT 'c' || g, '县' || g, 'county', ARRAY['决算', '预算'] FROM generate_series(1, 100) g;
            INSERT INTO disclosure.unit (jurisdiction_id, code, name, kind, first_year, last_year)
            SELECT j.id, 'u' || g, '单位' || g, CASE WHEN g % 10 = 0 THEN 'department' ELSE 'unit' END,
                   :first, :last
            FROM generate_series(1, :units) g JOIN disclosure.jurisdiction j ON j.code = 'c' || (g % 100 + 1);
            SELECT disclosure.refresh_expected_filings();
            INSERT INTO disclosure.site (key, jurisdiction_id, family, start_urls)
            SELECT 'site-' || code, id, 'trs_wcm', ARRAY['http://x.invalid/'] FROM disclosure.jurisdiction
            WHERE code LIKE 'c%';
            INSERT INTO disclosure.filing (site_id, detail_url, detail_key, title, unit_id, fiscal_year, kind,
                                           published_on, status)
            SELECT s.id, 'http://x.invalid/' || u.id || '/' || e.fiscal_year || e.kind,
                   '//x.invalid/' || u.id || '/' || e.fiscal_year || e.kind, '标题', u.id,
                   e.fiscal_year, e.kind, make_date(e.fiscal_year + 1, (1 + (u.id + e.fiscal_year) % 12)::int, 15),
                   CASE WHEN (u.id + e.fiscal_year) % 41 = 0 THEN 'withdrawn' ELSE 'present' END
            FROM disclosure.expected_filing e JOIN disclosure.unit u ON u.id = e.unit_id
            JOIN disclosure.site s ON s.jurisdiction_id = u.jurisdiction_id
            WHERE (u.id * 7 + e.fiscal_year) % 10 <> 0;
            ANALYZE""",
            {"units": units, "first": last - years + 1, "last": last},
        )
        expected = conn.execute(text("SELECT count(*) FROM disclosure.expected_filing")).scalar()
    timings = {}
    with engine.connect() as conn:
        for name, sql in {
            "status_counts": "SELECT status, count(*) FROM disclosure.completeness GROUP BY status",
            "full_matrix": "SELECT * FROM disclosure.completeness",
            "one_county": "SELECT * FROM disclosure.completeness WHERE jurisdiction = 'c7'",
        }.items():
            conn.execute(text(sql)).all()  # warm the cache once
            started = time.perf_counter()
            rows = conn.execute(text(sql)).all()
            timings[name] = (time.perf_counter() - started, len(rows))
    engine.dispose()
    return {"expected_filings": expected, **{k: v for k, v in timings.items()}}


def bench_parse(pdfs: dict[str, bytes], rounds: int = 3) -> dict:
    """Whole parses of the text-PDF fixtures with each engine, next to pdfplumber's bare
    extract_text and extract_tables over every page of the same files."""
    import io

    import pdfplumber

    from parsers.pdf import ENGINES, parse_pdf

    def timed(work) -> float:
        started = time.perf_counter()
        for _ in range(rounds):
            for seed, data in pdfs.items():
                work(seed, data)
        return (time.perf_counter() - started) / rounds

    def bare(method: str):
        def work(_seed, data):
            with pdfplumber.open(io.BytesIO(data)) as pdf:
                for page in pdf.pages:
                    getattr(page, method)()

        return work

    pages = sum(len(pdfplumber.open(io.BytesIO(d)).pages) for d in pdfs.values())
    engines = {name: timed(lambda seed, data, name=name: parse_pdf(data, seed, engine=name)) for name in ENGINES}
    return {
        "pages": pages,
        "files": len(pdfs),
        "engines": engines,
        "extract_text_s": timed(bare("extract_text")),
        "extract_tables_s": timed(bare("extract_tables")),
    }


def bench_real(rounds: int = 2) -> dict:
    """The real published PDFs of tests/real (final accounts and budgets) parsed whole with the
    default engine, next to pdfplumber's bare extract_text on the same pages; and the final
    accounts' cells against their hand-checked truth."""
    import io
    import json

    import pdfplumber

    from parsers import parse_bytes

    real = Path(__file__).resolve().parent.parent / "tests" / "real"
    files = {p.name: p.read_bytes() for p in sorted(real.glob("*.pdf"))}

    def timed(work) -> float:
        started = time.perf_counter()
        for _ in range(rounds):
            for name, data in files.items():
                work(name, data)
        return (time.perf_counter() - started) / rounds

    def bare(_name, data):
        with pdfplumber.open(io.BytesIO(data)) as pdf:
            for page in pdf.pages:
                page.extract_text()

    results = {}
    parse_s = timed(lambda name, data: results.__setitem__(name, parse_bytes(data, name)))
    exact = total = 0
    for truth_file in sorted((real / "truth").glob("*_final*.json")):
        truth = json.loads(truth_file.read_text(encoding="utf-8"))
        got = results[truth["file"]].cell_map()
        total += len(truth["cells"])
        exact += sum(got.get((t["table"], t["row"], t["col"])) == Decimal(t["value"]) for t in truth["cells"])
    return {
        "files": len(files),
        "pages": sum(r.pages for r in results.values()),
        "parse_s": parse_s,
        "extract_text_s": timed(bare),
        "exact": exact,
        "truth_cells": total,
    }


def bench_formats(rounds: int = 3) -> dict:
    """Seconds per filing for each published format of the same fixtures (same cells, checked)."""
    from parsers import parse_bytes
    from replica.render_formats import render_docx, render_html, render_xls, render_xlsx, render_zip
    from replica.render_pdf import render_pdf
    from replica.site import load_fixtures

    renderers = {
        "pdf": render_pdf,
        "html": render_html,
        "xlsx": render_xlsx,
        "xls": render_xls,
        "docx": render_docx,
        "zip": render_zip,
    }
    filings = load_fixtures()
    out = {}
    for name, render in renderers.items():
        files = [render(f) for f in filings.values()]
        started = time.perf_counter()
        for _ in range(rounds):
            cells = sum(len(parse_bytes(data, name).cells) for data in files)
        out[name] = ((time.perf_counter() - started) / rounds / len(files), cells)
    return out


def bench_memory() -> dict:
    """Peak memory of parsing a 100-page filing, in a fresh process (its VmHWM)."""
    import copy
    import subprocess
    import sys
    import tempfile

    from replica.render_pdf import render_pdf
    from replica.site import load_fixtures

    filing = copy.deepcopy(load_fixtures()["001"])
    filing.evaluations = filing.evaluations * 3  # 17 → 51 self-evaluations: about 100 pages
    with tempfile.NamedTemporaryFile(suffix=".pdf") as fh:
        fh.write(render_pdf(filing))
        fh.flush()
        # VmHWM, not ru_maxrss: a child's ru_maxrss starts from its forking parent's peak.
        peak = "int(next(l for l in open('/proc/self/status') if l.startswith('VmHWM')).split()[1])"
        script = (
            "import sys, time; from parsers import parse_path; t = time.perf_counter(); "
            f"r = parse_path(sys.argv[1]); print(r.pages, {peak}, time.perf_counter() - t)"
        )
        baseline = f"import parsers.dispatch, parsers.pdf; print({peak})"
        pages, peak_kb, seconds = subprocess.run(
            [sys.executable, "-c", script, fh.name], capture_output=True, text=True, check=True
        ).stdout.split()
        idle_kb = subprocess.run(
            [sys.executable, "-c", baseline], capture_output=True, text=True, check=True
        ).stdout.strip()
    return {
        "pages": int(pages),
        "peak_mb": int(peak_kb) / 1024,
        "idle_mb": int(idle_kb) / 1024,
        "seconds": float(seconds),
    }


def bench_crawl() -> dict:
    """A first crawl of the replica sites under the default politeness limits, then a night
    with nothing new: requests, bytes, seconds, downloads and parses of each."""
    import tempfile

    from disclosure import pipeline
    from replica.site import ReplicaSite

    with ReplicaSite() as site, tempfile.TemporaryDirectory() as var:
        url = bench_database()
        # The production default politeness: no DISCLOSURE_CRAWL_THROTTLE override.
        with environment(
            {"DATABASE_URL": url, "DISCLOSURE_VAR_DIR": var, "DISCLOSURE_REPLICA_BASE": site.base_url},
            unset=("DISCLOSURE_CRAWL_THROTTLE",),
        ):
            ctx = pipeline.context(load_settings())
            pipeline.prepare(ctx)
            nights = []
            for _ in range(2):
                served, sent = len(site.requests), site.bytes_served
                started = time.perf_counter()
                crawled = pipeline.crawl(ctx)
                seconds = time.perf_counter() - started
                parsed = pipeline.parse_and_load(ctx)["parsed"]
                requests = site.requests[served:]
                nights.append(
                    {
                        "seconds": seconds,
                        "requests": len(requests),
                        "bytes": site.bytes_served - sent,
                        "downloads": sum(c["new_file_versions"] for c in crawled),
                        "parsed": parsed,
                        "not_modified": sum(1 for r in requests if r[2] == 304),
                        "filings": sum(c["filings"] for c in crawled),
                        "sites": len(crawled),
                        "max_in_flight": site.max_in_flight,
                    }
                )
    return {"first": nights[0], "again": nights[1]}


def bench_ocr(pdfs: dict[str, bytes], base) -> dict:
    """Scanned pages of both fixtures (tables 01–03 and their cover): seconds per page and the
    share of cells read exactly, against the text PDF's cells of the same tables."""
    from parsers import parse_bytes
    from replica.render_scan import render_scanned

    pages_total, seconds, exact, wanted = 0, 0.0, 0, 0
    for (seed, data), reference in zip(pdfs.items(), base):
        keep = [1] + sorted({p for code in ("01", "02", "03") for p in reference.tables[code].pages})
        scan = render_scanned(data, pages=keep)
        started = time.perf_counter()
        result = parse_bytes(scan, f"scan-{seed}.pdf")
        seconds += time.perf_counter() - started
        pages_total += len(keep)
        want = {k: v for k, v in reference.cell_map().items() if k[0] in ("01", "02", "03")}
        got = result.cell_map()
        exact += sum(1 for k, v in want.items() if got.get(k) == v)
        wanted += len(want)
    return {"pages": pages_total, "s_per_page": seconds / pages_total, "exact": exact, "cells": wanted}


def bench_validate(base, n: int = 10_000) -> dict:
    """The whole rule set per filing: tables, narrative, self-evaluations, required parts, cross-year."""
    from validation.engine import validate_parse

    started = time.perf_counter()
    outcomes = 0
    for i in range(n):
        result = base[i % len(base)]
        outcomes += len(validate_parse(result, previous=result))
    return {"filings": n, "seconds": time.perf_counter() - started, "outcomes": outcomes}


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench", description=__doc__)
    parser.add_argument(
        "which",
        nargs="*",
        default=[
            "load",
            "completeness",
            "parse",
            "real",
            "formats",
            "memory",
            "ocr",
            "ocr_scan",
            "validate",
            "crawl",
            "province",
            "registry",
            "hostile",
        ],
    )
    parser.add_argument("--province-files", type=int, default=2000, help="filings in the province benchmark")
    parser.add_argument("--files", type=int, default=400, help="parses loaded in the load benchmark")
    parser.add_argument("--night-hosts", type=int, default=4, help="loopback hosts of the night benchmark")
    parser.add_argument("--night-sites", type=int, default=30, help="sites on each host (night benchmark)")
    parser.add_argument("--night-filings", type=int, default=25, help="filings of each site (night benchmark)")
    parser.add_argument("--no-record", action="store_true", help="do not append to bench/RESULTS.md")
    args = parser.parse_args(argv)
    pdfs, base = _seed_results()
    lines = []

    def say(line: str) -> None:
        print(line, flush=True)
        lines.append(line)

    from disclosure.pipeline import LOAD_BATCH

    if "load" in args.which:
        r = bench_load(bench_database(), base, args.files)
        say(
            f"load: {r['cells']} cells of {r['files']} file versions in batches of {LOAD_BATCH}: {r['load_s']:.2f} s "
            f"({r['cells_per_s']:,.0f} cells/s, with their claims and evaluations) vs a bare COPY of the same rows "
            f"into the same tables {r['bare_copy_s']:.2f} s "
            f"({r['bare_cells_per_s']:,.0f} cells/s): ratio {r['ratio']:.2f}x (target <= 2x); "
            f"the cells alone into a copy of the cell table without its foreign key {r['no_fk_s']:.2f} s"
        )
    if "completeness" in args.which:
        r = bench_completeness(bench_database())
        for name in ("status_counts", "full_matrix", "one_county"):
            seconds, rows = r[name]
            say(
                f"completeness {name}: {seconds * 1000:.0f} ms for {rows} rows over {r['expected_filings']} "
                f"expected filings (5,000 units x 10 years x 2 kinds; target < 1000 ms)"
            )
    if "parse" in args.which:
        r = bench_parse(pdfs)
        per_file = r["pages"] / r["files"]
        for name, seconds in r["engines"].items():
            say(
                f"parse ({name} engine): {r['files']} filings, {r['pages']} pages in {seconds:.2f} s = "
                f"{seconds / r['files']:.2f} s per {per_file:.0f}-page filing (target < 2 s), "
                f"{seconds / r['pages'] * 1000:.1f} ms a page on one core; ratio to pdfplumber's bare extract_text "
                f"{seconds / r['extract_text_s']:.2f}x"
            )
        say(
            f"parse baseline: pdfplumber bare extract_text {r['extract_text_s'] / r['pages'] * 1000:.1f} ms a page, "
            f"bare extract_tables {r['extract_tables_s'] / r['pages'] * 1000:.1f} ms a page"
        )
    if "real" in args.which:
        r = bench_real()
        say(
            f"parse real: {r['files']} real published PDFs (tests/real), {r['pages']} pages in {r['parse_s']:.2f} s = "
            f"{r['pages'] / r['parse_s']:.0f} pages/s ({r['parse_s'] / r['pages'] * 1000:.1f} ms a page) vs pdfplumber's "
            f"bare extract_text {r['pages'] / r['extract_text_s']:.0f} pages/s "
            f"({r['extract_text_s'] / r['pages'] * 1000:.1f} ms a page): ratio {r['parse_s'] / r['extract_text_s']:.2f}x; "
            f"final accounts' truth cells exact {r['exact']}/{r['truth_cells']} "
            f"({r['exact'] / max(r['truth_cells'], 1):.1%}; target >= 99%)"
        )
    if "formats" in args.which:
        r = bench_formats()
        pdf_s = r["pdf"][0]
        for name, (seconds, cells) in r.items():
            say(
                f"parse {name}: {seconds:.3f} s per filing ({cells} cells from the two fixtures; "
                f"{seconds / pdf_s:.2f}x the text PDF's {pdf_s:.2f} s)"
            )
    if "memory" in args.which:
        r = bench_memory()
        say(
            f"memory: parsing a {r['pages']}-page filing peaks at {r['peak_mb']:.0f} MB resident "
            f"(the interpreter with the parsers imported: {r['idle_mb']:.0f} MB; target < 500 MB), {r['seconds']:.1f} s"
        )
    if "ocr" in args.which:
        r = bench_ocr(pdfs, base)
        say(
            f"ocr: {r['pages']} scanned pages (skewed, noisy, 150 dpi) at {r['s_per_page']:.1f} s per page "
            f"(target <= 3 s); {r['exact']}/{r['cells']} cells exact ({r['exact'] / r['cells']:.1%}; target >= 98%)"
        )
    if "ocr_scan" in args.which:
        from bench.ocr import bench_ocr_scan
        from bench.ocr import lines as ocr_lines

        for line in ocr_lines(bench_ocr_scan()):
            say(line)
    if "crawl" in args.which:
        r = bench_crawl()
        for label, night in (("first crawl", r["first"]), ("no-change night", r["again"])):
            say(
                f"crawl {label}: {night['sites']} replica sites, {night['requests']} requests, "
                f"{night['bytes']:,} bytes, {night['seconds']:.1f} s, {night['downloads']} new file versions, "
                f"{night['parsed']} parsed, {night['not_modified']} answered 304, {night['filings']} filings "
                f"({night['filings'] / night['seconds'] * 60:.0f} filings/min; most in flight at once: "
                f"{night['max_in_flight']})"
            )
    if "hostile_crawl" in args.which:
        from bench.hostile_crawl import bench_hostile_crawl

        for r in bench_hostile_crawl(bench_database):
            capped = ", ".join(f"{k} at {v}" for k, v in r["capped"].items()) or "not capped"
            say(
                f"hostile crawl, {r['label']}: {r['seconds']:.1f} s, {r['requests']} requests, crawler peak "
                f"{r['peak_mb']:.0f} MB, {r['filings']} filings, {r['status']} ({capped})"
            )
    if "night" in args.which:
        from bench.night_crawl import bench_night

        r = bench_night(
            bench_database("disclosure_bench_night"), args.night_hosts, args.night_sites, args.night_filings
        )
        say(
            f"night: a synthetic province of {r['sites']} static-list sites on {r['hosts']} loopback hosts, "
            f"{r['filings']:,} filings (one PDF each), crawled 4 sites at a time, no throttle"
        )
        every = r["nights"]["first"]
        for label, n in r["nights"].items():
            served = n["served"]
            say(
                f"night {label}: {n['requests']:,} requests ({served.get('list', 0)} list pages, "
                f"{served.get('detail', 0)} detail pages, {served.get('file', 0)} files of which {n['not_modified']} "
                f"answered 304, {served.get('robots', 0)} robots.txt) in {n['seconds']:.0f} s; "
                f"{n['new_files']} new file versions, {n['deferred']} files left to their night; "
                f"crawls {n['statuses']}; most in flight on one host {n['max_in_flight']}"
            )
        rot = r["nights"][f"rotation (K={r['every']})"]
        flat = r["nights"]["every file (K=1)"]
        expected = rot["served"].get("list", 0) + r["filings"] / r["every"] + rot["served"].get("robots", 0)
        say(
            f"night no-change on the rotation: {rot['requests']:,} requests vs list pages + robots.txt + files/K = "
            f"{expected:,.0f} (K={r['every']}; ratio {rot['requests'] / expected:.2f}); "
            f"{flat['requests'] / rot['requests']:.1f}x fewer than asking for every file ({flat['requests']:,}); at a "
            f"polite 1.5 s a request: {rot['requests'] * 1.5 / 3600:.1f} host-hours vs {flat['requests'] * 1.5 / 3600:.1f}"
            f" (first night {every['requests'] * 1.5 / 3600:.1f})"
        )
    if "province" in args.which:
        from bench.province import bench_province

        r = bench_province(bench_database(), args.province_files)
        say(
            f"province: {r['sites']} sites, {r['units']} units, {r['expected']:,} expected filings; registry sync "
            f"{r['sync_s']:.1f} s, re-sync of the unchanged registry {r['resync_s']:.1f} s "
            f"({r['resync_s'] / r['sync_s']:.2f}x; rows written {sum(r['resync_written'].values())}); "
            f"{r['files']} archived filings (XLSX and HTML), {r['cells']:,} cells"
        )
        for stage, label, batches in (
            ("parse", "parse+load", r["parse_batches"]),
            ("validation", "validate", r["validate_batches"]),
        ):
            one = r[stage][1]["s"]
            for tasks, t in r[stage].items():
                done = t["parsed"] if stage == "parse" else t["counts"]["parses"]
                failed = f" ({t['failed']} failed)" if stage == "parse" else ""
                say(
                    f"province {label} with {tasks} task(s) at once over {batches} batches: {t['s']:.1f} s for "
                    f"{done} files{failed}, {done / t['s']:.1f} files/s, speed-up {one / t['s']:.2f}x over 1 task; "
                    f"CPU {t['cpu_s']:.1f} s ({t['cpu_s'] / done * 1000:.0f} ms a file, {t['cpu_s'] / t['s']:.2f} "
                    f"cores busy; {os.cpu_count()} cores, load average up to {t['load']:.1f})"
                )
        say(f"province completeness status counts {r['completeness_s'] * 1000:.0f} ms")
    if "registry" in args.which:
        from bench.registry_scale import bench_registry

        r = bench_registry()
        for n, row in r["rows"].items():
            say(
                f"registry {n:,} units: load {row['load_s']:.2f} s (CPU {row['load_cpu_s']:.2f} s), again in the same "
                f"process {row['cached_s'] * 1000:.1f} ms; matching a title's unit {row['match_ms'] * 1000:.1f} µs "
                f"(CPU {row['match_cpu_ms'] * 1000:.1f} µs; {row['matched']}/{row['titles']} printed names matched)"
            )
        say(
            f"registry growth exponents (cost ∝ units^k, fitted over {', '.join(f'{n:,}' for n in r['rows'])}): "
            f"load k = {r['load_exponent']:.2f} (CPU {r['load_cpu_exponent']:.2f}), matching k = "
            f"{r['match_exponent']:.2f} (CPU {r['match_cpu_exponent']:.2f}); 1 is linear, 0 constant"
        )
    if "validate" in args.which:
        r = bench_validate(base)
        say(f"validate: {r['filings']} filings ({r['outcomes']} rule outcomes) in {r['seconds']:.2f} s (target < 60 s)")
    if "hostile" in args.which:
        from bench.hostile import bench_hostile

        normal = None
        for r in bench_hostile():
            normal = normal or r
            say(
                f"hostile {r['name']} ({r['bytes']:,} bytes): {r['outcome']}; {r['seconds']:.2f} s, peak "
                f"{r['peak_mb']:.0f} MB resident ({r['peak_mb'] / normal['peak_mb']:.1f}x the normal filing's)"
            )
    if not args.no_record and lines:
        machine = f"{platform.machine()}, {os.cpu_count()} cores, Python {platform.python_version()}"
        store = "DATABASE_URL" if load_settings().database_url else "embedded Postgres"
        with RESULTS.open("a", encoding="utf-8") as fh:
            fh.write(f"\n## {datetime.now(UTC):%Y-%m-%d %H:%M} UTC · {machine} · {store}\n\n")
            fh.writelines(f"- {line}\n" for line in lines)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
