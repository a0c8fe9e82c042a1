"""One settings module: every variable the code reads is a validated field of
disclosure.settings, a bad value is one line naming it, and the README's table is generated."""

from __future__ import annotations

import ast
import re
import time
from pathlib import Path

import pytest
from conftest import CODE_PACKAGES

from disclosure.settings import PROJECT_ROOT, ConfigurationError, Settings, load_settings, readme_with_settings

CODE = CODE_PACKAGES
# The settings themselves, and bench/environment.py, which sets variables around one benchmark
# and restores what was there.
ALLOWED_READERS = {PROJECT_ROOT / "disclosure" / "settings.py", PROJECT_ROOT / "bench" / "environment.py"}
VARIABLE = re.compile(r"^(DISCLOSURE_[A-Z_]+|DATABASE_URL|AWS_ENDPOINT_URL)$")
# Scrapy settings (not environment variables) that crawlers.child hands its spiders and pipelines.
# Scrapy settings the crawl runner hands its child process (not environment variables).
CHILD_PROCESS = {
    "DISCLOSURE_SITE_KEY",
    "DISCLOSURE_MANIFEST",
    "DISCLOSURE_ARCHIVE",
    "DISCLOSURE_WARC",
    "DISCLOSURE_CAPS",
    "DISCLOSURE_CRAWL_MAX_BYTES",
}


def _files():
    for package in CODE:
        yield from (PROJECT_ROOT / package).rglob("*.py")


def _environment_reads(path: Path) -> list[str]:
    """`os.environ.get(…)`, `os.environ[…]` read, `os.getenv(…)` in one file, as 'file:line'."""
    out = []
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        read = (
            isinstance(node, ast.Call)
            and isinstance(node.func, ast.Attribute)
            and ast.unparse(node.func) in ("os.environ.get", "os.getenv")
        )
        read |= (
            isinstance(node, ast.Subscript)
            and ast.unparse(node.value) == "os.environ"
            and isinstance(node.ctx, ast.Load)
        )
        if read:
            out.append(f"{path.relative_to(PROJECT_ROOT)}:{node.lineno}")
    return out


def test_no_module_reads_the_environment_but_the_settings():
    reads = [r for path in _files() if path not in ALLOWED_READERS for r in _environment_reads(path)]
    assert reads == []


def test_every_variable_the_code_names_is_a_setting():
    fields = {f.validation_alias for f in Settings.model_fields.values()}
    named = {
        node.value
        for path in _files()
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8")))
        if isinstance(node, ast.Constant) and isinstance(node.value, str) and VARIABLE.match(node.value)
    }
    assert named - CHILD_PROCESS <= fields, sorted(named - CHILD_PROCESS - fields)
    assert {"DISCLOSURE_REPLICA_PORT", "DISCLOSURE_TASK_RETRIES", "DISCLOSURE_RETRY_DELAY_SECONDS"} <= fields


def test_the_readme_settings_table_is_generated_from_the_settings():
    readme = (PROJECT_ROOT / "README.md").read_text(encoding="utf-8")
    assert readme == readme_with_settings(readme), "run `disclosure docs`"
    for field in Settings.model_fields.values():
        assert f"| `{field.validation_alias}` |" in readme


@pytest.mark.parametrize(
    ("variable", "value", "message"),
    [
        ("DISCLOSURE_SITE_DOWN_NIGHTS", "three", "DISCLOSURE_SITE_DOWN_NIGHTS: expected an integer, got 'three'"),
        ("DISCLOSURE_CRAWL_THROTTLE", "fast", "DISCLOSURE_CRAWL_THROTTLE: expected a number, got 'fast'"),
        ("DISCLOSURE_PARSE_SHARDS", "0", "DISCLOSURE_PARSE_SHARDS: expected at least 1, got '0'"),
        ("DISCLOSURE_REPLICA_PORT", "70000", "DISCLOSURE_REPLICA_PORT: expected at most 65535, got '70000'"),
    ],
)
def test_a_bad_value_is_one_line_naming_the_variable(monkeypatch, variable, value, message):
    monkeypatch.setenv(variable, value)
    with pytest.raises(ConfigurationError) as caught:
        load_settings()
    assert str(caught.value) == message


def test_values_are_read_and_derived(monkeypatch, tmp_path):
    monkeypatch.setenv("DISCLOSURE_VAR_DIR", str(tmp_path))
    monkeypatch.setenv("DISCLOSURE_ALERT_URLS", "json://hooks.example.org/x  mailtos://u:p@smtp.example.org?to=a,b://c")
    monkeypatch.setenv("DISCLOSURE_MAX_FILE_MB", "5")
    monkeypatch.setenv("DATABASE_URL", "")
    monkeypatch.delenv("DISCLOSURE_ARCHIVE_DIR", raising=False)
    monkeypatch.delenv("DISCLOSURE_ARCHIVE_URL", raising=False)
    settings = load_settings()
    assert settings.archive_dir == tmp_path / "archive" and settings.archive == str(tmp_path / "archive")
    assert settings.alert_urls == ("json://hooks.example.org/x", "mailtos://u:p@smtp.example.org?to=a", "b://c")
    assert settings.database_url is None and settings.max_file_bytes == 5 * 1024 * 1024
    from parsers.limits import Limits

    assert Limits.from_env().max_file_bytes == 5 * 1024 * 1024  # the parsers read the same setting


def test_the_database_wait_gives_up_after_its_timeout():
    import socket

    from sqlalchemy import create_engine
    from sqlalchemy.exc import OperationalError

    from warehouse.db import wait_for_database

    with socket.socket() as s:  # a loopback port nobody listens on
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    engine = create_engine(f"postgresql+psycopg://nobody@127.0.0.1:{port}/none?connect_timeout=1")
    started = time.monotonic()
    with pytest.raises(OperationalError):
        wait_for_database(engine, timeout=1.0, first_delay=0.2)
    assert 0.5 < time.monotonic() - started < 5  # retried (0.2 + 0.4 s), then gave up
