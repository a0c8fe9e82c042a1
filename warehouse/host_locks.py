"""A bounded share of each host, across processes and machines: a host has N slots (session-
level Postgres advisory locks), a crawl holds one of them per host for its whole run, and each
crawl spaces its requests N times the host's delay (disclosure.pipeline). So a host that serves
many sites (the provincial unified platform, a city portal and its departments' sub-sites)
sees at most N requests in flight and one request per delay from all its crawls together,
whatever the number of workers; with N = 1 its sites take turns."""

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


def slot_keys(host: str, slots: int) -> list[str]:
    """The lock names of a host's slots: the first is the host itself (one slot: the host's
    lock as it always was), the others the host with their number."""
    return [host] + [f"{host}#{n}" for n in range(1, slots)]


def _holders(conn, keys: list[str]) -> str:
    rows = conn.execute(
        text("""
        SELECT a.pid, a.usename, a.application_name, a.backend_start FROM pg_locks l
        JOIN pg_stat_activity a ON a.pid = l.pid
        WHERE l.locktype = 'advisory' AND l.granted AND l.classid = :ns
          AND l.objid IN (SELECT hashtext(k)::oid FROM unnest(CAST(:keys AS text[])) AS k)
          AND l.objsubid = 2 ORDER BY a.pid"""),
        {"ns": LOCK_NAMESPACE, "keys": keys},
    ).all()
    if not rows:
        return "a session that has since ended"
    return ", ".join(
        f"pid {r.pid} (role {r.usename}, application {r.application_name or '-'}, since {r.backend_start:%Y-%m-%d %H:%M})"
        for r in rows
    )


def _take_a_slot(conn, keys: list[str]) -> bool:
    for key in keys:
        if conn.execute(
            text("SELECT pg_try_advisory_lock(:ns, hashtext(:h))"), {"ns": LOCK_NAMESPACE, "h": key}
        ).scalar():
            return True
    return False


@contextlib.contextmanager
def host_locks(
    engine: Engine, hosts: list[str], timeout: float = 7200.0, poll: float = 0.5, slots: int = 1
) -> Iterator[None]:
    """Wait until one of the `slots` slots of every host is ours, at most `timeout` seconds
    (longer than a crawl may run: a slot held longer is not a crawl), hosts in sorted order,
    so two crawls never deadlock."""
    deadline = time.monotonic() + timeout
    with engine.connect() as conn:
        try:
            for host in sorted(hosts):
                keys = slot_keys(host, slots)
                while not _take_a_slot(conn, keys):
                    if time.monotonic() >= deadline:
                        taken = "locked" if slots == 1 else f"fully taken ({slots} slots)"
                        raise HostLockTimeout(
                            f"host {host} has been {taken} for more than {timeout:g} s "
                            f"by {_holders(conn, keys)}; crawl not started"
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
