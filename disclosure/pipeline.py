"""The stages of the nightly job as library functions: discover → fetch+archive → parse → load →
validate → alert → report. The CLI, the tests and the DAG tasks all call these.

Each stage does its work in its own transactions and reports what it did; one bad site or
file is recorded and skipped, never stops the stage.
"""

from __future__ import annotations

import contextlib
import logging
import time
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

from sqlalchemy import Engine

from archive.store import read_bytes
from crawlers.revalidation import night_number
from crawlers.site_crawl import CrawlLimits, CrawlOutcome, Rotation, crawl_site
from disclosure.settings import Settings, load_settings, protect_logs
from parsers.limits import Limits
from registry.model import Registry, RegistryError, Site, load_registry
from warehouse.db import engine as make_engine
from warehouse.db import wait_for_database

log = logging.getLogger("disclosure.pipeline")


@dataclass
class Context:
    settings: Settings
    engine: Engine
    registry: Registry


def context(settings: Settings | None = None) -> Context:
    settings = settings or load_settings()
    protect_logs([settings.database_url, settings.archive, *settings.alert_urls])
    subs = {"replica": settings.replica_base} if settings.replica_base else None
    registry = load_registry(settings.registry_file, subs)
    engine = make_engine(settings)
    wait_for_database(engine, settings.db_wait)
    return Context(settings, engine, registry)


def prepare(ctx: Context) -> dict:
    """Bring the schema to head and the registry into the store."""
    from warehouse.migrate import upgrade
    from warehouse.registry_sync import sync_registry
    from warehouse.roles import ensure_readonly_role

    upgrade(ctx.engine.url.render_as_string(hide_password=False))
    with ctx.engine.begin() as conn:
        synced = sync_registry(conn, ctx.registry)
    ensure_readonly_role(ctx.engine)
    return synced


class UnfilledStartUrl(RegistryError):
    """A start URL still holding a placeholder such as {replica}: a configuration error,
    found before crawling, never recorded or alerted as a failure of the site."""


def check_start_urls(sites: list[Site]) -> None:
    for site in sites:
        for url in site.start_urls:
            if "{replica}" in url:
                raise UnfilledStartUrl(
                    f"site {site.key}: start URL {url} needs DISCLOSURE_REPLICA_BASE: run `disclosure fixtures "
                    "serve` and export the base URL it prints"
                )
            if "{" in url:
                raise UnfilledStartUrl(f"site {site.key}: start URL {url} holds an unfilled placeholder")


def crawl(
    ctx: Context,
    site_keys: list[str] | None = None,
    limits: CrawlLimits | None = None,
    full: bool = False,
    at: datetime | None = None,
) -> list[dict]:
    """Crawl each site in its own process and record it; a failing site is recorded, not raised.
    Detail pages whose files are archived are not read again (their files are asked for
    conditionally) unless `full`: then every detail page is read, to find attachments added later.
    The database may go away meanwhile: every access waits for it (DISCLOSURE_DB_WAIT) and
    resumes, and a crawl is never lost for a lock that could not be released.
    Archived files are asked for on a rotation (every DISCLOSURE_REVALIDATE_EVERY nights; all of
    them with `full`); a host is shared by at most DISCLOSURE_HOST_CONCURRENCY crawls, each
    spacing its requests so that the host gets one per DISCLOSURE_HOST_DELAY from all of them.
    `at`: the time the crawl counts as (its night on the rotation); now unless replaying nights."""
    settings = ctx.settings
    limits = limits or CrawlLimits(
        throttle_start_delay=settings.crawl_throttle,
        download_delay=settings.host_spacing * settings.host_concurrency,
        max_bytes=Limits.from_env().max_file_bytes,
        wall_clock=settings.crawl_time_limit,
    )
    sites = [ctx.registry.site(k) for k in site_keys] if site_keys else list(ctx.registry.sites)
    check_start_urls(sites)
    results = []
    sites = in_crawl_order(sites)
    for site in sites:
        results.append(_crawl_one(ctx, site, limits, full, at))
        log.info("crawl %s: %s", site.key, results[-1]["status"])
    return results


