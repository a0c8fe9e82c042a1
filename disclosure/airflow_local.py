"""Run the project's DAGs in-process with `dag.test()` (demo and tests).

Airflow reads its configuration when first imported, so the environment is set here
before any airflow import: metadata in sqlite under var/airflow, DAGs from dags/.
"""

from __future__ import annotations

import importlib.util
import os

from disclosure.settings import PROJECT_ROOT, Settings

DAGS_DIR = PROJECT_ROOT / "dags"


def configure_airflow_env(settings: Settings) -> None:
    home = settings.var_dir / "airflow"
    home.mkdir(parents=True, exist_ok=True)
    os.environ.setdefault("AIRFLOW_HOME", str(home))
    os.environ.setdefault("AIRFLOW__CORE__DAGS_FOLDER", str(DAGS_DIR))
    os.environ.setdefault("AIRFLOW__CORE__LOAD_EXAMPLES", "False")
    os.environ.setdefault("AIRFLOW__CORE__UNIT_TEST_MODE", "False")
    os.environ.setdefault("AIRFLOW__LOGGING__LOGGING_LEVEL", "WARNING")
    # In-process runs (demo, tests) must not sit out production retry delays.
    os.environ.setdefault("DISCLOSURE_TASK_RETRIES", "0")


def load_dag(dag_file: str, dag_id: str):
    path = DAGS_DIR / dag_file
    spec = importlib.util.spec_from_file_location(f"dags_{path.stem}", path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    from airflow.sdk import DAG

    for value in vars(module).values():
        if isinstance(value, DAG) and value.dag_id == dag_id:
            return value
    raise LookupError(f"{path}: no DAG {dag_id!r}")


def run_dag_test(
    settings: Settings,
    dag_file: str = "disclosure_nightly.py",
    dag_id: str = "disclosure_nightly",
    conf: dict | None = None,
):
    """Migrate Airflow's metadata DB, ensure the pool, run one DagRun in-process; return it."""
    configure_airflow_env(settings)
    from airflow.utils import db as airflow_db

    airflow_db.initdb()
    from airflow.models.pool import Pool

    name, description = CRAWL_POOL
    Pool.create_or_update_pool(name, slots=settings.crawl_pool, description=description, include_deferred=False)
    dag = load_dag(dag_file, dag_id)
    return dag.test(run_conf=conf)


# ---- `disclosure airflow` / `make airflow`: Airflow 3 on this machine, no Docker -------------
LOCAL_SERVICES = ("api-server", "scheduler", "dag-processor", "triggerer")
CRAWL_POOL = ("disclosure_crawl", "polite parallel crawls")  # its slots: DISCLOSURE_CRAWL_POOL


def local_airflow_env(settings: Settings, port: int) -> dict[str, str]:
    """The environment of every local Airflow process: its home, SQLite metadata and logs under
    var/airflow-local, the project's DAGs, the LocalExecutor, one admin login; the project's own
    DISCLOSURE_* and DATABASE_URL settings pass through unchanged."""
    import secrets

    home = settings.var_dir / "airflow-local"
    home.mkdir(parents=True, exist_ok=True)
    keys = home / "secrets.env"  # generated once, so logins and task tokens survive a restart
    if not keys.exists():
        keys.write_text(f"{secrets.token_hex(32)}\n{secrets.token_hex(16)}\n", encoding="utf-8")
    jwt_secret, api_secret = keys.read_text(encoding="utf-8").split()
    return {
        **os.environ,
        "AIRFLOW_HOME": str(home),
        "AIRFLOW__CORE__DAGS_FOLDER": str(DAGS_DIR),
        "AIRFLOW__CORE__LOAD_EXAMPLES": "False",
        "AIRFLOW__CORE__EXECUTOR": "LocalExecutor",
        "AIRFLOW__CORE__AUTH_MANAGER": "airflow.api_fastapi.auth.managers.simple.simple_auth_manager.SimpleAuthManager",
        "AIRFLOW__CORE__SIMPLE_AUTH_MANAGER_USERS": "admin:admin",
        "AIRFLOW__CORE__EXECUTION_API_SERVER_URL": f"http://127.0.0.1:{port}/execution/",
        "AIRFLOW__API__HOST": "127.0.0.1",
        "AIRFLOW__API__PORT": str(port),
        "AIRFLOW__API_AUTH__JWT_SECRET": jwt_secret,
        "AIRFLOW__API__SECRET_KEY": api_secret,
        "AIRFLOW__LOGGING__LOGGING_LEVEL": "WARNING",
        "AIRFLOW__DAG_PROCESSOR__REFRESH_INTERVAL": "30",
    }


def admin_password(env: dict[str, str]) -> str | None:
    """The admin password the api-server generated (SimpleAuthManager), once it has."""
    import json
    from pathlib import Path

    generated = Path(env["AIRFLOW_HOME"]) / "simple_auth_manager_passwords.json.generated"
    try:
        return json.loads(generated.read_text(encoding="utf-8")).get("admin")
    except (OSError, ValueError):
        return None


class LocalAirflow:
    """api-server, scheduler, dag-processor and triggerer as child processes (their logs under
    var/airflow-local/logs/); `stop()` ends the processes it started, and only those."""

    def __init__(self, settings: Settings, port: int):
        self.port = port
        self.env = local_airflow_env(settings, port)
        self.crawl_pool = settings.crawl_pool
        self.logs = settings.var_dir / "airflow-local" / "logs" / "services"
        self.processes: list = []
        import sys
        from pathlib import Path

        self.airflow = str(Path(sys.executable).with_name("airflow"))

    def cli(self, *args: str, timeout: float = 300) -> str:
        import subprocess

        done = subprocess.run([self.airflow, *args], env=self.env, capture_output=True, text=True, timeout=timeout)
        if done.returncode:
            raise RuntimeError(f"airflow {' '.join(args)} failed: {done.stderr.strip().splitlines()[-1:]}")
        return done.stdout

    def start(self) -> None:
        import subprocess

        self.cli("db", "migrate")
        self.logs.mkdir(parents=True, exist_ok=True)
        for name in LOCAL_SERVICES:
            log = (self.logs / f"{name}.log").open("ab")
            # Own session: Ctrl-C in the terminal reaches us, and we stop the services in order.
            self.processes.append(
                subprocess.Popen(
                    [self.airflow, name], env=self.env, stdout=log, stderr=subprocess.STDOUT, start_new_session=True
                )
            )

    def wait_until_ready(self, dag_id: str = "disclosure_nightly", timeout: float = 300) -> None:
        """Until the UI answers and the dag-processor has parsed the DAG; then the pool and unpause."""
        import time
        import urllib.request

        deadline = time.monotonic() + timeout
        while True:
            self.check_alive()
            try:
                with urllib.request.urlopen(f"http://127.0.0.1:{self.port}/api/v2/monitor/health", timeout=5):
                    pass
                if dag_id in self.cli("dags", "list", "--output", "plain", timeout=120):
                    break
            except Exception:
                pass
            if time.monotonic() > deadline:
                raise TimeoutError(f"Airflow was not ready after {timeout:.0f} s; see {self.logs}")
            time.sleep(3)
        name, description = CRAWL_POOL
        self.cli("pools", "set", name, str(self.crawl_pool), description)  # without it a run waits forever
        self.cli("dags", "unpause", dag_id)

    def check_alive(self) -> None:
        for name, proc in zip(LOCAL_SERVICES, self.processes):
            if proc.poll() is not None:
                raise RuntimeError(
                    f"airflow {name} exited with status {proc.returncode}; see {self.logs / (name + '.log')}"
                )

    def stop(self) -> None:
        import signal

        for proc in self.processes:
            if proc.poll() is None:
                os.killpg(proc.pid, signal.SIGTERM)
        for proc in self.processes:
            try:
                proc.wait(timeout=30)
            except Exception:
                os.killpg(proc.pid, signal.SIGKILL)
