"""The scale benchmark: a synthetic province (100 sites, 5,000 units, 10 years) whose archive
holds N filings; parse+load with 1, 2 and 4 worker processes, then validation and the
completeness matrix. Files are the fixtures rendered as XLSX and HTML (real parses, fast enough
that thousands fit in a benchmark run); the crawl is not part of it (see `bench crawl`)."""

from __future__ import annotations

import json
import random
import tempfile
import time
from pathlib import Path

import yaml
from sqlalchemy import text

from bench.environment import environment

CITIES, COUNTIES_PER_CITY, UNITS_PER_JURISDICTION = 9, 10, 50
FIRST_YEAR, LAST_YEAR = 2015, 2024


def province_registry(path: Path) -> Path:
    """1 province + 9 cities + 90 counties = 100 jurisdictions, one site each, 50 units each."""
    jurisdictions = [{"code": "p", "name": "模拟省", "level": "province"}]
    for c in range(CITIES):
        jurisdictions.append({"code": f"c{c}", "name": f"模拟{c}市", "level": "city", "parent": "p"})
        for k in range(COUNTIES_PER_CITY):
            jurisdictions.append({"code": f"c{c}k{k}", "name": f"模拟{c}市{k}县", "level": "county", "parent": f"c{c}"})
    units, sites = [], []
    for j in jurisdictions:
        sites.append(
            {
                "key": f"site-{j['code']}",
                "jurisdiction": j["code"],
                "family": "trs_wcm",
                "start_urls": [f"http://{j['code']}.example.invalid/czxx/index.html"],
            }
        )
        for u in range(UNITS_PER_JURISDICTION):
            units.append(
                {
                    "code": f"{j['code']}-u{u}",
                    "jurisdiction": j["code"],
                    "name": f"{j['name']}第{u}单位",
                    "first_year": FIRST_YEAR,
                    "last_year": LAST_YEAR,
                }
            )
    path.write_text(
        yaml.safe_dump({"jurisdictions": jurisdictions, "units": units, "sites": sites}, allow_unicode=True),
        encoding="utf-8",
    )
    return path


def _documents() -> list[tuple[bytes, str]]:
    from replica.render_formats import render_html, render_xlsx
    from replica.site import load_fixtures

    fixtures = load_fixtures()
    return [
        (render(f), media)
        for f in fixtures.values()
        for render, media in ((render_xlsx, "application/zip"), (render_html, "text/html"))
    ]


def populate(ctx, n_files: int, seed: int = 1) -> int:
    """n_files filings of random units and years, each with one archived file version."""
    from archive.store import store_bytes

    rng = random.Random(seed)
    stored = [(store_bytes(ctx.settings.archive, data), len(data), media) for data, media in _documents()]
    with ctx.engine.begin() as conn:
        units = conn.execute(
            text("""SELECT u.id, s.id FROM disclosure.unit u
                                     JOIN disclosure.site s ON s.jurisdiction_id = u.jurisdiction_id""")
        ).all()
        pairs = rng.sample([(u, s, y) for u, s in units for y in range(FIRST_YEAR, LAST_YEAR + 1)], n_files)
        conn.execute(
            text("""
            INSERT INTO disclosure.filing (site_id, detail_url, detail_key, title, unit_id, fiscal_year, kind,
                                           published_on, first_seen_at, last_seen_at)
            SELECT p.site, 'http://x.invalid/' || p.unit || '/' || p.year, '//x.invalid/' || p.unit || '/' || p.year,
                   '决算公开', p.unit, p.year, '单位决算',
                   make_date(p.year + 1, 8, 1), now(), now()
            FROM jsonb_to_recordset(CAST(:rows AS jsonb)) AS p(unit bigint, site bigint, year int)"""),
            {"rows": json.dumps([{"unit": u, "site": s, "year": y} for u, s, y in pairs])},
        )
        filings = conn.execute(text("SELECT id FROM disclosure.filing ORDER BY id")).scalars().all()
        rows = []
        for i, filing_id in enumerate(filings):
            (sha, key), size, media = stored[i % len(stored)]
            rows.append(
                {
                    "f": filing_id,
                    "sha": sha,
                    "key": key,
                    "size": size,
                    "media": media,
                    "url": f"http://x.invalid/file/{filing_id}",
                }
            )
        conn.execute(
            text("""
            INSERT INTO disclosure.archived_file (filing_id, sha256, source_url, final_url, fetched_at, http_status,
                                                  storage_key, size_bytes, media_type)
            SELECT r.f, r.sha, r.url, r.url, now(), 200, r.key, r.size, r.media
            FROM jsonb_to_recordset(CAST(:rows AS jsonb)) AS r(f bigint, sha text, key text, size bigint, media text,
                                                                url text)"""),
            {"rows": json.dumps(rows)},
        )
    return len(filings)


def bench_province(url: str, n_files: int = 2000, worker_counts=(1, 2, 4)) -> dict:
    from disclosure import pipeline
    from disclosure.settings import load_settings

    with tempfile.TemporaryDirectory() as var:
        registry = str(province_registry(Path(var) / "province.yaml"))
        with environment({"DATABASE_URL": url, "DISCLOSURE_VAR_DIR": var, "DISCLOSURE_REGISTRY": registry}):
            ctx = pipeline.context(load_settings())
            started = time.perf_counter()
            pipeline.prepare(ctx)
            sync_s = time.perf_counter() - started
            files = populate(ctx, n_files)
            timings = {}
            for workers in worker_counts:
                with ctx.engine.begin() as conn:
                    conn.execute(text("TRUNCATE disclosure.parse_run CASCADE"))
                started = time.perf_counter()
                done = pipeline.parse_and_load_parallel(ctx, workers)
                timings[workers] = (time.perf_counter() - started, done["parsed"], done["failed"])
            validation = {}
            for workers in (1, 2):
                with ctx.engine.begin() as conn:
                    conn.execute(text("DELETE FROM disclosure.finding"))
                    conn.execute(text("UPDATE disclosure.parse_run SET validated_at = NULL"))
                started = time.perf_counter()
                validated = pipeline.validate_parallel(ctx, workers)
                validation[workers] = (time.perf_counter() - started, validated)
            with ctx.engine.connect() as conn:
                started = time.perf_counter()
                statuses = conn.execute(text("SELECT status, count(*) FROM disclosure.completeness GROUP BY 1")).all()
                completeness_s = time.perf_counter() - started
                units = conn.execute(text("SELECT count(*) FROM disclosure.unit")).scalar()
                sites = conn.execute(text("SELECT count(*) FROM disclosure.site")).scalar()
                cells = conn.execute(text("SELECT count(*) FROM disclosure.cell")).scalar()
    return {
        "sites": sites,
        "units": units,
        "files": files,
        "cells": cells,
        "sync_s": sync_s,
        "parse": timings,
        "validation": validation,
        "completeness_s": completeness_s,
        "expected": sum(n for _s, n in statuses),
    }
