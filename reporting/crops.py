"""Evidence on the page: the region of a PDF page with the cells involved outlined (PNG), for
each finding and each cell waiting in the review queue.

Boxes are in PDF points from the top-left corner of the page as displayed (parsers.model.Box),
which is how PDFium renders a page, so a box is a rectangle of the rendered image at its
scale. Which boxes a finding involves comes from its evidence: the cells it names, the claim
it checks (narrative), the evaluation fields it reads (performance).
"""

from __future__ import annotations

import re
from collections import OrderedDict, defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path

from sqlalchemy import Connection, text

from parsers.model import Box
from parsers.pdfium_doc import PDFIUM_LOCK, open_document

OUTLINE = (255, 0, 0)  # pure red: no filing prints it, so the outline is told apart by its colour
OUTLINE_PX = 3
CROP_SCALE = 2.0  # pixels per point (144 dpi): figures stay legible in the report
MARGIN_PT = 28.0  # context kept around the outlined cells
MAX_CROP_PAGES = 3  # pages of one finding shown as crops (its first ones)
CELL_LABEL = re.compile(r"^(?P<table>[0-9A-Z]{1,3})\[(?P<row>[^\]]+)\]\.(?P<col>\d+)$")

# What a finding checks, by its rule id's prefix (stable; the families were renamed once):
# a narrative claim (its subject is the claim's seq) or a self-evaluation (seq, or seq:line:label).
CLAIM_RULES, EVALUATION_RULES = "narrative.", "perf."


@dataclass
class Placements:
    """Where a set of parses print their cells, claims and evaluation fields."""

    cells: dict[tuple[int, str, str, int], Box] = field(default_factory=dict)
    claims: dict[tuple[int, int], Box] = field(default_factory=dict)
    evaluations: dict[tuple[int, int], dict[str, Box]] = field(default_factory=dict)

    @classmethod
    def load(cls, conn: Connection, run_ids: Iterable[int]) -> Placements:
        ids = sorted(set(run_ids))
        out = cls()
        if not ids:
            return out
        for run, table, row, col, page, x0, top, x1, bottom in conn.execute(
            text("""SELECT parse_run_id, rtrim(table_code), row_key, col, page, box_x0, box_top, box_x1, box_bottom
                    FROM disclosure.cell WHERE parse_run_id = ANY(:ids) AND box_x0 IS NOT NULL"""),
            {"ids": ids},
        ):
            out.cells[(run, table, row, col)] = Box(page, x0, top, x1, bottom)
        for run, seq, page, x0, top, x1, bottom in conn.execute(
            text("""SELECT parse_run_id, seq, page, box_x0, box_top, box_x1, box_bottom
                    FROM disclosure.narrative_claim WHERE parse_run_id = ANY(:ids) AND box_x0 IS NOT NULL"""),
            {"ids": ids},
        ):
            out.claims[(run, seq)] = Box(page, x0, top, x1, bottom)
        for run, seq, boxes in conn.execute(
            text("SELECT parse_run_id, seq, boxes FROM disclosure.evaluation WHERE parse_run_id = ANY(:ids)"),
            {"ids": ids},
        ):
            out.evaluations[(run, seq)] = {name: Box.from_json(b) for name, b in (boxes or {}).items()}
        return out


def _subject_number(subject: str | None) -> int | None:
    head = (subject or "").split(":", 1)[0]
    return int(head) if head.isdigit() else None


def finding_boxes(finding: dict, placed: Placements) -> list[Box]:
    """The boxes a finding involves, in print order: the cells its evidence names, its claim
    (narrative findings), its evaluation's fields (performance findings)."""
    run = finding["parse_run_id"]
    evidence = finding.get("evidence") or {}
    cells = evidence.get("cells") if isinstance(evidence.get("cells"), dict) else {}
    boxes: list[Box] = []
    for label in cells:
        m = CELL_LABEL.match(label)
        if m:
            box = placed.cells.get((run, m["table"], m["row"], int(m["col"])))
            if box is not None:
                boxes.append(box)
    seq = _subject_number(finding.get("subject"))
    rule = finding.get("rule_id") or ""
    if rule.startswith(CLAIM_RULES) and seq is not None and (run, seq) in placed.claims:
        boxes.insert(0, placed.claims[(run, seq)])
    if rule.startswith(EVALUATION_RULES) and seq is not None:
        # Subjects name the evaluation and, for a budget line's rules, the line: "1:4:基本支出".
        fields = placed.evaluations.get((run, seq), {})
        parts = (finding.get("subject") or "").split(":")
        line = parts[1] if len(parts) > 1 and parts[1].isdigit() else None
        if line:
            wanted = [f"budget_line:{line}"]
        elif rule == "perf.grade":
            wanted = ["total_score", "grade"]
        else:  # the total against the indicators' scores
            wanted = ["total_score", *(name for name in fields if name.startswith("indicator:"))]
        boxes.extend(fields[name] for name in wanted if fields.get(name) is not None)
    return sorted(set(boxes), key=lambda b: (b.page, b.top, b.x0))


