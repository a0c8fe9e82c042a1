"""The warehouse on real Postgres: analysts' views, completeness, parser-version replacement,
reparse, exports and the read-only role."""

import csv
import dataclasses
import uuid
from datetime import date
from decimal import Decimal

import pytest
from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url
from sqlalchemy.exc import ProgrammingError

from disclosure import pipeline
from tests.conftest import query_rows, query_scalar
from tests.parsed import seed_parse
from warehouse.export import ExportFilter, export_csv, export_parquet
from warehouse.load import load_parse
from warehouse.roles import reader_role


@pytest.fixture
def loaded(env_settings):
    ctx = pipeline.context(env_settings)
    pipeline.run_once(ctx)
    return ctx


def test_completeness_matrix_statuses(loaded):
    status = {
        (r.unit_code, r.fiscal_year): (r.status, r.due_on)
        for r in query_rows(
            loaded,
            """
        SELECT unit_code, fiscal_year, status, due_on FROM disclosure.completeness WHERE kind = '单位决算'""",
        )
    }
    # Datong approved 2024's accounts on 2025-08-20: due 20 days later; published 2025-09-15.
    assert status[("dt-ggzy", 2024)] == ("late", date(2025, 9, 9))
    # Xinzhou has no configured deadline: 2023's were due 2024-09-30 and came 2024-08-20.
    assert status[("xz-swbgs", 2023)][0] == "present"
    assert status[("xz-swbgs", 2022)][0] == "missing"
    # Its other years are missing once due. The replica's units owe every year up to last year's
    # accounts, so from 1 January the year just ended is owed and not yet due: the store's date decides.
    today = query_scalar(loaded, "SELECT current_date")
    past_due = {y: s for (u, y), (s, due) in status.items() if u == "dt-ggzy" and y != 2024 and due < today}
    assert set(past_due.values()) == {"missing"} and {2019, 2023} <= set(past_due)


def test_not_yet_due_withdrawn_and_unknown_deadlines(loaded):
    with loaded.engine.begin() as conn:
        conn.execute(
            text("""INSERT INTO disclosure.deadline (jurisdiction_id, kind, fiscal_year, due_on)
            SELECT id, '单位决算', 2025, DATE '2099-01-01' FROM disclosure.jurisdiction WHERE code = 'xinzhou'""")
        )
        conn.execute(
            text("UPDATE disclosure.jurisdiction SET publishes = ARRAY['决算', '预算'] WHERE code = 'xinzhou'")
        )
        conn.execute(text("SELECT disclosure.refresh_expected_filings()"))
        conn.execute(
            text(
                "UPDATE disclosure.filing SET status = 'withdrawn', withdrawn_at = now() "
                "WHERE title LIKE '中国共产党忻州%'"
            )
        )
    status = {
        (r.fiscal_year, r.kind): r.status
        for r in query_rows(
            loaded,
            """
        SELECT fiscal_year, kind, status FROM disclosure.completeness WHERE unit_code = 'xz-swbgs'""",
        )
    }
    assert status[(2025, "单位决算")] == "not_yet_due"
    assert status[(2023, "单位决算")] == "withdrawn"
    # budgets are owed too: Xinzhou has no budget deadline, so 2024's was due by default on 2024-03-31
    assert status[(2024, "单位预算")] == "missing"


def test_claims_are_stored_and_exported(loaded, tmp_path, seed_pdfs):
    counts = dict(query_rows(loaded, """SELECT claim_kind, count(*) FROM disclosure.narrative_claim GROUP BY 1"""))
    assert counts["amount"] > 60 and counts["percent"] > 10 and counts["change"] > 5
    sentence = query_rows(
        loaded,
        """SELECT sentence FROM disclosure.narrative_claim
                                WHERE restates = '01[31].1' AND value = 584.83""",
    )[0][0]
    assert "收入总计584.83万元" in sentence
    out = tmp_path / "claims.csv"
    assert export_csv(loaded.engine, "claims", ExportFilter("datong"), out) == len(seed_parse("001", "001").claims)


def test_longitudinal_series_and_jurisdiction_totals(loaded):
    series = query_rows(
        loaded,
        """SELECT fiscal_year, value FROM disclosure.cell_series
                              WHERE unit_code = 'dt-ggzy' AND table_code = '01' AND row_key = '27' AND col = 1""",
    )
    assert series == [(2024, Decimal("584.83"))]
    totals = {r.jurisdiction: r for r in query_rows(loaded, "SELECT * FROM disclosure.jurisdiction_totals")}
    assert totals["datong"].income_total == Decimal("584.83")
    assert totals["xinzhou"].expenditure_total == Decimal("2795.38")
    assert totals["datong"].project_expenditure == Decimal("350.66")


def test_same_parse_twice_changes_nothing_and_a_new_parser_version_replaces_the_old(loaded, seed_pdfs):
    (af_id,) = query_rows(loaded, "SELECT id FROM disclosure.archived_file WHERE source_url LIKE '%P0%'")[0]
    result = seed_parse("001", "again")
    with loaded.engine.begin() as conn:
        assert load_parse(conn, af_id, result) is None  # this version is loaded already
    before = query_rows(loaded, "SELECT count(*) FROM disclosure.cell")[0][0]
    newer = dataclasses.replace(result, parser_version="9.9.9", cells=[c for c in result.cells if c.table == "01"])
    with loaded.engine.begin() as conn:
        new_id = load_parse(conn, af_id, newer)
    runs = query_rows(
        loaded, "SELECT id, parser_version FROM disclosure.parse_run WHERE archived_file_id = :a", a=af_id
    )
    assert runs == [(new_id, "9.9.9")]
    after = query_rows(loaded, "SELECT count(*) FROM disclosure.cell")[0][0]
    assert after == before - len(result.cells) + len(newer.cells)
    # Its findings went with the old parse; the new parse is validated afresh.
    assert pipeline.validate(loaded)["parses"] == 1


