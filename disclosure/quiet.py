"""A quiet console: third-party warnings that tell a user nothing they can act on are dropped."""

from __future__ import annotations

import warnings


def quiet_console() -> None:
    warnings.filterwarnings("ignore", category=DeprecationWarning)
    warnings.filterwarnings("ignore", category=PendingDeprecationWarning)
    # platformdirs (through pgserver) warns on every command when XDG_RUNTIME_DIR is unset.
    warnings.filterwarnings("ignore", message=r"XDG_RUNTIME_DIR is not set")
    # Airflow's in-process dag.test() imports FastAPI's test client (a UserWarning from Starlette).
    warnings.filterwarnings("ignore", message=r"Using `httpx` with `starlette\.testclient` is deprecated")
