"""Docs that are true: every `disclosure` command in the README and the user guide runs as
written, in the order written, on a fresh store with the replica sites served as the guide
says (`disclosure fixtures serve` → DISCLOSURE_REPLICA_BASE); the settings table names every
variable the code reads."""

import re
import shlex

import pytest
from typer.testing import CliRunner

from disclosure.cli import app
from disclosure.settings import PROJECT_ROOT

DOCUMENTS = [PROJECT_ROOT / "README.md", PROJECT_ROOT / "docs" / "user-guide.md"]
# Commands that run forever or on other machines: started by hand, tested elsewhere.
NOT_RUN_HERE = {
    "demo": "runs the nightly DAG with dag.test() (tests/test_dags.py)",
    "airflow": "serves Airflow until Ctrl-C (tried by hand; tests/test_scheduler.py runs the services)",
    "fixtures": "serve runs until Ctrl-C (its printed line: test_fixtures_serve_prints_the_line_the_guide_shows); "
    "build/render/derive are tested in tests/test_synthetic_years.py",
    "docs": "rewrites docs/ in the checkout (tests/test_docs.py checks they are current)",
    "db downgrade": "drops the schema the next commands need",
    "sites probe https://": "reaches a real site (tests are offline); tests/test_probe.py probes every replica site",
    "crawl yunzhou": "the guide's example site, registered from the probe's proposal on a real machine",
}


def documented_commands() -> list[tuple[str, str, list[str]]]:
    """(document, command line, the output lines printed under a `$ ` example), in order."""
    found = []
    for doc in DOCUMENTS:
        text = doc.read_text(encoding="utf-8")
        for block in re.findall(r"```\n(.*?)```", text, re.S):
            lines = block.splitlines()
            for i, line in enumerate(lines):
                shown = line.startswith("$ ")
                command = re.sub(r"\s+#.*$", "", line.removeprefix("$ ")).strip()
                if re.match(r"(\.venv/bin/)?disclosure(\s|$)", command):
                    output = []
                    if shown:  # the lines after a `$ ` example are what it prints
                        output = [ln for ln in lines[i + 1 :] if not ln.startswith("$ ")][:1]
                    found.append((doc.name, command, output))
    return found


def as_arguments(command: str, placeholders: dict[str, str]) -> list[str] | None:
    """The command's arguments, synopsis made concrete: [optional parts] dropped, FILE and
    the like replaced by real values; None when the command is not run here."""
    args = command.split(None, 1)[1] if " " in command else ""
    args = re.sub(r"\s*\[[^\]]*\]", "", args)  # [SITE…] [--full]: the plain form
    words = [placeholders.get(w, w) for w in shlex.split(args)]
    if not words or any(" ".join(words).startswith(skip) for skip in NOT_RUN_HERE) or words[0] in NOT_RUN_HERE:
        return None
    return words


def test_the_documents_hold_the_commands_of_a_first_hour():
    commands = [c for _doc, c, _out in documented_commands()]
    for expected in (
        "disclosure db upgrade",
        "disclosure fixtures serve",
        "disclosure crawl replica-datong-trs",
        "disclosure run",
        "disclosure report",
        "disclosure export completeness -o c.csv",
    ):
        assert any(expected in c for c in commands), expected


