"""Shared fixtures: a real Postgres (DATABASE_URL or the embedded one), a fresh database per
test that needs one, the replica sites, and Airflow configured before anything imports it."""

from __future__ import annotations

import logging
import os
import tempfile
import uuid
from pathlib import Path

import pytest

# Airflow reads its configuration on first import: point it at a throwaway home now.
_AIRFLOW_HOME = Path(tempfile.mkdtemp(prefix="disclosure-airflow-"))
os.environ["AIRFLOW_HOME"] = str(_AIRFLOW_HOME)
os.environ.setdefault("AIRFLOW__CORE__LOAD_EXAMPLES", "False")
os.environ["AIRFLOW__CORE__DAGS_FOLDER"] = str(Path(__file__).resolve().parent.parent / "dags")

from disclosure.settings import VARIABLES  # noqa: E402

# The tests count requests, slots, retries and cells under the settings' defaults: a value the
# machine's environment sets (DISCLOSURE_HOST_CONCURRENCY=1 in a shell, a CI job's
# DISCLOSURE_PDF_ENGINE) would change them. Only DATABASE_URL, which server, is taken from it.
for _variable in VARIABLES:
    if _variable != "DATABASE_URL":
        os.environ.pop(_variable, None)
os.environ["DISCLOSURE_TASK_RETRIES"] = "0"
# pgserver logs from an atexit hook, after pytest has closed the captured streams.
logging.getLogger("pgserver").addHandler(logging.NullHandler())
logging.getLogger("pgserver").propagate = False

from sqlalchemy import create_engine, text  # noqa: E402
from sqlalchemy.engine import make_url  # noqa: E402

from disclosure.settings import PROJECT_ROOT, load_settings  # noqa: E402
from warehouse.db import normalise_url  # noqa: E402

FIXTURES = PROJECT_ROOT / "replica" / "fixtures"
# The project's own code, as the layer and settings tests walk it.
CODE_PACKAGES = (
    "alerting",
    "archive",
    "crawlers",
    "dags",
    "disclosure",
    "parsers",
    "registry",
    "replica",
    "reporting",
    "validation",
    "warehouse",
    "bench",
)


@pytest.fixture(scope="session")
def server_url() -> str:
    """URL of a Postgres server database we may CREATE DATABASE on."""
    url = os.environ.get("DATABASE_URL")
    if url:
        return normalise_url(url)
    from warehouse.embedded import embedded_database_url

    return embedded_database_url(PROJECT_ROOT / "var" / "test-pgdata")


@pytest.fixture
def db_url(server_url: str):
    """A fresh, empty database for one test, dropped afterwards."""
    name = f"disclosure_t_{uuid.uuid4().hex[:12]}"
    admin = create_engine(server_url, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'CREATE DATABASE "{name}"'))
    url = make_url(server_url).set(database=name).render_as_string(hide_password=False)
    yield url
    from warehouse.db import _engine_for

    _engine_for.cache_clear()
    with admin.connect() as conn:
        conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
    admin.dispose()


@pytest.fixture
def migrated_url(db_url: str) -> str:
    from warehouse.migrate import upgrade

    upgrade(db_url)
    return db_url


@pytest.fixture
def replica():
    from replica.site import ReplicaSite

    with ReplicaSite() as site:
        yield site


# Most end-to-end tests count exact rows and requests on the two city sites; the county
# sites (Hanweb, unified platform, a department sub-site) have tests of their own.
CORE_SITES = ("replica-datong-trs", "replica-xinzhou-static")
PUBLISHED_UNITS = {
    "replica-datong-trs": {"dt-ggzy"},
    "replica-xinzhou-static": {"xz-swbgs"},
    "replica-xinzhou-czj": {"xz-czj"},
    "replica-yunzhou-hanweb": {"yz-czj", "yz-jyj", "yz-wjj"},
    "replica-xinfu-unified": {"xf-czj", "xf-slj"},
}


def registry_subset(target: Path, sites: tuple[str, ...]) -> Path:
    """The replica registry cut down to `sites`, their jurisdictions (and parents) and the
    units published there."""
    import yaml

    doc = yaml.safe_load((PROJECT_ROOT / "registry" / "replica.yaml").read_text(encoding="utf-8"))
    doc["sites"] = [s for s in doc["sites"] if s["key"] in sites]
    keep = {s["jurisdiction"] for s in doc["sites"]}
    parents = {j["code"]: j.get("parent") for j in doc["jurisdictions"]}
    for code in list(keep):
        while parents.get(code):
            code = parents[code]
            keep.add(code)
    doc["jurisdictions"] = [j for j in doc["jurisdictions"] if j["code"] in keep]
    wanted = set().union(*(PUBLISHED_UNITS[k] for k in sites))
    doc["units"] = [u for u in doc["units"] if u["code"] in wanted]
    target.write_text(yaml.safe_dump(doc, allow_unicode=True), encoding="utf-8")
    return target


