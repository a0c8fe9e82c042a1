"""One way to reach the store: `engine()` from settings, embedded Postgres as the fallback."""
from __future__ import annotations

from functools import lru_cache

from sqlalchemy import Engine, create_engine

from disclosure.settings import Settings, load_settings, quote_userinfo


def normalise_url(url: str) -> str:
    """Accept plain postgres:// URLs and use the psycopg 3 driver for them; a password holding
    '@' or '#' unencoded is encoded (else the driver took half of it for the host, and said so)."""
    url = quote_userinfo(url)
    for prefix in ("postgres://", "postgresql://"):
        if url.startswith(prefix):
            return "postgresql+psycopg://" + url[len(prefix):]
    return url


def database_url(settings: Settings | None = None) -> str:
    settings = settings or load_settings()
    if settings.database_url:
        return normalise_url(settings.database_url)
    from warehouse.embedded import embedded_database_url

    return embedded_database_url(settings.embedded_pg_dir)


@lru_cache(maxsize=4)
def _engine_for(url: str) -> Engine:
    return create_engine(url, pool_pre_ping=True, future=True)


def engine(settings: Settings | None = None) -> Engine:
    return _engine_for(database_url(settings))


def wait_for_database(engine: Engine, timeout: float, first_delay: float = 0.5) -> None:
    """Block until the server answers, retrying with exponential backoff up to `timeout`
    seconds: a restarting database delays a task instead of failing it."""
    import logging
    import time

    from sqlalchemy import text
    from sqlalchemy.exc import OperationalError

    deadline = time.monotonic() + timeout
    delay = first_delay
    while True:
        try:
            with engine.connect() as conn:
                conn.execute(text("SELECT 1"))
            return
        except OperationalError as exc:
            if time.monotonic() + delay > deadline:
                raise
            logging.getLogger("disclosure.db").warning("database unavailable (%s); retrying in %.1f s",
                                                       str(exc.orig).strip().splitlines()[0], delay)
            time.sleep(delay)
            delay = min(delay * 2, 10.0)
