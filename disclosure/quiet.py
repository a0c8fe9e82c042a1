"""A quiet console: third-party warnings that tell a user nothing they can act on are dropped."""

from __future__ import annotations

import contextlib
import logging
import warnings


def quiet_console() -> None:
    warnings.filterwarnings("ignore", category=DeprecationWarning)
    warnings.filterwarnings("ignore", category=PendingDeprecationWarning)
    # platformdirs (through pgserver) warns on every command when XDG_RUNTIME_DIR is unset.
    warnings.filterwarnings("ignore", message=r"XDG_RUNTIME_DIR is not set")
    # Airflow's in-process dag.test() imports FastAPI's test client (a UserWarning from Starlette).
    warnings.filterwarnings("ignore", message=r"Using `httpx` with `starlette\.testclient` is deprecated")


@contextlib.contextmanager
def alert_log_held_back():
    """Without a channel, delivery logs one warning per alert kind (alerting.deliver): a command
    that ends with its own summary of alerts by kind (`run`, `demo`) keeps them off the console."""
    alerts_log = logging.getLogger("disclosure.alerts")
    level = alerts_log.level
    alerts_log.setLevel(logging.ERROR)
    try:
        yield
    finally:
        alerts_log.setLevel(level)
