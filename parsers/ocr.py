"""Scanned filings: render each page, straighten it, find the ruling lines, read the text with
rapidocr (PP-OCR models shipped inside its wheel) and place each piece of text in the cell of
the ruled grid that holds it. The grids then go through the same assembler as every format.

Numbers read by OCR get repaired where the noise is unambiguous ("4183. 78", "4183,78",
"O" for 0); what stays doubtful is left to the identities: the result says it was read by OCR,
and validation.misreads names the cells of failed identities so that a reader checks them
against the scan (parsing itself never depends on validation).
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass, replace
from functools import lru_cache

from parsers.assemble import assemble
from parsers.document import Page, Placed
from parsers.limits import Limits, exceeded
from parsers.model import Box, ParseError, ParseResult
from parsers.pdfium_doc import PDFIUM_LOCK, open_document

RENDER_DPI = 200
MAX_SKEW_DEGREES = 3.0


def ocr_available() -> bool:
    try:
        import rapidocr_onnxruntime  # noqa: F401
    except ImportError:
        return False
    return True


@lru_cache(maxsize=1)
def _engine():
    from rapidocr_onnxruntime import RapidOCR

    return RapidOCR()


@dataclass(frozen=True)
class TextBox:
    x0: float
    y0: float
    x1: float
    y1: float
    text: str
    score: float

    @property
    def cx(self) -> float:
        return (self.x0 + self.x1) / 2

    @property
    def cy(self) -> float:
        return (self.y0 + self.y1) / 2


# ---- image geometry (numpy / OpenCV) -----------------------------------------------------
def estimate_skew(binary) -> float:
    """Angle (degrees) that makes the ruling lines horizontal: the rotation whose row
    projection is sharpest, searched coarse then fine on a reduced image."""
    import cv2
    import numpy as np

    small = cv2.resize(binary, None, fx=0.25, fy=0.25, interpolation=cv2.INTER_AREA)
    h, w = small.shape
    centre = (w / 2, h / 2)

    def sharpness(angle: float) -> float:
        rotated = cv2.warpAffine(small, cv2.getRotationMatrix2D(centre, angle, 1.0), (w, h), flags=cv2.INTER_NEAREST)
        profile = rotated.sum(axis=1, dtype=np.float64)
        return float(np.square(np.diff(profile)).sum())

    best = max(np.arange(-MAX_SKEW_DEGREES, MAX_SKEW_DEGREES + 0.01, 0.5), key=sharpness)
    return float(max(np.arange(best - 0.5, best + 0.51, 0.05), key=sharpness))


def straighten(gray):
    import cv2

    binary = cv2.threshold(gray, 0, 255, cv2.THRESH_BINARY_INV | cv2.THRESH_OTSU)[1]
    angle = estimate_skew(binary)
    if abs(angle) < 0.05:
        return gray, angle
    h, w = gray.shape
    matrix = cv2.getRotationMatrix2D((w / 2, h / 2), angle, 1.0)
    return cv2.warpAffine(gray, matrix, (w, h), flags=cv2.INTER_LINEAR, borderValue=255), angle


def _positions(profile, threshold: float, min_gap: int) -> list[int]:
    """Centres of the runs of `profile` above `threshold` (one ruling line per run)."""
    out: list[int] = []
    run: list[int] = []
    for i, value in enumerate(profile):
        if value >= threshold:
            run.append(i)
        elif run:
            out.append(run[len(run) // 2])
            run = []
    if run:
        out.append(run[len(run) // 2])
    merged: list[int] = []
    for p in out:
        if merged and p - merged[-1] < min_gap:
            continue
        merged.append(p)
    return merged


@dataclass(frozen=True)
class Ruling:
    rows: list[int]  # y of horizontal lines, top to bottom
    cols: list[int]  # x of vertical lines, left to right
    # How the straightened image the positions are on was made: the rotation applied (degrees)
    # and its size (rows, columns), to bring a position back to the page (page_placer).
    angle: float = 0.0
    size: tuple[int, int] = (0, 0)

    @property
    def ruled(self) -> bool:
        return len(self.rows) >= 3 and len(self.cols) >= 3


def find_ruling(gray) -> Ruling:
    """Ruling lines by morphology: long thin runs of ink, horizontal and vertical."""
    import cv2

    binary = cv2.threshold(gray, 0, 255, cv2.THRESH_BINARY_INV | cv2.THRESH_OTSU)[1]
    h, w = binary.shape
    horizontal = cv2.morphologyEx(binary, cv2.MORPH_OPEN, cv2.getStructuringElement(cv2.MORPH_RECT, (w // 30, 1)))
    vertical = cv2.morphologyEx(binary, cv2.MORPH_OPEN, cv2.getStructuringElement(cv2.MORPH_RECT, (1, h // 60)))
    ys = horizontal.sum(axis=1) / 255
    table_width = ys.max() if ys.size else 0
    rows = _positions(ys, max(table_width * 0.5, w * 0.1), 8)
    if len(rows) < 2:
        return Ruling([], [])
    top, bottom = rows[0], rows[-1]
    xs = vertical[top : bottom + 1].sum(axis=0) / 255
    cols = _positions(xs, (bottom - top) * 0.12, 8)
    return Ruling(rows, cols)


# ---- OCR text into cells (pure) ----------------------------------------------------------
_OCR_DIGIT = str.maketrans({"O": "0", "o": "0", "D": "0", "l": "1", "I": "1", "|": "1", "S": "5", "B": "8"})
_DECIMAL_COMMA = re.compile(r"^(-?\d+)[,:;：](\d{2})$")
_NUMERIC_ENOUGH = re.compile(r"^[\dOoDlI|SB.,:;：\s\-]+$")


def repair_number(text: str) -> str:
    """OCR noise in a numeric cell: '4183,78' and '8:11' → decimals, '1O.5O' → '10.50', '5.' → '5';
    other text unchanged."""
    stripped = text.strip()
    if not stripped or not _NUMERIC_ENOUGH.match(stripped) or sum(c.isdigit() for c in stripped) < 1:
        return text
    fixed = stripped.translate(_OCR_DIGIT).replace(" ", "").strip(".,:;：")
    fixed = _DECIMAL_COMMA.sub(r"\1.\2", fixed)
    return fixed


Placer = Callable[[float, float, float, float], Box]


def page_placer(ruling: Ruling, number: int) -> Placer:
    """Pixels of the straightened image → a Box in points on the page as displayed: the
    straightening undone, then the render's scale."""
    import cv2
    import numpy as np

    h, w = ruling.size
    inverse = cv2.invertAffineTransform(cv2.getRotationMatrix2D((w / 2, h / 2), ruling.angle, 1.0))
    scale = 72 / RENDER_DPI

    def place(x0: float, y0: float, x1: float, y1: float) -> Box:
        corners = np.array([[x0, y0, 1.0], [x1, y0, 1.0], [x0, y1, 1.0], [x1, y1, 1.0]]) @ inverse.T
        xs, ys = corners[:, 0] * scale, corners[:, 1] * scale
        return Box(number, float(xs.min()), float(ys.min()), float(xs.max()), float(ys.max()))

    return place


