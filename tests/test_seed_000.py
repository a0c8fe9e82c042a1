"""Seed 000, the OCR text of a scanned filing, transcribed into a fixture (replica/transcribe.py):
the transcription is deterministic, the rendered filing parses to the hand-checked truth, and
as a scan (which is what the original is) OCR reads it back."""

import pytest

from parsers import parse_bytes
from replica.build import SEEDS_DIR, SHARED_SEEDS_DIR
from replica.render_pdf import render_pdf
from replica.render_scan import render_scanned
from replica.seeds import load_fixture
from replica.transcribe import transcribe
from tests.conftest import FIXTURES, truth, truth_cells
from validation.engine import validate_parse
from validation.misreads import flag_misreads


@pytest.fixture(scope="module")
def rendered() -> bytes:
    return render_pdf(load_fixture(FIXTURES / "transcribed_000.json"))


def test_transcription_is_deterministic_and_committed():
    assert transcribe(SEEDS_DIR, FIXTURES).to_json() + "\n" == (FIXTURES / "transcribed_000.json").read_text(
        encoding="utf-8"
    )


@pytest.mark.skipif(not SHARED_SEEDS_DIR.is_dir(), reason="../shared/seeds is not beside this clone")
def test_the_repository_copies_of_the_seeds_are_the_originals():
    originals = sorted(SHARED_SEEDS_DIR.glob("*.txt"))
    assert [p.name for p in originals] == sorted(p.name for p in SEEDS_DIR.glob("*.txt"))
    assert all((SEEDS_DIR / p.name).read_bytes() == p.read_bytes() for p in originals)


def test_rendered_seed_000_parses_to_its_truth(rendered):
    expected = truth("000")
    result = parse_bytes(rendered, "seed-000.pdf")
    got = result.cell_map()
    assert {k: got.get(k) for k in truth_cells("000")} == truth_cells("000")
    assert (result.unit, result.year, result.kind) == (expected["unit"], expected["year"], expected["kind"])
    assert sorted(code for code, info in result.tables.items() if info.status == "empty") == expected["empty_tables"]
    failed = sorted([o.rule_id, o.subject] for o in validate_parse(result) if o.status == "failed")
    assert failed == expected["expected_failures"]


@pytest.mark.slow
def test_seed_000_as_a_scan_is_read_back_by_ocr(rendered):
    """Cover and tables 01–03 of the transcribed filing, scanned: what seed 000 itself was."""
    reference = parse_bytes(rendered, "text")
    pages = [1] + sorted({p for code in ("01", "02", "03") for p in reference.tables[code].pages})
    result = flag_misreads(parse_bytes(render_scanned(rendered, pages=pages, seed=0), "scan-000.pdf"))
    want = {k: v for k, v in reference.cell_map().items() if k[0] in ("01", "02", "03")}
    got = result.cell_map()
    exact = sum(1 for k, v in want.items() if got.get(k) == v)
    assert exact / len(want) >= 0.98, {k: (v, got.get(k)) for k, v in want.items() if got.get(k) != v}
