"""What every DAG of the project shares: the default args (retries, timeouts, failure
notifications, from the settings), the validation tasks and the watcher task. Imported by the DAG files at parse
time, so it imports no stage (disclosure.pipeline).

Failures of tasks and runs go out through Airflow's own Apprise notifier on the connection
`disclosure_alerts` (type `apprise`, the provider's form: extra {"config": {"path": URL}} or a
list of them); the findings of a night keep the project's grouped delivery (alerting.deliver)
to the same channels."""

from __future__ import annotations

import copy
import logging
from datetime import timedelta

from airflow.providers.apprise.notifications.apprise import AppriseNotifier

from disclosure.settings import load_settings

ALERT_CONNECTION = "disclosure_alerts"
log = logging.getLogger("disclosure.dag_support")


def _connection(conn_id: str):
    """The Airflow connection, or None when there is none (Airflow raises its own kinds)."""
    from airflow.sdk import BaseHook

    try:
        return BaseHook.get_connection(conn_id)
    except Exception:
        return None


class FailureNotifier(AppriseNotifier):
    """Airflow's AppriseNotifier on `disclosure_alerts`; without that connection the channels of
    DISCLOSURE_ALERT_URLS (so one setting serves a user without Airflow connections); without
    either, a warning in the task log. A callback never raises: the failure itself is recorded."""

    def __call__(self, *args):
        # Rendering overwrites the templated fields: one notifier serves every task of the DAG
        # (all of them in one process under `dag.test()`), so each call renders a copy.
        return AppriseNotifier.__call__(copy.copy(self), *args)

    def get_template_env(self, dag=None):
        # `dag.test()` hands a run's callback a SerializedDAG, which has no template env
        # (apache/airflow#64649, Airflow 3.3.1): render with the plain sandbox then.
        return super().get_template_env(dag=dag if hasattr(dag, "get_template_env") else None)

    def notify(self, context):
        if self.config is None and _connection(self.apprise_conn_id) is None:
            urls = load_settings().alert_urls
            if not urls:
                log.warning("no connection %r and no DISCLOSURE_ALERT_URLS: %s", self.apprise_conn_id, self.title)
                return
            from apprise import AppriseConfig

            config = AppriseConfig()
            config.add_config("\n".join(urls), format="text")  # Apprise's text format: one URL a line
            self.config = config
        super().notify(context)


def task_failure_notifier() -> FailureNotifier:
    return FailureNotifier(
        apprise_conn_id=ALERT_CONNECTION,
        notify_type="failure",
        title="disclosure-watch: task {{ ti.task_id }} of {{ dag.dag_id }} failed",
        body=(
            "Task {{ ti.task_id }}{% if ti.map_index >= 0 %}[{{ ti.map_index }}]{% endif %} of {{ dag.dag_id }} "
            "failed on try {{ ti.try_number }} (run {{ run_id }}): {{ exception }}\nLog: {{ ti.log_url }}"
        ),
    )


def run_failure_notifier() -> FailureNotifier:
    return FailureNotifier(
        apprise_conn_id=ALERT_CONNECTION,
        notify_type="failure",
        title="disclosure-watch: run of {{ dag.dag_id }} failed",
        body="Run {{ run_id }} of {{ dag.dag_id }} ended failed: {{ reason }}",
    )


def default_args(timeout: timedelta | None = None) -> dict:
    """Retries with exponential backoff from DISCLOSURE_TASK_RETRIES and
    DISCLOSURE_RETRY_DELAY_SECONDS, at most an hour apart; each task limited to `timeout`
    (DISCLOSURE_TASK_TIMEOUT_MINUTES by default); a task's last failure notified."""
    settings = load_settings()
    return {
        "owner": "disclosure",
        "retries": settings.task_retries,
        "retry_delay": timedelta(seconds=settings.retry_delay_seconds),
        "retry_exponential_backoff": True,
        "max_retry_delay": timedelta(hours=1),
        "execution_timeout": timeout or timedelta(minutes=settings.task_timeout_minutes),
        "on_failure_callback": [task_failure_notifier()],
    }


def nightly_run_timeout() -> timedelta:
    """The nightly run's dagrun_timeout (DISCLOSURE_NIGHTLY_TIMEOUT_HOURS)."""
    return timedelta(hours=load_settings().nightly_timeout_hours)


def backfill_timeout() -> timedelta:
    """A backfill run's dagrun_timeout and its tasks' limit (DISCLOSURE_BACKFILL_TIMEOUT_HOURS)."""
    return timedelta(hours=load_settings().backfill_timeout_hours)


class UpstreamTaskFailed(RuntimeError):
    """Raised by the watcher: the run failed although its last tasks ran (on all_done)."""


def add_watcher(dag) -> None:
    """Airflow's watcher pattern: the DAG's tasks run on `all_done` so that one failing site
    or shard never stops the night, which also makes the run end "success" when a stage
    raised. A task downstream of every other, run when one of them failed, fails the run."""
    from airflow.sdk import TriggerRule, task

    with dag:
        # No failure callback: the failed task has notified, and the run's callback says the run failed.
        @task(trigger_rule=TriggerRule.ONE_FAILED, retries=0, on_failure_callback=None)
        def watcher() -> None:
            raise UpstreamTaskFailed("a task of this run failed (see its log); the run is marked failed")

        watching = watcher()
    for other in dag.tasks:
        if other.task_id != watching.operator.task_id:
            other >> watching


def validation_tasks(after):
    """The validation both DAGs run after their parse tasks (`after`): queue again the parses whose
    unit's previous year has a newer parse, list the parses not validated yet in batches, and
    validate each batch (mapped, labelled by its id range). Returns the mapped validate tasks."""
    from airflow.sdk import get_current_context, task

    from disclosure.mapped_work import max_map_length

    @task(trigger_rule="all_done")
    def queue_validation() -> None:
        """Queue again, once, the parses whose unit's previous year has a newer parse."""
        from disclosure import pipeline

        pipeline.queue_validation(pipeline.context())

    @task(trigger_rule="all_done")
    def validate_batches() -> list[list[int]]:
        """List the parses not validated yet, in batches (DISCLOSURE_VALIDATE_BATCH parses each)."""
        from disclosure import pipeline

        return pipeline.validate_batches(pipeline.context(), max_batches=max_map_length())

    @task(trigger_rule="all_done", map_index_template="{{ batch_label }}")
    def validate(batch: list[int]) -> dict:
        """Validate one batch of parses (an id range) and store their findings; re-run, it skips what it did."""
        from disclosure import pipeline

        get_current_context()["batch_label"] = f"parses {batch[0]}–{batch[1]}"
        return pipeline.validate(pipeline.context(), batch=batch)

    work = validate_batches()
    after >> queue_validation() >> work
    return validate.expand(batch=work)


def connection_alert_urls() -> list[str] | None:
    """The Apprise URLs (`path`s) of the connection `disclosure_alerts` (type `apprise`), for the
    findings' delivery; None without one, and DISCLOSURE_ALERT_URLS apply."""
    conn = _connection(ALERT_CONNECTION)
    if conn is None:
        return None
    from airflow.providers.apprise.hooks.apprise import AppriseHook

    config = AppriseHook(apprise_conn_id=ALERT_CONNECTION).get_config_from_conn(conn)
    return [entry["path"] for entry in (config if isinstance(config, list) else [config])]


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
