"""Scanned filings: render each page, straighten it, find the ruling lines, cut the page into
the pieces a reader reads (each table cell's text lines, each text line outside the tables),
read those pieces with the PP-OCR recognition model shipped inside rapidocr's wheel and put
the text back in the ruled grid. The grids then go through the same assembler as every format.

Why not rapidocr's own pipeline: its text detector on a whole page costs more than reading the
text, and the ruling lines already say where every cell is. Cutting the page ourselves (ink
projections, one pass) and reading only the pieces with ink, in batches of like width, is what
brings a page under a second and a half on one core.

Numbers read by OCR get repaired where the noise is unambiguous ("4183. 78", "4183,78",
"O" for 0); a 栏次 row with one number lost is completed; a value wrapped onto two lines in
its cell is joined. What stays doubtful (a low recognition score, or a digit whose runner-up
is another digit) is listed in the result's coverage (`ocr_doubtful`, with the alternatives)
so that the stage that validates can choose the alternative that makes the identities hold
and list the rest for review (parsing itself never depends on validation). A row code read
outside its table's published catalogue is corrected where its label or one confusable digit
names one entry, and listed either way (`ocr_codes`, parsers.subject_codes).
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field, replace
from decimal import Decimal, InvalidOperation
from functools import lru_cache

from parsers.assemble import assemble
from parsers.document import Page, Placed, box_of
from parsers.limits import Limits, exceeded
from parsers.model import Box, ParseError, ParseResult
from parsers.pdfium_doc import PDFIUM_LOCK, open_document
from parsers.subject_codes import correct_codes

# The recogniser reads a text line scaled to 48 px high; at 150 dpi body text (9–12 pt) is
# 19–25 px high already, so more pixels only cost time and memory (scans are 150–300 dpi).
RENDER_DPI = 150
MAX_SKEW_DEGREES = 3.0
# The tallest one line of text in a table cell at RENDER_DPI (12 pt with its ascenders).
CELL_LINE_MAX = 24
REC_HEIGHT = 48
# A reading below this score, or a digit whose runner-up digit is this likely, is doubtful.
DOUBTFUL_SCORE = 0.85
RUNNER_UP_PROB = 0.02


def ocr_available() -> bool:
    try:
        import rapidocr_onnxruntime  # noqa: F401
    except ImportError:
        return False
    return True


@lru_cache(maxsize=1)
def _recogniser():
    """The recognition model, loaded once per process and reused across pages and files; one
    thread (parallelism comes from the parse workers, one file each)."""
    from rapidocr_onnxruntime.ch_ppocr_rec import TextRecognizer
    from rapidocr_onnxruntime.main import DEFAULT_CFG_PATH
    from rapidocr_onnxruntime.utils import read_yaml, update_model_path

    config = update_model_path(read_yaml(str(DEFAULT_CFG_PATH)))["Rec"]
    config["intra_op_num_threads"] = 1
    config["inter_op_num_threads"] = 1
    return TextRecognizer(config)


@dataclass(frozen=True)
class TextBox:
    x0: float
    y0: float
    x1: float
    y1: float
    text: str
    score: float
    alternatives: tuple[str, ...] = field(default=(), compare=False)

    @property
    def cx(self) -> float:
        return (self.x0 + self.x1) / 2

    @property
    def cy(self) -> float:
        return (self.y0 + self.y1) / 2


# ---- image geometry (numpy / OpenCV) -----------------------------------------------------
def ink(gray, denoise: bool = True):
    """Ink as 255 on 0. Denoised (a 3×3 median first), paper grain and dust specks are not
    ink, for finding text; not denoised for finding ruling lines, which may be 1 px thin."""
    import cv2

    source = cv2.medianBlur(gray, 3) if denoise else gray
    return cv2.threshold(source, 0, 255, cv2.THRESH_BINARY_INV | cv2.THRESH_OTSU)[1]


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

    angle = estimate_skew(ink(gray, denoise=False))
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


def line_masks(binary):
    """Long thin runs of ink, horizontal and vertical: the ruling lines alone."""
    import cv2

    h, w = binary.shape
    horizontal = cv2.morphologyEx(binary, cv2.MORPH_OPEN, cv2.getStructuringElement(cv2.MORPH_RECT, (w // 30, 1)))
    vertical = cv2.morphologyEx(binary, cv2.MORPH_OPEN, cv2.getStructuringElement(cv2.MORPH_RECT, (1, h // 60)))
    return horizontal, vertical


def ruling_from_masks(horizontal, vertical) -> Ruling:
    h, w = horizontal.shape
    ys = horizontal.sum(axis=1) / 255
    table_width = ys.max() if ys.size else 0
    rows = _positions(ys, max(table_width * 0.5, w * 0.1), 8)
    if len(rows) < 2:
        return Ruling([], [])
    top, bottom = rows[0], rows[-1]
    xs = vertical[top : bottom + 1].sum(axis=0) / 255
    cols = _positions(xs, (bottom - top) * 0.12, 8)
    return Ruling(rows, cols)


def find_ruling(gray) -> Ruling:
    """Ruling lines by morphology: long thin runs of ink, horizontal and vertical."""
    return ruling_from_masks(*line_masks(ink(gray, denoise=False)))


def cell_regions(ruling: Ruling, horizontal, vertical) -> list[tuple[int, int, int, int]]:
    """The rectangles (x0, y0, x1, y1) the ruling encloses: grid cells joined across a line
    that is not printed there (a header cell spanning columns or rows), so that no text is
    cut in two."""
    rows, cols = ruling.rows, ruling.cols
    nr, nc = len(rows) - 1, len(cols) - 1
    parent = list(range(nr * nc))

    def root(i: int) -> int:
        while parent[i] != i:
            parent[i] = parent[parent[i]]
            i = parent[i]
        return i

    def printed(mask, a0: int, a1: int, b: int, across_rows: bool) -> bool:
        # Whether a line is printed at b between a0 and a1: ink on most of that stretch.
        if a1 - a0 < 6:
            return True
        band = (
            mask[a0 + 2 : a1 - 2, max(b - 5, 0) : b + 6]
            if across_rows
            else mask[max(b - 5, 0) : b + 6, a0 + 2 : a1 - 2]
        )
        if band.size == 0:
            return True
        covered = (band.max(axis=1) if across_rows else band.max(axis=0)) > 0
        return covered.mean() > 0.4

    for r in range(nr):
        for c in range(nc):
            if c + 1 < nc and not printed(vertical, rows[r], rows[r + 1], cols[c + 1], True):
                parent[root(r * nc + c + 1)] = root(r * nc + c)
            if r + 1 < nr and not printed(horizontal, cols[c], cols[c + 1], rows[r + 1], False):
                parent[root((r + 1) * nc + c)] = root(r * nc + c)
    spans: dict[int, list[int]] = {}
    for r in range(nr):
        for c in range(nc):
            x0, y0, x1, y1 = cols[c], rows[r], cols[c + 1], rows[r + 1]
            span = spans.setdefault(root(r * nc + c), [x0, y0, x1, y1])
            span[0], span[1], span[2], span[3] = min(span[0], x0), min(span[1], y0), max(span[2], x1), max(span[3], y1)
    return [tuple(s) for s in spans.values()]


def _runs(flags, min_gap: int) -> list[tuple[int, int]]:
    """(start, end) of the runs of True in `flags`, runs closer than `min_gap` joined."""
    runs: list[tuple[int, int]] = []
    start = None
    for i, flag in enumerate(flags):
        if flag and start is None:
            start = i
        elif not flag and start is not None:
            runs.append((start, i))
            start = None
    if start is not None:
        runs.append((start, len(flags)))
    joined: list[tuple[int, int]] = []
    for run in runs:
        if joined and run[0] - joined[-1][1] < min_gap:
            joined[-1] = (joined[-1][0], run[1])
        else:
            joined.append(run)
    return joined


def text_lines(binary, min_height: int = 5) -> list[tuple[int, int]]:
    """(y0, y1) of the lines of text in a binary region (rows holding ink, small gaps closed)."""
    rows = (binary > 0).sum(axis=1) >= 2
    return [(a, b) for a, b in _runs(rows, 3) if b - a >= min_height]


def split_tall_lines(binary, lines: list[tuple[int, int]], max_height: int) -> list[tuple[int, int]]:
    """Two lines of a cell that touch (a label wrapped onto a second line, "人员经费" over
    "合计") split at the row of least ink in the middle of a band taller than one line."""
    out = []
    for y0, y1 in lines:
        if y1 - y0 <= max_height:
            out.append((y0, y1))
            continue
        profile = (binary[y0:y1] > 0).sum(axis=1)
        lo, hi = (y1 - y0) * 3 // 10, (y1 - y0) * 7 // 10
        cut = y0 + lo + int(profile[lo:hi].argmin())
        out.extend(split_tall_lines(binary, [(y0, cut), (cut + 1, y1)], max_height))
    return [(a, b) for a, b in out if b - a >= 4]


def line_pieces(binary, y0: int, y1: int, gap_factor: float = 1.5) -> list[tuple[int, int]]:
    """(x0, x1) of the pieces of one text line: ink columns, split where the gap is wider than
    `gap_factor` line heights (two fields printed on one line, 部门 … 金额单位)."""
    cols = (binary[y0:y1] > 0).sum(axis=0) >= 1
    gap = max(int((y1 - y0) * gap_factor), 4)
    return [(a, b) for a, b in _runs(cols, gap) if b - a >= 3]


def clear_lines(binary_cell):
    """A cell's binary crop without what is left of its ruling lines at its edges."""
    out = binary_cell.copy()
    h, w = out.shape
    if h == 0 or w == 0:
        return out
    out[(out > 0).sum(axis=1) > w * 0.6, :] = 0
    out[:, (out > 0).sum(axis=0) > h * 0.6] = 0
    return out


