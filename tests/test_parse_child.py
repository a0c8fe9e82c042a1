"""The parse runs in a child process under a time limit (issue #17): a file that takes too long
is killed and reported naming the limit, the next file is parsed by a fresh child, a child that
dies is a failed parse, and the child never outlives its parent."""

import os
import signal
import subprocess
import sys
import time

import pytest

from parsers import ParseError
from parsers.child import ChildParser
from parsers.limits import Limits
from replica.render_formats import render_html
from replica.seeds import load_fixture
from tests.conftest import FIXTURES


@pytest.fixture(scope="module")
def html() -> bytes:
    return render_html(load_fixture(FIXTURES / "seed_001.json"))


def render_slow_scan() -> bytes:
    """A scan of twelve of seed 001's pages: OCR reads it for many seconds (about a second a
    page), long enough for a limit or a kill to land mid-read. Blank pages would not do: the
    reader skips pages without ink in milliseconds."""
    from replica.render_scan import render_scanned
    from replica.site import _rendered_fixture

    return render_scanned(_rendered_fixture("001"), pages=list(range(1, 13)))


@pytest.fixture(scope="module")
def slow_scan() -> bytes:
    return render_slow_scan()


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    with open(f"/proc/{pid}/stat") as stat:  # a zombie is dead too
        return stat.read().split()[2] != "Z"


@pytest.mark.slow  # child processes, one killed at its time limit
def test_a_parse_past_its_time_limit_is_killed_and_the_next_file_still_parses(html, slow_scan):
    with ChildParser(Limits(parse_timeout=60)) as parser:
        assert parser.parse(html, "first.html").year == 2024  # the child is up and warm
        first_child = parser._process.pid
        parser.limits = Limits(parse_timeout=1)
        with pytest.raises(ParseError) as caught:
            parser.parse(slow_scan, "slow-scan.pdf")
        assert caught.value.source == "slow-scan.pdf"
        assert "parse running longer than 1 s exceeds the limit parse_timeout=1" in caught.value.reason
        assert "DISCLOSURE_PARSE_TIMEOUT" in caught.value.reason
        assert not _alive(first_child)
        parser.limits = Limits(parse_timeout=60)
        assert parser.parse(html, "next.html").year == 2024
        assert parser._process.pid != first_child


@pytest.mark.slow  # a child process killed mid-parse
def test_a_child_that_dies_mid_parse_is_a_failed_parse(html, slow_scan):
    with ChildParser(Limits(parse_timeout=60)) as parser:
        parser.parse(html, "warm.html")
        child = parser._process.pid
        killer = subprocess.Popen([sys.executable, "-c", f"import os,time;time.sleep(1.5);os.kill({child},9)"])
        with pytest.raises(ParseError, match=r"parser process died \(exit code -9\)"):
            parser.parse(slow_scan, "crash.pdf")
        killer.wait()
        assert parser.parse(html, "after.html").year == 2024


def test_the_child_dies_with_its_parent(tmp_path):
    script = (
        "import sys, time\n"
        "from parsers.child import ChildParser\n"
        "from parsers.limits import Limits\n"
        "from tests.test_parse_child import render_slow_scan\n"
        "scan = render_slow_scan()\n"
        "parser = ChildParser(Limits(parse_timeout=600))\n"
        "parser._start()\n"
        "print(parser._process.pid, flush=True)\n"
        "parser.parse(scan, 'scan.pdf')\n"
    )
    parent = subprocess.Popen(
        [sys.executable, "-c", script], stdout=subprocess.PIPE, text=True, env={**os.environ, "PYTHONPATH": os.getcwd()}
    )
    child = int(parent.stdout.readline())
    time.sleep(1)
    assert _alive(child)
    parent.send_signal(signal.SIGKILL)
    parent.wait()
    deadline = time.monotonic() + 10
    while _alive(child) and time.monotonic() < deadline:
        time.sleep(0.1)
    assert not _alive(child)


def _parse_in_daemon(data: bytes, queue) -> None:
    with ChildParser(Limits(parse_timeout=60)) as parser:
        queue.put(parser.parse(data, "in-daemon.html").year)


@pytest.mark.slow  # a daemonic worker process starting a parse child
def test_a_task_inside_a_daemonic_worker_can_still_parse_in_a_child(html):
    # Celery's prefork pool runs tasks in daemonic processes, which multiprocessing forbids
    # to start children: the parse child is a plain subprocess.
    import multiprocessing

    context = multiprocessing.get_context("spawn")
    queue = context.Queue()
    worker = context.Process(target=_parse_in_daemon, args=(html, queue), daemon=True)
    worker.start()
    assert queue.get(timeout=120) == 2024
    worker.join(30)
    assert worker.exitcode == 0


class _DeafChild(ChildParser):
    """A child that never reads its requests (hung while starting)."""

    def _start(self) -> None:
        request_read, request_write = os.pipe()
        reply_read, reply_write = os.pipe()
        self._process = subprocess.Popen(
            [sys.executable, "-c", "import time; time.sleep(120)"], pass_fds=(request_read, reply_write)
        )
        os.close(request_read)
        os.close(reply_write)
        from multiprocessing.connection import Connection

        self._requests = Connection(request_write, readable=False)
        self._replies = Connection(reply_read, writable=False)  # and no "ready" is awaited


def test_a_child_that_never_reads_cannot_block_past_the_limit():
    # 4 MB do not fit in a pipe: a blocking send would wait for the child forever.
    parser = _DeafChild(Limits(parse_timeout=1))
    started = time.monotonic()
    with pytest.raises(ParseError, match="parse running longer than 1 s"):
        parser.parse(b"%PDF-1.4\n" + b"0" * (4 << 20), "big.pdf")
    assert time.monotonic() - started < 30
    parser.close()
