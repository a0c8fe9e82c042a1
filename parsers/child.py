"""Parse in a child process that can be killed: a file that makes a parser loop, or crash the
interpreter (PDFium, a C extension), costs its time limit and itself, never the stage.

One child serves many files in turn (starting one costs the parsers' imports); it is killed
and replaced when a file runs past `Limits.parse_timeout`, and it dies with its parent. It is
a plain subprocess (`python -m parsers.child`) talking over two pipes, not a multiprocessing
child: a task running inside a daemonic worker (Celery's prefork pool) may not start those.
"""

from __future__ import annotations

import logging
import os
import signal
import subprocess
import sys
import threading
from multiprocessing.connection import Connection

from parsers.limits import Limits, exceeded
from parsers.model import ConfigurationError, ParseError, ParseResult

log = logging.getLogger("disclosure.parsers")
PR_SET_PDEATHSIG = 1


def _die_with_parent(parent: int) -> None:
    """Linux: the kernel kills this process when its parent dies, even by SIGKILL."""
    try:
        import ctypes

        ctypes.CDLL("libc.so.6", use_errno=True).prctl(PR_SET_PDEATHSIG, signal.SIGKILL)
    except (OSError, AttributeError):  # not Linux: the closed pipe still ends the loop below
        pass
    if os.getppid() != parent:  # the parent died before the signal was armed
        os._exit(1)


STARTUP_TIMEOUT = 300.0  # seconds a new child may take to import the parsers (not a file's time)


def _serve(requests: Connection, replies: Connection, parent: int) -> None:
    _die_with_parent(parent)
    import parsers.flow  # noqa: F401 - imported before "ready": a file's time limit is its own
    import parsers.pdf  # noqa: F401
    import parsers.spreadsheet  # noqa: F401
    from parsers.dispatch import parse_bytes

    replies.send(("ready",))
    while True:
        try:
            data, source, limits = requests.recv()
        except (EOFError, OSError):
            return  # the parent closed the pipe or died
        try:
            reply = ("ok", parse_bytes(data, source, limits))
        except ParseError as exc:
            reply = ("parse_error", exc.source, exc.reason)
        except ConfigurationError as exc:
            reply = ("configuration", str(exc))
        except BaseException as exc:  # noqa: BLE001 - reported to the parent, which records it
            reply = ("parse_error", source, f"parser crashed: {exc.__class__.__name__}: {exc}")
        replies.send(reply)


def _send(conn: Connection, request) -> None:
    try:
        conn.send(request)
    except OSError:  # the child died or was killed meanwhile: the reply side says so
        pass


class ChildParser:
    """`parse(data, source)` as parse_bytes does, but in a child process under a time limit."""

    def __init__(self, limits: Limits | None = None) -> None:
        self.limits = limits or Limits.from_env()
        self._process: subprocess.Popen | None = None
        self._requests: Connection | None = None
        self._replies: Connection | None = None

    def _start(self) -> None:
        request_read, request_write = os.pipe()
        reply_read, reply_write = os.pipe()
        path = os.pathsep.join(p for p in sys.path if p)
        self._process = subprocess.Popen(
            [sys.executable, "-m", "parsers.child", str(request_read), str(reply_write), str(os.getpid())],
            pass_fds=(request_read, reply_write),
            env={**os.environ, "PYTHONPATH": path},
            stdin=subprocess.DEVNULL,
        )
        os.close(request_read)
        os.close(reply_write)
        self._requests = Connection(request_write, readable=False)
        self._replies = Connection(reply_read, writable=False)
        try:
            ready = self._replies.poll(STARTUP_TIMEOUT) and self._replies.recv() == ("ready",)
        except (EOFError, OSError):
            ready = False
        if not ready:
            code = self._process.poll()
            self._stop()
            raise RuntimeError(f"the parse child did not start (exit code {code})")

    def _stop(self) -> None:
        if self._process is not None and self._process.poll() is None:
            self._process.kill()
        if self._process is not None:
            self._process.wait(10)
        for conn in (self._requests, self._replies):
            if conn is not None:
                conn.close()
        self._process = self._requests = self._replies = None

    def parse(self, data: bytes, source: str) -> ParseResult:
        if self.limits.parse_timeout <= 0:  # no limit: in this process (debugging)
            from parsers.dispatch import parse_bytes

            return parse_bytes(data, source, self.limits)
        if self._process is None or self._process.poll() is not None:
            self._stop()
            self._start()
        timeout = self.limits.parse_timeout
        # Sent from a thread: a child that stops reading (hung at start) cannot block the
        # sender past the time limit; killing the child ends the thread with a broken pipe.
        threading.Thread(target=_send, args=(self._requests, (data, source, self.limits)), daemon=True).start()
        try:
            answered = self._replies.poll(timeout)
            reply = self._replies.recv() if answered else None
        except (EOFError, OSError):
            answered, reply = True, None
        if reply is None:
            if answered:  # it closed the pipe by dying: read how it ended
                try:
                    self._process.wait(5)
                except subprocess.TimeoutExpired:
                    pass
            code = self._process.poll()
            self._stop()
            if not answered:
                log.error("%s: parse killed after %s s", source, timeout)
                raise ParseError(
                    source, exceeded("parse_timeout", f"parse running longer than {timeout:g} s", f"{timeout:g}")
                )
            raise ParseError(source, f"parser process died (exit code {code}) while reading this file")
        if reply[0] == "ok":
            return reply[1]
        if reply[0] == "configuration":
            raise ConfigurationError(reply[1])
        raise ParseError(reply[1], reply[2])

    def close(self) -> None:
        if self._requests is not None:
            self._requests.close()  # the child's recv ends: it returns
            self._requests = None
        if self._process is not None:
            try:
                self._process.wait(5)
            except subprocess.TimeoutExpired:
                pass
        self._stop()

    def __enter__(self) -> ChildParser:
        return self

    def __exit__(self, *exc) -> None:
        self.close()


if __name__ == "__main__":
    _serve(Connection(int(sys.argv[1]), writable=False), Connection(int(sys.argv[2]), readable=False), int(sys.argv[3]))
