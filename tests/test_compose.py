"""docker-compose.yml is validated and read (no Docker engine runs here)."""

import shutil
import subprocess

import pytest
import yaml

from disclosure.settings import PROJECT_ROOT


@pytest.fixture
def resolved(tmp_path):
    exe = shutil.which("docker-compose")
    if exe is None:  # `make test` installs it (system-deps); fail loudly rather than skip
        pytest.fail("docker-compose (Debian package) is not installed: run `make system-deps`")
    shutil.copy(PROJECT_ROOT / "docker-compose.yml", tmp_path / "docker-compose.yml")
    shutil.copy(PROJECT_ROOT / ".env.example", tmp_path / ".env")
    out = subprocess.run([exe, "config"], cwd=tmp_path, capture_output=True, text=True)
    assert out.returncode == 0, out.stderr
    return yaml.safe_load(out.stdout)


def test_compose_runs_the_production_shape(resolved):
    services = resolved["services"]
    assert {
        "postgres",
        "redis",
        "airflow-init",
        "airflow-apiserver",
        "airflow-scheduler",
        "airflow-dag-processor",
        "airflow-triggerer",
        "airflow-worker",
    } <= set(services)
    worker = services["airflow-worker"]
    assert worker["environment"]["AIRFLOW__CORE__EXECUTOR"] == "CeleryExecutor"
    assert worker["environment"]["AIRFLOW__CELERY__BROKER_URL"].startswith("redis://redis")
    assert worker["command"] in (["celery", "worker"], "celery worker")
    # Workers share the archive through the MinIO bucket, not a local folder.
    assert "minio" in services and "minio-init" in services
    assert worker["environment"]["DISCLOSURE_ARCHIVE_URL"].startswith("s3://")
    assert worker["environment"]["AWS_ENDPOINT_URL"] == "http://minio:9000"


def test_no_secret_is_committed():
    assert not (PROJECT_ROOT / ".env").exists() or ".env" in (PROJECT_ROOT / ".gitignore").read_text()
    text = (PROJECT_ROOT / "docker-compose.yml").read_text()
    for line in text.splitlines():  # every secret is a ${VARIABLE} filled from .env
        if any(word in line for word in ("PASSWORD", "SECRET", "JWT")) and ":" in line and "${" not in line:
            assert "$${" in line or line.strip().startswith("#"), line


AIRFLOW_SERVICES = (
    "airflow-apiserver",
    "airflow-scheduler",
    "airflow-dag-processor",
    "airflow-triggerer",
    "airflow-worker",
    "flower",
)


def test_compose_follows_airflows_official_shape(resolved):
    services = resolved["services"]
    for name in AIRFLOW_SERVICES:  # every long-running Airflow service says whether it is healthy
        check = services[name].get("healthcheck", {})
        assert check.get("test") and check.get("interval") and check.get("start_period"), name
    assert services["airflow-scheduler"]["environment"]["AIRFLOW__SCHEDULER__ENABLE_HEALTH_CHECK"] == "true"
    mounts = {v["target"] if isinstance(v, dict) else v.split(":")[1] for v in services["airflow-scheduler"]["volumes"]}
    assert {
        "/opt/airflow/dags",
        "/opt/airflow/config",
        "/opt/airflow/plugins",
        "/opt/airflow/logs",
        "/opt/airflow/disclosure-var/reports",
    } <= mounts
    assert services["airflow-scheduler"]["environment"]["DISCLOSURE_VAR_DIR"] == "/opt/airflow/disclosure-var"
    assert services["airflow-cli"]["profiles"] == ["debug"] and services["flower"]["profiles"] == ["flower"]


