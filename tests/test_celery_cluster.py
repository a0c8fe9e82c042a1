"""The nightly DAG on the CeleryExecutor as production runs it without Docker: Postgres for the
metadata (a fresh database) and the store, Redis as the broker, api-server, scheduler,
dag-processor and two Celery workers as processes of this machine, prepared by
`disclosure airflow init`. Its run against the replica sites succeeds and its tasks ran on
both workers."""

from __future__ import annotations

import json
import os
import signal
import socket
import subprocess
import sys
import time
import uuid

import pytest
from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url

from disclosure.settings import PROJECT_ROOT

BROKER = os.environ.get("DISCLOSURE_TEST_REDIS", "redis://127.0.0.1:6379/0")
WORKERS = ("worker-1", "worker-2")
# Seconds for the DAG to be parsed and its run to end: the loops stop as soon as it has, so the
# limit is reached only when something is stuck, and is far above a busy 2-core machine's time.
RUN_LIMIT = 900


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@pytest.fixture
def metadata_db(server_url):
    """A fresh database for Airflow's metadata on the test server; dropped afterwards."""
    name = f"airflow_t_{uuid.uuid4().hex[:12]}"
    url = make_url(server_url).set(drivername="postgresql+psycopg", database=name)
    yield url.render_as_string(hide_password=False)
    admin = create_engine(server_url, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
    admin.dispose()


class Processes:
    """Child processes, each in its own session, ended (and only they) by `stop()`."""

    def __init__(self, logs):
        self.logs = logs
        self.running: dict[str, subprocess.Popen] = {}

    def start(self, name: str, args: list[str], env: dict[str, str]) -> None:
        log = (self.logs / f"{name}.log").open("ab")
        self.running[name] = subprocess.Popen(
            args, env=env, stdout=log, stderr=subprocess.STDOUT, start_new_session=True, cwd=PROJECT_ROOT
        )

    def check(self) -> None:
        for name, proc in self.running.items():
            if proc.poll() is not None:
                tail = (self.logs / f"{name}.log").read_text(errors="replace")[-3000:]
                raise AssertionError(f"{name} exited with status {proc.returncode}:\n{tail}")

    def stop(self) -> None:
        for proc in self.running.values():
            if proc.poll() is None:
                os.killpg(proc.pid, signal.SIGTERM)
        for proc in self.running.values():
            try:
                proc.wait(timeout=30)
            except subprocess.TimeoutExpired:
                os.killpg(proc.pid, signal.SIGKILL)
                proc.wait(timeout=10)


def cluster_env(settings, port: int, metadata_url: str, queue: str, names_dir) -> dict[str, str]:
    """What every process of the cluster shares: the local env (secrets, DAGs folder, execution
    API URL) with the CeleryExecutor, the metadata on Postgres through psycopg 3, Redis."""
    from disclosure.airflow_local import local_airflow_env

    env = local_airflow_env(settings, port)
    env.update(
        {
            "AIRFLOW__CORE__EXECUTOR": "CeleryExecutor",
            "AIRFLOW__DATABASE__SQL_ALCHEMY_CONN": metadata_url,
            "AIRFLOW__DATABASE__SQL_ALCHEMY_CONN_ASYNC": metadata_url,
            "AIRFLOW__CELERY__BROKER_URL": BROKER,
            "AIRFLOW__CELERY__RESULT_BACKEND": "db+" + metadata_url,
            # Our own queue: other runs on this machine may share the Redis server.
            "AIRFLOW__OPERATORS__DEFAULT_QUEUE": queue,
            "AIRFLOW__CORE__DAGS_ARE_PAUSED_AT_CREATION": "True",
            "AIRFLOW__SCHEDULER__SCHEDULER_HEARTBEAT_SEC": "2",
            "AIRFLOW__DAG_PROCESSOR__REFRESH_INTERVAL": "600",
            "PYTHONPATH": os.pathsep.join([str(PROJECT_ROOT), str(names_dir)]),
        }
    )
    return env


@pytest.mark.slow
def test_nightly_run_on_celery_with_two_workers(env_settings, metadata_db, tmp_path):
    import redis

    try:
        redis.Redis.from_url(BROKER, socket_connect_timeout=3).ping()
    except redis.RedisError as exc:  # these machines start Redis before a session: fail loudly, never skip
        pytest.fail(f"Redis at {BROKER} does not answer ({exc}); start it, or set DISCLOSURE_TEST_REDIS")
    names = tmp_path / "names"  # both workers run on this host: each reports its own name
    names.mkdir()
    (names / "worker_names.py").write_text(
        "".join(f"def {w.replace('-', '_')}():\n    return {w!r}\n\n\n" for w in WORKERS), encoding="utf-8"
    )
    port = free_port()
    queue = f"disclosure-test-{uuid.uuid4().hex[:8]}"
    env = cluster_env(env_settings, port, metadata_db, queue, names)
    logs = tmp_path / "logs"
    logs.mkdir()

    # The one preparation command (what compose's airflow-init runs).
    init = subprocess.run(
        [sys.executable, "-m", "disclosure.cli", "airflow", "init"], env=env, capture_output=True, text=True
    )
    assert init.returncode == 0, init.stderr
    assert "created Airflow's metadata database" in init.stderr and "pool disclosure_crawl" in init.stderr

    meta = create_engine(metadata_db)
    processes = Processes(logs)
    airflow = [sys.executable, "-m", "airflow"]
    started = time.monotonic()
    try:
        for service in ("api-server", "scheduler", "dag-processor"):
            processes.start(service, [*airflow, service], env)
        for worker in WORKERS:
            worker_env = {
                **env,
                "AIRFLOW__CORE__HOSTNAME_CALLABLE": f"worker_names.{worker.replace('-', '_')}",
            }
            # One task at a time each: two tasks queued together go to both workers.
            args = [*airflow, "celery", "worker", "-H", f"{worker}@%h", "-q", queue, "-c", "1", "--skip-serve-logs"]
            processes.start(worker, args, worker_env)

        def scalar(sql: str, **params):
            with meta.connect() as conn:
                return conn.execute(text(sql), params).scalar()

        deadline = started + RUN_LIMIT
        while not scalar("SELECT count(*) FROM dag WHERE dag_id = 'disclosure_nightly'"):
            processes.check()
            assert time.monotonic() < deadline, "the dag-processor never parsed disclosure_nightly"
            time.sleep(2)
        run_id = f"celery_{uuid.uuid4().hex[:8]}"
        subprocess.run(
            [*airflow, "dags", "trigger", "disclosure_nightly", "--run-id", run_id],
            env=env,
            check=True,
            capture_output=True,
        )
        subprocess.run([*airflow, "dags", "unpause", "disclosure_nightly"], env=env, check=True, capture_output=True)
        state = None
        while state not in ("success", "failed"):
            processes.check()
            assert time.monotonic() < deadline, f"the run was still {state} after {RUN_LIMIT} s; logs in {logs}"
            time.sleep(3)
            state = scalar("SELECT state FROM dag_run WHERE run_id = :r", r=run_id)
        elapsed = time.monotonic() - started
        with meta.connect() as conn:
            tis = conn.execute(
                text("SELECT task_id, map_index, state, hostname, queue FROM task_instance WHERE run_id = :r"),
                {"r": run_id},
            ).all()
    finally:
        processes.stop()
        meta.dispose()
    report = json.dumps([list(t) for t in tis], default=str)
    assert state == "success", report
    ran = [t for t in tis if t.state == "success"]
    assert {t.hostname for t in ran} == set(WORKERS), report  # the work spread over both workers
    assert {t.queue for t in ran} == {queue}
    # Unpausing also starts the latest scheduled run, which may take the night's files first: a run
    # whose batch list is then empty skips its mapped parse and validate (nothing left to do).
    assert "watcher" in {t.task_id for t in tis if t.state == "skipped"}
    assert {t.task_id for t in tis if t.state == "skipped"} <= {"watcher", "parse_and_load", "validate"}
    print(f"celery cluster: {len(ran)} tasks on {len(WORKERS)} workers, run done {elapsed:.0f} s after start")
    # What the tasks did reached the store: both sites crawled, both filings parsed (once, whichever
    # run of the two that unpausing leaves, the triggered one and the latest night's, came first).
    store = create_engine(env_settings.database_url.replace("postgresql://", "postgresql+psycopg://"))
    with store.connect() as conn:
        assert conn.execute(text("SELECT count(*) FROM disclosure.crawl_run WHERE status = 'ok'")).scalar() >= 2
        assert conn.execute(text("SELECT count(*) FROM disclosure.parse_run WHERE status = 'ok'")).scalar() == 2
    store.dispose()


@pytest.mark.parametrize(
    "variable, value, named",
    [
        ("AIRFLOW__CORE__FERNET_KEY", "change-me-to-a-generated-fernet-key", "AIRFLOW__CORE__FERNET_KEY"),
        ("AIRFLOW__DATABASE__SQL_ALCHEMY_CONN", "postgresql+psycopg://u@db/airflow", "SQL_ALCHEMY_CONN_ASYNC"),
    ],
)
def test_airflow_init_refuses_settings_that_cannot_work(monkeypatch, tmp_path, variable, value, named):
    """.env.example's placeholder key, or a psycopg 3 URL without its async twin: one line, status 2,
    before any database is touched."""
    from typer.testing import CliRunner

    from disclosure.cli import app

    monkeypatch.setenv("DISCLOSURE_VAR_DIR", str(tmp_path / "var"))
    monkeypatch.delenv("AIRFLOW__DATABASE__SQL_ALCHEMY_CONN_ASYNC", raising=False)
    monkeypatch.setenv(variable, value)
    result = CliRunner().invoke(app, ["airflow", "init"])
    assert result.exit_code == 2, result.output
    lines = result.output.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("error: ") and named in lines[0]
