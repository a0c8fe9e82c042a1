"""One entry point: bytes (or a path) → ParseResult, choosing the parser by content, not by name."""

from __future__ import annotations

from pathlib import Path

from parsers.bundle import member_source, merge_results, office_kind, open_checked_zip, read_member
from parsers.limits import Limits, exceeded
from parsers.model import ConfigurationError, ParseError, ParseResult
from parsers.sniff import sniff_media_type

# Members of a bundle that are not parts of a filing (pictures, signatures) are skipped.
BUNDLE_SKIP = (".jpg", ".jpeg", ".png", ".gif", ".txt", ".xml", ".ofd")


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
    media_type = sniff_media_type(data[:2048])
    if media_type == "application/pdf":
        from parsers.pdf import parse_pdf

        return parse_pdf(data, source, limits=limits)
    if media_type == "application/zip":
        return _parse_zip(data, source, limits, depth)
    if media_type == "application/x-ole-storage":
        return _parse_ole(data, source, limits)
    if media_type == "text/html":
        from parsers.flow import parse_html

        return parse_html(data, source)
    if media_type == "application/x-empty":
        raise ParseError(source, "empty file (0 bytes)")
    raise ParseError(source, f"unsupported format ({media_type}; first bytes {data[:8]!r})")


def _parse_zip(data: bytes, source: str, limits: Limits, depth: int) -> ParseResult:
    archive = open_checked_zip(data, source, limits)
    kind = office_kind(archive)
    if kind == "xlsx":
        from parsers.spreadsheet import parse_xlsx

        return parse_xlsx(data, source, limits)
    if kind == "docx":
        from parsers.flow import parse_docx

        return parse_docx(data, source)
    if depth >= limits.max_depth:
        raise ParseError(source, f"zip nested deeper than {limits.max_depth} levels: refused")
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


WORD_STREAM = "WordDocument\0".encode("utf-16-le")  # a directory entry: the name, then NUL
WORKBOOK_STREAMS = ("Workbook\0".encode("utf-16-le"), "Book\0".encode("utf-16-le"))


def _parse_ole(data: bytes, source: str, limits: Limits) -> ParseResult:
    """Old binary Office files, told apart by their stream names: XLS is read by xlrd; a Word
    97 DOC is converted to DOCX by LibreOffice first (no Python library reads its tables)."""
    if WORD_STREAM in data:
        from parsers.convert import convert
        from parsers.flow import parse_docx

        result = parse_docx(convert(data, source, ".doc", "docx"), source)
        result.problems.append("Word 97 DOC: read after conversion to DOCX by LibreOffice")
        return result
    if any(stream in data for stream in WORKBOOK_STREAMS):
        from parsers.spreadsheet import parse_xls

        return parse_xls(data, source, limits)
    raise ParseError(source, "damaged Office 97 file: neither a Word nor an Excel stream is listed in it")


def parse_path(path: str | Path) -> ParseResult:
    path = Path(path)
    try:
        data = path.read_bytes()
    except OSError as exc:
        raise ParseError(str(path), f"cannot read file: {exc.strerror}") from exc
    return parse_bytes(data, str(path))
