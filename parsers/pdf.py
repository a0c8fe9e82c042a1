"""Text PDFs with pdfplumber: each page read once, table search only on ruled pages."""
from __future__ import annotations

import io
import re
from typing import Iterator

import pdfplumber
from pdfminer.pdfdocument import PDFEncryptionError, PDFPasswordIncorrect
from pdfminer.pdfparser import PDFSyntaxError

from parsers.assemble import assemble
from parsers.document import Page
from parsers.model import ParseError, ParseResult

GARBAGE = re.compile(r"\(cid:\d+\)")


def _open(data: bytes, source: str) -> pdfplumber.PDF:
    try:
        pdf = pdfplumber.open(io.BytesIO(data))
        _ = pdf.pages  # forces the document catalogue to load
        return pdf
    except (PDFPasswordIncorrect, PDFEncryptionError) as exc:
        raise ParseError(source, f"encrypted PDF ({exc.__class__.__name__})") from exc
    except PDFSyntaxError as exc:
        raise ParseError(source, f"not a readable PDF: {exc}") from exc
    except Exception as exc:  # pdfminer raises many kinds on broken files; pdfplumber wraps them
        inner = exc.args[0] if exc.args and isinstance(exc.args[0], Exception) else exc.__cause__
        if isinstance(inner, (PDFPasswordIncorrect, PDFEncryptionError)):
            raise ParseError(source, "encrypted PDF: a password is needed to open it") from exc
        detail = f"{inner.__class__.__name__}: {inner}" if inner else f"{exc.__class__.__name__}: {exc}"
        raise ParseError(source, f"unreadable PDF ({detail})") from exc


class _TextLayer:
    """Counts what the text layer held, to tell a scan or a garbage layer from a text PDF."""

    def __init__(self) -> None:
        self.chars = 0
        self.garbage_pages = 0

    def pages(self, pdf: pdfplumber.PDF) -> Iterator[Page]:
        for number, page in enumerate(pdf.pages, start=1):
            text = page.extract_text() or ""
            self.chars += len(text.strip())
            if GARBAGE.search(text):
                self.garbage_pages += 1
            yield Page(number, text, bool(page.lines or page.rects), page.extract_tables)


def parse_pdf(data: bytes, source: str) -> ParseResult:
    pdf = _open(data, source)
    layer = _TextLayer()
    try:
        result = assemble(layer.pages(pdf), source)
    except ParseError:
        raise
    except Exception as exc:  # a truncated stream surfaces only when a page is read
        raise ParseError(source, f"failed while reading pages ({exc.__class__.__name__}: {exc})") from exc
    finally:
        pdf.close()
    if layer.chars == 0 or (layer.garbage_pages and layer.garbage_pages * 2 >= result.pages):
        from parsers.ocr import parse_scanned  # a scan, or a text layer of (cid:N) glyphs: read the images

        return parse_scanned(data, source)
    return result
