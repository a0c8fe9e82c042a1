"""A night that fits in a night (issue #21): a synthetic province on loopback (several hosts
127.0.0.2…, each serving many county sites, replica.province_sites) crawled for real by the
pipeline, four crawls at a time as the DAG's crawl pool maps them: the first night, then a
no-change night asking for every archived file (K = 1, as before the rotation), then a
no-change night on the rotation (K = DISCLOSURE_REVALIDATE_EVERY's default). Requests are
counted by the servers. No throttle on loopback (DISCLOSURE_CRAWL_THROTTLE=0,
DISCLOSURE_HOST_DELAY=0): the seconds are the crawler's own cost, the requests what a polite
night would pay for at so many seconds each.

    python -m bench night [--night-hosts 4 --night-sites 30 --night-filings 25]
"""

from __future__ import annotations

import contextlib
import tempfile
import time
from collections import Counter
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime, timedelta
from pathlib import Path

import yaml

from bench.environment import environment
from disclosure.settings import Settings, load_settings

POOL = 4  # crawls at a time: the nightly DAG's crawl pool


def _count(servers) -> Counter:
    kinds: Counter = Counter()
    for server in servers:
        for _method, path, status in server.requests:
            kind = (
                "robots"
                if path == "/robots.txt"
                else "list"
                if "/list" in path
                else "file"
                if path.endswith(".pdf")
                else "detail"
            )
            kinds[kind] += 1
            kinds["304"] += status == 304
    return kinds


def _night(ctx, servers, keys: list[str], at: datetime) -> dict:
    from disclosure import pipeline

    before = _count(servers)
    started = time.perf_counter()
    with ThreadPoolExecutor(POOL) as pool:
        results = [r for rs in pool.map(lambda k: pipeline.crawl(ctx, [k], at=at), keys) for r in rs]
    seconds = time.perf_counter() - started
    served = _count(servers) - before
    return {
        "seconds": seconds,
        "requests": sum(v for k, v in served.items() if k != "304"),
        "served": dict(served),
        "statuses": dict(Counter(r["status"] for r in results)),
        "filings": sum(r["filings"] for r in results),
        "new_files": sum(r["new_file_versions"] for r in results),
        "not_modified": sum(r["not_modified"] for r in results),
        "deferred": sum(r.get("revalidation_deferred", 0) for r in results),
        "list_pages": sum(r["list_pages"] for r in results),
        "max_in_flight": max(s.max_in_flight for s in servers),
    }


def bench_night(url: str, hosts: int = 4, sites_per_host: int = 30, filings_per_site: int = 25) -> dict:
    from disclosure import pipeline
    from replica.province_sites import province, registry_document, site_routes
    from replica.site import ReplicaSite

    layout = province(hosts, sites_per_host, filings_per_site)
    with contextlib.ExitStack() as stack, tempfile.TemporaryDirectory() as var:
        servers = []
        for h, host_sites in enumerate(layout):
            routes = {path: r for s in host_sites for path, r in site_routes(s).items()}
            servers.append(stack.enter_context(ReplicaSite(routes=routes, host=f"127.0.0.{h + 2}")))
        registry = Path(var) / "province.yaml"
        doc = registry_document(layout, [s.base_url for s in servers])
        registry.write_text(yaml.safe_dump(doc, allow_unicode=True), encoding="utf-8")
        keys = [s["key"] for s in doc["sites"]]
        every = Settings.model_fields["revalidate_every"].default
        base = {
            "DATABASE_URL": url,
            "DISCLOSURE_VAR_DIR": var,
            "DISCLOSURE_REGISTRY": str(registry),
            "DISCLOSURE_CRAWL_THROTTLE": "0",
            "DISCLOSURE_HOST_DELAY": "0",
        }
        day0 = datetime.now(UTC).replace(hour=1, minute=0, second=0, microsecond=0)
        nights = {}
        with environment({**base, "DISCLOSURE_REVALIDATE_EVERY": "1"}):
            ctx = pipeline.context(load_settings())
            pipeline.prepare(ctx)
            # hosts in turn, as the crawl stage orders them (pipeline.in_crawl_order)
            keys = [s.key for s in pipeline.in_crawl_order([ctx.registry.site(k) for k in keys])]
            nights["first"] = _night(ctx, servers, keys, day0)
            nights["every file (K=1)"] = _night(ctx, servers, keys, day0 + timedelta(days=1))
        with environment({**base, "DISCLOSURE_REVALIDATE_EVERY": str(every)}):
            ctx = pipeline.context(load_settings())
            nights[f"rotation (K={every})"] = _night(ctx, servers, keys, day0 + timedelta(days=2))
    return {
        "hosts": hosts,
        "sites": len(keys),
        "filings": hosts * sites_per_host * filings_per_site,
        "every": every,
        "nights": nights,
    }