def test_reparse_force_reprocesses_from_the_archive_alone(loaded, replica):
    served = len(replica.requests)
    old_ids = {r[0] for r in query_rows(loaded, "SELECT id FROM disclosure.parse_run")}
    cells = query_rows(loaded, "SELECT count(*) FROM disclosure.cell")[0][0]
    done = pipeline.parse_and_load(loaded, force=True)
    assert done["parsed"] == 2 and len(replica.requests) == served
    new_ids = {r[0] for r in query_rows(loaded, "SELECT id FROM disclosure.parse_run")}
    assert len(new_ids) == 2 and not (new_ids & old_ids)
    assert query_rows(loaded, "SELECT count(*) FROM disclosure.cell")[0][0] == cells


def test_exports_filter_by_jurisdiction_tree_and_years(loaded, tmp_path):
    out = tmp_path / "cells.csv"
    n_all = export_csv(loaded.engine, "cells", ExportFilter("shanxi"), out)
    n_datong = export_csv(loaded.engine, "cells", ExportFilter("datong"), out)
    with out.open(encoding="utf-8-sig") as fh:  # the CSV starts with a BOM (Excel)
        rows = list(csv.DictReader(fh))
    assert len(rows) == n_datong and 0 < n_datong < n_all
    assert {r["jurisdiction"] for r in rows} == {"datong"}
    total = next(r for r in rows if (r["table_code"], r["row_key"], r["col"]) == ("01", "27", "1"))
    assert total["value"] == "584.83"
    assert export_csv(loaded.engine, "cells", ExportFilter("shanxi", 2024, 2024), out) == n_datong

    import pyarrow.parquet as pq

    pq_path = tmp_path / "completeness.parquet"
    n = export_parquet(loaded.engine, "completeness", ExportFilter("xinzhou"), pq_path, chunk_rows=3)
    table = pq.read_table(pq_path)
    assert table.num_rows == n > 3  # several chunks, one schema
    statuses = {
        (year, kind): status
        for year, kind, status in zip(*(table.column(c).to_pylist() for c in ("fiscal_year", "kind", "status")))
    }
    assert statuses[(2023, "单位决算")] == "present" and statuses[(2023, "单位预算")] == "missing"
    assert set(table.column("due_basis").to_pylist()) == {"default"}  # Xinzhou sets no deadline
    cells = tmp_path / "cells.parquet"
    export_parquet(loaded.engine, "cells", ExportFilter("datong"), cells)
    values = pq.read_table(cells).column("value").to_pylist()
    assert Decimal("584.83") in values


def test_analysts_read_only_role(loaded):
    login = f"analyst_{uuid.uuid4().hex[:8]}"
    with loaded.engine.begin() as conn:
        conn.execute(text(f"CREATE ROLE {login} LOGIN IN ROLE {reader_role(loaded.engine.url.database)}"))
    url = make_url(loaded.engine.url.render_as_string(hide_password=False)).set(username=login, password=None)
    analyst = create_engine(url)
    try:
        with analyst.connect() as conn:
            assert conn.execute(text("SELECT count(*) FROM disclosure.completeness")).scalar() > 0
            with pytest.raises(ProgrammingError, match="permission denied"):
                conn.execute(text("DELETE FROM disclosure.cell"))
    finally:
        analyst.dispose()
        with loaded.engine.begin() as conn:
            conn.execute(text(f"DROP ROLE {login}"))


def test_a_corrected_file_resolves_its_open_finding(env_settings, replica):
    """A misprint planted in the published PDF fails an identity; the corrected file resolves it."""
    from replica.render_pdf import render_pdf

    ctx = pipeline.context(env_settings)
    path = "/xinzhou/files/swbgs2023js.pdf"
    good = replica.routes[path].body
    fixture = replica.filings["002"]
    row = next(r for r in fixture.tables["01"].rows if len(r) > 5 and r[4] == "39")
    printed = row[5]
    row[5] = "150.52"  # the published file misprints 140.52
    replica.routes[path].body = render_pdf(fixture)
    row[5] = printed
    pipeline.run_once(ctx)
    planted = {"01.expenditure_sum", "03.class_208_vs_01"}
    # (the filing's own real failures: its self-evaluations and its growth rates, tests/real/truth/defects/careful.json)
    tables_sql = "SELECT rule_id, status FROM disclosure.finding_status WHERE family NOT IN ('perf', 'careful')"
    assert set(query_rows(ctx, tables_sql)) == {(rule, "open") for rule in planted}
    open_rules = {r.rule_id for r in query_rows(ctx, "SELECT rule_id FROM disclosure.open_findings")}
    assert planted <= open_rules

    replica.routes[path].body = good  # the unit publishes a corrected edition in place
    corrected = pipeline.run_once(ctx)
    assert set(query_rows(ctx, tables_sql)) == {(rule, "resolved") for rule in planted}
    assert corrected["alerts"]["by_kind"]["resolved_identity"] == 2  # announced once…
    assert "resolved_identity" not in pipeline.run_once(ctx)["alerts"]["by_kind"]  # …and only once
    # The filing's own real failures (its self-evaluations) stay open: the correction did not touch them.
    assert {
        r.status
        for r in query_rows(ctx, "SELECT status FROM disclosure.finding_status WHERE family IN ('perf', 'careful')")
    } == {"open"}
    assert not planted & {r.rule_id for r in query_rows(ctx, "SELECT rule_id FROM disclosure.open_findings")}
