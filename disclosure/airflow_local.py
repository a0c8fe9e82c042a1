"""Run the project's DAGs in-process with `dag.test()` (demo and tests).

Airflow reads its configuration when first imported, so the environment is set here
before any airflow import: metadata in sqlite under var/airflow, DAGs from dags/.
"""

from __future__ import annotations

import importlib.util
import os

from disclosure.settings import PROJECT_ROOT, Settings, redact_url

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


# ---- `disclosure airflow init`: what a deployment runs once before its services start --------
CRAWL_POOL = ("disclosure_crawl", "polite parallel crawls")  # its slots: DISCLOSURE_CRAWL_POOL


def airflow_cli(env: dict[str, str], *args: str, timeout: float = 600) -> str:
    """`airflow ARGS` in a child process (the CLI reads its configuration from `env`); a failure
    raises with the CLI's last line."""
    import subprocess
    import sys

    done = subprocess.run(
        [sys.executable, "-m", "airflow", *args], env=env, capture_output=True, text=True, timeout=timeout
    )
    if done.returncode:
        last = (done.stderr.strip() or done.stdout.strip()).splitlines()[-1:]
        raise RuntimeError(f"airflow {' '.join(args)} failed (status {done.returncode}): {' '.join(last)}")
    return done.stdout


def metadata_url(env: dict[str, str]) -> str:
    """Airflow's metadata database as the CLI in `env` sees it (variable, airflow.cfg or default)."""
    return airflow_cli(env, "config", "get-value", "database", "sql_alchemy_conn", timeout=120).strip()


def ensure_database(url: str) -> bool:
    """CREATE DATABASE for a Postgres URL whose database does not exist yet (through the server's
    `postgres` database); True when it was created. Other URLs (SQLite) need nothing."""
    from sqlalchemy import create_engine, text
    from sqlalchemy.engine import make_url

    from warehouse.db import normalise_url

    target = make_url(normalise_url(url))
    if not target.drivername.startswith("postgresql"):
        return False
    name = target.database
    admin = create_engine(
        target.set(drivername="postgresql+psycopg", database="postgres"), isolation_level="AUTOCOMMIT"
    )
    try:
        with admin.connect() as conn:
            if conn.execute(text("SELECT 1 FROM pg_database WHERE datname = :n"), {"n": name}).scalar():
                return False
            conn.execute(text(f'CREATE DATABASE "{name}"'))  # a name from the operator's URL, quoted
            return True
    finally:
        admin.dispose()


def check_fernet_key(env: dict[str, str]) -> None:
    key = env.get("AIRFLOW__CORE__FERNET_KEY")
    if not key:
        return
    from cryptography.fernet import Fernet

    try:
        Fernet(key.encode())
    except ValueError:
        raise ValueError(
            "AIRFLOW__CORE__FERNET_KEY is not a Fernet key: generate one with "
            "python -c 'from cryptography.fernet import Fernet; print(Fernet.generate_key().decode())'"
        ) from None


def check_async_url(env: dict[str, str]) -> None:
    """Airflow derives its async metadata URL from the sync one by scheme (postgresql → asyncpg,
    not installed here): with psycopg 3 it must be given, the same URL (psycopg is sync and async)."""
    sync = env.get("AIRFLOW__DATABASE__SQL_ALCHEMY_CONN", "")
    if sync.startswith("postgresql+psycopg://") and not env.get("AIRFLOW__DATABASE__SQL_ALCHEMY_CONN_ASYNC"):
        raise ValueError(
            "AIRFLOW__DATABASE__SQL_ALCHEMY_CONN uses psycopg 3: set AIRFLOW__DATABASE__SQL_ALCHEMY_CONN_ASYNC "
            "to the same URL too (else Airflow looks for asyncpg) in every Airflow process's environment"
        )


def init_airflow(settings: Settings, env: dict[str, str] | None = None, say=print) -> None:
    """Everything a deployment does once before its services start, idempotent: the Fernet key
    checked, Airflow's metadata database and the store created when missing, `airflow db migrate`,
    the `disclosure_crawl` pool (a run without it waits forever), and the store's migrations."""
    from warehouse.db import database_url, engine
    from warehouse.migrate import current_revision, upgrade
    from warehouse.roles import ensure_readonly_role

    env = dict(os.environ if env is None else env)
    check_fernet_key(env)
    check_async_url(env)
    meta = metadata_url(env)
    if ensure_database(meta):
        say(f"created Airflow's metadata database {redact_url(meta)}")
    if settings.database_url and ensure_database(settings.database_url):
        say(f"created the store {redact_url(settings.database_url)}")
    airflow_cli(env, "db", "migrate")
    say("Airflow's metadata database migrated")
    (name, description), slots = CRAWL_POOL, settings.crawl_pool
    airflow_cli(env, "pools", "set", name, str(slots), description, timeout=120)
    say(f"pool {name} ({slots} slots)")
    store = database_url(settings)  # DATABASE_URL, or the embedded Postgres
    upgrade(store)
    role = ensure_readonly_role(engine(settings))
    say(f"store at revision {current_revision(store)}" + (f"; read-only role {role}" if role else ""))


# ---- `disclosure airflow` / `make airflow`: Airflow 3 on this machine, no Docker -------------
LOCAL_SERVICES = ("api-server", "scheduler", "dag-processor", "triggerer")


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
        "AIRFLOW__API__BASE_URL": f"http://127.0.0.1:{port}",  # the links in failure notifications
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
        self.settings = settings
        self.env = local_airflow_env(settings, port)
        self.logs = settings.var_dir / "airflow-local" / "logs" / "services"
        self.processes: list = []
        import sys
        from pathlib import Path

        self.airflow = str(Path(sys.executable).with_name("airflow"))

    def cli(self, *args: str, timeout: float = 300) -> str:
        return airflow_cli(self.env, *args, timeout=timeout)

    def start(self, say=lambda message: None) -> None:
        import subprocess

        init_airflow(self.settings, self.env, say)  # metadata migrated, the pool, the store migrated
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
        """Until the UI answers and the dag-processor has parsed the DAG; then unpause it."""
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