def main_page(boxes: list[Box]) -> int | None:
    """The page holding most of the boxes (the first such)."""
    counts: dict[int, int] = defaultdict(int)
    for b in boxes:
        counts[b.page] += 1
    return max(sorted(counts), key=lambda p: counts[p]) if counts else None


def union(boxes: list[Box]) -> Box:
    out = boxes[0]
    for b in boxes[1:]:
        out = out.union(b)
    return out


@dataclass(frozen=True)
class Crop:
    """A rendered region: the image and where its top-left corner sits on the page (points)."""

    image: object  # PIL.Image.Image
    left_pt: float
    top_pt: float
    scale: float

    def pixels(self, box: Box) -> tuple[int, int, int, int]:
        """A box's rectangle in the image's pixels (left, top, right, bottom)."""
        s = self.scale
        return (
            round((box.x0 - self.left_pt) * s),
            round((box.top - self.top_pt) * s),
            round((box.x1 - self.left_pt) * s),
            round((box.bottom - self.top_pt) * s),
        )


PAGES_KEPT = 4  # rendered pages kept per file (an A4 page at 2× is about 6 MB)


class PageRenderer:
    """Renders pages of one PDF and crops outlined regions from them; the last few pages
    rendered are kept, so the findings of one page cost one rendering."""

    def __init__(self, pdf: bytes, source: str, scale: float = CROP_SCALE):
        self.pdf, self.source, self.scale = pdf, source, scale
        self._pages: OrderedDict[int, object] = OrderedDict()

    def page_image(self, number: int):
        if number in self._pages:
            self._pages.move_to_end(number)
        else:
            while len(self._pages) >= PAGES_KEPT:
                self._pages.popitem(last=False)
            with PDFIUM_LOCK:
                document = open_document(self.pdf, self.source)
                try:
                    if not 1 <= number <= len(document):
                        raise ValueError(f"{self.source}: no page {number}")
                    bitmap = document[number - 1].render(scale=self.scale)
                    self._pages[number] = bitmap.to_pil().convert("RGB")
                finally:
                    document.close()
        return self._pages[number]

    def crop(self, boxes: list[Box], margin: float = MARGIN_PT) -> Crop:
        """The region around boxes (all on one page), each box outlined in OUTLINE."""
        from PIL import ImageDraw

        page = self.page_image(boxes[0].page)
        width_pt, height_pt = page.width / self.scale, page.height / self.scale
        around = union(boxes)
        left, top = max(around.x0 - margin, 0.0), max(around.top - margin, 0.0)
        right, bottom = min(around.x1 + margin, width_pt), min(around.bottom + margin, height_pt)
        s = self.scale
        image = page.crop((round(left * s), round(top * s), round(right * s), round(bottom * s)))
        crop = Crop(image, round(left * s) / s, round(top * s) / s, s)
        draw = ImageDraw.Draw(image)
        for box in boxes:
            x0, y0, x1, y1 = crop.pixels(box)
            # Drawn just outside the cell's rectangle, so the figure inside stays readable.
            draw.rectangle(
                (x0 - OUTLINE_PX, y0 - OUTLINE_PX, x1 + OUTLINE_PX, y1 + OUTLINE_PX), outline=OUTLINE, width=OUTLINE_PX
            )
        return crop

    def write_crops(self, boxes: list[Box], target: Path, max_pages: int = MAX_CROP_PAGES) -> list[Path]:
        """One PNG per page the boxes lie on (target-p<N>.png), first pages first."""
        pages = sorted({b.page for b in boxes})[:max_pages]
        written = []
        for number in pages:
            path = target.with_name(f"{target.name}-p{number}.png")
            path.parent.mkdir(parents=True, exist_ok=True)
            self.crop([b for b in boxes if b.page == number]).image.save(path, optimize=True)
            written.append(path)
        return written
