"""`disclosure run`/`crawl`/`export` as a user and a script see them: exit codes, the JSON
summaries, the ten-second summary, and exports an analyst opens in Excel or pandas."""

import csv
import json

import pytest
from typer.testing import CliRunner

from disclosure.cli import app
from tests.conftest import query_rows

runner = CliRunner()


@pytest.fixture
def ran(env_settings):
    result = runner.invoke(app, ["run", "--json"])
    assert result.exit_code == 0, result.output
    return json.loads(result.stdout)


def test_run_json_summary_counts_what_the_store_holds(ran, env_settings, tmp_path):
    from disclosure import pipeline

    ctx = pipeline.context(env_settings)
    summary = ran["summary"]
    completeness = dict(query_rows(ctx, "SELECT status, count(*) FROM disclosure.completeness GROUP BY 1"))
    assert summary["missing"] == completeness["missing"] > 0
    # dt-ggzy's 2024 单位决算 (due 2025-09-09, published 09-15) and 2025 单位预算 (due 02-06, published 02-10)
    assert summary["late"] == completeness["late"] == 2
    assert summary["failed"]["sites"] == [] and summary["failed"]["files"] == 0
    # Rounding notes are kept apart from failures.
    by_status = dict(
        query_rows(
            ctx,
            """
        SELECT f.status, count(*) FROM disclosure.finding f JOIN disclosure.current_parse cp ON cp.id = f.parse_run_id
        GROUP BY 1""",
        )
    )
    assert summary["notes"]["rounding"] == by_status["rounding"] > 0
    assert summary["notes"]["not_evaluated"] == by_status.get("not_evaluated", 0)
    assert summary["failed"]["rules"] == by_status["failed"] > 0
    assert summary["new"]["file_versions"] == 2 and summary["new"]["parsed"] == 2
    assert summary["new"]["alerts"] == sum(summary["new"]["alerts_by_kind"].values()) > 0
    assert {c["site"] for c in ran["crawl"]} == {"replica-datong-trs", "replica-xinzhou-static"}

    again = runner.invoke(app, ["run"])  # nothing new the second time, and the table says so
    assert again.exit_code == 0
    assert "0 filings, 0 files, 0 parsed; 0 alerts" in again.output
    assert "missing" in again.output and "within rounding" in again.output

    shown = runner.invoke(app, ["report", "-o", str(tmp_path / "report")])  # the store's summary, no run
    assert shown.exit_code == 0, shown.output
    assert f"{completeness['missing']} filings past their due date" in shown.output
    assert f"{by_status['rounding']} within rounding" in shown.output and "0 filings, 0 files" not in shown.output


def test_run_and_crawl_exit_1_when_a_site_failed(env_settings, replica, caplog):
    import logging

    replica.behaviour.server_error_paths = {"/xinzhou/yjsgk/list.html"}
    with caplog.at_level(logging.WARNING, logger="disclosure.alerts"):
        result = runner.invoke(app, ["run", "--json"])
    assert result.exit_code == 1
    doc = json.loads(result.stdout)
    assert doc["summary"]["failed"]["sites"] == ["replica-xinzhou-static"]
    # The alerts are in the summary, by kind; the log's per-kind lines stay off the console.
    assert doc["alert"]["by_kind"]["site_failed"] == 1
    assert [r.getMessage() for r in caplog.records if r.name == "disclosure.alerts"] == []
    crawl = runner.invoke(app, ["crawl", "replica-xinzhou-static", "--json"])
    assert crawl.exit_code == 1
    assert [r["status"] for r in json.loads(crawl.stdout)] != ["ok"]
    ok = runner.invoke(app, ["crawl", "replica-datong-trs", "--json"])
    assert ok.exit_code == 0 and json.loads(ok.stdout)[0]["site"] == "replica-datong-trs"


