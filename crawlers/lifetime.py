"""The crawler child's lifetime: it dies with its parent and stops promptly when told to.

A `disclosure run` killed mid-crawl must not leave its crawler running (the host lock was
the parent's database session, so an orphan would crawl unlocked) nor its temporary folder
behind. On Linux the kernel sends SIGTERM when the parent dies (PR_SET_PDEATHSIG); a
watcher thread notices it everywhere else. An orphan removes the parent's folder and exits
at once: nobody is left to read its manifest.

SIGTERM or SIGINT from anyone else (Airflow stopping a task) asks Scrapy to stop
gracefully — the manifest gets its stats line — and exits hard if that takes longer than
GRACE seconds, whatever the crawl was doing.
"""

from __future__ import annotations

import ctypes
import os
import shutil
import signal
import sys
import threading
import time
from pathlib import Path

PR_SET_PDEATHSIG = 1
GRACE = 10.0  # seconds a graceful stop may take before the process exits without it
EXIT_TERMINATED = 128 + signal.SIGTERM

_parent: dict = {"pid": None, "workdir": None}


def orphaned() -> bool:
    return _parent["pid"] is not None and os.getppid() != _parent["pid"]


def _exit_orphan() -> None:
    if _parent["workdir"]:
        shutil.rmtree(_parent["workdir"], ignore_errors=True)
    os._exit(EXIT_TERMINATED)


def die_with_parent(parent_pid: int, workdir: Path | None) -> None:
    _parent.update(pid=parent_pid, workdir=workdir)
    if sys.platform.startswith("linux"):
        try:
            ctypes.CDLL(None, use_errno=True).prctl(PR_SET_PDEATHSIG, signal.SIGTERM)
        except (OSError, AttributeError):
            pass
    signal.signal(signal.SIGTERM, lambda *_: _exit_orphan() if orphaned() else sys.exit(EXIT_TERMINATED))
    if orphaned():  # the parent died before the line above
        _exit_orphan()

    def watch() -> None:
        while not orphaned():
            time.sleep(1.0)
        _exit_orphan()

    threading.Thread(target=watch, name="parent-watch", daemon=True).start()


def prompt_sigterm(process, before_exit=lambda: None) -> None:
    """Replace Scrapy's shutdown handlers, once the reactor runs, by ours (see module doc);
    `before_exit` runs before a hard exit (the manifest gets the stats of what was done)."""
    from twisted.internet import reactor

    def give_up() -> None:
        try:
            before_exit()
        finally:
            os._exit(EXIT_TERMINATED)

    def on_signal(signum, _frame) -> None:
        if orphaned():
            _exit_orphan()
        if on_signal.asked:  # a second signal: no more waiting
            give_up()
        on_signal.asked = True
        reactor.callFromThread(process.stop)
        timer = threading.Timer(GRACE, give_up)
        timer.daemon = True
        timer.start()

    on_signal.asked = False

    def install() -> None:
        for sig in (signal.SIGTERM, signal.SIGINT):
            signal.signal(sig, on_signal)

    # After Scrapy's own "after startup" trigger, which would replace ours otherwise.
    reactor.callWhenRunning(lambda: reactor.callLater(0, install))