@pytest.mark.slow
def test_every_documented_command_runs_as_written(env_settings, replica, monkeypatch, tmp_path, seed_pdfs):
    from replica.hostile import truncated_pdf

    monkeypatch.chdir(tmp_path)  # relative outputs (c.csv, cells.parquet) land here
    (tmp_path / "filing.pdf").write_bytes(seed_pdfs["001"])
    (tmp_path / "broken.pdf").write_bytes(truncated_pdf(seed_pdfs["001"]))
    placeholders = {
        "FILE": "filing.pdf",
        "SITE…": "replica-xinzhou-static",
        "SITE": "replica-xinzhou-static",
        "URL": f"{replica.base_url}/xinzhou/yjsgk/list.html",
        "DATASET": "cells",
        "F.csv|F.parquet": "F.csv",
        "C": "xinzhou",
        "Y": "2023",
        "NAME": "docs_reader",
        "var/archive/sha256/ab/cd/abcd…": "filing.pdf",
    }
    ran = []
    for doc, command, output in documented_commands():
        args = as_arguments(command, placeholders)
        if args is None:
            continue
        if output:  # a `$ ` example runs on the project's own replica registry, as a new user's would
            monkeypatch.setenv("DISCLOSURE_REGISTRY", str(PROJECT_ROOT / "registry" / "replica.yaml"))
        result = CliRunner().invoke(app, args)
        monkeypatch.setenv("DISCLOSURE_REGISTRY", str(env_settings.registry_file))
        ran.append(command)
        assert result.exception is None or isinstance(result.exception, SystemExit), (doc, command, result.output)
        if output:  # it prints exactly what the document shows (paths relative to the checkout)
            printed = result.output.strip().splitlines()[-1].replace(f"{PROJECT_ROOT}/", "")
            assert printed == output[0], (doc, command)
            assert result.exit_code == 2
        elif args[0] == "validate":
            assert result.exit_code in (0, 1), (doc, command, result.output)  # 1: the seed's own failed rule
        else:
            assert result.exit_code == 0, (doc, command, result.output)
    assert {"db", "crawl", "run", "report", "export", "parse", "validate"} <= {c.split()[1] for c in ran}
    assert (tmp_path / "c.csv").read_bytes().startswith(b"\xef\xbb\xbf")
    assert (env_settings.var_dir / "reports" / "latest" / "index.html").is_file()


def test_the_settings_table_names_every_variable_the_code_reads():
    readme = (PROJECT_ROOT / "README.md").read_text(encoding="utf-8")
    table = readme[readme.index("## Settings") : readme.index("## Command line")]
    read = set()
    for package in (
        "disclosure",
        "crawlers",
        "parsers",
        "warehouse",
        "validation",
        "alerting",
        "archive",
        "registry",
        "replica",
        "reporting",
        "dags",
    ):
        for source in (PROJECT_ROOT / package).rglob("*.py"):
            read |= set(re.findall(r"DISCLOSURE_[A-Z_]+", source.read_text(encoding="utf-8")))
    # Passed from the crawl stage to its child process (environment or Scrapy settings), not set by a person.
    internal = {
        "DISCLOSURE_MANIFEST",
        "DISCLOSURE_WARC",
        "DISCLOSURE_SITE_KEY",
        "DISCLOSURE_ARCHIVE",
        "DISCLOSURE_CAPS",
        "DISCLOSURE_CRAWL_MAX_BYTES",
    }
    missing = sorted(v for v in read - internal if f"`{v}`" not in table)
    assert missing == [], f"document these in README.md's settings table: {missing}"


@pytest.mark.slow  # renders every fixture before it serves (about 15 s)
def test_fixtures_serve_prints_the_line_the_guide_shows(tmp_path):
    """`disclosure fixtures serve` (a command that runs until Ctrl-C): its first line on stdout
    is the `export` the guide says to paste, and the replica answers at that address."""
    import os
    import socket
    import subprocess
    import sys
    import urllib.request

    guide = (PROJECT_ROOT / "docs" / "user-guide.md").read_text(encoding="utf-8")
    shown = re.search(r"disclosure fixtures serve\s+# prints `([^`]+)`", guide).group(1)
    assert re.fullmatch(r"export DISCLOSURE_REPLICA_BASE=http://127\.0\.0\.1:18450", shown)
    with socket.socket() as probe:  # a free port, not the demo's: another demo may hold 18450
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    env = {**os.environ, "PYTHONPATH": str(PROJECT_ROOT), "DISCLOSURE_REPLICA_PORT": str(port)}
    env["DISCLOSURE_VAR_DIR"] = str(tmp_path / "var")
    serve = subprocess.Popen(
        [sys.executable, "-m", "disclosure.cli", "fixtures", "serve"],
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.DEVNULL,
        text=True,
    )
    try:
        line = serve.stdout.readline().strip()
        assert line == shown.replace("18450", str(port)), line
        base = line.split("=", 1)[1]
        with urllib.request.urlopen(f"{base}/datong/czxx/index.html", timeout=10) as answer:
            assert answer.status == 200 and "决算" in answer.read().decode("utf-8")
    finally:
        serve.terminate()
        serve.wait(timeout=30)