def test_exports_open_in_excel_and_pandas(ran, tmp_path):
    import pandas as pd

    out = tmp_path / "cells.csv"
    result = runner.invoke(app, ["export", "cells", "-o", str(out), "--json"])
    assert result.exit_code == 0, result.output
    written = json.loads(result.stdout)
    raw = out.read_bytes()
    assert raw.startswith(b"\xef\xbb\xbf")  # Excel on a Chinese Windows reads it as UTF-8
    assert b'"01"' in raw  # table codes are quoted text
    with out.open(encoding="utf-8-sig") as fh:
        rows = list(csv.DictReader(fh))
    assert len(rows) == written["rows"] > 100
    keys = [
        (
            r["jurisdiction"],
            r["unit_code"],
            r["fiscal_year"],
            r["kind"],
            r["table_code"],
            len(r["row_key"]),
            r["row_key"],
            int(r["col"]),
        )
        for r in rows
    ]
    assert keys == sorted(keys)
    assert pd.read_csv(out, encoding="utf-8-sig", dtype={"table_code": str})["table_code"].iloc[0] == "01"

    parquet = tmp_path / "cells.parquet"
    assert runner.invoke(app, ["export", "cells", "-o", str(parquet)]).exit_code == 0
    frame = pd.read_parquet(parquet)
    assert frame["value_float"].dtype == "float64"
    total = frame[
        (frame.table_code == "01") & (frame.row_key == "27") & (frame.col == 1) & (frame.unit_code == "dt-ggzy")
    ]
    assert total["value_float"].iloc[0] == pytest.approx(584.83)
    assert str(total["value"].iloc[0]) == "584.830000"  # exact, decimal(38, 6)

    empty = runner.invoke(
        app, ["export", "findings", "-o", str(tmp_path / "f.csv"), "--from-year", "1990", "--to-year", "1990"]
    )
    assert empty.exit_code == 0 and "no rows of findings matched" in empty.output


def test_the_demo_summary_counts_its_own_night_not_every_night(ran, env_settings):
    """A second `make demo` on the same store: its summary's "new" is what that night did
    (nothing new on unchanged sites), not every alert and parse the store ever held."""
    from datetime import UTC, datetime

    from disclosure import pipeline
    from disclosure.cli import _demo_summary
    from reporting.run_summary import store_counts

    ctx = pipeline.context(env_settings)
    before_second = datetime.now(UTC)
    pipeline.run_once(ctx)
    with ctx.engine.connect() as conn:
        store = store_counts(conn)
        both = _demo_summary(conn, store, datetime(2000, 1, 1, tzinfo=UTC))["new"]
        second = _demo_summary(conn, store, before_second)["new"]
    # the first night's alerts, and its daily digest (not counted in the stage's new_alerts)
    assert both["alerts_by_kind"] == {**ran["alert"]["by_kind"], "digest": 1} and both["parsed"] > 0
    assert second["alerts"] == 0 and second["parsed"] == 0 and second["filings"] == 0


def test_the_summary_names_alerts_by_kind_the_most_frequent_first():
    from alerting.deliver import TITLES
    from reporting.run_summary import run_summary, summary_lines

    # The demo's night on the five replica sites, as its stages reported it.
    stages = {
        "crawl": [{"site": "replica-datong-trs", "status": "ok", "new_file_versions": 11, "new_filings": 13}],
        "parse": {"parsed": 11, "failed": 0},
        "alert": {
            "new_alerts": 182,
            "by_kind": {
                "digest": 1,
                "failed_identity": 70,
                "late_filing": 2,
                "missing_filing": 108,
                "unidentified_filing": 1,
            },
        },
    }
    store = {"completeness": {"missing": 108, "late": 2}, "findings": {"failed": 70}, "unidentified_filings": 1}
    new = dict((what, details) for what, details, _style in summary_lines(run_summary(stages, store), TITLES))["new"]
    assert new == (
        "13 filings, 11 files, 11 parsed; 182 alerts: 108 missing filings, 70 failed identities, "
        "2 late filings, 1 daily digest, 1 filing not identified"
    )
    one = {**stages, "alert": {"new_alerts": 2, "by_kind": {"site_failed": 1, "parse_failed": 1}}}
    new = dict((what, details) for what, details, _style in summary_lines(run_summary(one, store), TITLES))["new"]
    assert new.endswith("2 alerts: 1 file that failed to parse, 1 site failing")


def test_alerts_logged_as_one_warning_per_kind(caplog):
    import logging

    from alerting.deliver import TITLES, deliver

    alerts = [{"kind": "missing_filing", "subject": f"单位{i} 2020 单位决算 — missing"} for i in range(40)]
    alerts += [{"kind": "late_filing", "subject": "单位 2024 单位决算 — published late"}]
    with caplog.at_level(logging.WARNING, logger="disclosure.alerts"):
        assert deliver(alerts, []).channel == "log"
    assert sorted(r.getMessage() for r in caplog.records) == [
        f"ALERTS late_filing: 1 ({TITLES['late_filing']})",
        f"ALERTS missing_filing: 40 ({TITLES['missing_filing']})",
    ]
