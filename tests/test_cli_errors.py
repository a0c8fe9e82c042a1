"""A user's mistakes end in one line naming what to fix, with exit status 2 (never a traceback)."""

import socket
import subprocess
import sys

import pytest
import yaml
from typer.testing import CliRunner

from disclosure.cli import app
from disclosure.settings import PROJECT_ROOT

runner = CliRunner()


def one_line_error(result, *names: str) -> str:
    """The command exited 2 with a single `error:` line that names everything in `names`."""
    lines = [line for line in result.output.splitlines() if line.strip()]
    assert result.exit_code == 2, result.output
    assert len(lines) == 1 and lines[0].startswith("error: "), result.output
    for name in names:
        assert name in lines[0], (name, lines[0])
    return lines[0]


@pytest.fixture
def registry_env(monkeypatch, tmp_path, db_url):
    """The replica registry, a fresh unmigrated database, no replica base URL."""
    monkeypatch.setenv("DATABASE_URL", db_url)
    monkeypatch.setenv("DISCLOSURE_VAR_DIR", str(tmp_path / "var"))
    monkeypatch.delenv("DISCLOSURE_REPLICA_BASE", raising=False)
    monkeypatch.delenv("DISCLOSURE_REGISTRY", raising=False)
    return db_url


def test_export_into_a_missing_folder(tmp_path):
    target = tmp_path / "no-such-folder" / "cells.csv"
    one_line_error(runner.invoke(app, ["export", "cells", "-o", str(target)]), str(tmp_path / "no-such-folder"))
    assert not target.parent.exists()


def test_report_into_a_missing_folder(tmp_path):
    target = tmp_path / "no-such-folder" / "report"
    one_line_error(runner.invoke(app, ["report", "-o", str(target)]), str(tmp_path / "no-such-folder"))
    assert not target.parent.exists()


@pytest.mark.parametrize(
    "args, named",
    [
        (["parse"], ("Missing argument 'file'", "`disclosure parse --help`")),
        (["export", "cells"], ("'--out'", "`disclosure export --help`")),
        (["crawl", "--bogus"], ("--bogus", "`disclosure crawl --help`")),
        (["nosuchcmd"], ("'nosuchcmd'", "`disclosure --help`")),
        (["--bogus"], ("--bogus", "`disclosure --help`")),
        (["review", "correct", "1"], ("Missing argument 'cell'", "`disclosure review correct --help`")),
        (["export", "cells", "-o", "c.csv", "--from-year", "abc"], ("'--from-year'", "valid integer")),
    ],
)
def test_a_wrong_or_missing_argument_is_one_line_naming_the_help(args, named):
    """click's usage errors too (typer draws them in a box of five lines): one line, exit 2."""
    one_line_error(runner.invoke(app, args, prog_name="disclosure"), *named)


def test_a_group_alone_still_shows_its_help():
    result = runner.invoke(app, ["review"], prog_name="disclosure")
    assert "confirm" in result.output and "correct" in result.output and "error:" not in result.output


def test_unknown_site_key_lists_the_registered_ones(registry_env):
    # The guide's own example, run against the default (replica) registry.
    line = one_line_error(
        runner.invoke(app, ["crawl", "datong-czj"]), "'datong-czj'", "replica.yaml", "DISCLOSURE_REGISTRY"
    )
    assert "replica-datong-trs" in line


def test_a_typo_in_the_registry_family_names_file_site_and_field(registry_env, monkeypatch, tmp_path):
    doc = yaml.safe_load((PROJECT_ROOT / "registry" / "replica.yaml").read_text(encoding="utf-8"))
    doc["sites"][0]["family"] = "trs_wmc"
    broken = tmp_path / "typo.yaml"
    broken.write_text(yaml.safe_dump(doc, allow_unicode=True), encoding="utf-8")
    monkeypatch.setenv("DISCLOSURE_REGISTRY", str(broken))
    one_line_error(runner.invoke(app, ["run"]), "typo.yaml", doc["sites"][0]["key"], "family")


