"""The console stays quiet: third-party warnings a user can do nothing about are not shown."""

import os
import subprocess
import sys

from disclosure.settings import PROJECT_ROOT

NOISY = """
import warnings
warnings.simplefilter("default")
from disclosure.quiet import quiet_console
{quiet}
import platformdirs
platformdirs.PlatformDirs("pgserver").user_runtime_dir  # what pgserver asks on every command
from starlette.exceptions import StarletteDeprecationWarning
warnings.warn("Using `httpx` with `starlette.testclient` is deprecated; install `httpx2` instead.",
              StarletteDeprecationWarning)
print("done")
"""


def _stderr(quiet: bool) -> str:
    env = {k: v for k, v in os.environ.items() if k != "XDG_RUNTIME_DIR"}
    env["PYTHONPATH"] = str(PROJECT_ROOT)
    done = subprocess.run(
        [sys.executable, "-c", NOISY.format(quiet="quiet_console()" if quiet else "")],
        env=env,
        capture_output=True,
        text=True,
        check=True,
    )
    assert done.stdout.strip() == "done"
    return done.stderr


def test_the_console_script_silences_pgserver_and_starlette_warnings():
    noisy = _stderr(quiet=False)
    assert "XDG_RUNTIME_DIR" in noisy and "starlette.testclient" in noisy  # they are real without it
    assert _stderr(quiet=True) == ""
