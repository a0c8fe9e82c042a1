"""Settings read from the environment, with defaults that work offline.

No DATABASE_URL means the embedded Postgres under var/ (see warehouse.embedded).
"""
from __future__ import annotations

import logging
import os
import re
from dataclasses import dataclass
from pathlib import Path

PROJECT_ROOT = Path(__file__).resolve().parent.parent


@dataclass(frozen=True)
class Settings:
    database_url: str | None
    var_dir: Path
    archive_dir: Path
    archive: str  # where files are archived: archive_dir, or an fsspec URL such as s3://bucket/prefix
    registry_file: Path
    user_agent: str
    replica_base: str | None = None  # base URL substituted for {replica} in registry start URLs
    crawl_throttle: float = 1.0  # AutoThrottle start delay (s); the replica tests use 0
    alert_urls: tuple[str, ...] = ()  # Apprise URLs (alerting.deliver)
    site_down_nights: int = 3  # a site failing this many runs in a row raises site_down
    db_wait: float = 120.0  # seconds a stage waits for an unavailable database before failing

    @property
    def embedded_pg_dir(self) -> Path:
        return self.var_dir / "pgdata"


def load_settings(env: dict[str, str] | None = None) -> Settings:
    env = dict(os.environ if env is None else env)
    var_dir = Path(env.get("DISCLOSURE_VAR_DIR", PROJECT_ROOT / "var")).resolve()
    archive_dir = Path(env.get("DISCLOSURE_ARCHIVE_DIR", var_dir / "archive")).resolve()
    return Settings(
        database_url=env.get("DATABASE_URL") or None,
        var_dir=var_dir,
        archive_dir=archive_dir,
        archive=env.get("DISCLOSURE_ARCHIVE_URL") or str(archive_dir),
        registry_file=Path(
            env.get("DISCLOSURE_REGISTRY", PROJECT_ROOT / "registry" / "replica.yaml")
        ).resolve(),
        user_agent=env.get(
            "DISCLOSURE_USER_AGENT",
            "disclosure-watch/0.1 (+https://example.org/disclosure-watch; fiscal transparency research)",
        ),
        replica_base=env.get("DISCLOSURE_REPLICA_BASE") or None,
        crawl_throttle=float(env.get("DISCLOSURE_CRAWL_THROTTLE", "1.0")),
        alert_urls=tuple(u for u in re.split(r"[\s,]+", env.get("DISCLOSURE_ALERT_URLS", "")) if u),
        site_down_nights=int(env.get("DISCLOSURE_SITE_DOWN_NIGHTS", "3")),
        db_wait=float(env.get("DISCLOSURE_DB_WAIT", "120")),
    )


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
    return scheme, userinfo, rest[at + 1:]


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
    pieces = {userinfo, password}
    for i, char in enumerate(password):
        if char in "@#/?:":
            pieces |= {password[:i], password[i + 1:]}
    return sorted((p for p in pieces if len(p) >= 4), key=lambda p: (-len(p), p))


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
