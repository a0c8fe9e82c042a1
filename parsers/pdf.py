"""Text PDFs: each page read once, table search only on ruled pages.

Two engines give the same pages. PDFium (the default) reads glyphs and rules in C and
`parsers.ruled` builds text and grids from them with pdfplumber's rules; pdfplumber itself is
the reference engine (DISCLOSURE_PDF_ENGINE=pdfplumber), five to ten times slower because
pdfminer interprets every glyph in Python. A test holds the two to the same ParseResult.
"""

from __future__ import annotations

import io
import re
from collections.abc import Callable, Iterator

from disclosure.settings import load_settings
from parsers.assemble import assemble
from parsers.document import Page
from parsers.limits import Limits, exceeded
from parsers.model import ConfigurationError, ParseError, ParseResult
from parsers.pdfium_doc import PDFIUM_LOCK, open_document

ENGINE_VARIABLE = "DISCLOSURE_PDF_ENGINE"  # disclosure.settings.Settings.pdf_engine
# A glyph the text layer cannot name: pdfminer's "(cid:N)", PDFium's U+FFFD, a private-use code.
GARBAGE = re.compile(r"\(cid:\d+\)|[\ufffd\ue000-\uf8ff]")
GARBAGE_SHARE = 0.1  # of a page's glyphs: one odd symbol is not a garbage layer, a tenth is


class TextLayer:
    """Counts what the text layer held, to tell a scan or a garbage layer from a text PDF."""

    def __init__(self, limits: Limits | None = None) -> None:
        self.chars = 0
        self.garbage_pages = 0
        self.limits = limits or Limits.from_env()

    def check_page_count(self, count: int, source: str) -> None:
        """Refused before any page is read: 100,000 blank pages cost minutes even unrendered."""
        if count > self.limits.max_pdf_pages:
            raise ParseError(source, exceeded("max_pdf_pages", f"PDF of {count} pages", self.limits.max_pdf_pages))

    def page(self, number: int, text: str, ruled: bool, find_grids: Callable | None, lines: list | None = None) -> Page:
        glyphs = len(re.sub(r"\s", "", GARBAGE.sub("?", text)))  # "(cid:12)" is one glyph
        self.chars += glyphs
        if glyphs and len(GARBAGE.findall(text)) >= GARBAGE_SHARE * glyphs:
            self.garbage_pages += 1
        return Page(number, text, ruled, find_grids, lines=lines or [])


# ---------------------------------------------------------------- PDFium


def _displayed_size(page) -> tuple[float, float]:
    x0, y0, x1, y1 = page.get_mediabox()
    width, height = x1 - x0, y1 - y0
    return (height, width) if page.get_rotation() % 180 == 90 else (width, height)


def _on_page(x0: float, top: float, x1: float, bottom: float, width: float, height: float) -> bool:
    """Some generators leave text and rules below the page box (a table's next page laid out
    off the sheet): what the rendered page does not show is not read. A glyph counts where its
    middle is; one cut by the edge is not legible."""
    return 0 <= (x0 + x1) / 2 <= width and 0 <= (top + bottom) / 2 <= height


def _clipped_edges(edges, width: float, height: float) -> list:
    """Rules cut at the page box (a ruled column running on below the sheet ends at its edge)."""
    out = []
    for edge in edges:
        across, along = (height, width) if edge.horizontal else (width, height)
        start, end = max(edge.start, 0.0), min(edge.end, along)
        if 0 <= edge.position <= across and end - start >= 1:
            out.append(edge._replace(start=start, end=end))
    return out


def _page_view(page) -> Callable[[float, float], tuple[float, float]]:
    """PDF user space (y up, unrotated) → the page as displayed: x to the right, y down from
    the top, after the page's /Rotate. Landscape tables are often portrait pages turned 90°."""
    x0, y0, x1, y1 = page.get_mediabox()
    width, height = x1 - x0, y1 - y0
    rotation = page.get_rotation() % 360
    if rotation == 90:
        return lambda x, y: (y - y0, x - x0)
    if rotation == 180:
        return lambda x, y: (width - (x - x0), y - y0)
    if rotation == 270:
        return lambda x, y: (height - (y - y0), width - (x - x0))
    return lambda x, y: (x - x0, height - (y - y0))


