"""Zip containers: the archive checks every zip-based format shares, and zip bundles of filings."""

from __future__ import annotations

import io
import zipfile
from pathlib import PurePosixPath

from parsers.careful import merge_readings
from parsers.limits import Limits
from parsers.model import ParseError, ParseResult, TableInfo


def open_checked_zip(data: bytes, source: str, limits: Limits) -> zipfile.ZipFile:
    """Open a zip after checking its directory against the limits (bombs are refused unread)."""
    try:
        archive = zipfile.ZipFile(io.BytesIO(data))
    except zipfile.BadZipFile as exc:
        raise ParseError(source, f"corrupt zip container ({exc})") from exc
    members = archive.infolist()
    if len(members) > limits.max_members:
        raise ParseError(source, f"zip holds {len(members)} members (limit {limits.max_members})")
    total = sum(m.file_size for m in members)
    if total > limits.max_unpacked_bytes:
        raise ParseError(source, f"zip would unpack to {total} bytes (limit {limits.max_unpacked_bytes}): refused")
    for m in members:
        if m.compress_size and m.file_size / m.compress_size > limits.max_ratio and m.file_size > 1024 * 1024:
            raise ParseError(
                source,
                f"zip member {m.filename!r} compresses {m.file_size // m.compress_size}:1 "
                f"(limit {limits.max_ratio}:1): decompression bomb refused",
            )
    return archive


def read_member(archive: zipfile.ZipFile, info: zipfile.ZipInfo, source: str, limits: Limits) -> bytes:
    with archive.open(info) as handle:  # read no more than declared: a lying header is a bomb too
        data = handle.read(info.file_size + 1)
    if len(data) > info.file_size:
        raise ParseError(source, f"zip member {info.filename!r} is larger than its header says: refused")
    return data


def merge_results(parts: list[ParseResult], source: str, problems: list[str]) -> ParseResult:
    """One filing published as several files (tables as XLSX, narrative as DOCX, …). A table
    that two members both hold (the same filing as PDF and as XLSX) is taken from the first
    member holding it, in name order, and `problems` says so (and whether the copies differ):
    the store keeps one value per cell. Claims and evaluations repeated word for word are kept once."""
    units = {p.unit for p in parts if p.unit}
    if len(units) > 1:
        raise ParseError(source, f"bundle holds documents of several units: {sorted(units)}")
    first = next((p for p in parts if p.unit), parts[0])
    tables: dict[str, TableInfo] = {}
    owner: dict[str, ParseResult] = {}  # the member each table's cells come from
    repeated: list[str] = []
    offset = 0
    readings: list[tuple[dict, int]] = []  # each member's careful reading and its page offset
    cells, claims, evaluations = [], [], []
    seen_claims, seen_evaluations = set(), set()
    for part in parts:
        for code, info in part.tables.items():
            have = tables.get(code)
            if have is not None and have.status != "missing" and info.status != "missing":
                repeated.append(_repeat_note(code, owner[code], part))
                continue
            if have is None or (have.status == "missing" and info.status != "missing"):
                tables[code] = TableInfo(info.status, [offset + n for n in info.pages], info.amount_unit, info.evidence)
                owner[code] = part
        cells += [
            c.__class__(c.table, c.row, c.col, c.value, c.label, (c.page or 0) + offset or None)
            for c in part.cells
            if owner.get(c.table) is part
        ]
        # Repeats across members only: one document may say the same figure twice.
        claim_key = lambda c: (c.get("kind"), c.get("restates"), c.get("value"), c.get("sentence"))  # noqa: E731
        evaluation_key = lambda e: (
            e.get("scope"),
            e.get("title"),
            e.get("project_name"),  # noqa: E731
            e.get("total_score"),
        )
        # Boxes place text on a member's own pages, which the bundle has no one PDF of: dropped
        # (cells are rebuilt without theirs below).
        claims += [
            {**_unplaced(c), "page": (c.get("page") or 0) + offset, "seq": len(claims) + i}
            for i, c in enumerate((c for c in part.claims if claim_key(c) not in seen_claims), start=1)
        ]
        evaluations += [
            {**_unplaced(e), "page": (e.get("page") or 0) + offset, "seq": len(evaluations) + i}
            for i, e in enumerate((e for e in part.evaluations if evaluation_key(e) not in seen_evaluations), start=1)
        ]
        seen_claims |= {claim_key(c) for c in part.claims}
        seen_evaluations |= {evaluation_key(e) for e in part.evaluations}
        readings.append((part.reading, offset))
        offset += part.pages
    return ParseResult(
        source=source,
        unit=first.unit,
        year=first.year,
        kind=first.kind,
        tables=tables,
        cells=cells,
        claims=claims,
        evaluations=evaluations,
        pages=offset,
        problems=problems + repeated + [p for part in parts for p in part.problems],
        unit_code=next((p.unit_code for p in parts if p.unit_code), None),
        template=next((p.template for p in parts if p.template), None),
        required_tables=next((p.required_tables for p in parts if p.required_tables), ()),
        read_by_ocr=any(p.read_by_ocr for p in parts),
        reading=merge_readings(readings),
    )


def _unplaced(item: dict) -> dict:
    return {k: v for k, v in item.items() if k not in ("bbox", "boxes")}


def _repeat_note(code: str, kept: ParseResult, dropped: ParseResult) -> str:
    ours = {(c.row, c.col): c.value for c in kept.cells if c.table == code}
    theirs = {(c.row, c.col): c.value for c in dropped.cells if c.table == code}
    differ = sum(1 for k in ours.keys() | theirs.keys() if ours.get(k) != theirs.get(k))
    same = "the same cells" if not differ else f"copies differing in {differ} cells"
    return f"table {code} is in {_member(kept)} and in {_member(dropped)} ({same}): read from {_member(kept)}"


def _member(part: ParseResult) -> str:
    return part.source.rsplit("!", 1)[-1]


def member_source(source: str, name: str) -> str:
    return f"{source}!{PurePosixPath(name)}"
