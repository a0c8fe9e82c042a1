"""Crawl one site in a child process (`python -m crawlers.child`) and read back its manifest
as the typed events of crawlers.events: the parent's side of a crawl."""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import sys
import tempfile
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path

from archive.store import store_named
from crawlers.caps import site_caps
from crawlers.events import CrawlError, CrawlStats, decode
from crawlers.origins import AllowedOrigins
from parsers.limits import Limits
from registry.model import Site


@dataclass
class CrawlOutcome:
    site_key: str
    events: list = field(default_factory=list)  # crawlers.events, the stats line apart
    stats: dict = field(default_factory=dict)
    returncode: int = 0
    stderr: str = ""
    warc_path: str | None = None  # archive key of every response of this crawl

    def of(self, kind: type) -> list:
        return [e for e in self.events if isinstance(e, kind)]


def read_manifest(lines: list[str]) -> list:
    """The events of a manifest; a line that is not one (cut by a kill, a writer's bug)
    becomes an error of the crawl that names it, never silently lost."""
    events = []
    for n, line in enumerate(lines, 1):
        if not line.strip():
            continue
        try:
            events.append(decode(json.loads(line)))
        except (ValueError, TypeError, KeyError) as exc:
            events.append(CrawlError(url="manifest", reason=f"line {n} not read: {exc!s:.300}"))
    return events


@dataclass(frozen=True)
class Rotation:
    """Tonight's place in the revalidation rotation (crawlers.revalidation)."""

    night: int = 0
    every: int = 1  # 1: every archived file is asked for every night


@dataclass(frozen=True)
class CrawlLimits:
    throttle_start_delay: float = 1.0
    download_delay: float = 0.5
    timeout: float = 60.0
    # The parsers' ceiling, as configured when the limits are made: one setting, DISCLOSURE_MAX_FILE_MB.
    max_bytes: int = field(default_factory=lambda: Limits.from_env().max_file_bytes)
    wall_clock: float = 3600.0


def _keep_warc(archive: str | Path, site_key: str, warc: Path) -> str | None:
    """Move the crawl's WARC into the archive under warc/<site>/<UTC time>.warc.gz."""
    if not warc.exists() or warc.stat().st_size == 0:
        return None
    stamp = datetime.now(UTC).strftime("%Y%m%dT%H%M%S%fZ")
    return store_named(archive, f"warc/{site_key}/{stamp}.warc.gz", warc)


STOP_GRACE = 30.0  # seconds a child past its wall clock gets to close before it is killed
TEMP_PREFIX = "disclosure-crawl-"  # + the parent's pid: a folder whose owner is dead is swept
_TEMP_OWNER = re.compile(re.escape(TEMP_PREFIX) + r"(\d+)-")


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def sweep_orphaned_folders(root: str | Path | None = None) -> list[Path]:
    """Remove the crawl folders of processes that were killed before cleaning up."""
    removed = []
    for path in Path(root or tempfile.gettempdir()).glob(TEMP_PREFIX + "*"):
        match = _TEMP_OWNER.match(path.name)
        if match and path.is_dir() and not _alive(int(match.group(1))):
            shutil.rmtree(path, ignore_errors=True)
            removed.append(path)
    return removed


def crawl_site(
    site: Site,
    archive: str | Path,
    user_agent: str,
    known: dict | None = None,
    limits: CrawlLimits | None = None,
    dry_run: bool = False,
    rotation: Rotation | None = None,
) -> CrawlOutcome:
    """Crawl one site in a child process. `dry_run`: read list and detail pages only, fetch no
    file, write no WARC; the events say what would be fetched ("would_fetch") and skipped."""
    limits = limits or CrawlLimits()
    rotation = rotation or Rotation()
    site_caps(site.limits)  # a wrong limits mapping fails this site here, naming the key
    AllowedOrigins.for_site(site.start_urls, site.config)
    sweep_orphaned_folders()
    with tempfile.TemporaryDirectory(prefix=f"{TEMP_PREFIX}{os.getpid()}-") as tmp:
        manifest = Path(tmp) / "manifest.jsonl"
        warc = Path(tmp) / "crawl.warc.gz"
        known_file = Path(tmp) / "known.json"
        known_file.write_text(json.dumps(known or {}))
        cmd = [
            sys.executable,
            "-m",
            "crawlers.child",
            "--site-key",
            site.key,
            "--family",
            site.family,
            "--config",
            json.dumps(site.config),
            "--known",
            str(known_file),
            "--manifest",
            str(manifest),
            "--archive",
            str(archive),
            "--user-agent",
            user_agent,
            "--warc",
            str(warc),
            "--throttle-start-delay",
            str(limits.throttle_start_delay),
            "--download-delay",
            str(limits.download_delay),
            "--timeout",
            str(limits.timeout),
            "--max-bytes",
            str(limits.max_bytes),
            "--caps",
            json.dumps(site.limits),
            "--wall-clock",
            str(limits.wall_clock),
            "--night",
            str(rotation.night),
            "--revalidate-every",
            str(rotation.every),
            "--parent-pid",
            str(os.getpid()),
            "--workdir",
            tmp,
        ]
        for url in site.start_urls:
            cmd += ["--start-url", url]
        if dry_run:
            cmd = [c for c in cmd if c not in ("--warc", str(warc))] + ["--dry-run"]
        try:
            # The child stops itself within the wall clock (CLOSESPIDER_TIMEOUT) and writes its
            # stats; the kill is the backstop for a child that cannot, STOP_GRACE later.
            timeout = limits.wall_clock + STOP_GRACE
            proc = subprocess.run(cmd, capture_output=True, text=True, timeout=timeout)
            returncode, stderr = proc.returncode, proc.stderr
        except subprocess.TimeoutExpired as exc:
            returncode, stderr = -9, f"crawl exceeded {limits.wall_clock}s and did not stop: {exc}"
        events = read_manifest(manifest.read_text(encoding="utf-8").splitlines()) if manifest.exists() else []
        warc_key = _keep_warc(archive, site.key, warc)
        for event in events:
            if getattr(event, "warc", None) and warc_key:
                event.warc["path"] = warc_key
    stats = next((e.stats for e in reversed(events) if isinstance(e, CrawlStats)), {})
    kept = [e for e in events if not isinstance(e, CrawlStats)]
    return CrawlOutcome(site.key, kept, stats, returncode, stderr[-4000:], warc_key)
