"""Settings read from the environment, with defaults that work offline.

No DATABASE_URL means the embedded Postgres under var/ (see warehouse.embedded).
"""
from __future__ import annotations

import os
import re
from dataclasses import dataclass, field
from pathlib import Path

from parsers.limits import Limits

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
    limits: Limits = field(default_factory=Limits)  # file ceilings: the parsers' and the crawler's download cap

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
        limits=Limits.from_env(env),
    )
