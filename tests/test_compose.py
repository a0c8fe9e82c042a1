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
    assert {"postgres", "redis", "airflow-init", "airflow-apiserver", "airflow-scheduler",
            "airflow-dag-processor", "airflow-triggerer", "airflow-worker"} <= set(services)
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
