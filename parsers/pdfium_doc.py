"""PDFium, shared by the text-PDF reader (parsers.pdf) and the scan renderer (parsers.ocr):
the one lock every call into it holds, and opening a document with errors that name the file."""

from __future__ import annotations

import threading

from parsers.model import ParseError

# PDFium is not thread-safe: every call into it, in any module, holds this lock.
PDFIUM_LOCK = threading.RLock()


def open_document(data: bytes, source: str):
    """A pypdfium2.PdfDocument of these bytes; call it holding PDFIUM_LOCK, close it likewise."""
    import pypdfium2 as pdfium
    import pypdfium2.raw as raw

    if b"%%EOF" not in data.rstrip()[-2048:]:
        # PDFium repairs a cut file silently and would read its first pages as the whole filing.
        raise ParseError(source, "unreadable PDF (truncated: no end-of-file marker)")
    try:
        return pdfium.PdfDocument(data)
    except pdfium.PdfiumError as exc:
        if exc.err_code in (raw.FPDF_ERR_PASSWORD, raw.FPDF_ERR_SECURITY):
            raise ParseError(source, "encrypted PDF: a password is needed to open it") from exc
        raise ParseError(source, f"unreadable PDF ({exc})") from exc
