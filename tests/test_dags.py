"""DAG integrity, and the nightly DAG run whole with dag.test() against a real Postgres."""

from decimal import Decimal

import pytest
from sqlalchemy import create_engine, text

from disclosure.settings import PROJECT_ROOT


@pytest.fixture(scope="module")
def dagbag():
    from airflow.dag_processing.dagbag import DagBag

    return DagBag(dag_folder=str(PROJECT_ROOT / "dags"))


def test_every_dag_imports_without_errors(dagbag):
    assert dagbag.import_errors == {}
    assert {"disclosure_nightly", "disclosure_backfill"} <= set(dagbag.dag_ids)


def test_every_dag_has_tags_retries_schedule_and_docs(dagbag, monkeypatch):
    for dag_id, dag in dagbag.dags.items():
        assert dag.tags, dag_id
        source = open(dag.fileloc, encoding="utf-8").read()
        assert "schedule=" in source, dag_id  # every DAG says when it runs (None: by hand)
        assert dag.doc_md, dag_id
        assert dag.max_active_runs == 1, dag_id
        assert all(t.retries is not None and t.retry_exponential_backoff for t in dag.tasks), dag_id


@pytest.mark.slow  # a fresh interpreter imports Airflow and both DAG files
def test_dag_files_do_no_heavy_work_at_import():
    import subprocess
    import sys

    code = (
        "import runpy, sys; runpy.run_path('dags/disclosure_nightly.py'); "
        "runpy.run_path('dags/disclosure_backfill.py'); "
        "heavy = [m for m in ('pdfplumber', 'scrapy', 'pgserver', 'parsers', 'crawlers', 'warehouse', "
        "'disclosure.pipeline') "
        "if m in sys.modules]; print(','.join(heavy))"
    )
    out = subprocess.run([sys.executable, "-c", code], cwd=PROJECT_ROOT, capture_output=True, text=True, check=True)
    assert out.stdout.strip() == ""


@pytest.mark.slow
def test_nightly_dag_twice_and_with_a_failing_site(env_settings, replica):
    """Second run: no duplicate alerts. Then one site fails: it alerts, the other site still loads."""
    from disclosure.airflow_local import run_dag_test

    url = env_settings.database_url.replace("postgresql://", "postgresql+psycopg://")

    def alerts():
        with create_engine(url).connect() as c:
            return dict(c.execute(text("SELECT kind, count(*) FROM disclosure.alert GROUP BY 1")).all())

    assert str(run_dag_test(env_settings).state) == "success"
    first = alerts()
    # late: dt-ggzy's 2024 单位决算 and its 2025 单位预算; 16 table and self-evaluation failures, and
    # seed 002's three growth rates that do not follow from their amounts (tests/real/truth/defects/careful.json)
    assert first["failed_identity"] == 19 and first["late_filing"] == 2 and first["digest"] == 1
    assert str(run_dag_test(env_settings).state) == "success"
    assert alerts() == first
    replica.behaviour.server_error_paths.add("/datong/czxx/index.html")
    replica.routes["/xinzhou/files/swbgs2023js.pdf"].body += b"\n% corrected edition\n"
    dag_run = run_dag_test(env_settings)
    assert str(dag_run.state) == "success"  # one bad site never stops the night
    third = alerts()
    assert third["site_failed"] == 1 and third["revised_filing"] == 1
    assert {k: v for k, v in third.items() if k not in ("site_failed", "revised_filing")} == first
    with create_engine(url).connect() as c:
        statuses = dict(
            c.execute(
                text("""SELECT DISTINCT ON (s.key) s.key, cr.status FROM disclosure.crawl_run cr
            JOIN disclosure.site s ON s.id = cr.site_id ORDER BY s.key, cr.started_at DESC""")
            ).all()
        )
        versions = c.execute(text("SELECT count(*) FROM disclosure.archived_file")).scalar()
    assert statuses == {"replica-datong-trs": "failed", "replica-xinzhou-static": "ok"}
    assert versions == 3  # the Xinzhou file's corrected edition loaded while Datong was down