def _drawn_paths(page, form=None, level: int = 0, outer: tuple = ()):
    """Every path object of the page with the matrices that place it, innermost first: paths
    inside Form XObjects (stamps, merged pages, some report generators) are rules too."""
    import pypdfium2.raw as raw

    for obj in page.get_objects(max_depth=1, form=form, level=level):
        if obj.type == raw.FPDF_PAGEOBJ_PATH:
            yield obj, (obj.get_matrix(), *outer)
        elif obj.type == raw.FPDF_PAGEOBJ_FORM and level < 8:
            yield from _drawn_paths(page, obj, level + 1, (obj.get_matrix(), *outer))


def _path_edges(obj, matrices: tuple, view) -> list:
    """Axis-aligned segments of one drawn path, as rules on the displayed page."""
    import pypdfium2.raw as raw

    from parsers.ruled import Edge

    def place(px: float, py: float) -> tuple[float, float]:
        for m in matrices:
            px, py = m.a * px + m.c * py + m.e, m.b * px + m.d * py + m.f
        return view(px, py)

    x, y = raw.FS_FLOAT(), raw.FS_FLOAT()
    points: list[tuple[float, float]] = []
    start: tuple[float, float] | None = None
    edges = []

    def segment(p: tuple[float, float], q: tuple[float, float]) -> None:
        (x0, top0), (x1, top1) = p, q
        if abs(top0 - top1) < 0.01 and abs(x1 - x0) >= 1:
            edges.append(Edge(True, top0, min(x0, x1), max(x0, x1)))
        elif abs(x0 - x1) < 0.01 and abs(top1 - top0) >= 1:
            edges.append(Edge(False, x0, min(top0, top1), max(top0, top1)))

    for i in range(raw.FPDFPath_CountSegments(obj.raw)):
        seg = raw.FPDFPath_GetPathSegment(obj.raw, i)
        raw.FPDFPathSegment_GetPoint(seg, x, y)
        point = place(x.value, y.value)
        kind = raw.FPDFPathSegment_GetType(seg)
        if kind == raw.FPDF_SEGMENT_MOVETO:
            start = point
        elif kind == raw.FPDF_SEGMENT_LINETO and points:
            segment(points[-1], point)
        points.append(point)
        if raw.FPDFPathSegment_GetClose(seg) and start is not None:
            segment(point, start)
    return edges


def _pdfium_page(page, number: int, layer: TextLayer) -> Page:
    import pypdfium2.raw as raw

    from parsers.model import Box
    from parsers.ruled import Glyph, dedupe, find_grids, placed_lines

    view = _page_view(page)
    textpage = page.get_textpage()
    glyphs: list[Glyph] = []
    for i in range(textpage.count_chars()):
        if raw.FPDFText_IsGenerated(textpage.raw, i):
            continue  # the spaces and line breaks PDFium adds itself
        code = raw.FPDFText_GetUnicode(textpage.raw, i)
        if code == 0 or raw.FPDFText_HasUnicodeMapError(textpage.raw, i) == 1:
            code = 0xFFFD  # a glyph with no Unicode mapping: a garbage layer
        left, bottom, right, top = textpage.get_charbox(i, loose=True)
        (ax, atop), (bx, btop) = view(left, bottom), view(right, top)
        glyphs.append(Glyph(chr(code), min(ax, bx), min(atop, btop), max(ax, bx), max(atop, btop)))
    width, height = _displayed_size(page)
    glyphs = dedupe(g for g in glyphs if _on_page(g.x0, g.top, g.x1, g.bottom, width, height))
    edges = _clipped_edges(
        [edge for obj, matrices in _drawn_paths(page) for edge in _path_edges(obj, matrices, view)], width, height
    )
    placed = placed_lines(glyphs)
    lines = [(line, Box(number, *box)) for line, *box in placed]
    text = "\n".join(line for line, _box in lines)
    return layer.page(number, text, bool(edges), lambda: find_grids(glyphs, edges, number), lines)


