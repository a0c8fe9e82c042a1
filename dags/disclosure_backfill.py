"""
### Backfill historical years

Triggered by hand with `from_year`, `to_year` and optionally `sites`: crawls those sites
in full (every list page and every detail page, so older filings and attachments added
later are found too), re-parses archived files the current
parser has not parsed (or all of them with `reparse_all`) and validates, each in mapped tasks
over batches of the work, and returns the completeness of the range. Wiring only: each task calls `disclosure.pipeline`.
"""

from __future__ import annotations

import pendulum
from airflow.sdk import Param, dag, task

from disclosure.dag_support import add_watcher, backfill_timeout, default_args, run_failure_notifier, validation_tasks
from disclosure.mapped_work import max_map_length


@dag(
    dag_id="disclosure_backfill",
    schedule=None,  # run by hand for a range of years
    start_date=pendulum.datetime(2025, 1, 1, tz="Asia/Shanghai"),
    catchup=False,
    max_active_runs=1,
    default_args=default_args(timeout=backfill_timeout()),
    dagrun_timeout=backfill_timeout(),
    on_failure_callback=run_failure_notifier(),
    tags=["disclosure", "backfill"],
    doc_md=__doc__,
    params={
        "from_year": Param(
            2015,
            type="integer",
            minimum=2008,
            title="From year",
            description="First fiscal year whose completeness the run reports.",
        ),
        "to_year": Param(
            2025,
            type="integer",
            minimum=2008,
            title="To year",
            description="Last fiscal year whose completeness the run reports.",
        ),
        "sites": Param(
            None,
            type=["null", "array"],
            title="Sites",
            description="Site keys to crawl (registry `key`); leave empty for every registered site.",
        ),
        "reparse_all": Param(
            False,
            type="boolean",
            title="Re-parse everything",
            description="Re-parse every archived file, not only those this parser version has not seen.",
        ),
    },
)
def disclosure_backfill():
    @task
    def prepare(params=None) -> list[str]:
        from disclosure import pipeline

        ctx = pipeline.context()
        pipeline.prepare(ctx)
        return list(params.get("sites") or []) or [site.key for site in ctx.registry.sites]

    @task(pool="disclosure_crawl")
    def crawl_site(site_key: str) -> dict:
        from disclosure import pipeline

        return pipeline.crawl(pipeline.context(), [site_key], full=True)[0]

    @task(trigger_rule="all_done")
    def parse_batches(params=None) -> list[list[int]]:
        """The files to parse (all of them with reparse_all), in batches: one parse task each."""
        from disclosure import pipeline

        return pipeline.parse_batches(
            pipeline.context(), force=bool(params["reparse_all"]), max_batches=max_map_length()
        )

    @task(trigger_rule="all_done")
    def parse_and_load(batch: list[int], params=None) -> dict:
        from disclosure import pipeline

        return pipeline.parse_and_load(pipeline.context(), force=bool(params["reparse_all"]), batch=batch)

    @task(trigger_rule="all_done")
    def completeness(params=None) -> dict:
        from disclosure import pipeline

        return pipeline.completeness_summary(pipeline.context(), params["from_year"], params["to_year"])

    parse_work = parse_batches()
    crawl_site.expand(site_key=prepare()) >> parse_work
    validation_tasks(after=parse_and_load.expand(batch=parse_work)) >> completeness()


backfill = disclosure_backfill()
add_watcher(backfill)  # a stage that raised fails the run