@pytest.mark.slow
def test_nightly_dag_run_end_to_end(env_settings, monkeypatch):
    """Run as `disclosure demo` runs it: under the listener that shows one bar per stage."""
    import io

    from rich.console import Console
    from rich.progress import Progress

    from disclosure import pipeline
    from disclosure.airflow_local import configure_airflow_env, run_dag_test
    from disclosure.demo_progress import stage_progress

    monkeypatch.setenv("DISCLOSURE_PARSE_BATCH", "1")  # read by the tasks: one file, one parse a task
    monkeypatch.setenv("DISCLOSURE_VALIDATE_BATCH", "1")
    configure_airflow_env(env_settings)
    engine = pipeline.context(env_settings).engine
    with Progress(console=Console(file=io.StringIO())) as progress, stage_progress(progress, engine, 2):
        dag_run = run_dag_test(env_settings)
    assert str(dag_run.state) == "success"
    bars = {t.description: (t.completed, t.total) for t in progress.tasks}
    with engine.connect() as c:
        failed = c.execute(text("SELECT count(*) FROM disclosure.finding WHERE status = 'failed'")).scalar()
        alerts = c.execute(text("SELECT count(*) FROM disclosure.alert")).scalar()
    assert bars == {
        "crawl: 2/2 sites, 0 failed": (2, 2),
        "parse: 2 files, 0 failed": (1, 1),
        f"validate: {failed} failed rules": (1, 1),
        f"alert: {alerts} new": (1, 1),
    }
    instances = dag_run.get_task_instances()
    states = {ti.task_id: str(ti.state) for ti in instances}
    assert states.pop("watcher") == "skipped"  # nothing failed: the watcher did not fire
    assert set(states.values()) == {"success"}
    mapped = {}
    for ti in instances:
        mapped.setdefault(ti.task_id, set()).add(ti.map_index)
    # the two pending files were parsed by two mapped tasks, their two parses validated by two more
    assert mapped["parse_and_load"] == {0, 1} and mapped["validate"] == {0, 1}
    assert mapped["crawl_site"] == {0, 1} and mapped["parse_batches"] == {-1}
    latest = env_settings.var_dir / "reports" / "latest"  # the summary task's report is the latest one
    assert (latest / "index.html").is_file() and latest.resolve().parent == (env_settings.var_dir / "reports")
    assert latest.resolve().name != "latest"
    with create_engine(env_settings.database_url.replace("postgresql://", "postgresql+psycopg://")).connect() as c:
        assert c.execute(text("SELECT count(*) FROM disclosure.crawl_run WHERE status = 'ok'")).scalar() == 2
        assert c.execute(text("SELECT count(*) FROM disclosure.parse_run WHERE status = 'ok'")).scalar() == 2
        total = c.execute(
            text("""SELECT c.value FROM disclosure.cell c JOIN disclosure.parse_run pr
            ON pr.id = c.parse_run_id WHERE pr.unit_name LIKE '大同市公共资源交易中心%'
            AND c.table_code = '01' AND c.row_key = '62'""")
        ).scalar()
        assert total == Decimal("584.83")
        stored = {tuple(r) for r in c.execute(text("SELECT rule_id, subject, status FROM disclosure.finding"))}
    # What the validate task stored is exactly what the pure validator finds on the same files.
    from parsers import parse_bytes
    from replica.site import _rendered_fixture
    from validation.across_documents import final_against_budget
    from validation.core import Filing
    from validation.engine import validate_parse

    expected = set()
    for seed in ("001", "002"):
        result = parse_bytes(_rendered_fixture(seed), seed)
        expected |= {(o.rule_id, o.subject, o.status) for o in validate_parse(result) if o.status != "passed"}
        # Neither unit's budget is on these sites: the store's cross-document rules are not evaluated.
        final = Filing(result.cell_map(), result.tables_json(), result.kind, result.claims, result.evaluations)
        expected |= {
            (r.outcome.rule_id, r.outcome.subject, r.outcome.status) for r in final_against_budget(final, None)
        }
    assert {s for s in stored if s[0].startswith("across_documents.")} == {
        (rule, "", "not_evaluated")
        for rule in (
            "across_documents.three_public_total",
            "across_documents.three_public_abroad",
            "across_documents.three_public_cars",
            "across_documents.three_public_car_purchase",
            "across_documents.three_public_car_running",
            "across_documents.three_public_reception",
            "across_documents.evaluation_initial_budget",
            "across_documents.narrative_initial_budget",  # both seeds state their 年初预算
        )
    }
    assert stored == expected
    assert sum(1 for s in stored if s[2] == "failed") == 19  # the seeds' known real failures


@pytest.mark.slow
def test_backfill_dag_reports_the_completeness_of_its_years(env_settings):
    from disclosure.airflow_local import run_dag_test

    dag_run = run_dag_test(
        env_settings,
        "disclosure_backfill.py",
        "disclosure_backfill",
        conf={"from_year": 2022, "to_year": 2024, "sites": ["replica-xinzhou-static"]},
    )
    assert str(dag_run.state) == "success"
    from disclosure import pipeline

    summary = pipeline.completeness_summary(pipeline.context(env_settings), 2022, 2024)
    # Only Xinzhou's site was crawled: its 2023 final account is present, everything else is missing
    # (two units, each owing its 单位决算 and its 单位预算 every year).
    assert summary == {"2022": {"missing": 4}, "2023": {"missing": 3, "present": 1}, "2024": {"missing": 4}}


