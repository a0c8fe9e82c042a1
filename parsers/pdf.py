"""Text PDFs with pdfplumber: each page read once, table search only on ruled pages."""
from __future__ import annotations

import io
import re

import pdfplumber
from pdfminer.pdfdocument import PDFEncryptionError, PDFPasswordIncorrect
from pdfminer.pdfparser import PDFSyntaxError

from parsers.evaluations import parse_evaluation
from parsers.identity import identify
from parsers.narrative import extract_claims
from parsers.model import TABLE_CODES, ParseError, ParseResult, TableInfo
from parsers.tables import TableAssembler

TABLE_MARKER = re.compile(r"公开\s*(0?[1-9]|10)\s*表")
EMPTY_TABLE = "本表无数据"
EVALUATION_TITLE = re.compile(r"^.*绩效自评表.*$", re.MULTILINE)
# Parts other than the tables, recognised by their headings (a contents page lists them too).
PARTS = {"情况说明": re.compile(r"第三部分\s*情况说明|情况说明\s*$", re.MULTILINE),
         "名词解释": re.compile(r"第四部分\s*名词解释|名词解释\s*$", re.MULTILINE)}
CONTENTS = re.compile(r"目\s*录")
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
    except Exception as exc:  # pdfminer raises many kinds on broken files
        raise ParseError(source, f"unreadable PDF ({exc.__class__.__name__}: {exc})") from exc


def parse_pdf(data: bytes, source: str) -> ParseResult:
    pdf = _open(data, source)
    try:
        return _parse_pages(pdf, source)
    except ParseError:
        raise
    except Exception as exc:  # a truncated stream surfaces only when a page is read
        raise ParseError(source, f"failed while reading pages ({exc.__class__.__name__}: {exc})") from exc
    finally:
        pdf.close()


def _parse_pages(pdf: pdfplumber.PDF, source: str) -> ParseResult:
    tables: dict[str, TableInfo] = {code: TableInfo() for code in TABLE_CODES}
    assemblers: dict[str, TableAssembler] = {}
    current: TableAssembler | None = None
    first_text = ""
    text_chars = 0
    garbage_pages = 0
    narrative_pages: list[tuple[int, str]] = []
    evaluations: list[tuple[str, int, list]] = []  # (title, page, grid rows) in print order
    in_evaluations = False
    for number, page in enumerate(pdf.pages, start=1):
        text = page.extract_text() or ""
        text_chars += len(text.strip())
        if GARBAGE.search(text):
            garbage_pages += 1
        if number == 1:
            first_text = text
        marker = TABLE_MARKER.search(text)
        ruled = bool(page.lines or page.rects)
        evaluation_title = EVALUATION_TITLE.search(text) if ruled else None
        if evaluation_title:
            in_evaluations, current = True, None
            evaluations.append((evaluation_title.group(0).strip(), number, []))
        if in_evaluations and ruled and not marker:
            for grid in page.extract_tables():  # a continuation page adds rows to the last evaluation
                evaluations[-1][2].extend(grid)
            continue
        if marker:
            in_evaluations = False
            code = f"{int(marker.group(1)):02d}"
            current = assemblers.setdefault(code, TableAssembler(code))
            tables[code].status = "present"
            tables[code].pages.append(number)
            if EMPTY_TABLE in text:
                tables[code].status = "empty"
        grids = page.extract_tables() if ruled and current is not None else []
        for grid in grids:
            if current is not None and current.add_grid(grid, number) and not marker:
                if number not in tables[current.code].pages:
                    tables[current.code].pages.append(number)  # continuation page
        if not ruled:
            current = None  # narrative pages end the table section
            narrative_pages.append((number, text))
            if not CONTENTS.search(text):
                for part, heading in PARTS.items():
                    if heading.search(text):
                        tables.setdefault(part, TableInfo("present"))
                        tables[part].pages.append(number)
    if text_chars == 0:
        raise ParseError(source, "image-only PDF without a text layer (needs OCR)")
    if garbage_pages and garbage_pages * 2 >= len(pdf.pages):
        raise ParseError(source, "text layer is garbage ((cid:N) glyphs); needs OCR")
    for part in PARTS:
        tables.setdefault(part, TableInfo())
    identity = identify(first_text[:200])
    cells = [cell for code in sorted(assemblers) for cell in assemblers[code].cells]
    return ParseResult(
        source=source,
        unit=identity.unit,
        year=identity.year,
        kind=identity.kind,
        tables=tables,
        cells=cells,
        claims=[c.to_json() for c in extract_claims(narrative_pages)],
        evaluations=[parse_evaluation(title, rows, page, seq)
                     for seq, (title, page, rows) in enumerate(evaluations, start=1)],
        pages=len(pdf.pages),
    )