def test_a_setting_that_does_not_read_names_the_variable(registry_env, monkeypatch):
    monkeypatch.setenv("DISCLOSURE_SITE_DOWN_NIGHTS", "three")
    one_line_error(runner.invoke(app, ["crawl"]), "DISCLOSURE_SITE_DOWN_NIGHTS", "three")


@pytest.mark.parametrize("command", [["fixtures", "serve"], ["demo"]])
def test_a_busy_replica_port(monkeypatch, command):
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        monkeypatch.setenv("DISCLOSURE_REPLICA_PORT", str(port))
        one_line_error(runner.invoke(app, command), f"port {port}", "DISCLOSURE_REPLICA_PORT")


def test_a_port_the_last_replica_just_closed_is_free():
    """`fixtures serve` stopped a moment ago: its port holds connections in TIME_WAIT, which the
    replica's server (SO_REUSEADDR) binds through; the check must not call that port busy."""
    from disclosure.cli import _require_free_port

    with socket.socket() as listener:
        listener.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        listener.bind(("127.0.0.1", 0))
        listener.listen()
        port = listener.getsockname()[1]
        client = socket.create_connection(("127.0.0.1", port))
        served, _ = listener.accept()
        served.close()  # the server closes first: its side of the connection waits in TIME_WAIT
        client.close()
    with socket.socket() as plain, pytest.raises(OSError):
        plain.bind(("127.0.0.1", port))  # what the check did before: "busy"
    _require_free_port(port, "")  # no UsageProblem


def test_report_on_an_unmigrated_store_says_to_upgrade(registry_env):
    one_line_error(runner.invoke(app, ["report"]), "run `disclosure db upgrade` first")
    one_line_error(runner.invoke(app, ["report", "--json"]), "run `disclosure db upgrade` first")


def test_export_and_review_on_an_unmigrated_store_say_to_upgrade(registry_env, tmp_path):
    """The export reads the store through psycopg itself, not SQLAlchemy: the same one line."""
    for args in (
        ["export", "cells", "-o", str(tmp_path / "c.csv")],
        ["export", "review", "-o", str(tmp_path / "r.parquet")],
        ["review", "list"],
    ):
        one_line_error(runner.invoke(app, args), "has no schema yet", "run `disclosure db upgrade` first")


def test_a_database_url_that_is_no_postgres_url_names_the_variable_not_the_password(monkeypatch, tmp_path):
    for url in ("notaurl", "mysql://analyst:s3cret-pass@db.example.org/x"):
        monkeypatch.setenv("DATABASE_URL", url)
        line = one_line_error(
            runner.invoke(app, ["report", "-o", str(tmp_path / "r")]), "DATABASE_URL", "postgresql://"
        )
        assert "s3cret-pass" not in line


@pytest.mark.db
def test_a_store_that_refuses_the_connection_is_one_line(monkeypatch, tmp_path):
    """A server down (or a wrong port) after the stages' wait: one line naming the store and
    DATABASE_URL, never SQLAlchemy's traceback; the password is not shown."""
    with socket.socket() as s:  # a loopback port nobody listens on
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    monkeypatch.setenv("DATABASE_URL", f"postgresql://analyst:s3cret-pass@127.0.0.1:{port}/none")
    monkeypatch.setenv("DISCLOSURE_DB_WAIT", "0")
    monkeypatch.setenv("DISCLOSURE_VAR_DIR", str(tmp_path / "var"))
    for args in (["report", "-o", str(tmp_path / "r")], ["export", "cells", "-o", str(tmp_path / "c.csv")]):
        result = runner.invoke(app, args)
        line = one_line_error(result, "cannot connect to the store", f"127.0.0.1:{port}", "DATABASE_URL")
        assert "s3cret-pass" not in line and "Connection refused" in line


def test_report_on_a_store_no_crawl_filled_says_to_run(registry_env, tmp_path):
    from warehouse.migrate import upgrade

    upgrade(registry_env)  # `disclosure db upgrade` only: the schema, no site, no filing
    for args in (["report", "-o", str(tmp_path / "report")], ["report", "--json"]):
        one_line_error(runner.invoke(app, args), "holds no sites yet", "run `disclosure run`")
    assert not (tmp_path / "report").exists()


