"""What every DAG of the project shares: the default args (from the settings) and the watcher
task. Imported by the DAG files at parse time, so it imports no stage (disclosure.pipeline)."""

from __future__ import annotations

from datetime import timedelta

from disclosure.settings import load_settings


def default_args() -> dict:
    """Retries with exponential backoff from DISCLOSURE_TASK_RETRIES and
    DISCLOSURE_RETRY_DELAY_SECONDS, at most an hour apart."""
    settings = load_settings()
    return {
        "owner": "disclosure",
        "retries": settings.task_retries,
        "retry_delay": timedelta(seconds=settings.retry_delay_seconds),
        "retry_exponential_backoff": True,
        "max_retry_delay": timedelta(hours=1),
    }


class UpstreamTaskFailed(RuntimeError):
    """Raised by the watcher: the run failed although its last tasks ran (on all_done)."""


def add_watcher(dag) -> None:
    """Airflow's watcher pattern: the DAG's tasks run on `all_done` so that one failing site
    or shard never stops the night, which also makes the run end "success" when a stage
    raised. A task downstream of every other, run when one of them failed, fails the run."""
    from airflow.sdk import TriggerRule, task

    with dag:

        @task(trigger_rule=TriggerRule.ONE_FAILED, retries=0)
        def watcher() -> None:
            raise UpstreamTaskFailed("a task of this run failed (see its log); the run is marked failed")

        watching = watcher()
    for other in dag.tasks:
        if other.task_id != watching.operator.task_id:
            other >> watching


def connection_alert_urls() -> list[str] | None:
    """Apprise URLs from the Airflow connection `disclosure_alerts` (its extra {"urls": [...]});
    None without one, and the settings' DISCLOSURE_ALERT_URLS apply."""
    try:
        from airflow.sdk import BaseHook

        return BaseHook.get_connection("disclosure_alerts").extra_dejson.get("urls")
    except Exception:  # no such connection (Airflow raises its own kinds for it)
        return None


def run_summary(run_id: str | None) -> dict:
    """The store's summary after a run, the sites whose last crawl failed, and the run's HTML
    report under var/reports/<run id>/, which var/reports/latest then shows."""
    from disclosure import pipeline

    ctx = pipeline.context()
    report = pipeline.report(ctx)
    report["failed_sites"] = sorted(k for k, v in report["last_crawl_by_site"].items() if v != "ok")
    folder = (
        ctx.settings.var_dir / "reports" / "".join(c if c.isalnum() or c in "-_" else "_" for c in run_id or "manual")
    )
    report["html_report"] = pipeline.html_report(ctx, folder, as_latest=True)["report"]  # and var/reports/latest
    return report
