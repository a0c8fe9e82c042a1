"""Cells OCR probably misread: a scan's figures that break a table identity are named, with
the page to check them against. Run where parsing and validation meet (disclosure.pipeline,
the CLI): parsers never import validation."""

from __future__ import annotations

from validation.catalogue import CROSS, HIERARCHY, WITHIN
from validation.core import FAILED
from validation.engine import validate_parse

# Identities between printed figures of the tables: a misread digit breaks them.
TABLE_FAMILIES = (WITHIN, HIERARCHY, CROSS)


def misread_problems(result) -> list[str]:
    """Problem lines for a parsers.ParseResult read by OCR; none for any other."""
    if not result.read_by_ocr:
        return []
    out = []
    for outcome in validate_parse(result):
        if outcome.status == FAILED and outcome.family in TABLE_FAMILIES:
            cells = ", ".join(f"{k}={v}" for k, v in list(outcome.cells.items())[:6])
            out.append(
                f"OCR: {outcome.rule_id} fails ({cells}); a cell was probably misread — check page "
                f"{', '.join(str(p) for p in outcome.pages) or '?'} of the scan"
            )
    return out


def flag_misreads(result):
    """The result with its probable OCR misreads added to its problems (once)."""
    for line in misread_problems(result):
        if line not in result.problems:
            result.problems.append(line)
    return result
