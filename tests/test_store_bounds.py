"""Store-side items of issue #17: a bundle repeating its tables loads, a file the store refuses
is a recorded failed parse with an alert (never retried silently every night)."""

import dataclasses

import pytest
from sqlalchemy import create_engine, text

from archive.store import store_bytes
from disclosure import pipeline
from disclosure.settings import load_settings
from parsers import parse_bytes
from parsers.model import Cell
from replica import hostile
from replica.render_formats import render_xlsx
from replica.render_pdf import render_pdf
from replica.seeds import load_fixture
from tests.conftest import FIXTURES, query_rows
from warehouse.load import load_parse


@pytest.fixture(scope="module")
def filing():
    return load_fixture(FIXTURES / "seed_002.json")


@pytest.fixture(scope="module")
def repeats(filing) -> bytes:
    return hostile.bundle_of_repeats({"决算公开.pdf": render_pdf(filing), "决算报表.xlsx": render_xlsx(filing)})


def test_a_bundle_repeating_its_tables_keeps_one_value_per_cell_and_says_so(repeats, filing):
    pdf = parse_bytes(render_pdf(filing), "决算公开.pdf")
    result = parse_bytes(repeats, "bundle.zip")
    keys = [(c.table, c.row, c.col) for c in result.cells]
    assert len(keys) == len(set(keys)) and result.cell_map() == pdf.cell_map()
    notes = [p for p in result.problems if p.startswith("table 01 ")]
    assert notes == ["table 01 is in 决算公开.pdf and in 决算报表.xlsx (the same cells): read from 决算公开.pdf"]
    claim = lambda c: (c["kind"], c["value"], c["sentence"])  # noqa: E731
    assert [claim(c) for c in result.claims] == [claim(c) for c in pdf.claims]


def test_a_bundle_whose_copies_differ_says_in_how_many_cells(filing):
    from parsers.bundle import merge_results

    pdf = parse_bytes(render_pdf(filing), "b.zip!a.pdf")
    altered = dataclasses.replace(
        pdf,
        source="b.zip!b.pdf",
        cells=[
            dataclasses.replace(c, value=c.value + 1) if (c.table, c.row, c.col) == ("01", "1", 1) else c
            for c in pdf.cells
        ],
    )
    merged = merge_results([pdf, altered], "b.zip", [])
    assert "table 01 is in a.pdf and in b.pdf (copies differing in 1 cells): read from a.pdf" in merged.problems
    assert merged.cell_map() == pdf.cell_map() and merged.pages == 2 * pdf.pages


def _one_filing_with_files(engine, archive, files: dict[str, bytes]) -> dict[str, int]:
    """A site, a filing and its archived files, as a crawl records them: {url: archived_file_id}."""
    ids = {}
    with engine.begin() as conn:
        j = conn.execute(
            text("INSERT INTO disclosure.jurisdiction (code, name, level) VALUES ('dt', '大同市', 'city') RETURNING id")
        ).scalar()
        s = conn.execute(
            text(
                "INSERT INTO disclosure.site (key, jurisdiction_id, family, start_urls) "
                "VALUES ('dt-site', :j, 'static_list', ARRAY['http://127.0.0.1/']) RETURNING id"
            ),
            {"j": j},
        ).scalar()
        f = conn.execute(
            text(
                "INSERT INTO disclosure.filing (site_id, detail_url, detail_key, title) "
                "VALUES (:s, 'http://127.0.0.1/a.html', '//127.0.0.1/a.html', '2023年度部门决算') RETURNING id"
            ),
            {"s": s},
        ).scalar()
        for url, data in files.items():
            sha, key = store_bytes(archive, data)
            ids[url] = conn.execute(
                text("""
                INSERT INTO disclosure.archived_file (filing_id, sha256, source_url, final_url, fetched_at,
                    http_status, storage_key, size_bytes, media_type)
                VALUES (:f, :sha, :u, :u, now(), 200, :k, :n, 'application/zip') RETURNING id"""),
                {"f": f, "sha": sha, "u": url, "k": key, "n": len(data)},
            ).scalar()
    return ids