def test_an_unfilled_replica_url_is_caught_before_crawling_and_never_recorded(registry_env):
    from sqlalchemy import create_engine, text

    from warehouse.migrate import upgrade

    upgrade(registry_env)
    for command in (["crawl", "replica-datong-trs"], ["run"]):
        one_line_error(runner.invoke(app, command), "{replica}", "disclosure fixtures serve", "DISCLOSURE_REPLICA_BASE")
    engine = create_engine(registry_env)
    with engine.connect() as conn:
        assert conn.execute(text("SELECT count(*) FROM disclosure.crawl_run")).scalar() == 0
        assert conn.execute(text("SELECT count(*) FROM disclosure.alert")).scalar() == 0
    engine.dispose()


def test_the_crawl_stage_refuses_an_unfilled_url_too(registry_env):
    """The DAG calls the stage directly: it raises before any site is crawled or recorded."""
    from disclosure import pipeline

    ctx = pipeline.context()
    with pytest.raises(pipeline.UnfilledStartUrl, match="fixtures serve"):
        pipeline.crawl(ctx, ["replica-xinzhou-static"])


def test_export_of_a_jurisdiction_that_matches_nothing(registry_env):
    from warehouse.migrate import upgrade

    upgrade(registry_env)
    one_line_error(
        runner.invoke(app, ["export", "cells", "-o", "/tmp/x.csv", "--jurisdiction", "nowhere"]),
        "'nowhere'",
        "matches no jurisdiction",
    )


def test_version_and_no_traceback_from_the_console_script(tmp_path):
    done = subprocess.run([sys.executable, "-m", "disclosure.cli", "--version"], capture_output=True, text=True)
    assert done.returncode == 0 and done.stdout.startswith("disclosure-watch ")
    done = subprocess.run(
        [sys.executable, "-m", "disclosure.cli", "export", "cells", "-o", str(tmp_path / "missing" / "c.csv")],
        capture_output=True,
        text=True,
    )
    assert done.returncode == 2 and "Traceback" not in done.stderr
    assert done.stderr.strip().splitlines() == [
        f"error: {tmp_path / 'missing' / 'c.csv'}: the folder {tmp_path / 'missing'} does not exist"
    ]


def test_airflow_on_a_busy_port(monkeypatch, tmp_path):
    monkeypatch.setenv("DISCLOSURE_VAR_DIR", str(tmp_path / "var"))
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        one_line_error(runner.invoke(app, ["airflow", "--port", str(port)]), f"port {port}", "--port")


def test_local_airflow_settings_are_coherent_and_keep_their_secrets(monkeypatch, tmp_path):
    from disclosure.airflow_local import local_airflow_env
    from disclosure.settings import load_settings

    monkeypatch.setenv("DISCLOSURE_VAR_DIR", str(tmp_path / "var"))
    monkeypatch.setenv("DISCLOSURE_REGISTRY", "/somewhere/registry.yaml")
    env = local_airflow_env(load_settings(), 18999)
    assert env["AIRFLOW__CORE__EXECUTOR"] == "LocalExecutor"
    assert env["AIRFLOW__CORE__EXECUTION_API_SERVER_URL"] == "http://127.0.0.1:18999/execution/"
    assert env["AIRFLOW__API__PORT"] == "18999" and env["AIRFLOW_HOME"] == str(tmp_path / "var" / "airflow-local")
    assert env["AIRFLOW__CORE__DAGS_FOLDER"].endswith("/dags")
    assert env["DISCLOSURE_REGISTRY"] == "/somewhere/registry.yaml"  # the project's settings pass through
    again = local_airflow_env(load_settings(), 18999)  # a restart keeps the logins and task tokens valid
    assert again["AIRFLOW__API_AUTH__JWT_SECRET"] == env["AIRFLOW__API_AUTH__JWT_SECRET"]
    assert len(env["AIRFLOW__API_AUTH__JWT_SECRET"]) == 64
