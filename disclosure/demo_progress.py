"""Progress of the demo's dag.test() run, per stage with counts, as `disclosure run` shows it.

dag.test() runs every task in this process, so an Airflow listener sees each task start and end;
the counts are read from the store (what the stages wrote since the run began), not from the
tasks' return values.
"""

from __future__ import annotations

import contextlib
from datetime import UTC, datetime

from sqlalchemy import Engine, text

from disclosure.quiet import alert_log_held_back

# dag_id's tasks grouped into the stages a person follows (the rest: prepare, shards, summary).
STAGES = {
    "crawl_site": "crawl",
    "parse_and_load": "parse and load",
    "queue_validation": "validate",
    "validate": "validate",
    "alert": "alert",
}


def stage_counts(engine: Engine, since: datetime) -> dict[str, int]:
    """What the stages wrote since `since`: crawls (failed), parses (failed), findings, alerts."""
    with engine.connect() as conn:
        row = conn.execute(
            text("""
            SELECT (SELECT count(*) FROM disclosure.crawl_run WHERE started_at >= :t AND finished_at IS NOT NULL),
                   (SELECT count(*) FROM disclosure.crawl_run WHERE started_at >= :t AND status <> 'ok'
                      AND finished_at IS NOT NULL),
                   (SELECT count(*) FROM disclosure.parse_run WHERE parsed_at >= :t),
                   (SELECT count(*) FROM disclosure.parse_run WHERE parsed_at >= :t AND status <> 'ok'),
                   (SELECT count(*) FROM disclosure.finding WHERE found_at >= :t AND status = 'failed'),
                   (SELECT count(*) FROM disclosure.alert WHERE created_at >= :t)"""),
            {"t": since},
        ).one()
    return dict(zip(("crawled", "crawl_failed", "parsed", "parse_failed", "failed_rules", "alerts"), row, strict=True))


def describe(stage: str, counts: dict[str, int], sites: int) -> str:
    """The line a stage's bar shows, with what it did so far."""
    if stage == "crawl":
        return f"crawl: {counts['crawled']}/{sites} sites, {counts['crawl_failed']} failed"
    if stage == "parse and load":
        return f"parse: {counts['parsed']} files, {counts['parse_failed']} failed"
    if stage == "validate":
        return f"validate: {counts['failed_rules']} failed rules"
    return f"alert: {counts['alerts']} new"


class StageListener:
    """An Airflow listener that moves one rich progress bar per stage."""

    def __init__(self, progress, engine: Engine, sites: int):
        self.progress, self.engine, self.sites = progress, engine, sites
        self.since = datetime.now(UTC)
        self.bars: dict[str, int] = {}
        self.running: dict[str, int] = {}

    def _stage(self, task_instance) -> str | None:
        return STAGES.get(task_instance.task_id)

    def _bar(self, stage: str) -> int:
        if stage not in self.bars:
            total = self.sites if stage == "crawl" else None
            self.bars[stage] = self.progress.add_task(stage, total=total)
        return self.bars[stage]

    def started(self, task_instance) -> None:
        stage = self._stage(task_instance)
        if stage:
            self.running[stage] = self.running.get(stage, 0) + 1
            self._bar(stage)

    def ended(self, task_instance) -> None:
        stage = self._stage(task_instance)
        if not stage:
            return
        self.running[stage] = max(0, self.running.get(stage, 1) - 1)
        bar = self._bar(stage)
        description = describe(stage, stage_counts(self.engine, self.since), self.sites)
        if stage == "crawl":
            self.progress.update(bar, advance=1, description=description)
        elif not self.running[stage]:
            self.progress.update(bar, total=1, completed=1, description=description)
        else:
            self.progress.update(bar, description=description)


def _airflow_listener(stages: StageListener):
    """The object Airflow's listener manager calls (pluggy matches its methods by name)."""
    from airflow.listeners import hookimpl

    class _Listener:
        @hookimpl
        def on_task_instance_running(self, previous_state, task_instance):
            stages.started(task_instance)

        @hookimpl
        def on_task_instance_success(self, previous_state, task_instance):
            stages.ended(task_instance)

        @hookimpl
        def on_task_instance_failed(self, previous_state, task_instance, error):
            stages.ended(task_instance)

    return _Listener()


@contextlib.contextmanager
def stage_progress(progress, engine: Engine, sites: int):
    """Show the stages' progress while the block runs dag.test(); the alert stage's per-kind log
    lines are held back, since the end summary counts the alerts by kind."""
    from airflow.sdk.listener import get_listener_manager

    manager = get_listener_manager()
    listener = _airflow_listener(StageListener(progress, engine, sites))
    manager.add_listener(listener)
    try:
        with alert_log_held_back():
            yield
    finally:
        manager.pm.unregister(listener)