def boxes_to_grid(boxes: list[TextBox], ruling: Ruling, place: Placer | None = None) -> list[list[str | None]]:
    """Each box goes to the cell holding its centre; texts in a cell join in reading order.
    Given `place`, each text is Placed: its cell's box on the page and the lowest OCR score
    among the pieces it joins."""
    rows, cols = ruling.rows, ruling.cols
    grid: list[list[list[TextBox]]] = [[[] for _ in cols[:-1]] for _ in rows[:-1]]
    for box in boxes:
        r = next((i for i in range(len(rows) - 1) if rows[i] <= box.cy < rows[i + 1]), None)
        c = next((j for j in range(len(cols) - 1) if cols[j] <= box.cx < cols[j + 1]), None)
        if r is not None and c is not None:
            grid[r][c].append(box)
    out: list[list[str | None]] = []
    for r, row in enumerate(grid):
        texts = []
        for c, cell in enumerate(row):
            cell.sort(key=lambda b: (round(b.cy / 12), b.x0))
            joined = "".join(b.text for b in cell)
            text = repair_number(joined) if joined else ""
            if place is not None and cell:
                box = place(cols[c], rows[r], cols[c + 1], rows[r + 1])
                text = Placed(text, box, min(b.score for b in cell))
            texts.append(text)
        out.append(texts)
    return out