def _pdfium_pages(data: bytes, source: str, layer: TextLayer) -> Iterator[Page]:
    # Glyphs and rules of every page are read in one go under the lock; text and grids are
    # built from them afterwards, in Python, without it.
    with PDFIUM_LOCK:
        document = open_document(data, source)
        try:
            layer.check_page_count(len(document), source)
            pages = [_pdfium_page(document[i], i + 1, layer) for i in range(len(document))]
        finally:
            document.close()
    yield from pages


# ---------------------------------------------------------------- pdfplumber (reference)


def _pdfplumber_open(data: bytes, source: str):
    import pdfplumber
    from pdfminer.pdfdocument import PDFEncryptionError, PDFPasswordIncorrect
    from pdfminer.pdfparser import PDFSyntaxError

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


def _pdfplumber_pages(data: bytes, source: str, layer: TextLayer) -> Iterator[Page]:
    pdf = _pdfplumber_open(data, source)
    try:
        layer.check_page_count(len(pdf.pages), source)
        for number, page in enumerate(pdf.pages, start=1):
            page = page.dedupe_chars(tolerance=1)  # fake bold: glyphs printed twice in one place
            page = page.filter(lambda obj, p=page: _plumber_on_page(obj, p)).crop(page.bbox)
            yield layer.page(
                number,
                page.extract_text() or "",
                bool(page.lines or page.rects),
                lambda page=page, number=number: _pdfplumber_grids(page, number),
                _pdfplumber_lines(page, number),
            )
    finally:
        pdf.close()


def _plumber_on_page(obj: dict, page) -> bool:
    if obj.get("object_type") != "char":
        return True  # rules are cut at the page box by the crop
    x0, top, x1, bottom = page.bbox
    return x0 <= (obj["x0"] + obj["x1"]) / 2 <= x1 and top <= (obj["top"] + obj["bottom"]) / 2 <= bottom


def _pdfplumber_grids(page, number: int) -> list:
    """extract_tables(), each text Placed in its cell's box (Table.rows hold the cells' bboxes,
    None where a merged cell spans, in the order extract() gives the texts)."""
    from parsers.document import Placed
    from parsers.model import Box

    grids = []
    for table in page.find_tables():
        texts = table.extract()
        grids.append(
            [
                [
                    Placed(text, Box(number, *bbox)) if text is not None and bbox is not None else text
                    for text, bbox in zip(row_texts, row.cells, strict=False)
                ]
                for row_texts, row in zip(texts, table.rows, strict=False)
            ]
        )
    return grids


def _pdfplumber_lines(page, number: int) -> list:
    from parsers.model import Box

    return [
        (line["text"], Box(number, line["x0"], line["top"], line["x1"], line["bottom"]))
        for line in page.extract_text_lines()
    ]


ENGINES = {"pdfium": _pdfium_pages, "pdfplumber": _pdfplumber_pages}


def engine_from_env() -> str:
    engine = load_settings().pdf_engine
    if engine not in ENGINES:
        raise ConfigurationError(f"{ENGINE_VARIABLE}={engine!r}: choose one of {', '.join(ENGINES)}")
    return engine


def parse_pdf(data: bytes, source: str, engine: str | None = None, limits: Limits | None = None) -> ParseResult:
    layer = TextLayer(limits)
    pages = ENGINES[engine or engine_from_env()](data, source, layer)
    try:
        result = assemble(pages, source)
    except ParseError:
        raise
    except Exception as exc:  # a damaged stream surfaces only when a page is read
        raise ParseError(source, f"failed while reading pages ({exc.__class__.__name__}: {exc})") from exc
    if layer.chars == 0 or (layer.garbage_pages and layer.garbage_pages * 2 >= result.pages):
        from parsers.ocr import parse_scanned  # a scan, or a text layer of unmapped glyphs: read the images

        return parse_scanned(data, source, layer.limits)
    return result