def in_crawl_order(sites: list[Site]) -> list[Site]:
    """The sites with their hosts taken in turn (a, b, c, a, b, c …, each host's sites in
    registry order): a pool of crawls then spreads over the hosts instead of queueing for the
    slots of the first one (warehouse.host_locks)."""
    from warehouse.host_locks import hosts_of

    by_host: dict[str, list[Site]] = {}
    for site in sites:
        by_host.setdefault((hosts_of(site.start_urls) or [""])[0], []).append(site)
    queues = list(by_host.values())
    return [q[i] for i in range(max(map(len, queues), default=0)) for q in queues if i < len(q)]


def _crawl_one(ctx: Context, site, limits: CrawlLimits, full: bool, at: datetime | None = None) -> dict:
    from warehouse.crawl_record import known_for_crawl, record_crawl, record_unrecordable
    from warehouse.db import is_disconnect, with_database_wait

    wait = ctx.settings.db_wait
    started = at or datetime.now(UTC)
    rotation = Rotation(night_number(started.date()), 1 if full else ctx.settings.revalidate_every)

    def known() -> dict:
        with ctx.engine.connect() as conn:
            return known_for_crawl(conn, site.key, full)

    def record() -> dict:
        with ctx.engine.begin() as conn:
            return record_crawl(conn, ctx.registry, site, outcome, started)

    try:
        outcome = with_database_wait(
            ctx.engine, wait, lambda: _crawl_locked(ctx, site, known(), limits, rotation), f"crawl {site.key}"
        )
    except Exception as exc:  # the crawler could not even start: still a recorded failure
        outcome = CrawlOutcome(site.key, returncode=-1, stderr=f"{exc.__class__.__name__}: {exc}")
    try:
        return with_database_wait(ctx.engine, wait, record, f"record crawl {site.key}")
    except Exception as exc:  # a recorder bug or a database gone for good: the next sites still run
        log.exception("crawl %s could not be recorded", site.key)
        if not is_disconnect(exc):
            with contextlib.suppress(Exception), ctx.engine.begin() as conn:
                record_unrecordable(conn, site, started, exc)
        return {"site": site.key, "status": "failed", "errors": [], "problems": [f"not recorded: {exc!r:.500}"]}


def _crawl_locked(ctx: Context, site, known: dict, limits: CrawlLimits, rotation: Rotation) -> CrawlOutcome:
    """The crawl under one slot of each of its hosts (warehouse.host_locks). Taking them needs
    the database (a disconnect there is waited for and retried); losing it during the crawl
    drops the slots with the session, and the crawl's outcome is kept."""
    from warehouse.db import is_disconnect
    from warehouse.host_locks import host_locks, hosts_of

    outcome = None
    try:
        slots = ctx.settings.host_concurrency
        with host_locks(ctx.engine, hosts_of(site.start_urls), timeout=2 * limits.wall_clock, slots=slots):
            outcome = crawl_site(site, ctx.settings.archive, ctx.settings.user_agent, known, limits, rotation=rotation)
    except Exception as exc:
        if outcome is None or not is_disconnect(exc):
            raise
        log.warning("crawl %s: host lock released with a lost database session", site.key)
    return outcome


LOAD_BATCH = 50


