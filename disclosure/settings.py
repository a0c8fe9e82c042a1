"""Every setting of the project, read from the environment once and validated, with defaults
that work offline. The README's settings table is generated from these fields
(`settings_markdown`, `disclosure docs`). A bad value stops the run at start with one line
naming the variable (`DISCLOSURE_SITE_DOWN_NIGHTS: expected an integer, got 'three'`).

This module imports nothing of the project: every layer may read its settings here.
No DATABASE_URL means the embedded Postgres under var/ (see warehouse.embedded).
"""

from __future__ import annotations

import logging
import os
import re
from functools import lru_cache
from pathlib import Path
from typing import Annotated

from pydantic import Field, ValidationError, field_validator
from pydantic_settings import BaseSettings, NoDecode, SettingsConfigDict

PROJECT_ROOT = Path(__file__).resolve().parent.parent
MB = 1024 * 1024


class ConfigurationError(ValueError):
    """A setting that cannot work (a number that is not one, an unknown engine): it stops the
    run, since every file or task would fail the same way."""


def _setting(default, variable: str, meaning: str, shown: str | None = None, **constraints):
    """A field read from `variable`; `shown` is its default as the README states it."""
    return Field(
        default,
        validation_alias=variable,
        description=meaning,
        json_schema_extra={"shown": shown if shown is not None else f"`{default}`"},
        **constraints,
    )


