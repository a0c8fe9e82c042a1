"""One entry point: bytes (or a path) → ParseResult, choosing the parser by content, not by name."""

from __future__ import annotations

from pathlib import Path

from parsers.bundle import member_source, merge_results, open_checked_zip, read_member
from parsers.formats import BUNDLE_SKIP, EMPTY, OLE, ZIP
from parsers.limits import Limits, exceeded
from parsers.model import ConfigurationError, ParseError, ParseResult
from parsers.sniff import ole_kind, sniff_kind, sniff_media_type, zip_kind


def parse_bytes(data: bytes, source: str, limits: Limits | None = None, depth: int = 0) -> ParseResult:
    """Parse one file. Every failure is a ParseError naming `source` and the reason: a broken
    file can make a library raise anything, and no such exception may reach the caller."""
    try:
        return _parse(data, source, limits or Limits.from_env(), depth)
    except (ParseError, ConfigurationError):
        raise
    except RecursionError as exc:
        raise ParseError(source, "structure nested too deeply to read") from exc
    except MemoryError as exc:
        raise ParseError(source, "file needs more memory than allowed to read") from exc
    except Exception as exc:
        raise ParseError(source, f"damaged file ({exc.__class__.__name__}: {str(exc)[:200]})") from exc


def _parse(data: bytes, source: str, limits: Limits, depth: int) -> ParseResult:
    if len(data) > limits.max_file_bytes:
        raise ParseError(source, exceeded("max_file_bytes", f"file of {len(data)} bytes", limits.max_file_bytes))
    container = sniff_media_type(data[:2048])
    if container == EMPTY:
        raise ParseError(source, "empty file (0 bytes)")
    if container == ZIP:  # its directory is checked against the limits before any member is named
        kind = zip_kind(open_checked_zip(data, source, limits).namelist())
    elif container == OLE:
        kind = ole_kind(data)
        if kind is None:
            raise ParseError(source, "damaged Office 97 file: neither a Word nor an Excel stream is listed in it")
    else:
        kind = sniff_kind(data)
    reader = READERS.get(kind)
    if reader is None:
        raise ParseError(source, f"unsupported format ({kind or container}; first bytes {data[:8]!r})")
    return reader(data, source, limits, depth)


def _read_pdf(data: bytes, source: str, limits: Limits, depth: int) -> ParseResult:
    from parsers.pdf import parse_pdf

    return parse_pdf(data, source, limits=limits)


def _read_xlsx(data: bytes, source: str, limits: Limits, depth: int) -> ParseResult:
    from parsers.spreadsheet import parse_xlsx

    return parse_xlsx(data, source, limits)


def _read_xls(data: bytes, source: str, limits: Limits, depth: int) -> ParseResult:
    from parsers.spreadsheet import parse_xls

    return parse_xls(data, source, limits)


def _read_docx(data: bytes, source: str, limits: Limits, depth: int) -> ParseResult:
    from parsers.flow import parse_docx

    return parse_docx(data, source)


def _read_doc(data: bytes, source: str, limits: Limits, depth: int) -> ParseResult:
    """A Word 97 DOC is converted to DOCX by LibreOffice first (no Python library reads its tables)."""
    from parsers.convert import convert
    from parsers.flow import parse_docx

    result = parse_docx(convert(data, source, ".doc", "docx"), source)
    result.problems.append("Word 97 DOC: read after conversion to DOCX by LibreOffice")
    return result


def _read_html(data: bytes, source: str, limits: Limits, depth: int) -> ParseResult:
    from parsers.flow import parse_html

    return parse_html(data, source)


def _read_bundle(data: bytes, source: str, limits: Limits, depth: int) -> ParseResult:
    """A zip of a filing's documents: each member parsed, the filing's parts merged."""
    if depth >= limits.max_depth:
        raise ParseError(source, f"zip nested deeper than {limits.max_depth} levels: refused")
    archive = open_checked_zip(data, source, limits)
    parts: list[ParseResult] = []
    failures: list[str] = []
    for info in sorted(archive.infolist(), key=lambda i: i.filename):
        if info.is_dir() or info.filename.lower().endswith(BUNDLE_SKIP):
            continue
        name = member_source(source, info.filename)
        try:
            parts.append(parse_bytes(read_member(archive, info, name, limits), name, limits, depth + 1))
        except ParseError as exc:
            failures.append(str(exc))
    if not parts:
        raise ParseError(
            source, "zip bundle holds no parseable document" + (f" ({'; '.join(failures)})" if failures else "")
        )
    from parsers.coverage import finish_bundle

    # A member that is not a filing (a checklist beside the PDF) is named, not merged.
    filings = [p for p in parts if p.status != "not_a_filing"] or parts
    result = finish_bundle(merge_results(filings, source, failures), parts)
    if result.reading:
        result.reading["document_status"] = result.status  # as for one file (parsers.assemble)
    return result


# The reader of every kind of parsers.formats.FORMATS that is read (tests/test_formats.py).
READERS = {
    "pdf": _read_pdf,
    "xlsx": _read_xlsx,
    "xls": _read_xls,
    "docx": _read_docx,
    "doc": _read_doc,
    "html": _read_html,
    "zip": _read_bundle,
}


def parse_path(path: str | Path) -> ParseResult:
    path = Path(path)
    try:
        data = path.read_bytes()
    except OSError as exc:
        raise ParseError(str(path), f"cannot read file: {exc.strerror}") from exc
    return parse_bytes(data, str(path))