def batches(ids: list[int], size: int, max_batches: int | None = None) -> list[list[int]]:
    """Sorted ids cut into [first, last] ranges of `size` ids each (larger ones when there would
    be more than `max_batches`: Airflow maps at most core.max_map_length tasks). A range, not
    its ids, is what a task receives: a few bytes however large the night."""
    if not ids:
        return []
    if max_batches:
        size = max(size, -(-len(ids) // max_batches))
    return [[ids[i], ids[min(i + size, len(ids)) - 1]] for i in range(0, len(ids), size)]


def parse_batches(ctx: Context, force: bool = False, max_batches: int | None = None) -> list[list[int]]:
    """Tonight's parse work: the pending archived files (all of them with force) in batches of
    DISCLOSURE_PARSE_BATCH, as [first id, last id] ranges for parse_and_load(batch=…)."""
    from warehouse.load import pending_files

    with ctx.engine.connect() as conn:
        ids = [p.archived_file_id for p in pending_files(conn, everything=force)]
    return batches(ids, ctx.settings.parse_batch, max_batches)


def parse_and_load(
    ctx: Context,
    limit: int | None = None,
    force: bool = False,
    progress=None,
    batch: tuple[int, int] | list[int] | None = None,
) -> dict:
    """Parse every archived file version the current parser has not seen (all of them with
    force; those of one batch, an id range from parse_batches, if given) and load them, many
    file versions per transaction. Works from the archive alone: no site is contacted. A
    batch the store refuses is retried file by file, so one bad file is recorded and never
    takes the others down with it. Re-run after a crash, a batch skips what it loaded."""
    from parsers import ParseError
    from parsers.child import ChildParser
    from parsers.model import ConfigurationError
    from validation.misreads import flag_misreads
    from warehouse.filing_identity import reconcile_filing
    from warehouse.load import LoadItem, forget_parse, load_parses, pending_files

    with ctx.engine.connect() as conn:
        pending = pending_files(conn, limit=limit, everything=force, id_range=tuple(batch) if batch else None)
    done: dict = {"parsed": 0, "failed": 0, "errors": []}

    def parse_one(item) -> LoadItem:
        started = time.perf_counter()
        result, error = None, None
        try:
            result = parser.parse(read_bytes(ctx.settings.archive, item.storage_key), item.source_url)
            flag_misreads(result)  # a scan's figures that break identities are named in its problems
        except ParseError as exc:
            error = exc
        except ConfigurationError:
            raise  # every file would fail the same way: stop the stage, loudly
        except Exception as exc:  # a parser bug must not lose the file: record it as a failed parse
            error = ParseError(item.source_url, f"parser crashed: {exc.__class__.__name__}: {exc}")
        return LoadItem(item.archived_file_id, result, error, int((time.perf_counter() - started) * 1000))

    def store(batch: list[LoadItem]) -> None:
        with ctx.engine.begin() as conn:
            if force:
                for loaded in batch:
                    forget_parse(conn, loaded.archived_file_id)
            load_parses(conn, batch)
            for loaded in batch:  # what each document says it is flows back to its filing
                if loaded.result is not None:
                    reconcile_filing(conn, ctx.registry, loaded.archived_file_id, loaded.result)

    parser = ChildParser(Limits.from_env())  # each file under a time limit, in a killable child
    try:
        for start in range(0, len(pending), LOAD_BATCH):
            _parse_and_store(pending[start : start + LOAD_BATCH], parse_one, store, done, progress)
    finally:
        parser.close()
    return done


def _parse_and_store(chunk, parse_one, store, done: dict, progress) -> None:
    """Parse a chunk and load it in one transaction; a batch the store refuses is loaded file
    by file, and a file the store refuses is recorded as a failed parse (so it is alerted and
    not silently retried every night)."""
    from parsers import ParseError
    from warehouse.load import LoadItem

    batch = [parse_one(item) for item in chunk]
    sources = {item.archived_file_id: item.source_url for item in chunk}
    try:
        store(batch)
    except Exception:
        log.exception("batch load failed; loading its %d files one by one", len(batch))
        for index, loaded in enumerate(batch):
            try:
                store([loaded])
            except Exception as exc:
                reason = f"load failed: {exc.__class__.__name__}: {str(exc).splitlines()[0][:300]}"
                failed = LoadItem(
                    loaded.archived_file_id,
                    None,
                    ParseError(sources[loaded.archived_file_id], reason),
                    loaded.duration_ms,
                )
                store([failed])  # if even this fails the store is down: the stage fails, loudly
                batch[index] = failed
    for loaded in batch:
        if loaded.error:
            done["failed"] += 1
            done["errors"].append(str(loaded.error))
        else:
            done["parsed"] += 1
    for item in chunk:
        if progress:
            progress(item)


def _parse_batch(batch: list[int], force: bool) -> dict:
    """One batch in a worker process (settings from the environment, like a DAG task)."""
    return parse_and_load(context(), force=force, batch=batch)


def _pooled(function, work: list, workers: int, *args) -> list[dict]:
    """function(item, *args) for each item, in `workers` processes (spawned: no inherited
    connections), each taking the next batch when it is free, as Airflow's workers do."""
    import multiprocessing
    from concurrent.futures import ProcessPoolExecutor

    with ProcessPoolExecutor(workers, mp_context=multiprocessing.get_context("spawn")) as pool:
        return list(pool.map(function, work, *([a] * len(work) for a in args)))


def parse_and_load_parallel(ctx: Context, workers: int, force: bool = False) -> dict:
    """parse_and_load over the batches of parse_batches in `workers` processes."""
    if workers <= 1:
        return parse_and_load(ctx, force=force)
    done: dict = {"parsed": 0, "failed": 0, "errors": []}
    for part in _pooled(_parse_batch, parse_batches(ctx, force=force), workers, force):
        done["parsed"] += part["parsed"]
        done["failed"] += part["failed"]
        done["errors"] += part["errors"]
    return done


def validate_batches(ctx: Context, max_batches: int | None = None) -> list[list[int]]:
    """The parses to validate, in batches of DISCLOSURE_VALIDATE_BATCH ([first id, last id]);
    list them after queue_validation, which may add some."""
    from validation.store import pending_runs

    with ctx.engine.connect() as conn:
        ids = pending_runs(conn)
    return batches(ids, ctx.settings.validate_batch, max_batches)


def validate(ctx: Context, batch: tuple[int, int] | list[int] | None = None) -> dict:
    """Validate the parses not validated yet (those of one batch, an id range from
    validate_batches, if given), one transaction per chunk, so an interrupted night keeps what
    it validated and a batch re-run skips it. Without a batch the parses whose previous year
    changed are queued again first; with batches that is queue_validation's job, run once
    before them."""
    from collections import Counter

    from validation.store import BATCH, pending_runs, validate_batch

    if batch is None:
        queue_validation(ctx)
    with ctx.engine.connect() as conn:
        ids = pending_runs(conn, tuple(batch) if batch else None)
    counts = Counter(parses=len(ids))
    for start in range(0, len(ids), BATCH):
        with ctx.engine.begin() as conn:
            counts.update(validate_batch(conn, ids[start : start + BATCH]))
    return dict(counts)


def queue_validation(ctx: Context) -> None:
    """Queue again the parses whose unit's previous year has a newer parse (before the batches)."""
    from validation.store import invalidate_next_years

    with ctx.engine.begin() as conn:
        invalidate_next_years(conn)


def _validate_batch(batch: list[int]) -> dict:
    return validate(context(), batch=batch)


def validate_parallel(ctx: Context, workers: int) -> dict:
    """validate over the batches of validate_batches in `workers` processes."""
    if workers <= 1:
        return validate(ctx)
    from collections import Counter

    queue_validation(ctx)
    counts: Counter = Counter(parses=0)
    for part in _pooled(_validate_batch, validate_batches(ctx), workers):
        counts.update(part)
    return dict(counts)


def alert(ctx: Context, urls: list[str] | None = None, digest: bool = True) -> dict:
    """Raise what is new as alerts (each once), add today's digest, and deliver to each channel
    what it has not received. Each channel's deliveries are recorded, so a failing channel gets
    its alerts when it recovers and the others never get them twice; one alert stage at a time
    (an advisory lock), so two overlapping stages do not both deliver."""
    from alerting.deliver import deliver
    from alerting.digest import raise_digest
    from alerting.ledger import channel_id, pending_for, record_delivery, settle
    from alerting.raise_alerts import raise_alerts
    from warehouse.host_locks import ALERT_LOCK, stage_lock

    urls = list(ctx.settings.alert_urls if urls is None else urls) or [None]
    protect_logs(urls)  # URLs from an Airflow connection are not among the settings' secrets
    channels = [channel_id(u or "log") for u in urls]
    result = {
        "new_alerts": 0,
        "by_kind": {},
        "delivered": 0,
        "channel": ",".join(channels),
        "error": "",
        "deliveries": {},
    }
    with stage_lock(ctx.engine, ALERT_LOCK):
        with ctx.engine.begin() as conn:
            new = raise_alerts(conn, ctx.settings.site_down_nights, ctx.settings.site_unfinished_nights)
            if digest:
                raise_digest(conn)
        result["new_alerts"] = len(new)
        for a in new:
            result["by_kind"][a["kind"]] = result["by_kind"].get(a["kind"], 0) + 1
        errors = []
        for url, channel in zip(urls, channels):
            with ctx.engine.connect() as conn:
                pending = pending_for(conn, channel)
            sent = 0
            for batch in ([a for a in pending if a["kind"] != "digest"], [a for a in pending if a["kind"] == "digest"]):
                if not batch:
                    continue
                delivery = deliver(batch, url)
                if not delivery.ok:
                    errors.append(delivery.error)
                    log.error("alert delivery failed (%s); %d alerts stay queued for it", delivery.error, len(batch))
                    continue
                with ctx.engine.begin() as conn:
                    record_delivery(conn, [a["id"] for a in batch], channel)
                sent += len(batch)
            result["deliveries"][channel] = sent
        with ctx.engine.begin() as conn:
            result["delivered"] = settle(conn, channels)
    result["error"] = "; ".join(errors)
    return result


def completeness_summary(ctx: Context, from_year: int, to_year: int) -> dict:
    """Expected filings by status for a range of years (the backfill's result)."""
    from sqlalchemy import text

    with ctx.engine.connect() as conn:
        rows = conn.execute(
            text("""
            SELECT fiscal_year, status, count(*) FROM disclosure.completeness
            WHERE fiscal_year BETWEEN :a AND :b GROUP BY 1, 2 ORDER BY 1, 2"""),
            {"a": from_year, "b": to_year},
        )
        out: dict = {}
        for year, status, n in rows:
            out.setdefault(str(year), {})[status] = n
    return out


def report(ctx: Context) -> dict:
    from warehouse.summary import store_summary

    with ctx.engine.connect() as conn:
        return store_summary(conn)


def html_report(ctx: Context, out_dir: str | Path | None = None, progress=None, as_latest: bool = False) -> dict:
    """Write the static HTML report (default: var/reports/latest); returns what was written.
    `as_latest`: var/reports/latest then shows this report too (the nightly run's summary)."""
    from reporting.html import point_latest_at, write_report

    latest = ctx.settings.var_dir / "reports" / "latest"
    target = Path(out_dir) if out_dir else latest
    if target == latest and latest.is_symlink():  # it shows a nightly run's report: leave that one alone
        latest.unlink()
    with ctx.engine.connect() as conn:
        written = write_report(conn, target, ctx.settings.archive, progress)
    if as_latest and target.resolve() != latest.resolve():
        point_latest_at(target, latest)
    return written


def run_once(ctx: Context, site_keys: list[str] | None = None, limits: CrawlLimits | None = None) -> dict:
    """The whole nightly job once, in this process (the DAG runs the same stages as tasks)."""
    return {
        "registry": prepare(ctx),
        "crawl": crawl(ctx, site_keys, limits),
        "parse": parse_and_load(ctx),
        "validate": validate(ctx),
        "alerts": alert(ctx),
        "summary": report(ctx),
    }
