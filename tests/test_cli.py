"""The `disclosure` command line: help everywhere, the parse/validate JSON contracts, report."""

import json
import subprocess
import sys

import pytest
from typer.testing import CliRunner

from disclosure.cli import app

runner = CliRunner()
COMMANDS = [
    [],
    ["db"],
    ["db", "upgrade"],
    ["db", "downgrade"],
    ["db", "current"],
    ["db", "readonly-role"],
    ["parse"],
    ["validate"],
    ["rules"],
    ["crawl"],
    ["run"],
    ["report"],
    ["demo"],
    ["fixtures"],
    ["fixtures", "build"],
    ["fixtures", "render"],
    ["fixtures", "serve"],
    ["fixtures", "derive"],
    ["export"],
    ["reparse"],
    ["docs"],
    ["airflow"],
    ["airflow", "init"],
]


@pytest.mark.parametrize("command", COMMANDS, ids=lambda c: " ".join(c) or "disclosure")
def test_every_command_has_help(command):
    result = runner.invoke(app, [*command, "--help"])
    assert result.exit_code == 0, result.output
    assert "Usage" in result.output


def test_parse_json_contract(tmp_path, seed_pdfs):
    pdf = tmp_path / "f.pdf"
    pdf.write_bytes(seed_pdfs["001"])
    out = subprocess.run(
        [sys.executable, "-m", "disclosure.cli", "parse", str(pdf), "--json"],
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    doc = json.loads(out)
    assert doc["unit"] == "大同市公共资源交易中心（大同市政府采购中心）" and doc["year"] == 2024
    assert {"table": "01", "row": "27", "col": 1, "value": "584.83"}.items() <= next(
        c for c in doc["cells"] if c["table"] == "01" and c["row"] == "27"
    ).items()
    assert doc["tables"]["07"] == {"status": "empty", "pages": [11], "amount_unit": "万元", "evidence": "marker"}
    assert doc["status"] == "filing" and doc["template"] and "10" in doc["required_tables"]
    assert doc["unit_code"] == "032003"


def test_parse_of_a_bad_file_exits_2_naming_it(tmp_path):
    bad = tmp_path / "error-page.pdf"
    bad.write_text("<html><body>系统繁忙</body></html>", encoding="utf-8")
    result = runner.invoke(app, ["parse", str(bad)])
    assert result.exit_code == 2
    assert "error-page.pdf" in result.output and "HTML page" in result.output


def test_validate_json_without_a_database(tmp_path, seed_pdfs):
    pdf = tmp_path / "f.pdf"
    pdf.write_bytes(seed_pdfs["001"])
    result = runner.invoke(app, ["validate", str(pdf), "--json"])
    assert result.exit_code == 1  # seed 001's narrative miscounts its self-evaluations
    assert {f["rule_id"] for f in json.loads(result.stdout)["findings"] if f["status"] == "failed"} == {"perf.count"}
    doc = json.loads(result.stdout)
    finding = next(f for f in doc["findings"] if f["rule_id"] == "01.expenditure_sum")
    assert finding == {**finding, "status": "rounding", "expected": "584.54", "actual": "584.55", "difference": "0.01"}


def test_rules_json_lists_the_catalogue():
    result = runner.invoke(app, ["rules", "--json"])
    rules = json.loads(result.stdout)
    assert {
        "id": "01.balance",
        "family": "within_table",
        "title": "收入总计 equals 支出总计",
        "formula": "01[31].1 = 01[62].2",
        "when": [],
    } in rules
    conditional = next(r for r in rules if r["id"] == "10.running_costs_vs_06")
    assert conditional["when"] == ["10[5].1", "10[6].1"]
    families = {r["family"] for r in rules}
    assert families >= {
        "within_table",
        "hierarchy",
        "cross_table",
        "inequality",
        "narrative",
        "perf",
        "xyear",
        "required",
    }
    assert "perf.rate" in {r["id"] for r in rules} and "required.06" in {r["id"] for r in rules}


def test_report_json_after_a_run(env_settings):
    assert runner.invoke(app, ["run"]).exit_code == 0
    result = runner.invoke(app, ["report", "--json"])
    summary = json.loads(result.stdout)
    assert summary["units"] == 2
    assert summary["filings_by_status"] == {"present": 3}
    assert summary["parses_by_status"] == {"ok": 2}
    assert summary["findings_by_family"]["within_table:rounding"] == 5
    assert summary["findings_by_family"]["cross_table:rounding"] == 1
    assert "within_table:failed" not in summary["findings_by_family"]


def test_the_next_steps_name_the_command_as_it_can_be_run(monkeypatch, tmp_path):
    """`make demo` starts .venv/bin/disclosure, which a new shell does not find: its "next:"
    line says `.venv/bin/disclosure run`; with the venv activated (on PATH), `disclosure run`."""
    from disclosure.cli import _command_name

    monkeypatch.setenv("PATH", str(tmp_path))
    monkeypatch.setattr(sys, "argv", [".venv/bin/disclosure", "demo"])
    assert _command_name() == ".venv/bin/disclosure"
    script = tmp_path / "disclosure"
    script.write_text("#!/bin/sh\n")
    script.chmod(0o755)
    monkeypatch.setattr(sys, "argv", [str(script), "demo"])
    assert _command_name() == "disclosure"
    monkeypatch.setattr(sys, "argv", ["/somewhere/disclosure/cli.py", "demo"])  # python -m disclosure.cli
    assert _command_name() == "disclosure"
