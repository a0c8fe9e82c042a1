"""Where a narrative claim is printed: the line of its page that prints its figure. Pure.

The narrative is read from page texts (parsers.narrative); readers that know where each line
sits (PDFs, scans) hand the lines over with their boxes (Page.lines). A claim's box is the
line on its page (or the next, where its sentence runs on) that prints its figure, the one
sharing most of the claim's sentence when the figure is printed more than once.
"""

from __future__ import annotations

import unicodedata

from parsers.document import Page
from parsers.model import Box

SHINGLE = 3  # characters compared between a line and the claim's sentence


def _flat(text: str) -> str:
    return unicodedata.normalize("NFKC", text).replace(" ", "").replace(",", "").replace("，", ",")


def _figure_variants(value: str) -> set[str]:
    """How the claimed figure may be printed: as normalised, or without its trailing zeros."""
    figure = value.lstrip("-")
    variants = {figure}
    if "." in figure:
        variants.add(figure.rstrip("0").rstrip("."))
    return {v for v in variants if v}


def _shared(line: str, sentence: str) -> int:
    return sum(1 for i in range(max(len(line) - SHINGLE + 1, 1)) if line[i : i + SHINGLE] in sentence)


def claim_box(claim: dict, lines_by_page: dict[int, list[tuple[str, Box]]]) -> Box | None:
    page = claim.get("page")
    if page is None:
        return None
    sentence = _flat(claim.get("sentence") or "")
    figures = _figure_variants(str(claim.get("value") or ""))
    best: tuple[int, Box] | None = None
    for number in (page, page + 1):
        for text, box in lines_by_page.get(number, []):
            flat = _flat(text)
            if not any(f in flat for f in figures):
                continue
            shared = _shared(flat, sentence)
            if best is None or shared > best[0]:
                best = (shared, box)
        if best is not None:
            return best[1]
    return None


def box_claims(claims: list[dict], pages: list[Page]) -> None:
    """Add "bbox" (Box.to_json) to every claim whose figure is found on a placed line."""
    lines_by_page = {p.number: p.lines for p in pages if p.lines}
    if not lines_by_page:
        return
    for claim in claims:
        box = claim_box(claim, lines_by_page)
        if box is not None:
            claim["bbox"] = box.to_json()
