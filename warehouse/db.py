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
            return "postgresql+psycopg://" + url[len(prefix) :]
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
    """Block until the server answers, retrying with exponential backoff (at most 10 s apart)
    while the next wait still ends within `timeout` seconds, then raising the last error: a
    restarting database delays a task instead of failing it."""
    import logging

    from sqlalchemy import text
    from sqlalchemy.exc import OperationalError
    from tenacity import retry, retry_if_exception_type, stop_before_delay, wait_exponential

    log = logging.getLogger("disclosure.db")

    def say(state) -> None:
        exc = state.outcome.exception()
        log.warning(
            "database unavailable (%s); retrying in %.1f s",
            str(exc.orig).strip().splitlines()[0],
            state.next_action.sleep,
        )

    @retry(
        retry=retry_if_exception_type(OperationalError),
        wait=wait_exponential(multiplier=first_delay, max=10.0),
        stop=stop_before_delay(timeout),
        before_sleep=say,
        reraise=True,
    )
    def ping() -> None:
        with engine.connect() as conn:
            conn.execute(text("SELECT 1"))

    ping()


def is_disconnect(exc: BaseException) -> bool:
    """A database that went away (refused, reset, restarted), as opposed to a refused statement."""
    from sqlalchemy.exc import DBAPIError, OperationalError

    return isinstance(exc, OperationalError) or (isinstance(exc, DBAPIError) and exc.connection_invalidated)


def with_database_wait(engine: Engine, timeout: float, work, what: str = "database work"):
    """work() — one whole transaction, safe to run again — retried after waiting (with
    wait_for_database's backoff) while the database is unreachable, up to `timeout` seconds
    in all: a database restart mid-stage delays the stage instead of losing its results."""
    import logging
    import time

    deadline = time.monotonic() + timeout
    while True:
        try:
            return work()
        except Exception as exc:
            remaining = deadline - time.monotonic()
            if not is_disconnect(exc) or remaining <= 0:
                raise
            logging.getLogger("disclosure.db").warning(
                "%s: database lost (%s); waiting up to %.0f s", what, exc.__class__.__name__, remaining
            )
            wait_for_database(engine, remaining)