def test_the_fernet_key_and_admin_login_come_from_env(resolved):
    services = resolved["services"]
    env = services["airflow-scheduler"]["environment"]
    assert env["AIRFLOW__CORE__FERNET_KEY"] == "change-me-to-a-generated-fernet-key"  # .env.example's value
    assert (
        env["AIRFLOW__CORE__SIMPLE_AUTH_MANAGER_PASSWORDS_FILE"]
        == "/opt/airflow/config/simple_auth_manager_passwords.json"
    )
    init = services["airflow-init"]
    script = "\n".join(init["command"]).replace("$${", "${")  # docker-compose v1 keeps the escape
    # airflow-init writes the .env password where the simple auth manager reads it, and checks the key.
    assert '> "${AIRFLOW__CORE__SIMPLE_AUTH_MANAGER_PASSWORDS_FILE}"' in script
    assert '"${AIRFLOW_ADMIN_PASSWORD}"' in script
    # The databases, the migrations, the pool and the Fernet key check: the project's one command.
    assert "disclosure airflow init" in script and "airflow db migrate" not in script and "psql" not in script
    assert init["environment"]["AIRFLOW_ADMIN_PASSWORD"] == "change-me"
    assert env["AIRFLOW__CORE__SIMPLE_AUTH_MANAGER_USERS"] == "admin:admin"


def test_compose_refuses_an_env_without_a_fernet_key(tmp_path):
    exe = shutil.which("docker-compose")
    shutil.copy(PROJECT_ROOT / "docker-compose.yml", tmp_path / "docker-compose.yml")
    env = (PROJECT_ROOT / ".env.example").read_text(encoding="utf-8")
    (tmp_path / ".env").write_text(
        "\n".join(line for line in env.splitlines() if not line.startswith("AIRFLOW_FERNET_KEY=")), encoding="utf-8"
    )
    out = subprocess.run([exe, "config"], cwd=tmp_path, capture_output=True, text=True)
    assert out.returncode != 0 and "AIRFLOW_FERNET_KEY" in out.stderr


def test_the_image_holds_no_test_dependencies():
    dockerfile = (PROJECT_ROOT / "Dockerfile").read_text(encoding="utf-8")
    assert "[dev]" not in dockerfile
    packages = {
        line.split()[2]
        for line in dockerfile.splitlines()
        if line.startswith("COPY --chown=airflow:root ") and line.split()[-1].startswith("/opt/disclosure/")
    }
    assert {"disclosure", "reporting", "parsers", "warehouse"} <= packages  # every package the DAGs import


def test_one_airflow_version_everywhere():
    import re
    import tomllib

    project = tomllib.loads((PROJECT_ROOT / "pyproject.toml").read_text(encoding="utf-8"))["project"]
    pinned = {re.fullmatch(r"apache-airflow==([\d.]+)", d.split(";")[0].strip()) for d in project["dependencies"]}
    (version,) = {m.group(1) for m in pinned if m}
    dockerfile = (PROJECT_ROOT / "Dockerfile").read_text(encoding="utf-8")
    assert re.findall(r"apache/airflow:([\d.]+)-", dockerfile) == [version]
    assert set(re.findall(r"apache-airflow==([\d.]+)", dockerfile)) == {version}
    import airflow

    assert airflow.__version__ == version  # the installed one too
    for doc in ("README.md", "docs/user-guide.md", "docs/deployment.md"):
        text = (PROJECT_ROOT / doc).read_text(encoding="utf-8")
        assert set(re.findall(r"Airflow (3\.\d+\.\d+)", text)) <= {version}, doc


def test_every_airflow_service_uses_psycopg_3_for_metadata(resolved):
    for name in AIRFLOW_SERVICES + ("airflow-init",):
        env = resolved["services"][name]["environment"]
        sync, asynchronous = (
            env["AIRFLOW__DATABASE__SQL_ALCHEMY_CONN"],
            env["AIRFLOW__DATABASE__SQL_ALCHEMY_CONN_ASYNC"],
        )
        assert sync.startswith("postgresql+psycopg://") and asynchronous == sync, name
        assert env["AIRFLOW__CELERY__RESULT_BACKEND"].startswith("db+postgresql+psycopg://"), name