def without_specks(binary, min_area: int = 6):
    """The binary crop without its dust: components of fewer than `min_area` pixels that are
    far from the rest (a decimal point next to its digits stays)."""
    import cv2
    import numpy as np

    if binary.size == 0:
        return binary
    count, labels, stats, _centroids = cv2.connectedComponentsWithStats(binary, connectivity=8)
    small = [i for i in range(1, count) if stats[i, cv2.CC_STAT_AREA] < min_area]
    if not small:
        return binary
    big = np.isin(labels, [i for i in range(1, count) if stats[i, cv2.CC_STAT_AREA] >= min_area])
    near = cv2.dilate(big.astype(np.uint8), cv2.getStructuringElement(cv2.MORPH_RECT, (9, 9))) > 0
    out = binary.copy()
    for i in small:
        if not near[labels == i].any():
            out[labels == i] = 0
    return out


# ---- recognition (one model, batches of like width) ------------------------------------------
def _prepare(crop):
    """A gray crop → the recogniser's input: contrast stretched (faded ink under uneven light
    becomes black on white), white margins, 48 px high, normalised to [-1, 1]."""
    import cv2
    import numpy as np

    ink_level, paper_level = np.percentile(crop, (0.5, 90))
    if paper_level - ink_level > 20:
        crop = np.clip((crop.astype(np.float32) - ink_level) * (255.0 / (paper_level - ink_level)), 0, 255).astype(
            np.uint8
        )
    h, w = crop.shape
    side, top = max(h // 2, 3), max(h // 6, 2)
    padded = cv2.copyMakeBorder(crop, top, top, side, side, cv2.BORDER_CONSTANT, value=255)
    ph, pw = padded.shape
    width = max(int(round(pw * REC_HEIGHT / ph)), REC_HEIGHT)
    resized = cv2.resize(
        padded, (width, REC_HEIGHT), interpolation=cv2.INTER_AREA if ph > REC_HEIGHT else cv2.INTER_LINEAR
    )
    return (resized.astype(np.float32) / 127.5) - 1.0


# The recogniser writes some digits full width ("２"); the tables print ASCII digits.
_FULL_WIDTH_DIGITS = str.maketrans("０１２３４５６７８９．", "0123456789.")


def decode(probs, characters: list[str]) -> tuple[str, float, tuple[str, ...]]:
    """CTC greedy decoding of one line's (T, C) probabilities: the text, its score (the mean
    probability of its characters) and alternatives (a digit replaced by its runner-up digit)."""
    import numpy as np

    best = probs.argmax(axis=1)
    chars: list[str] = []
    scores: list[float] = []
    runner_ups: list[tuple[int, str, float]] = []
    previous = -1
    for t, index in enumerate(best):
        if index != previous and index != 0 and index < len(characters):
            char = characters[index]
            if char.isdigit():
                order = np.argsort(probs[t])[-3:][::-1]
                for other in order[1:]:
                    alt = characters[other] if other < len(characters) else ""
                    if alt.isdigit() and probs[t, other] >= RUNNER_UP_PROB:
                        runner_ups.append((len(chars), alt, float(probs[t, other])))
                        break
            chars.append(char)
            scores.append(float(probs[t, index]))
        previous = index
    text = "".join(chars).translate(_FULL_WIDTH_DIGITS)
    alternatives = tuple(text[:i] + alt + text[i + 1 :] for i, alt, _p in sorted(runner_ups, key=lambda r: -r[2])[:3])
    return text, (sum(scores) / len(scores) if scores else 0.0), alternatives


def recognise(crops) -> list[tuple[str, float, tuple[str, ...]]]:
    """Text, score and alternatives of each gray crop. One crop a run: on one thread a batch
    costs more than it saves (every member padded to the widest, and a working set that
    leaves the cache), measured on these pages."""
    recogniser = _recogniser()
    characters = recogniser.postprocess_op.character
    out = []
    for crop in crops:
        line = _prepare(crop)
        probs = recogniser.session(line[None, None].repeat(3, axis=1))[0]
        out.append(decode(probs[0], characters))
    return out


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


_CODE_DIGIT = str.maketrans(
    {
        "O": "0",
        "o": "0",
        "Q": "0",
        "D": "0",
        "U": "0",
        "Z": "2",
        "z": "2",
        "S": "5",
        "B": "8",
        "l": "1",
        "I": "1",
        "|": "1",
    }
)
_CODE_LIKE = re.compile(r"^[\dOoQDUZzSBlI|]{3,7}$")


def repair_code(text: str) -> str:
    """A subject code (3, 5 or 7 digits) with letters OCR put for digits: '2Q10301' → '2010301'.
    Only where at most two characters are not digits."""
    if _CODE_LIKE.match(text) and sum(not c.isdigit() for c in text) <= 2 and len(text) in (3, 5, 7):
        return text.translate(_CODE_DIGIT)
    return text


def _reading_order(cell: list[TextBox]) -> list[TextBox]:
    """Boxes of one cell line by line (a box starting below the middle of the line so far
    begins the next line), left to right in each."""
    lines: list[list[TextBox]] = []
    for box in sorted(cell, key=lambda b: b.cy):
        if lines and box.cy < max(b.y1 for b in lines[-1]) and box.cy > min(b.y0 for b in lines[-1]):
            lines[-1].append(box)
        else:
            lines.append([box])
    return [b for line in lines for b in sorted(line, key=lambda b: b.x0)]


def boxes_to_grid(boxes: list[TextBox], ruling: Ruling, place: Placer | None = None) -> list[list[str | None]]:
    """Each box goes to the cell holding its centre; texts in a cell join in reading order (a
    value wrapped onto a second line, "194.0" over "8", is one value again). Given `place`,
    each text is Placed (placed_grid)."""
    cells = boxes_to_cells(boxes, ruling)
    grid = [[text for text, _boxes in row] for row in cells]
    return placed_grid(grid, cells, ruling, place) if place is not None else grid


def boxes_to_cells(boxes: list[TextBox], ruling: Ruling) -> list[list[tuple[str, list[TextBox]]]]:
    """The grid with, for each cell, its repaired text and the boxes it was read from."""
    rows, cols = ruling.rows, ruling.cols
    grid: list[list[list[TextBox]]] = [[[] for _ in cols[:-1]] for _ in rows[:-1]]
    for box in boxes:
        r = next((i for i in range(len(rows) - 1) if rows[i] <= box.cy < rows[i + 1]), None)
        c = next((j for j in range(len(cols) - 1) if cols[j] <= box.cx < cols[j + 1]), None)
        if r is not None and c is not None:
            grid[r][c].append(box)
    out = []
    for row in grid:
        cells = []
        for cell in row:
            ordered = _reading_order(cell)
            joined = "".join(b.text for b in ordered)
            cells.append((repair_code(repair_number(joined)) if joined else "", ordered))
        out.append(cells)
    return out


def placed_grid(
    grid: list[list[str | None]], cells: list[list[tuple[str, list[TextBox]]]], ruling: Ruling, place: Placer
) -> list[list[str | None]]:
    """The (repaired) grid's texts Placed: each on its grid cell's box on the page, with the
    lowest recognition score among the pieces it was read from (none for a number completed
    from its neighbours where nothing was read)."""
    rows, cols = ruling.rows, ruling.cols
    out: list[list[str | None]] = []
    for r, row in enumerate(grid):
        texts: list[str | None] = []
        for c, text in enumerate(row):
            if text:
                read = cells[r][c][1] if r < len(cells) and c < len(cells[r]) else []
                box = place(cols[c], rows[r], cols[c + 1], rows[r + 1])
                text = Placed(text, box, min(b.score for b in read) if read else None)
            texts.append(text)
        out.append(texts)
    return out


_CJK = re.compile(r"[\u4e00-\u9fff]")


def _complete_run(cells: list[str]) -> dict[int, str]:
    """Fixes for one line of cells numbered n, n+1, n+2 … (a 栏次 row, a 行次 column): when at
    least four cells read as their place in one such sequence, a blank or misread short cell
    between them ("4" for 1, "N", "", "10.") is its number. {index: number}."""
    offsets: dict[int, int] = {}
    for i, c in enumerate(cells):
        if c.isdigit() and len(c) <= 3:
            offsets[int(c) - i] = offsets.get(int(c) - i, 0) + 1
    if not offsets:
        return {}
    offset, count = max(offsets.items(), key=lambda kv: kv[1])
    placed = [i for i, c in enumerate(cells) if c.isdigit() and int(c) - i == offset]
    if count < 4 or offset + placed[0] < 1:
        return {}
    fixes = {}
    # The run's ends: a misread (not blank) cell just before or after it belongs to it too.
    first = placed[0] - 1 if placed[0] >= 1 and cells[placed[0] - 1] and placed[0] - 1 + offset >= 1 else placed[0]
    last = placed[-1] + 1 if placed[-1] + 1 < len(cells) and cells[placed[-1] + 1] else placed[-1]
    for i in range(first, last + 1):
        c = cells[i]
        if i not in placed and len(c) <= 3 and not _CJK.search(c) and "." not in c.rstrip("."):
            fixes[i] = str(i + offset)
    # Too many holes is not a numbering with a misread: leave it.
    return fixes if len(fixes) <= max(1, (last - first + 1) // 5) else {}


def _number_amount_columns(row: list[str], grid: list[list[str]]) -> None:
    """A 栏次 row whose number OCR lost over a column of amounts (a thin "1" by the ruling):
    the columns that hold amounts below it, or a number in it, are 1 … k left to right; when
    every number read agrees with that, the blanks among them get theirs."""
    amount = re.compile(r"^-?\d+\.\d+$")
    labels = [j for j, c in enumerate(row) if c.strip() == "栏次"]
    candidates = [
        j
        for j in range(labels[0] + 1, len(row))
        if j not in labels
        and (row[j].strip().isdigit() or any(j < len(r) and amount.match(r[j].strip()) for r in grid))
    ]
    # Only what reads as a number counts as read; "I" or "l" over amounts is a misread 1.
    read = {j: row[j].strip() for j in candidates if row[j].strip().isdigit()}
    if any(row[j].strip() and (j not in read) and (_CJK.search(row[j]) or len(row[j].strip()) > 2) for j in candidates):
        return
    if not read or len(candidates) < 2:
        return
    if all(read[j] == str(k) for k, j in enumerate(candidates, 1) if j in read):
        for k, j in enumerate(candidates, 1):
            row[j] = str(k)


def complete_column_numbers(grid: list[list[str | None]]) -> list[list[str | None]]:
    """The column-number row (栏次 1 … n) and the line-number columns (行次) OCR read with a
    number lost or misread, completed from the numbers around it (a 1–12 sequence with one
    blank is still 1–12). Other cells are unchanged."""
    out = [[(c or "") for c in row] for row in grid]
    for row in out:
        for j, number in _complete_run([c.strip() for c in row]).items():
            row[j] = number
        if "栏次" in (c.strip() for c in row):
            _number_amount_columns(row, out)
            # Its numbers read left to right are 1 … k: one out of order is a misread ("4" for 1).
            numbered = [j for j, c in enumerate(row) if c.strip().isdigit() and len(c.strip()) <= 2]
            wrong = [j for k, j in enumerate(numbered, 1) if row[j].strip() != str(k)]
            if len(numbered) >= 2 and len(wrong) == 1:
                row[wrong[0]] = str(numbered.index(wrong[0]) + 1)
    width = max((len(r) for r in out), default=0)
    for j in range(width):
        column = [(r[j].strip() if j < len(r) else "") for r in out]
        for i, number in _complete_run(column).items():
            out[i][j] = number
    return out


_TWO_DECIMALS = re.compile(r"^-?\d+\.\d{2}$")


def restore_lost_points(grid: list[list[str | None]]) -> tuple[list[list[str | None]], list[tuple[int, int, str]]]:
    """A decimal point OCR lost ("21434" for 214.34) in a column of amounts printed with two
    decimals: an integer of three or more digits there gets its point back. Returns the grid
    and the (row, column, as read) of each change, so the change stays doubtful."""
    out = [list(row) for row in grid]
    changed = []
    width = max((len(r) for r in out), default=0)
    # A one-row table (三公 经费) has one amount a column: the page's amounts decide then.
    amounts = [c.strip() for r in out[1:] for c in r if c and re.match(r"^-?\d+(\.\d+)?$", c.strip())]
    decimals = sum(1 for c in amounts if _TWO_DECIMALS.match(c))
    page_of_decimals = decimals >= 3 and decimals >= 0.8 * sum(1 for c in amounts if "." in c or len(c) >= 3)
    for j in range(width):
        column = [((r[j] or "").strip() if j < len(r) else "") for r in out]
        if sum(1 for c in column if _TWO_DECIMALS.match(c)) < 2 and not page_of_decimals:
            continue
        for i, c in enumerate(column):
            if c.isdigit() and len(c) >= 3 and i > 0:
                out[i][j] = f"{c[:-2]}.{c[-2:]}"
                changed.append((i, j, c))
    return out, changed


def boxes_to_text(boxes: list[TextBox]) -> str:
    """Page text in reading order: boxes grouped into lines by their vertical centre."""
    lines: list[list[TextBox]] = []
    for box in sorted(boxes, key=lambda b: b.cy):
        if lines and abs(lines[-1][0].cy - box.cy) < max(8.0, (box.y1 - box.y0) * 0.5):
            lines[-1].append(box)
        else:
            lines.append([box])
    return "\n".join(" ".join(b.text for b in sorted(line, key=lambda b: b.x0)) for line in lines)


def as_amount(text: str) -> Decimal | None:
    try:
        return Decimal(text.replace(",", ""))
    except (InvalidOperation, ValueError):
        return None


def doubtful_readings(
    cells: list[list[tuple[str, list[TextBox]]]], page: int, grid: list[list[str | None]] | None = None
) -> list[dict]:
    """The amounts of a page's grid that OCR read with a low score or a plausible other digit,
    each with its alternatives (repaired like the reading itself) and, given the Placed grid,
    its cell's box (which cell it is, where a page has the same amount twice)."""
    out = []
    for r, row in enumerate(cells):
        for c, (text, boxes) in enumerate(row):
            value = as_amount(text) if text else None
            if value is None or not boxes:
                continue
            score = min(b.score for b in boxes)
            alternatives = []
            if text.isdigit() and len(text) >= 3:  # its decimal point perhaps lost
                alternatives.append(Decimal(f"{text[:-2]}.{text[-2:]}"))
            for k, box in enumerate(boxes):
                for alt in box.alternatives:
                    joined = "".join(alt if i == k else b.text for i, b in enumerate(boxes))
                    amount = as_amount(repair_number(joined))
                    if amount is not None and amount != value and amount not in alternatives:
                        alternatives.append(amount)
            if score < DOUBTFUL_SCORE or alternatives:
                out.append(
                    {
                        "page": page,
                        "value": str(value),
                        "score": round(score, 3),
                        "alternatives": [str(a) for a in alternatives],
                        "box": box_of(grid[r][c]) if grid is not None else None,
                    }
                )
    return out


def code_runner_ups(cells: list[list[tuple[str, list[TextBox]]]], page: int) -> dict[tuple[int, str], frozenset[str]]:
    """(page, code as read) → the other codes the recogniser found plausible there (a digit
    replaced by its runner-up), for the row codes of a page's grid."""
    out: dict[tuple[int, str], frozenset[str]] = {}
    for row in cells:
        for text, boxes in row:
            if not (text.isdigit() and len(text) in (3, 5, 7)):
                continue
            others = {
                repair_code("".join(alt if i == k else b.text for i, b in enumerate(boxes)))
                for k, box in enumerate(boxes)
                for alt in box.alternatives
            } - {text}
            if others:
                out[(page, text)] = out.get((page, text), frozenset()) | frozenset(others)
    return out


def _placed_lines(boxes: list[TextBox], place: Placer) -> list[tuple[str, Box]]:
    """Each recognised piece of text with its box on the page (for boxing narrative claims)."""
    return [(b.text, place(b.x0, b.y0, b.x1, b.y1)) for b in boxes]


# ---- pages -------------------------------------------------------------------------------
@dataclass
class ReadPage:
    text: str
    ruling: Ruling
    boxes: list[TextBox]


def page_pieces(straight, binary, ruling: Ruling, horizontal=None, vertical=None) -> list[tuple[int, int, int, int]]:
    """Rectangles (x0, y0, x1, y1) to read: each text line of each table cell, and each piece
    of each text line outside the table."""
    pieces: list[tuple[int, int, int, int]] = []
    if ruling.ruled:
        # Text without the ruling lines (2 px either side of each): line residue is not text.
        # Only at the lines found, not wherever ink runs long: blurred digits run together.
        binary = binary.copy()
        top, bottom, left, right = ruling.rows[0], ruling.rows[-1], ruling.cols[0], ruling.cols[-1]
        for y in ruling.rows:
            binary[max(y - 2, 0) : y + 3, max(left - 3, 0) : right + 4] = 0
        for x in ruling.cols:
            binary[max(top - 3, 0) : bottom + 4, max(x - 2, 0) : x + 3] = 0
    outside = binary.copy()
    if ruling.ruled and horizontal is not None:
        for x0, y0, x1, y1 in cell_regions(ruling, horizontal, vertical):
            inner = without_specks(clear_lines(binary[y0 + 2 : y1 - 1, x0 + 2 : x1 - 1]))
            for ly0, ly1 in split_tall_lines(inner, text_lines(inner, min_height=4), CELL_LINE_MAX):
                if sum(1 for c in ruling.cols if x0 < c < x1) and ly1 - ly0 > 0:
                    # A region joined across columns: its words far apart are separate cells' text.
                    for px0, px1 in line_pieces(inner, ly0, ly1):
                        pieces.append((x0 + 2 + px0, y0 + 2 + ly0, x0 + 2 + px1, y0 + 2 + ly1))
                    continue
                xs = (inner[ly0:ly1] > 0).any(axis=0).nonzero()[0]
                if xs.size:
                    pieces.append((x0 + 2 + int(xs[0]), y0 + 2 + ly0, x0 + 2 + int(xs[-1]) + 1, y0 + 2 + ly1))
        top, bottom, left, right = ruling.rows[0], ruling.rows[-1], ruling.cols[0], ruling.cols[-1]
        outside[max(top - 2, 0) : bottom + 3, max(left - 2, 0) : right + 3] = 0
    for ly0, ly1 in text_lines(outside, min_height=6):
        for px0, px1 in line_pieces(outside, ly0, ly1):
            pieces.append((px0, ly0, px1, ly1))
    return pieces


def read_page(gray) -> ReadPage:
    """One page: straighten, find its ruling, cut it into pieces of text and read them."""
    straight, angle = straighten(gray)
    binary = ink(straight)
    horizontal, vertical = line_masks(ink(straight, denoise=False))
    turned = angle if straight is not gray else 0.0  # straighten() leaves a page this close to level
    # The ruling remembers how its image was straightened, to bring pixels back to the page.
    ruling = replace(ruling_from_masks(horizontal, vertical), angle=turned, size=straight.shape[:2])
    pieces = page_pieces(straight, binary, ruling, horizontal, vertical)
    del binary, horizontal, vertical
    h, w = straight.shape
    crops = [straight[max(y0 - 2, 0) : min(y1 + 2, h), max(x0 - 2, 0) : min(x1 + 2, w)] for x0, y0, x1, y1 in pieces]
    boxes = [
        TextBox(x0, y0, x1, y1, text, score, alternatives)
        for (x0, y0, x1, y1), (text, score, alternatives) in zip(pieces, recognise(crops))
        if text.strip()
    ]
    return ReadPage(boxes_to_text(boxes), ruling, boxes)


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


def scanned_pages(
    data: bytes,
    source: str,
    limits: Limits | None = None,
    doubtful: list | None = None,
    runner_ups: dict | None = None,
) -> Iterator[Page]:
    """The pages of a scan, read one at a time (each page image released before the next is
    rendered); the doubtful amounts of each page are appended to `doubtful`, the other
    readings of its row codes put in `runner_ups` (code_runner_ups)."""
    import numpy as np

    def render(number: int):
        with PDFIUM_LOCK:
            page = document[number - 1]
            try:
                bitmap = page.render(scale=RENDER_DPI / 72, grayscale=True)
                return np.array(bitmap.to_pil().convert("L"))
            finally:
                page.close()

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
            page = read_page(render(number))
            place = page_placer(page.ruling, number)
            grids = []
            if page.ruling.ruled:
                cells = boxes_to_cells(page.boxes, page.ruling)
                grid, restored = restore_lost_points(complete_column_numbers([[t for t, _b in row] for row in cells]))
                # Placed after the repairs (they make new strings): each cell its box and score.
                grid = placed_grid(grid, cells, page.ruling, place)
                grids = [grid]
                if runner_ups is not None:
                    runner_ups.update(code_runner_ups(cells, number))
                if doubtful is not None:
                    doubtful.extend(doubtful_readings(cells, number, grid))
                    doubtful.extend(
                        {
                            "page": number,
                            "value": str(grid[i][j]),
                            "score": 0.0,
                            "alternatives": [read],
                            "box": box_of(grid[i][j]),
                        }
                        for i, j, read in restored
                    )
            yield Page(number, page.text, page.ruling.ruled, _grids=grids, lines=_placed_lines(page.boxes, place))
    finally:
        with PDFIUM_LOCK:
            document.close()


def attach_doubtful(result: ParseResult, doubtful: list[dict]) -> list[dict]:
    """Doubtful readings matched to the canonical cells they became: same page, same value and,
    where both are placed, the same box."""
    found: dict[tuple, dict] = {(d["page"], d["value"], d.get("box")): d for d in doubtful}
    out = []
    for cell in result.cells:
        reading = found.get((cell.page, str(cell.value), cell.bbox)) or found.get((cell.page, str(cell.value), None))
        if reading is not None:
            entry = {key: value for key, value in reading.items() if key != "box"}
            out.append({"table": cell.table, "row": cell.row, "col": cell.col, **entry})
    return out


def parse_scanned(data: bytes, source: str, limits: Limits | None = None) -> ParseResult:
    if not ocr_available():
        raise ParseError(source, "image-only PDF without a text layer, and OCR (rapidocr_onnxruntime) is not installed")
    doubtful: list[dict] = []
    runner_ups: dict[tuple[int, str], frozenset[str]] = {}
    result = assemble(scanned_pages(data, source, limits, doubtful, runner_ups), source)
    if not result.cells and all(info.status == "missing" for info in result.tables.values()):
        raise ParseError(source, "scanned PDF: OCR found no filing tables")
    # Row codes OCR read outside their table's catalogue: corrected where the label (or one
    # confusable digit) names one entry, listed either way (parsers.subject_codes).
    result.cells, result.coverage["ocr_codes"] = correct_codes(result.cells, runner_ups)
    result.read_by_ocr = True  # the stage that validates names the cells OCR probably misread
    # Cells a person should check against the scan (the review queue lists them), with the
    # other readings OCR found plausible: the stage keeps the one the identities agree with.
    result.coverage["ocr_doubtful"] = attach_doubtful(result, doubtful)
    return result