@pytest.fixture(autouse=True)
def every_file_every_night(monkeypatch):
    """Tests replay several nights within one day and count every conditional GET: each
    archived file is asked for every night, as before the rotation. tests/test_revalidation.py
    sets its own DISCLOSURE_REVALIDATE_EVERY and replays nights by date."""
    monkeypatch.setenv("DISCLOSURE_REVALIDATE_EVERY", "1")


@pytest.fixture
def site_keys() -> tuple[str, ...]:
    """Which replica sites the registry of a test holds; override in a module for others."""
    return CORE_SITES


@pytest.fixture
def env_settings(monkeypatch, tmp_path, db_url, replica, site_keys):
    """Settings as the CLI and DAG tasks see them: a fresh database, a tmp archive, the replica."""
    values = {
        "DATABASE_URL": db_url,
        "DISCLOSURE_VAR_DIR": str(tmp_path / "var"),
        "DISCLOSURE_REPLICA_BASE": replica.base_url,
        "DISCLOSURE_CRAWL_THROTTLE": "0",
        "DISCLOSURE_REGISTRY": str(registry_subset(tmp_path / "registry.yaml", site_keys)),
    }
    for key, value in values.items():
        monkeypatch.setenv(key, value)
    return load_settings()


@pytest.fixture(scope="session")
def seed_pdfs() -> dict[str, bytes]:
    """The tabular seeds rendered as text PDFs, by seed number."""
    from replica.site import _rendered_fixture, load_fixtures

    return {seed: _rendered_fixture(seed) for seed in load_fixtures()}


# ---- helpers shared by the tests ---------------------------------------------------------
def truth(seed: str) -> dict:
    """The hand-typed ground truth of a fixture (replica/fixtures/truth_NNN.json)."""
    import json

    return json.loads((FIXTURES / f"truth_{seed}.json").read_text(encoding="utf-8"))


def cell_key(ref: str) -> tuple[str, str, int]:
    """'01[27].1' → ('01', '27', 1)."""
    table, rest = ref.split("[")
    row, col = rest.split("].")
    return table, row, int(col)


def truth_cells(seed: str, tables: tuple[str, ...] | None = None) -> dict:
    from decimal import Decimal

    return {cell_key(ref): Decimal(v) for ref, v in truth(seed)["cells"].items() if tables is None or ref[:2] in tables}


def query_rows(ctx_or_engine, sql: str, **params) -> list:
    from sqlalchemy import text as sql_text

    engine = getattr(ctx_or_engine, "engine", ctx_or_engine)
    with engine.connect() as conn:
        return conn.execute(sql_text(sql), params).all()


def query_scalar(ctx_or_engine, sql: str, **params):
    rows = query_rows(ctx_or_engine, sql, **params)
    return rows[0][0] if rows else None


def pytest_collection_modifyitems(items):
    """Every test that needs Postgres (it reaches `server_url` through its fixtures) is marked
    `db`, so that `make test-fast` (-m "not slow and not db") runs without a server. A test
    that opens the store another way must say `@pytest.mark.db` itself (see below)."""
    for item in items:
        if "server_url" in getattr(item, "fixturenames", ()):
            item.add_marker(pytest.mark.db)


@pytest.fixture(autouse=True)
def _store_only_when_marked_db(request, monkeypatch):
    """A test not marked `db` that opens the store in this process fails at once, naming the
    marker, instead of starting the embedded Postgres (or waiting for a server) in the middle
    of `make test-fast`. The stages reach the store through warehouse.db.database_url, and
    the embedded server starts only in warehouse.embedded (a child process is not watched)."""
    if request.node.get_closest_marker("db") is not None:
        return
    import warehouse.db
    import warehouse.embedded

    def refuse(*args, **kwargs):
        raise RuntimeError(f"{request.node.nodeid} opens the store: mark it @pytest.mark.db")

    monkeypatch.setattr(warehouse.db, "database_url", refuse)
    monkeypatch.setattr(warehouse.embedded, "embedded_database_url", refuse)