def boxes_to_text(boxes: list[TextBox]) -> str:
    """Page text in reading order: boxes grouped into lines by their vertical centre."""
    lines: list[list[TextBox]] = []
    for box in sorted(boxes, key=lambda b: b.cy):
        if lines and abs(lines[-1][0].cy - box.cy) < max(8.0, (box.y1 - box.y0) * 0.5):
            lines[-1].append(box)
        else:
            lines.append([box])
    return "\n".join(" ".join(b.text for b in sorted(line, key=lambda b: b.x0)) for line in lines)


def _placed_lines(boxes: list[TextBox], place: Placer) -> list[tuple[str, Box]]:
    """Each recognised piece of text with its box on the page (for boxing narrative claims)."""
    return [(b.text, place(b.x0, b.y0, b.x1, b.y1)) for b in boxes]


# ---- pages -------------------------------------------------------------------------------
def read_page(gray) -> tuple[str, Ruling, list[TextBox]]:
    import numpy as np

    straight, angle = straighten(gray)
    turned = angle if straight is not gray else 0.0  # straighten() leaves a page this close to level
    ruling = replace(find_ruling(straight), angle=turned, size=straight.shape[:2])
    # No angle classifier: the page is straightened first, so no text line is upside down.
    result, _elapsed = _engine()(np.dstack([straight] * 3), use_cls=False)
    boxes = [
        TextBox(
            min(p[0] for p in quad),
            min(p[1] for p in quad),
            max(p[0] for p in quad),
            max(p[1] for p in quad),
            text,
            float(score),
        )
        for quad, text, score in (result or [])
    ]
    return boxes_to_text(boxes), ruling, boxes


def render_pixels(width_pt: float, height_pt: float) -> int:
    """Pixels a page of this size (points) renders to at the OCR's resolution."""
    scale = RENDER_DPI / 72
    return int(round(width_pt * scale) * round(height_pt * scale))


def check_scan_size(document, source: str, limits: Limits) -> None:
    """Refuse, before rendering anything, a scan too long to OCR or a page too large to render."""
    if len(document) > limits.max_ocr_pages:
        raise ParseError(
            source, exceeded("max_ocr_pages", f"image-only PDF of {len(document)} pages", limits.max_ocr_pages)
        )
    for index in range(len(document)):
        width, height = document[index].get_size()
        pixels = render_pixels(width, height)
        if pixels > limits.max_page_pixels:
            raise ParseError(
                source,
                exceeded(
                    "max_page_pixels",
                    f"page {index + 1} of {width:.0f}×{height:.0f} pt ({pixels} pixels at {RENDER_DPI} dpi)",
                    limits.max_page_pixels,
                ),
            )


def scanned_pages(data: bytes, source: str, limits: Limits | None = None) -> Iterator[Page]:
    import numpy as np

    def render(number: int):
        with PDFIUM_LOCK:
            return np.asarray(document[number - 1].render(scale=RENDER_DPI / 72, grayscale=True).to_pil().convert("L"))

    try:
        with PDFIUM_LOCK:
            document = open_document(data, source)
    except ParseError:
        raise
    except Exception as exc:
        raise ParseError(source, f"cannot render the scanned PDF ({exc})") from exc
    try:
        with PDFIUM_LOCK:
            check_scan_size(document, source, limits or Limits.from_env())
        for number in range(1, len(document) + 1):
            text, ruling, boxes = read_page(render(number))
            place = page_placer(ruling, number)
            grids = [boxes_to_grid(boxes, ruling, place)] if ruling.ruled else []
            yield Page(number, text, ruling.ruled, _grids=grids, lines=_placed_lines(boxes, place))
    finally:
        with PDFIUM_LOCK:
            document.close()


def parse_scanned(data: bytes, source: str, limits: Limits | None = None) -> ParseResult:
    if not ocr_available():
        raise ParseError(source, "image-only PDF without a text layer, and OCR (rapidocr_onnxruntime) is not installed")
    result = assemble(scanned_pages(data, source, limits), source)
    if not result.cells and all(info.status == "missing" for info in result.tables.values()):
        raise ParseError(source, "scanned PDF: OCR found no filing tables")
    result.read_by_ocr = True  # the stage that validates names the cells OCR probably misread
    return result
