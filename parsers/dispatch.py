"""One entry point: bytes (or a path) → ParseResult, choosing the parser by content."""
from __future__ import annotations

from pathlib import Path

from parsers.model import ParseError, ParseResult
from parsers.sniff import sniff_media_type


def parse_bytes(data: bytes, source: str) -> ParseResult:
    media_type = sniff_media_type(data[:2048])
    if media_type == "application/pdf":
        from parsers.pdf import parse_pdf

        return parse_pdf(data, source)
    if media_type == "application/x-empty":
        raise ParseError(source, "empty file (0 bytes)")
    if media_type == "text/html":
        raise ParseError(source, "an HTML page, not a filing document (error page served in place of a file?)")
    raise ParseError(source, f"unsupported format {media_type} (only text PDF is parsed so far)")


def parse_path(path: str | Path) -> ParseResult:
    path = Path(path)
    try:
        data = path.read_bytes()
    except OSError as exc:
        raise ParseError(str(path), f"cannot read file: {exc.strerror}") from exc
    return parse_bytes(data, str(path))
