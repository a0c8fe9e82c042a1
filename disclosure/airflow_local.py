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


def run_dag_test(settings: Settings, dag_file: str = "disclosure_nightly.py", dag_id: str = "disclosure_nightly",
                 conf: dict | None = None):
    """Migrate Airflow's metadata DB, ensure the pool, run one DagRun in-process; return it."""
    configure_airflow_env(settings)
    from airflow.utils import db as airflow_db

    airflow_db.initdb()
    from airflow.models.pool import Pool

    Pool.create_or_update_pool("disclosure_crawl", slots=4, description="polite parallel crawls",
                               include_deferred=False)
    dag = load_dag(dag_file, dag_id)
    return dag.test(run_conf=conf)