class Settings(BaseSettings):
    model_config = SettingsConfigDict(case_sensitive=True, extra="ignore", frozen=True)

    database_url: str | None = _setting(
        None,
        "DATABASE_URL",
        "the store",
        "unset → embedded Postgres (pgserver) under `var/pgdata`, left running and reused",
    )
    var_dir: Path = _setting(
        PROJECT_ROOT / "var",
        "DISCLOSURE_VAR_DIR",
        "working data (embedded Postgres, archive, Airflow home for the demo)",
        "`var/`",
    )
    archive_dir_setting: Path | None = _setting(
        None, "DISCLOSURE_ARCHIVE_DIR", "where fetched files are kept (local)", "`$DISCLOSURE_VAR_DIR/archive`"
    )
    archive_url: str | None = _setting(
        None,
        "DISCLOSURE_ARCHIVE_URL",
        "any fsspec URL, e.g. `s3://bucket/prefix` (endpoint and keys from `AWS_ENDPOINT_URL`, "
        "`AWS_ACCESS_KEY_ID`, …) so workers on several hosts share one archive",
        "unset → the folder above",
    )
    aws_endpoint_url: str | None = _setting(
        None,
        "AWS_ENDPOINT_URL",
        "the S3-compatible server of an `s3://` archive (MinIO); keys as boto reads them",
        "unset → AWS",
    )
    alert_urls: Annotated[tuple[str, ...], NoDecode] = _setting(  # split below, not JSON
        (),
        "DISCLOSURE_ALERT_URLS",
        "Apprise URLs, space separated: `mailtos://user:pass@smtp.example.org?to=desk@example.org`, "
        "`json://hooks.example.org/x`, `dingtalk://TOKEN/`, `wecombot://KEY`",
        "unset → alerts go to the log (and the store)",
    )
    site_down_nights: int = _setting(
        3, "DISCLOSURE_SITE_DOWN_NIGHTS", "a site failing this many runs in a row raises `site_down`", ge=1
    )
    site_unfinished_nights: int = _setting(
        5,
        "DISCLOSURE_SITE_UNFINISHED_NIGHTS",
        "a site cut by DISCLOSURE_CRAWL_TIME_LIMIT this many runs in a row raises `site_unfinished` "
        "(a big first crawl takes a few)",
        ge=1,
    )
    registry_file: Path = _setting(
        PROJECT_ROOT / "registry" / "replica.yaml",
        "DISCLOSURE_REGISTRY",
        "which sites and units to watch (`registry/shanxi.yaml`: the real Datong and Xinzhou sites, unverified)",
        "`registry/replica.yaml`",
    )
    user_agent: str = _setting(
        "disclosure-watch/0.1 (+https://example.org/disclosure-watch; fiscal transparency research)",
        "DISCLOSURE_USER_AGENT",
        "sent with every request",
        "identifies the crawler with a contact URL",
    )
    crawl_throttle: float = _setting(
        1.0,
        "DISCLOSURE_CRAWL_THROTTLE",
        "AutoThrottle start delay in seconds (the demo and tests use 0 on loopback)",
        ge=0,
    )
    revalidate_every: int = _setting(
        7,
        "DISCLOSURE_REVALIDATE_EVERY",
        "ask for each archived file again every this many nights, spread evenly (1: every night); "
        "at once when its list entry changed",
        ge=1,
        le=366,
    )
    host_concurrency: int = _setting(
        2,
        "DISCLOSURE_HOST_CONCURRENCY",
        "requests in flight to one host, all of its sites' crawls together",
        ge=1,
        le=16,
    )
    host_delay: float | None = _setting(
        None,
        "DISCLOSURE_HOST_DELAY",
        "seconds between two requests to one host, all of its sites' crawls together "
        "(each crawl spaces its own by this times DISCLOSURE_HOST_CONCURRENCY)",
        shown="the crawl throttle, at most `0.5`",
        ge=0,
    )
    replica_base: str | None = _setting(
        None,
        "DISCLOSURE_REPLICA_BASE",
        "replaces `{replica}` in registry start URLs (`disclosure fixtures serve` prints it)",
        "set by the demo/tests",
    )
    replica_port: int = _setting(
        18450,
        "DISCLOSURE_REPLICA_PORT",
        "port of the replica sites served by `demo`, `fixtures serve` and `airflow` (fixed: the filings keep their keys)",
        ge=1,
        le=65535,
    )
    db_wait: float = _setting(
        120.0,
        "DISCLOSURE_DB_WAIT",
        "seconds a stage waits, with backoff, for a database that does not answer",
        "`120`",
        ge=0,
    )
    parse_batch: int = _setting(
        100,
        "DISCLOSURE_PARSE_BATCH",
        "archived files one parse task takes: the nightly DAG maps a task over each batch of pending files, "
        "so more workers run more of them at once",
        ge=1,
    )
    validate_batch: int = _setting(
        1000,
        "DISCLOSURE_VALIDATE_BATCH",
        "parses one validate task takes (mapped like the parse tasks)",
        ge=1,
    )
    crawl_pool: int = _setting(
        4,
        "DISCLOSURE_CRAWL_POOL",
        "sites crawled at once: the slots of the Airflow pool `disclosure_crawl` that `demo`, `airflow` and "
        "the DAG tests create",
        ge=1,
    )
    crawl_time_limit: float = _setting(
        3600.0,
        "DISCLOSURE_CRAWL_TIME_LIMIT",
        "seconds one site's crawl may run: it then stops, keeps what it read and is recorded `incomplete`; "
        "the next night goes on from there",
        "`3600`",
        gt=0,
    )
    task_retries: int = _setting(
        2, "DISCLOSURE_TASK_RETRIES", "retries of every DAG task (the demo and tests use 0)", ge=0
    )
    retry_delay_seconds: int = _setting(
        300, "DISCLOSURE_RETRY_DELAY_SECONDS", "first delay before a DAG task is retried (then doubling, ≤ 1 h)", ge=0
    )
    task_timeout_minutes: int = _setting(
        360,
        "DISCLOSURE_TASK_TIMEOUT_MINUTES",
        "longest one task of the nightly DAG may run (a site's crawl, a parse or validate batch) before Airflow "
        "fails it (then retried); a province's first night parses thousands of files per batch",
        ge=1,
    )
    nightly_timeout_hours: float = _setting(
        20.0,
        "DISCLOSURE_NIGHTLY_TIMEOUT_HOURS",
        "a nightly run still running after this many hours is failed (`dagrun_timeout`), so the next night's "
        "run (one at a time) can start",
        "`20`",
        gt=0,
    )
    backfill_timeout_hours: float = _setting(
        72.0,
        "DISCLOSURE_BACKFILL_TIMEOUT_HOURS",
        "the limit of a backfill run and of each of its tasks (one task re-parses years of files)",
        "`72`",
        gt=0,
    )
    max_file_mb: int = _setting(
        300,
        "DISCLOSURE_MAX_FILE_MB",
        "files larger than this are neither downloaded by the crawlers nor read by the parsers",
        ge=1,
    )
    max_unpacked_mb: int = _setting(
        600,
        "DISCLOSURE_MAX_UNPACKED_MB",
        "archives unpacking to more than this are refused (zip bombs by ratio too)",
        ge=1,
    )
    pdf_engine: str = _setting(
        "pdfium",
        "DISCLOSURE_PDF_ENGINE",
        "how text PDFs are read: `pdfium` (glyphs and rules from PDFium, grids by pdfplumber's rules, about 7× "
        "faster) or `pdfplumber`, the reference it is tested against",
    )
    convert_timeout: float = _setting(
        180.0,
        "DISCLOSURE_CONVERT_TIMEOUT",
        "seconds LibreOffice may take to convert a Word 97 `.doc` to DOCX before the file is reported as failed",
        "`180`",
        gt=0,
    )
    max_pdf_pages: int = _setting(
        5000,
        "DISCLOSURE_MAX_PDF_PAGES",
        "PDFs with more pages are refused (the longest real filings run to a few hundred)",
        ge=1,
    )
    max_ocr_pages: int = _setting(
        400, "DISCLOSURE_MAX_OCR_PAGES", "scanned PDFs with more pages are not sent to OCR (a few seconds a page)", ge=1
    )
    max_page_pixels: int = _setting(
        80_000_000,
        "DISCLOSURE_MAX_PAGE_PIXELS",
        "a page that would render to more pixels is refused (A0 at 200 dpi is 62 million)",
        ge=1,
    )
    max_sheet_cells: int = _setting(
        1_000_000,
        "DISCLOSURE_MAX_SHEET_CELLS",
        "spreadsheet sheets holding more values are refused (real tables hold thousands)",
        ge=1,
    )
    parse_timeout: float = _setting(
        1800.0,
        "DISCLOSURE_PARSE_TIMEOUT",
        "seconds one file's parse may take before its child process is killed "
        "(a 400-page scan OCRs in about 1000 s; 0: parse in this process, no limit)",
        "`1800`",
        ge=0,
    )

    @field_validator("alert_urls", mode="before")
    @classmethod
    def _split_urls(cls, value):
        if isinstance(value, str):
            return tuple(u for u in re.split(r"[\s,]+", value) if u)
        return value

    @field_validator("database_url", "archive_url", "aws_endpoint_url", "replica_base", "host_delay", mode="before")
    @classmethod
    def _empty_is_unset(cls, value):
        return value or None

    @field_validator("database_url", mode="after")
    @classmethod
    def _postgres_url(cls, value: str | None) -> str | None:
        # Else SQLAlchemy's "Could not parse SQLAlchemy URL" traceback at the first query.
        if value is not None and not re.match(r"^postgres(ql)?(\+\w+)?://", value):
            raise ValueError("expected a postgresql:// URL")
        return value

    @field_validator("var_dir", "archive_dir_setting", "registry_file", mode="after")
    @classmethod
    def _absolute(cls, value: Path | None) -> Path | None:
        return value.resolve() if value is not None else None

    @property
    def host_spacing(self) -> float:
        """Seconds between two requests to one host, all of its crawls together."""
        return min(self.crawl_throttle, 0.5) if self.host_delay is None else self.host_delay

    @property
    def archive_dir(self) -> Path:
        return self.archive_dir_setting or self.var_dir / "archive"

    @property
    def archive(self) -> str:
        """Where files are archived: archive_dir, or an fsspec URL such as s3://bucket/prefix."""
        return self.archive_url or str(self.archive_dir)

    @property
    def embedded_pg_dir(self) -> Path:
        return self.var_dir / "pgdata"

    @property
    def max_file_bytes(self) -> int:
        return self.max_file_mb * MB

    @property
    def max_unpacked_bytes(self) -> int:
        return self.max_unpacked_mb * MB


