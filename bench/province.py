"""The scale benchmark: a synthetic province (100 sites, 5,000 units, 10 years) whose archive
holds N filings; parse+load, then validation, with 1, 2 and 4 tasks at once over the batches
the nightly DAG maps (wall and CPU time), the registry's first sync and an unchanged re-sync,
and the completeness matrix. Files are the fixtures rendered as XLSX and HTML (real parses, fast enough
that thousands fit in a benchmark run); the crawl is not part of it (see `bench crawl`)."""

from __future__ import annotations

import json
import random
import tempfile
import time
from functools import partial
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


def _cpu_seconds() -> float:
    """CPU time of this process and of its reaped children (worker processes, parse children);
    the Postgres server's own is not in it."""
    import resource

    own, children = resource.getrusage(resource.RUSAGE_SELF), resource.getrusage(resource.RUSAGE_CHILDREN)
    return own.ru_utime + own.ru_stime + children.ru_utime + children.ru_stime


def _timed(work):
    import os

    load_before = os.getloadavg()[0]
    started, cpu = time.perf_counter(), _cpu_seconds()
    result = work()
    return result, time.perf_counter() - started, _cpu_seconds() - cpu, max(load_before, os.getloadavg()[0])


def bench_province(url: str, n_files: int = 2000, worker_counts=(1, 2, 4)) -> dict:
    """First parse and validate of the province's filings with 1, 2 and 4 tasks at once, each
    task a batch as the nightly DAG maps them (pipeline.parse_batches / validate_batches)."""
    from disclosure import pipeline
    from disclosure.settings import load_settings
    from warehouse.registry_sync import sync_registry

    with tempfile.TemporaryDirectory() as var:
        registry = str(province_registry(Path(var) / "province.yaml"))
        batches = {"DISCLOSURE_PARSE_BATCH": "50", "DISCLOSURE_VALIDATE_BATCH": "100"}  # ≥ 10 batches a task
        with environment({"DATABASE_URL": url, "DISCLOSURE_VAR_DIR": var, "DISCLOSURE_REGISTRY": registry, **batches}):
            ctx = pipeline.context(load_settings())
            pipeline.prepare(ctx)  # the schema, and a first sync of the registry
            with ctx.engine.begin() as conn:  # the sync alone: a fresh store's, then an unchanged re-sync
                conn.execute(text("TRUNCATE disclosure.jurisdiction, disclosure.unit, disclosure.site CASCADE"))
            started = time.perf_counter()
            with ctx.engine.begin() as conn:
                sync_registry(conn, ctx.registry)
            sync_s = time.perf_counter() - started
            started = time.perf_counter()
            with ctx.engine.begin() as conn:
                resynced = sync_registry(conn, ctx.registry)
            resync_s = time.perf_counter() - started
            files = populate(ctx, n_files)
            n_batches = len(pipeline.parse_batches(ctx))
            timings = {}
            for workers in worker_counts:
                with ctx.engine.begin() as conn:
                    conn.execute(text("TRUNCATE disclosure.parse_run CASCADE"))
                done, seconds, cpu, load = _timed(partial(pipeline.parse_and_load_parallel, ctx, workers))
                timings[workers] = {
                    "s": seconds,
                    "cpu_s": cpu,
                    "load": load,
                    "parsed": done["parsed"],
                    "failed": done["failed"],
                }
            validation = {}
            for workers in worker_counts:
                with ctx.engine.begin() as conn:
                    conn.execute(text("DELETE FROM disclosure.finding"))
                    conn.execute(text("UPDATE disclosure.parse_run SET validated_at = NULL"))
                validated, seconds, cpu, load = _timed(partial(pipeline.validate_parallel, ctx, workers))
                validation[workers] = {"s": seconds, "cpu_s": cpu, "load": load, "counts": validated}
            n_validate_batches = -(-validation[worker_counts[0]]["counts"]["parses"] // 100)
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
        "resync_s": resync_s,
        "resync_written": resynced["written"],
        "parse_batches": n_batches,
        "validate_batches": n_validate_batches,
        "parse": timings,
        "validation": validation,
        "completeness_s": completeness_s,
        "expected": sum(n for _s, n in statuses),
    }
