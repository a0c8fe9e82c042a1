"""One crawl at a time per host, across processes and machines: a session-level Postgres
advisory lock per host, held for the whole crawl. Mapped Airflow tasks crawl many sites at
once; two sites on one host (a city portal and its department sub-sites) then take turns."""

from __future__ import annotations

import contextlib
import time
from collections.abc import Iterator
from urllib.parse import urlparse

from sqlalchemy import Engine, text

LOCK_NAMESPACE = 0x0D15  # first key of the two-int advisory lock: ours, not another app's
STAGE_NAMESPACE = 0x0D16  # locks around whole stages, apart from the hosts' hashes
MIGRATION_LOCK = (STAGE_NAMESPACE, 1)  # one `db upgrade` at a time
ALERT_LOCK = (STAGE_NAMESPACE, 2)  # one alert delivery at a time


def hosts_of(urls: tuple[str, ...] | list[str]) -> list[str]:
    return sorted({urlparse(u).netloc.lower() for u in urls if urlparse(u).netloc})


class HostLockTimeout(RuntimeError):
    """A host stayed locked past the wait: the message names the session holding it."""


def _holder(conn, host: str) -> str:
    row = conn.execute(
        text("""
        SELECT a.pid, a.usename, a.application_name, a.backend_start FROM pg_locks l
        JOIN pg_stat_activity a ON a.pid = l.pid
        WHERE l.locktype = 'advisory' AND l.granted AND l.classid = :ns AND l.objid = hashtext(:h)::oid
          AND l.objsubid = 2 LIMIT 1"""),
        {"ns": LOCK_NAMESPACE, "h": host},
    ).first()
    if row is None:
        return "a session that has since ended"
    return f"pid {row.pid} (role {row.usename}, application {row.application_name or '-'}, since {row.backend_start:%Y-%m-%d %H:%M})"


@contextlib.contextmanager
def host_locks(engine: Engine, hosts: list[str], timeout: float = 7200.0, poll: float = 0.5) -> Iterator[None]:
    """Wait until every host is ours, at most `timeout` seconds (longer than a crawl may run:
    a lock held longer is not a crawl), in sorted order, so two crawls never deadlock."""
    deadline = time.monotonic() + timeout
    with engine.connect() as conn:
        try:
            for host in sorted(hosts):
                while not conn.execute(
                    text("SELECT pg_try_advisory_lock(:ns, hashtext(:h))"), {"ns": LOCK_NAMESPACE, "h": host}
                ).scalar():
                    if time.monotonic() >= deadline:
                        raise HostLockTimeout(
                            f"host {host} has been locked for more than {timeout:g} s "
                            f"by {_holder(conn, host)}; crawl not started"
                        )
                    conn.commit()
                    time.sleep(poll)
            conn.commit()
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