VARIABLES = tuple(field.validation_alias for field in Settings.model_fields.values())

_EXPECTED = {
    "int_parsing": "expected an integer",
    "int_from_float": "expected an integer",
    "float_parsing": "expected a number",
    "bool_parsing": "expected true or false",
    "path_type": "expected a path",
}


def _one_line(error: dict) -> str:
    variable = error["loc"][0] if error["loc"] else "settings"
    ctx = error.get("ctx") or {}
    bounds = {
        "greater_than_equal": ("at least", "ge"),
        "greater_than": ("more than", "gt"),
        "less_than_equal": ("at most", "le"),
        "less_than": ("less than", "lt"),
    }
    if error["type"] in bounds:
        words, key = bounds[error["type"]]
        expected = f"expected {words} {ctx[key]}"
    elif error["type"] == "value_error":  # a validator's own words, without pydantic's "Value error, "
        expected = str(ctx.get("error") or error["msg"])
    else:
        expected = _EXPECTED.get(error["type"], error["msg"][0].lower() + error["msg"][1:])
    shown = redact_url(error["input"]) if isinstance(error["input"], str) else error["input"]  # no password shown
    return f"{variable}: {expected}, got {shown!r}"


def load_settings() -> Settings:
    """The settings of this process's environment; ConfigurationError (one line per bad
    variable, joined by '; ') when a value cannot work. Parsers ask for them per file, so
    they are built once per distinct set of values (building them takes milliseconds)."""
    return _settings_for(tuple(os.environ.get(variable) for variable in VARIABLES))


@lru_cache(maxsize=16)
def _settings_for(values: tuple[str | None, ...]) -> Settings:
    given = {variable: value for variable, value in zip(VARIABLES, values) if value is not None}
    try:
        return Settings(**given)
    except ValidationError as exc:
        raise ConfigurationError("; ".join(_one_line(e) for e in exc.errors())) from None


def settings_markdown() -> str:
    """The README's settings table (generated: `disclosure docs`)."""
    rows = ["| variable | default | meaning |", "|---|---|---|"]
    for field in Settings.model_fields.values():
        rows.append(f"| `{field.validation_alias}` | {field.json_schema_extra['shown']} | {field.description} |")
    return "\n".join(rows)


