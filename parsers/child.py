"""Parse in a child process that can be killed: a file that makes a parser loop, or crash the
interpreter (PDFium, a C extension), costs its time limit and itself, never the stage.

One child serves many files in turn (starting one costs the parsers' imports); it is killed
and replaced when a file runs past `Limits.parse_timeout`, and it dies with its parent.
"""
from __future__ import annotations

import logging
import multiprocessing
import os
import signal
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


def _serve(conn: Connection, parent: int) -> None:
    from parsers.dispatch import parse_bytes

    _die_with_parent(parent)
    while True:
        try:
            data, source, limits = conn.recv()
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
        conn.send(reply)


class ChildParser:
    """`parse(data, source)` as parse_bytes does, but in a child process under a time limit."""

    def __init__(self, limits: Limits | None = None) -> None:
        self.limits = limits or Limits.from_env()
        self._process: multiprocessing.process.BaseProcess | None = None
        self._conn: Connection | None = None

    def _start(self) -> None:
        context = multiprocessing.get_context("spawn")  # no fork of a process holding DB connections
        self._conn, child_end = context.Pipe()
        self._process = context.Process(target=_serve, args=(child_end, os.getpid()), daemon=True,
                                        name="disclosure-parse")
        self._process.start()
        child_end.close()

    def _stop(self) -> None:
        if self._process is not None:
            self._process.kill()
            self._process.join(5)
        if self._conn is not None:
            self._conn.close()
        self._process = self._conn = None

    def parse(self, data: bytes, source: str) -> ParseResult:
        if self.limits.parse_timeout <= 0:  # no limit: in this process (debugging)
            from parsers.dispatch import parse_bytes

            return parse_bytes(data, source, self.limits)
        if self._process is None or not self._process.is_alive():
            self._stop()
            self._start()
        timeout = self.limits.parse_timeout
        try:
            self._conn.send((data, source, self.limits))
            answered = self._conn.poll(timeout)
            reply = self._conn.recv() if answered else None
        except (EOFError, OSError, BrokenPipeError):
            answered, reply = True, None
        if reply is None:
            if answered and self._process is not None:
                self._process.join(5)  # it closed the pipe by dying: read how it ended
            code = self._process.exitcode if self._process else None
            self._stop()
            if not answered:
                log.error("%s: parse killed after %s s", source, timeout)
                raise ParseError(source, exceeded("parse_timeout", f"parse running longer than {timeout:g} s",
                                                  f"{timeout:g}"))
            raise ParseError(source, f"parser process died (exit code {code}) while reading this file")
        if reply[0] == "ok":
            return reply[1]
        if reply[0] == "configuration":
            raise ConfigurationError(reply[1])
        raise ParseError(reply[1], reply[2])

    def close(self) -> None:
        if self._conn is not None:
            self._conn.close()  # the child's recv ends: it returns
        if self._process is not None:
            self._process.join(5)
        self._stop()

    def __enter__(self) -> "ChildParser":
        return self

    def __exit__(self, *exc) -> None:
        self.close()