@pytest.fixture
def store(migrated_url, tmp_path, monkeypatch):
    monkeypatch.setenv("DATABASE_URL", migrated_url)
    monkeypatch.setenv("DISCLOSURE_VAR_DIR", str(tmp_path / "var"))
    engine = create_engine(migrated_url)
    yield engine
    engine.dispose()


def test_the_bundle_of_repeats_loads(store, repeats):
    ids = _one_filing_with_files(store, load_settings().archive, {"http://127.0.0.1/bundle.zip": repeats})
    with store.begin() as conn:
        run_id = load_parse(conn, ids["http://127.0.0.1/bundle.zip"], parse_bytes(repeats, "bundle.zip"))
    assert query_rows(store, "SELECT count(*) FROM disclosure.cell WHERE parse_run_id = :r", r=run_id)[0][0] > 100


def test_a_file_the_store_refuses_is_a_failed_parse_with_an_alert(store, repeats, monkeypatch):
    # What the bundle bug produced: a parse holding one cell twice, which the cell table refuses.
    import parsers.dispatch

    real_parse = parsers.dispatch.parse_bytes

    def parse_with_repeated_cell(data, source, limits=None, depth=0):
        result = real_parse(data, source, limits, depth)
        if source.endswith("broken.zip"):
            result.cells.append(Cell(**{**result.cells[0].__dict__}))
        return result

    monkeypatch.setenv("DISCLOSURE_PARSE_TIMEOUT", "0")  # in this process, so the patch applies
    monkeypatch.setattr(parsers.dispatch, "parse_bytes", parse_with_repeated_cell)
    ids = _one_filing_with_files(
        store,
        load_settings().archive,
        {"http://127.0.0.1/good.zip": repeats, "http://127.0.0.1/broken.zip": repeats + b"\0"},
    )
    ctx = pipeline.context(load_settings())
    done = pipeline.parse_and_load(ctx)
    assert done["parsed"] == 1 and done["failed"] == 1
    assert "http://127.0.0.1/broken.zip: load failed: UniqueViolation" in done["errors"][0]
    runs = dict(query_rows(store, "SELECT archived_file_id, status FROM disclosure.parse_run"))
    assert runs == {ids["http://127.0.0.1/good.zip"]: "ok", ids["http://127.0.0.1/broken.zip"]: "failed"}
    assert pipeline.parse_and_load(ctx)["parsed"] == 0  # recorded: not retried on the next night
    alerts = pipeline.alert(ctx, urls=[])
    assert alerts["by_kind"].get("parse_failed") == 1


def test_a_file_past_the_parse_time_limit_is_a_failed_parse_and_the_next_file_loads(store, filing, monkeypatch):
    from replica.render_scan import render_scanned
    from replica.site import _rendered_fixture

    monkeypatch.setenv("DISCLOSURE_PARSE_TIMEOUT", "10")
    # A scan of seed 001's 56 pages goes to OCR: reading them takes well over 10 s (about 1.3 s a
    # page; blank pages would not: the reader skips pages without ink); the workbook after it
    # parses in a second (the child's start is not counted in its time).
    scan = render_scanned(_rendered_fixture("001"))
    ids = _one_filing_with_files(
        store,
        load_settings().archive,
        {"http://127.0.0.1/scan.pdf": scan, "http://127.0.0.1/tables.xlsx": render_xlsx(filing)},
    )
    ctx = pipeline.context(load_settings())
    done = pipeline.parse_and_load(ctx)
    assert done["parsed"] == 1 and done["failed"] == 1, done
    runs = {
        af: (status, error)
        for af, status, error in query_rows(store, "SELECT archived_file_id, status, error FROM disclosure.parse_run")
    }
    assert runs[ids["http://127.0.0.1/tables.xlsx"]] == ("ok", None)
    status, error = runs[ids["http://127.0.0.1/scan.pdf"]]
    assert status == "failed" and "parse running longer than 10 s exceeds the limit parse_timeout=10" in error
