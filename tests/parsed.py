"""Parses shared by the test modules: each real file and each seed PDF is parsed once a
session, not once in every test that reads it (parsing is pure). A seed's parse is handed out
as a copy, since some tests change what they were given to plant an error."""

from __future__ import annotations

import copy
import dataclasses
from functools import cache

from disclosure.settings import PROJECT_ROOT
from parsers import ParseResult, parse_bytes, parse_path

REAL = PROJECT_ROOT / "tests" / "real"


@cache
def real_parse(name: str) -> ParseResult:
    """tests/real/NAME as the parser reads it with the default settings (read, never change it)."""
    return parse_path(REAL / name)


@cache
def _seed_parse(seed: str) -> ParseResult:
    from replica.site import _rendered_fixture

    return parse_bytes(_rendered_fixture(seed), f"seed-{seed}.pdf")


def seed_parse(seed: str, source: str | None = None) -> ParseResult:
    """The seed's text PDF (conftest's `seed_pdfs`) parsed, a copy of its own, named `source`."""
    result = copy.deepcopy(_seed_parse(seed))
    return dataclasses.replace(result, source=source) if source else result
