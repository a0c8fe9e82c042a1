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
    assert first["failed_identity"] == 16 and first["late_filing"] == 1 and first["digest"] == 1
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
    from disclosure.airflow_local import run_dag_test

    monkeypatch.setenv("DISCLOSURE_PARSE_BATCH", "1")  # read by the tasks: one file, one parse a task
    monkeypatch.setenv("DISCLOSURE_VALIDATE_BATCH", "1")
    dag_run = run_dag_test(env_settings)
    assert str(dag_run.state) == "success"
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
    from validation.engine import validate_parse

    expected = {
        (o.rule_id, o.subject, o.status)
        for seed in ("001", "002")
        for o in validate_parse(parse_bytes(_rendered_fixture(seed), seed))
        if o.status != "passed"
    }
    assert stored == expected
    assert sum(1 for s in stored if s[2] == "failed") == 16  # the seeds' known real failures


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
    # Only Xinzhou's site was crawled: its 2023 filing is present, everything else is missing.
    assert summary == {"2022": {"missing": 2}, "2023": {"missing": 1, "present": 1}, "2024": {"missing": 2}}


def test_the_watcher_is_downstream_of_every_task(dagbag):
    for dag_id in ("disclosure_nightly", "disclosure_backfill"):
        dag = dagbag.dags[dag_id]
        watcher = dag.get_task("watcher")
        assert watcher.trigger_rule == "one_failed" and watcher.retries == 0
        assert watcher.upstream_task_ids == {t.task_id for t in dag.tasks} - {"watcher"}, dag_id


@pytest.mark.slow
def test_a_run_whose_parse_stage_raised_a_configuration_error_fails(env_settings, monkeypatch):
    """Every task after the parse stage still runs (all_done), but the run ends failed."""
    from disclosure.airflow_local import run_dag_test

    monkeypatch.setenv("DISCLOSURE_PDF_ENGINE", "pdfbox")  # read when the first PDF is parsed
    dag_run = run_dag_test(env_settings)
    states = {ti.task_id: str(ti.state) for ti in dag_run.get_task_instances()}
    assert str(dag_run.state) == "failed"
    assert states["parse_and_load"] == "failed" and states["watcher"] == "failed"
    assert states["crawl_site"] == "success" and states["summary"] == "success"  # the night still ran
