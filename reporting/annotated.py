"""The filing as an annotated PDF: every open finding boxed and numbered on its page.

Each finding becomes one Square annotation (red border, its number and title as the
annotation's text, shown by every viewer on hover) around the cells it involves on its main
page, and its number is printed in red beside the box (a text object in the page content, so
that it shows in print and in viewers that hide annotations). Written with PDFium (pypdfium2),
which reads the filings too. Boxes come in display coordinates (parsers.model.Box); PDF
annotations live in the page's unrotated user space, y up, so they are turned back first.
"""

from __future__ import annotations

import ctypes
import io
from dataclasses import dataclass

from parsers.model import Box
from parsers.pdfium_doc import PDFIUM_LOCK, open_document

BORDER_PT = 1.5
PAD_PT = 2.0  # the box sits just outside the cells
LABEL_PT = 9.0
RED = (255, 0, 0)


@dataclass(frozen=True)
class Mark:
    number: int
    title: str
    box: Box  # on the displayed page (union of the finding's cells there)


def _wide(value: str):
    """A NUL-terminated UTF-16LE buffer, as PDFium's FPDF_WIDESTRING arguments want."""
    data = (value + "\x00").encode("utf-16-le")
    return ctypes.cast(ctypes.create_string_buffer(data, len(data)), ctypes.POINTER(ctypes.c_ushort))


def to_user_space(page, box: Box) -> tuple[float, float, float, float]:
    """(left, bottom, right, top) in the page's user space of a box on the displayed page:
    the inverse of parsers.pdf._page_view (mediabox origin, then the page's /Rotate)."""
    x0, y0, x1, y1 = page.get_mediabox()
    width, height = x1 - x0, y1 - y0
    rotation = page.get_rotation() % 360

    def back(x: float, top: float) -> tuple[float, float]:
        if rotation == 90:
            return x0 + top, y0 + x
        if rotation == 180:
            return x0 + width - x, y0 + top
        if rotation == 270:
            return x0 + width - top, y0 + height - x
        return x0 + x, y0 + height - top

    (ax, ay), (bx, by) = back(box.x0 - PAD_PT, box.top - PAD_PT), back(box.x1 + PAD_PT, box.bottom + PAD_PT)
    return min(ax, bx), min(ay, by), max(ax, bx), max(ay, by)


def _square(page, mark: Mark) -> None:
    import pypdfium2.raw as raw

    left, bottom, right, top = to_user_space(page, mark.box)
    annot = raw.FPDFPage_CreateAnnot(page.raw, raw.FPDF_ANNOT_SQUARE)
    try:
        raw.FPDFAnnot_SetRect(annot, raw.FS_RECTF(left, top, right, bottom))
        raw.FPDFAnnot_SetColor(annot, raw.FPDFANNOT_COLORTYPE_Color, *RED, 255)
        raw.FPDFAnnot_SetBorder(annot, 0.0, 0.0, BORDER_PT)
        raw.FPDFAnnot_SetFlags(annot, raw.FPDF_ANNOT_FLAG_PRINT)
        raw.FPDFAnnot_SetStringValue(annot, b"Contents", _wide(f"{mark.number}. {mark.title}"))
        raw.FPDFAnnot_SetStringValue(annot, b"T", _wide(f"#{mark.number}"))
    finally:
        raw.FPDFPage_CloseAnnot(annot)


def _label(document, page, mark: Mark) -> None:
    """The finding's number in red, just above the box's top-left corner, upright as displayed."""
    import math

    import pypdfium2.raw as raw

    above = Box(mark.box.page, mark.box.x0, mark.box.top - LABEL_PT - PAD_PT, mark.box.x0, mark.box.top - LABEL_PT)
    left, bottom, _right, _top = to_user_space(page, above)
    rotation = page.get_rotation() % 360
    angle = math.radians(rotation)  # the page turns clockwise when shown: the text turns back
    cos, sin = math.cos(angle), math.sin(angle)
    obj = raw.FPDFPageObj_NewTextObj(document.raw, b"Helvetica-Bold", ctypes.c_float(LABEL_PT))
    raw.FPDFText_SetText(obj, _wide(str(mark.number)))
    raw.FPDFPageObj_SetFillColor(obj, *RED, 255)
    x, y = {0: (left, bottom), 90: (left + LABEL_PT, bottom), 180: (left, bottom), 270: (left, bottom)}.get(
        rotation, (left, bottom)
    )
    raw.FPDFPageObj_Transform(obj, cos, sin, -sin, cos, x, y)
    raw.FPDFPage_InsertObject(page.raw, obj)


def annotate(pdf: bytes, source: str, marks: list[Mark]) -> bytes:
    """The PDF with one numbered box per mark; the original bytes stay in the archive untouched."""
    with PDFIUM_LOCK:
        document = open_document(pdf, source)
        try:
            by_page: dict[int, list[Mark]] = {}
            for mark in marks:
                if 1 <= mark.box.page <= len(document):
                    by_page.setdefault(mark.box.page, []).append(mark)
            for number, page_marks in sorted(by_page.items()):
                page = document[number - 1]
                for mark in page_marks:
                    _square(page, mark)
                    _label(document, page, mark)
                import pypdfium2.raw as raw

                raw.FPDFPage_GenerateContent(page.raw)
            out = io.BytesIO()
            document.save(out)
            return out.getvalue()
        finally:
            document.close()


def count_boxes(pdf: bytes, source: str = "annotated.pdf") -> list[tuple[int, str]]:
    """The Square annotations of a PDF: (page, its text), in page order (to check what annotate wrote)."""
    import pypdfium2.raw as raw

    found = []
    with PDFIUM_LOCK:
        document = open_document(pdf, source)
        try:
            for index in range(len(document)):
                page = document[index]
                for i in range(raw.FPDFPage_GetAnnotCount(page.raw)):
                    annot = raw.FPDFPage_GetAnnot(page.raw, i)
                    try:
                        if raw.FPDFAnnot_GetSubtype(annot) == raw.FPDF_ANNOT_SQUARE:
                            size = raw.FPDFAnnot_GetStringValue(annot, b"Contents", None, 0)
                            buffer = ctypes.create_string_buffer(size)
                            raw.FPDFAnnot_GetStringValue(
                                annot, b"Contents", ctypes.cast(buffer, ctypes.POINTER(raw.FPDF_WCHAR)), size
                            )
                            found.append((index + 1, buffer.raw[: size - 2].decode("utf-16-le")))
                    finally:
                        raw.FPDFPage_CloseAnnot(annot)
        finally:
            document.close()
    return found
