"""One crawl at a time per host, across processes and machines: a session-level Postgres
advisory lock per host, held for the whole crawl. Mapped Airflow tasks crawl many sites at
once; two sites on one host (a city portal and its department sub-sites) then take turns."""
from __future__ import annotations

import contextlib
from typing import Iterator
from urllib.parse import urlparse

from sqlalchemy import Engine, text

LOCK_NAMESPACE = 0x0D15  # first key of the two-int advisory lock: ours, not another app's
STAGE_NAMESPACE = 0x0D16  # locks around whole stages, apart from the hosts' hashes
MIGRATION_LOCK = (STAGE_NAMESPACE, 1)  # one `db upgrade` at a time
ALERT_LOCK = (STAGE_NAMESPACE, 2)  # one alert delivery at a time


def hosts_of(urls: tuple[str, ...] | list[str]) -> list[str]:
    return sorted({urlparse(u).netloc.lower() for u in urls if urlparse(u).netloc})


@contextlib.contextmanager
def host_locks(engine: Engine, hosts: list[str]) -> Iterator[None]:
    """Block until every host is ours; sorted order, so two crawls never deadlock."""
    with engine.connect() as conn:
        for host in sorted(hosts):
            conn.execute(text("SELECT pg_advisory_lock(:ns, hashtext(:h))"), {"ns": LOCK_NAMESPACE, "h": host})
        conn.commit()
        try:
            yield
        finally:
            conn.execute(text("SELECT pg_advisory_unlock_all()"))
            conn.commit()


@contextlib.contextmanager
def stage_lock(engine: Engine, key: tuple[int, int]) -> Iterator[None]:
    """Hold a whole-stage lock (MIGRATION_LOCK, ALERT_LOCK) for the block; a second holder waits."""
    with engine.connect() as conn:
        conn.execute(text("SELECT pg_advisory_lock(:a, :b)"), {"a": key[0], "b": key[1]})
        conn.commit()
        try:
            yield
        finally:
            conn.execute(text("SELECT pg_advisory_unlock(:a, :b)"), {"a": key[0], "b": key[1]})
            conn.commit()