README_START, README_END = "<!-- settings: generated by `disclosure docs` -->", "<!-- end of settings -->"


def readme_with_settings(readme: str) -> str:
    """README.md with its settings table replaced by the generated one."""
    start, end = readme.index(README_START), readme.index(README_END)
    return readme[:start] + README_START + "\n" + settings_markdown() + "\n" + readme[end:]


# ---- credentials are never shown (issue #17) ----------------------------------------------
# Every URL rendered or printed goes through `redact_url`, which drops the userinfo
# (user:password@) also when the password holds '@', '#' or ':' unencoded (a URL parser would
# split it in the wrong place and show half of it); `protect_logs` masks the configured
# secrets in every log record and traceback, since a driver's error may quote a mis-split host.
# Here, in the module every layer may import, because every layer shows URLs.
MASK = "***"
_SCHEME = re.compile(r"^([A-Za-z][A-Za-z0-9+.\-]*://)(.*)$", re.S)


def _split(url: str) -> tuple[str, str, str] | None:
    """(scheme://, userinfo, rest) of a URL with userinfo, else None. The userinfo ends at the
    last '@' before the query ('?'), so a password may hold '@', '#', ':' or '/' (S3 secret keys
    do); text before an '@' in a path ('host/files/a@b.pdf', 'host:8080/a@b') is no userinfo."""
    m = _SCHEME.match(url)
    if not m:
        return None
    scheme, rest = m.groups()
    at = rest.split("?", 1)[0].rfind("@")
    if at < 0:
        return None
    userinfo = rest[:at]
    if "/" in userinfo:  # userinfo or a path? user:password has a colon before the slash, a port digits only
        before_slash = userinfo.split("/", 1)[0]
        if ":" not in before_slash or before_slash.rsplit(":", 1)[1].isdigit():
            return None
    return scheme, userinfo, rest[at + 1 :]


def redact_url(url: str) -> str:
    """'postgresql://app:p@ss#1@db:5432/x' → 'postgresql://db:5432/x'; a URL without userinfo as it is."""
    parts = _split(str(url))
    return str(url) if parts is None else parts[0] + parts[2]


def quote_userinfo(url: str) -> str:
    """The URL with '@', '#', '/', '?' in its user and password percent-encoded, so that a
    driver splits it where it should ('p@ss#1' is the password, not half a host); '%' is
    left alone, so an already encoded URL stays as it is."""
    parts = _split(url)
    if parts is None:
        return url
    scheme, userinfo, rest = parts
    encode = lambda text: re.sub(r"[@#/?]", lambda m: f"%{ord(m.group()):02X}", text)  # noqa: E731
    user, colon, password = userinfo.partition(":")
    return f"{scheme}{encode(user)}{colon}{encode(password)}@{rest}"


def url_secrets(url: str | None) -> list[str]:
    """What of a URL must never be shown: its userinfo, its password, and the pieces of the
    password a parser splitting at '@', '#' or '/' would show as a host or a fragment."""
    parts = _split(str(url)) if url else None
    if parts is None:
        return []
    userinfo = parts[1]
    password = userinfo.split(":", 1)[1] if ":" in userinfo else ""
    if not password:  # a user name alone is no credential (and masking "postgres" would garble "postgresql")
        return []
    pieces = {userinfo, password}
    for i, char in enumerate(password):
        if char in "@#/?:":
            pieces |= {password[:i], password[i + 1 :]}
    return sorted((p for p in pieces if len(p) >= 4), key=lambda p: (-len(p), p))  # longest first, then stable


def mask(text: str, secrets: list[str]) -> str:
    for secret in sorted(set(secrets), key=len, reverse=True):  # longest first: a userinfo holds its password
        text = text.replace(secret, MASK)
    return text


_installed: list[str] = []


def protect_logs(urls: list[str | None]) -> None:
    """Mask the secrets of these URLs in every log record made from now on (any logger, any
    handler: the record factory is wrapped once; later calls add secrets)."""
    secrets = [s for url in urls for s in url_secrets(url)]
    if not secrets:
        return
    first = not _installed
    _installed.extend(s for s in secrets if s not in _installed)
    if not first:
        return
    make_record = logging.getLogRecordFactory()

    def masked_record(*args, **kwargs) -> logging.LogRecord:
        record = make_record(*args, **kwargs)
        message = record.getMessage()
        clean = mask(message, _installed)
        if clean != message:
            record.msg, record.args = clean, ()
        if record.exc_info and not record.exc_text:
            record.exc_text = mask(logging.Formatter().formatException(record.exc_info), _installed)
        return record

    logging.setLogRecordFactory(masked_record)
