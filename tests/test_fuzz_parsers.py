"""Fuzzing the parsers with mutated real files: whatever the bytes, a parse returns a result or
raises ParseError naming the file; no other exception escapes (issue #10)."""

import dataclasses

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from parsers import ParseError, ParseResult, parse_bytes
from replica.render_formats import render_docx, render_html, render_xlsx, render_zip
from replica.render_pdf import render_pdf
from replica.seeds import load_fixture
from tests.conftest import FIXTURES

FUZZ = settings(
    max_examples=25,
    deadline=None,
    derandomize=True,
    print_blob=False,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)


def _small_filing():
    """Seed 001 cut to two tables, a few paragraphs and one evaluation: a few pages, fast to parse."""
    filing = load_fixture(FIXTURES / "seed_001.json")
    return dataclasses.replace(
        filing,
        tables={k: filing.tables[k] for k in ("01", "09")},
        narrative=filing.narrative[:4],
        evaluations=filing.evaluations[:1],
        glossary=[],
    )


SAMPLES = {}


def _sample(kind: str) -> bytes:
    if kind not in SAMPLES:
        filing = _small_filing()
        SAMPLES[kind] = {
            "pdf": render_pdf,
            "xlsx": render_xlsx,
            "docx": render_docx,
            "html": render_html,
            "zip": render_zip,
        }[kind](filing)
    return SAMPLES[kind]


@st.composite
def mutated(draw, kind: str) -> bytes:
    data = bytearray(_sample(kind))
    for _ in range(draw(st.integers(1, 6))):
        op = draw(st.sampled_from(["flip", "cut", "insert", "duplicate"]))
        at = draw(st.integers(0, max(len(data) - 1, 0)))
        if op == "flip" and data:
            data[at] = draw(st.integers(0, 255))
        elif op == "cut":
            del data[at : at + draw(st.integers(1, 4096))]
        elif op == "insert":
            data[at:at] = draw(st.binary(min_size=1, max_size=64))
        else:
            data[at:at] = data[at : at + draw(st.integers(1, 512))]
    return bytes(data)


def _parse_or_clear_error(data: bytes, name: str) -> None:
    try:
        result = parse_bytes(data, name)
    except ParseError as exc:
        assert exc.source == name and exc.reason
    else:
        assert isinstance(result, ParseResult)


@pytest.mark.parametrize("kind", ["pdf", "xlsx", "docx", "html", "zip"])
def test_unmutated_sample_parses(kind):
    result = parse_bytes(_sample(kind), f"sample.{kind}")
    assert {c.table for c in result.cells} == {"01", "09"}


# A PDF mutated out of its text layer goes to OCR (seconds a page): 40 s, so in `make test` only.
@pytest.mark.parametrize("kind", [pytest.param("pdf", marks=pytest.mark.slow), "xlsx", "docx", "html", "zip"])
def test_mutated_files_never_crash_the_parser(kind):
    # fewer examples of the PDF, for the same reason
    @settings(FUZZ, max_examples=10 if kind == "pdf" else 25)
    @given(data=mutated(kind))
    def run(data):
        _parse_or_clear_error(data, f"fuzzed.{kind}")

    run()


@FUZZ
@given(st.binary(max_size=4096))
def test_random_bytes_never_crash_the_parser(data):
    _parse_or_clear_error(data, "random.bin")
