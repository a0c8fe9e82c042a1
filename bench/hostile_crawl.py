"""Hostile list pages against the default per-site caps (crawlers.caps), beside a normal
night of the same site: seconds, requests served, and the crawler process's peak memory
(VmHWM, polled from /proc while it runs). On loopback with no throttle, so the figures are
the crawler's own cost, not politeness delays."""

from __future__ import annotations

import tempfile
import threading
import time
from pathlib import Path

from bench.environment import environment
from disclosure.settings import load_settings


class PeakMemory:
    """The highest VmHWM of any child process of this one while the block runs (Linux)."""

    def __init__(self):
        self.peak_kb = 0
        self._stop = threading.Event()

    def _poll(self) -> None:
        while not self._stop.is_set():
            for tasks in Path("/proc/self/task").glob("*/children"):
                for pid in tasks.read_text().split():
                    try:
                        status = Path(f"/proc/{pid}/status").read_text()
                    except OSError:
                        continue
                    for line in status.splitlines():
                        if line.startswith("VmHWM:"):
                            self.peak_kb = max(self.peak_kb, int(line.split()[1]))
            time.sleep(0.05)

    def __enter__(self):
        self._thread = threading.Thread(target=self._poll, daemon=True)
        self._thread.start()
        return self

    def __exit__(self, *exc) -> None:
        self._stop.set()
        self._thread.join()


SCENARIOS = (
    # (label, site key, how the site is made hostile or None for a normal night)
    ("TRS normal", "replica-datong-trs", None),
    ("TRS createPageHTML(10000, …)", "replica-datong-trs", lambda s, h: h.trs_page_count(s, 10_000)),
    ("static normal", "replica-xinzhou-static", None),
    ("static endless next", "replica-xinzhou-static", lambda s, h: h.endless_next(s)),
    ("Hanweb normal", "replica-yunzhou-hanweb", None),
    ("Hanweb totalRecord 2,000,000", "replica-yunzhou-hanweb", lambda s, h: h.hanweb_total(s, 2_000_000)),
    ("unified normal", "replica-xinfu-unified", None),
    ("unified pages 1,000,000", "replica-xinfu-unified", lambda s, h: h.unified_pages(s, 1_000_000)),
)


def bench_hostile_crawl(database_url) -> list[dict]:
    from disclosure import pipeline
    from replica import hostile_sites
    from replica.site import ReplicaSite

    out = []
    for label, key, make_hostile in SCENARIOS:
        with (
            ReplicaSite() as site,
            tempfile.TemporaryDirectory() as var,
            environment(
                {
                    "DATABASE_URL": database_url(),
                    "DISCLOSURE_VAR_DIR": var,
                    "DISCLOSURE_REPLICA_BASE": site.base_url,
                    "DISCLOSURE_CRAWL_THROTTLE": "0",
                }
            ),
        ):
            ctx = pipeline.context(load_settings())
            pipeline.prepare(ctx)
            if make_hostile:
                make_hostile(site, hostile_sites)
            started = time.perf_counter()
            with PeakMemory() as memory:
                (result,) = pipeline.crawl(ctx, [key])
            out.append(
                {
                    "label": label,
                    "seconds": time.perf_counter() - started,
                    "requests": len(site.requests),
                    "peak_mb": memory.peak_kb / 1024,
                    "status": result["status"],
                    "capped": result.get("capped") or {},
                    "filings": result.get("filings", 0),
                }
            )
    return out