def test_the_watcher_is_downstream_of_every_task(dagbag):
    for dag_id in ("disclosure_nightly", "disclosure_backfill"):
        dag = dagbag.dags[dag_id]
        watcher = dag.get_task("watcher")
        assert watcher.trigger_rule == "one_failed" and watcher.retries == 0
        assert watcher.upstream_task_ids == {t.task_id for t in dag.tasks} - {"watcher"}, dag_id


@pytest.mark.slow
def test_a_run_whose_parse_stage_raised_a_configuration_error_fails(env_settings, monkeypatch):
    """Every task after the parse stage still runs (all_done), but the run ends failed; the failed
    task and the failed run are notified through Airflow's Apprise notifier on the `disclosure_alerts`
    connection (type apprise), and the night's findings go to the same channel."""
    import json

    from disclosure.airflow_local import run_dag_test
    from tests.test_alerts import Hook

    hook = Hook()
    connection = {"conn_type": "apprise", "extra": {"config": {"path": hook.url}}}
    monkeypatch.setenv("AIRFLOW_CONN_DISCLOSURE_ALERTS", json.dumps(connection))
    monkeypatch.setenv("DISCLOSURE_PDF_ENGINE", "pdfbox")  # read when the first PDF is parsed
    monkeypatch.setenv("DISCLOSURE_PARSE_BATCH", "1")  # the two files in two mapped parse tasks
    try:
        dag_run = run_dag_test(env_settings)
    finally:
        hook.server.shutdown()
    states = {ti.task_id: str(ti.state) for ti in dag_run.get_task_instances()}
    assert str(dag_run.state) == "failed"
    assert states["parse_and_load"] == "failed" and states["watcher"] == "failed"
    assert states["crawl_site"] == "success" and states["summary"] == "success"  # the night still ran
    failures = [m for m in hook.received if m["type"] == "failure"]
    titles = sorted(m["title"] for m in failures)
    # One message per failed parse batch (2), none for the watcher, one for the run.
    assert titles == [
        "disclosure-watch: run of disclosure_nightly failed",
        "disclosure-watch: task parse_and_load of disclosure_nightly failed",
        "disclosure-watch: task parse_and_load of disclosure_nightly failed",
    ]
    task_bodies = [m["message"] for m in failures if "task" in m["title"]]
    assert all("DISCLOSURE_PDF_ENGINE" in body and dag_run.run_id in body for body in task_bodies)
    assert sorted(body.split("[")[1][0] for body in task_bodies) == ["0", "1"]  # each batch names itself
    assert any(m["type"] != "failure" for m in hook.received)  # the findings' delivery used the connection


def test_timeouts_and_failure_callbacks_come_from_the_settings(monkeypatch):
    from datetime import timedelta

    from disclosure.airflow_local import load_dag
    from disclosure.dag_support import FailureNotifier

    monkeypatch.setenv("DISCLOSURE_TASK_TIMEOUT_MINUTES", "45")
    monkeypatch.setenv("DISCLOSURE_NIGHTLY_TIMEOUT_HOURS", "9.5")
    monkeypatch.setenv("DISCLOSURE_BACKFILL_TIMEOUT_HOURS", "30")
    nightly = load_dag("disclosure_nightly.py", "disclosure_nightly")
    backfill = load_dag("disclosure_backfill.py", "disclosure_backfill")
    assert nightly.dagrun_timeout == timedelta(hours=9.5) and backfill.dagrun_timeout == timedelta(hours=30)
    for dag, limit in ((nightly, timedelta(minutes=45)), (backfill, timedelta(hours=30))):
        assert isinstance(dag.on_failure_callback, FailureNotifier)
        for t in dag.tasks:
            assert t.execution_timeout == limit, (dag.dag_id, t.task_id)
            notifiers = [c for c in t.on_failure_callback if isinstance(c, FailureNotifier)]
            assert len(notifiers) == (0 if t.task_id == "watcher" else 1), (dag.dag_id, t.task_id)
            assert all(n.apprise_conn_id == "disclosure_alerts" for n in notifiers)


def test_default_timeouts_fit_a_province_night(dagbag):
    from datetime import timedelta

    nightly = dagbag.dags["disclosure_nightly"]
    # The run ends before the next 02:00 run (one at a time); a task gets hours, not the night.
    assert timedelta(hours=12) <= nightly.dagrun_timeout < timedelta(hours=24)
    assert all(timedelta(hours=1) <= t.execution_timeout <= nightly.dagrun_timeout for t in nightly.tasks)
