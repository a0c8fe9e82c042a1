"""
### Nightly disclosure collection

Crawls every registered site (one mapped task per site, each crawl in its own process),
archives new or changed files, parses them and loads the cells (one mapped task per batch of
pending files), validates every new parse against the identity catalogue (one mapped task per
batch of parses) and raises alerts for what is new. More workers run more batches at once;
a batch re-run after a crash skips what it already did. A failing site or file
is recorded and alerted; it never stops the run (downstream tasks run on `all_done`), and
a task that raised (a configuration error, a store that refused a load) still fails the run:
the `watcher` task, downstream of every other, fails when one of them did.

Wiring only: every task calls a stage of `disclosure.pipeline`.
"""

from __future__ import annotations

import pendulum
from airflow.sdk import Asset, dag, task

from disclosure.dag_support import (
    add_watcher,
    connection_alert_urls,
    default_args,
    nightly_run_timeout,
    run_failure_notifier,
    run_summary,
    validation_tasks,
)
from disclosure.mapped_work import max_map_length

ARCHIVE = Asset("disclosure://archive/new-file-versions")


@dag(
    dag_id="disclosure_nightly",
    schedule="0 2 * * *",
    start_date=pendulum.datetime(2025, 1, 1, tz="Asia/Shanghai"),
    catchup=False,
    max_active_runs=1,
    default_args=default_args(),
    dagrun_timeout=nightly_run_timeout(),
    on_failure_callback=run_failure_notifier(),
    tags=["disclosure", "nightly", "crawl"],
    doc_md=__doc__,
)
def disclosure_nightly():
    @task
    def prepare() -> list[str]:
        """Migrate the schema, sync the registry, list the sites to crawl."""
        from disclosure import pipeline

        ctx = pipeline.context()
        pipeline.check_start_urls(list(ctx.registry.sites))  # an unfilled {replica} fails here, once, not per site
        pipeline.prepare(ctx)
        return [site.key for site in pipeline.in_crawl_order(list(ctx.registry.sites))]  # hosts in turn

    @task(pool="disclosure_crawl", outlets=[ARCHIVE], map_index_template="{{ crawl_site_key }}")
    def crawl_site(site_key: str) -> dict:
        """Crawl one site in its own process and record it (a failed crawl is recorded, not raised)."""
        from airflow.sdk import get_current_context

        from disclosure import pipeline

        get_current_context()["crawl_site_key"] = site_key  # the UI labels each mapped crawl by its site

        return pipeline.crawl(pipeline.context(), [site_key])[0]

    @task(trigger_rule="all_done")
    def parse_batches() -> list[list[int]]:
        """List the archived files no parse of this parser version covers, in batches
        (DISCLOSURE_PARSE_BATCH files each): one parse task is mapped over each."""
        from disclosure import pipeline

        return pipeline.parse_batches(pipeline.context(), max_batches=max_map_length())

    @task(trigger_rule="all_done", map_index_template="{{ batch_label }}")
    def parse_and_load(batch: list[int]) -> dict:
        """Parse and load one batch of archived files (an id range); re-run, it skips what it loaded."""
        from airflow.sdk import get_current_context

        from disclosure import pipeline

        get_current_context()["batch_label"] = f"files {batch[0]}–{batch[1]}"
        return pipeline.parse_and_load(pipeline.context(), batch=batch)

    @task(trigger_rule="all_done")
    def alert() -> dict:
        """Raise new alerts and deliver them (Apprise URLs of the `disclosure_alerts` connection,
        type apprise, else DISCLOSURE_ALERT_URLS)."""
        from disclosure import pipeline

        return pipeline.alert(pipeline.context(), connection_alert_urls())

    @task(trigger_rule="all_done")
    def summary(run_id: str | None = None) -> dict:
        """The run's summary and its HTML report (var/reports/<run id>/index.html, also var/reports/latest)."""
        return run_summary(run_id)

    crawled = crawl_site.expand(site_key=prepare())
    parse_work = parse_batches()
    crawled >> parse_work
    validation_tasks(after=parse_and_load.expand(batch=parse_work)) >> alert() >> summary()


nightly = disclosure_nightly()
add_watcher(nightly)  # a stage that raised fails the run, though the tasks after it ran
