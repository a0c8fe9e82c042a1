"""The nightly DAG under a real Airflow scheduler: api-server, scheduler and dag-processor started
here on 127.0.0.1 with the LocalExecutor and a Postgres metadata database."""

import os
import signal
import socket
import subprocess
import sys
import time
import uuid
from pathlib import Path

import pytest
from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url

from disclosure.settings import PROJECT_ROOT
from tests.conftest import CORE_SITES, registry_subset

AIRFLOW = str(Path(sys.executable).parent / "airflow")
# Limits on waits that end as soon as Airflow is done: reached only when it is stuck, so far above
# the whole test's 2.5 min at load 5 on two cores (a busy CI machine takes several times longer).
COMMAND_LIMIT = 600  # seconds for one `airflow` command (db migrate is the long one)
PARSE_LIMIT = 600  # seconds for the dag-processor to serialize the DAG
RUN_LIMIT = 900  # seconds for the triggered run


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture
def metadata_url(server_url):
    name = f"airflow_meta_{uuid.uuid4().hex[:10]}"
    admin = create_engine(server_url, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'CREATE DATABASE "{name}"'))
    yield make_url(server_url).set(database=name).render_as_string(hide_password=False)
    with admin.connect() as conn:
        conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
    admin.dispose()


@pytest.mark.slow
def test_nightly_dag_succeeds_under_the_scheduler(tmp_path, metadata_url, db_url, replica):
    api_port = _free_port()
    env = {
        **os.environ,
        "AIRFLOW_HOME": str(tmp_path / "airflow"),
        "AIRFLOW__CORE__DAGS_FOLDER": str(PROJECT_ROOT / "dags"),
        "AIRFLOW__CORE__LOAD_EXAMPLES": "False",
        "AIRFLOW__CORE__EXECUTOR": "LocalExecutor",
        "AIRFLOW__DATABASE__SQL_ALCHEMY_CONN": metadata_url,
        "AIRFLOW__DATABASE__SQL_ALCHEMY_CONN_ASYNC": metadata_url,
        "AIRFLOW__CORE__EXECUTION_API_SERVER_URL": f"http://127.0.0.1:{api_port}/execution/",
        "AIRFLOW__API_AUTH__JWT_SECRET": uuid.uuid4().hex * 2,
        "AIRFLOW__API__SECRET_KEY": uuid.uuid4().hex,
        "AIRFLOW__LOGGING__WORKER_LOG_SERVER_PORT": str(_free_port()),
        "AIRFLOW__SCHEDULER__SCHEDULER_HEARTBEAT_SEC": "1",
        "AIRFLOW__DAG_PROCESSOR__REFRESH_INTERVAL": "5",
        "DATABASE_URL": db_url,
        "DISCLOSURE_VAR_DIR": str(tmp_path / "var"),
        "DISCLOSURE_REPLICA_BASE": replica.base_url,
        "DISCLOSURE_CRAWL_THROTTLE": "0",
        "DISCLOSURE_TASK_RETRIES": "0",
        "DISCLOSURE_REGISTRY": str(registry_subset(tmp_path / "registry.yaml", CORE_SITES)),
    }

    def airflow(*args: str) -> str:
        return subprocess.run(
            [AIRFLOW, *args], env=env, capture_output=True, text=True, check=True, timeout=COMMAND_LIMIT
        ).stdout

    airflow("db", "migrate")
    logs = tmp_path / "logs"
    logs.mkdir()
    services = []
    try:
        for name, args in (
            ("api-server", ["api-server", "--host", "127.0.0.1", "--port", str(api_port)]),
            ("scheduler", ["scheduler"]),
            ("dag-processor", ["dag-processor"]),
        ):
            services.append(
                subprocess.Popen(
                    [AIRFLOW, *args],
                    env=env,
                    start_new_session=True,
                    stdout=(logs / f"{name}.log").open("w"),
                    stderr=subprocess.STDOUT,
                )
            )
        meta = create_engine(metadata_url)
        deadline = time.monotonic() + PARSE_LIMIT
        while time.monotonic() < deadline:  # the dag-processor has serialized our DAG
            with meta.connect() as conn:
                if conn.execute(text("SELECT count(*) FROM dag WHERE dag_id = 'disclosure_nightly'")).scalar():
                    break
            time.sleep(1)
        else:
            pytest.fail("the dag-processor never parsed dags/disclosure_nightly.py")
        airflow("pools", "set", "disclosure_crawl", "2", "polite parallel crawls")
        run_id = f"test_{uuid.uuid4().hex[:8]}"
        airflow("dags", "trigger", "disclosure_nightly", "--run-id", run_id)
        airflow("dags", "unpause", "disclosure_nightly")
        state = None
        deadline = time.monotonic() + RUN_LIMIT
        while time.monotonic() < deadline and state not in ("success", "failed"):
            time.sleep(2)
            with meta.connect() as conn:
                state = conn.execute(text("SELECT state FROM dag_run WHERE run_id = :r"), {"r": run_id}).scalar()
        with meta.connect() as conn:
            tasks = dict(
                conn.execute(
                    text("SELECT task_id || ':' || map_index, state FROM task_instance WHERE run_id = :r"),
                    {"r": run_id},
                ).all()
            )
        meta.dispose()
        assert state == "success", (state, tasks, (logs / "scheduler.log").read_text()[-3000:])
        assert tasks.pop("watcher:-1") == "skipped"  # nothing failed: the watcher did not fire
        # Unpausing also starts the latest scheduled run, which may take tonight's files first: a
        # run whose batch list is empty skips its mapped parse and validate tasks (nothing to do).
        mapped = {k: tasks.pop(k) for k in list(tasks) if k.split(":")[0] in ("parse_and_load", "validate")}
        assert set(tasks.values()) == {"success"} and "crawl_site:1" in tasks, tasks
        assert set(mapped.values()) <= {"success", "skipped"}, mapped
        store = create_engine(db_url)
        with store.connect() as conn:
            assert conn.execute(text("SELECT count(*) FROM disclosure.crawl_run WHERE status = 'ok'")).scalar() >= 2
            assert conn.execute(text("SELECT count(*) FROM disclosure.parse_run WHERE status = 'ok'")).scalar() == 2
        store.dispose()
    finally:
        for proc in services:
            try:
                os.killpg(proc.pid, signal.SIGTERM)
            except ProcessLookupError:
                pass
        for proc in services:
            try:
                proc.wait(timeout=20)
            except subprocess.TimeoutExpired:
                os.killpg(proc.pid, signal.SIGKILL)
