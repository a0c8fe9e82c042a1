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


def _failures(result) -> int:
    return sum(1 for o in validate_parse(result) if o.status == FAILED and o.family in TABLE_FAMILIES)


def choose_alternatives(result):
    """For each cell OCR read doubtfully (parsers.ocr lists them in coverage["ocr_doubtful"]
    with the other readings it found plausible), keep the alternative that makes more table
    identities hold; a chosen cell stays listed (marked `chosen`) for review."""
    from dataclasses import replace
    from decimal import Decimal

    doubtful = result.coverage.get("ocr_doubtful") or []
    if not result.read_by_ocr or not any(d.get("alternatives") for d in doubtful):
        return result
    failures = _failures(result)
    for entry in doubtful:
        if not failures:
            break
        key = (entry["table"], entry["row"], entry["col"])
        index = next((i for i, c in enumerate(result.cells) if (c.table, c.row, c.col) == key), None)
        if index is None:
            continue
        original = result.cells[index]
        for alternative in entry.get("alternatives", []):
            result.cells[index] = replace(original, value=Decimal(alternative))
            now = _failures(result)
            if now < failures:
                failures = now
                entry["chosen"] = alternative
                entry["read"] = str(original.value)
                break
            result.cells[index] = original
    # The same figure misread the same way in several cells ("101" for 1.01 in a row and its
    # total): no single change makes an identity hold, all of them together may.
    groups: dict[tuple, list] = {}
    for entry in doubtful:
        if "chosen" not in entry:
            for alternative in entry.get("alternatives", []):
                groups.setdefault((entry["table"], entry["value"], alternative), []).append(entry)
    for (_table, _value, alternative), entries in groups.items():
        if not failures or len(entries) < 2 or any("chosen" in e for e in entries):
            continue
        keys = {(e["table"], e["row"], e["col"]) for e in entries}
        before = list(result.cells)
        result.cells = [
            replace(c, value=Decimal(alternative)) if (c.table, c.row, c.col) in keys else c for c in result.cells
        ]
        now = _failures(result)
        if now < failures:
            failures = now
            for e in entries:
                e["chosen"], e["read"] = alternative, e["value"]
        else:
            result.cells = before
    return result


def flag_misreads(result):
    """The result with OCR alternatives chosen by the identities, then its probable OCR
    misreads added to its problems (once)."""
    choose_alternatives(result)
    for line in misread_problems(result):
        if line not in result.problems:
            result.problems.append(line)
    return result
