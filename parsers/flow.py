"""Flow documents, HTML detail pages and DOCX, read as blocks in reading order."""

from __future__ import annotations

import io
from collections.abc import Iterator

from parsers.assemble import assemble
from parsers.document import Grid, blocks_to_pages
from parsers.model import ParseError, ParseResult

Block = tuple[str, "str | Grid"]


def expand_spans(rows: list[list[tuple[str, int, int]]]) -> Grid:
    """Cells with (text, colspan, rowspan) → a rectangular grid; a spanned cell keeps its
    text in its first slot and leaves the others empty, as pdfplumber reports merged cells."""
    grid: list[list[str | None]] = []
    carried: dict[tuple[int, int], bool] = {}
    for r, row in enumerate(rows):
        out: list[str | None] = []
        c = 0
        for text, colspan, rowspan in row:
            while carried.pop((r, c), False):
                out.append(None)
                c += 1
            out.append(text)
            out.extend([None] * (colspan - 1))
            for dr in range(1, rowspan):
                for dc in range(colspan):
                    carried[(r + dr, c + dc)] = True
            c += colspan
        while carried.pop((r, c), False):
            out.append(None)
            c += 1
        grid.append(out)
    width = max((len(r) for r in grid), default=0)
    return [r + [None] * (width - len(r)) for r in grid]


def _span(value: str | None) -> int:
    try:
        return max(1, min(int(value or 1), 100))
    except ValueError:
        return 1


# ---- HTML ------------------------------------------------------------------------------
_BLOCK_TAGS = {"p", "div", "h1", "h2", "h3", "h4", "h5", "h6", "li", "br", "tr", "section", "article", "center"}


def html_blocks(data: bytes, source: str) -> Iterator[Block]:
    import lxml.html
    from w3lib.encoding import html_to_unicode

    try:  # charset from BOM or <meta>, else guessed: county sites still serve GBK
        _, text = html_to_unicode(None, data)
        root = lxml.html.document_fromstring(text)
    except Exception as exc:
        raise ParseError(source, f"unreadable HTML ({exc.__class__.__name__}: {exc})") from exc
    for bad in root.xpath("//script|//style|//noscript"):
        bad.drop_tree()
    yield from _walk_html(root.find("body") if root.find("body") is not None else root)


def _walk_html(element) -> Iterator[Block]:
    if element.tag == "table":
        rows = []
        for tr in element.xpath("./tr|./thead/tr|./tbody/tr|./tfoot/tr"):
            rows.append(
                [
                    (" ".join(td.text_content().split()), _span(td.get("colspan")), _span(td.get("rowspan")))
                    for td in tr
                    if td.tag in ("td", "th")
                ]
            )
        yield "table", expand_spans(rows)
        return
    if element.text and element.text.strip():
        yield "text", element.text.strip()
    for child in element:
        if not isinstance(child.tag, str):  # comments, processing instructions
            if child.tail and child.tail.strip():
                yield "text", child.tail.strip()
            continue
        if child.tag in _BLOCK_TAGS and not child.xpath(".//table"):
            text = " ".join(child.text_content().split())
            if text:
                yield "text", text
        else:
            yield from _walk_html(child)
        if child.tail and child.tail.strip():
            yield "text", child.tail.strip()


def parse_html(data: bytes, source: str) -> ParseResult:
    pages = list(blocks_to_pages(html_blocks(data, source)))
    if not any(p.ruled for p in pages):
        raise ParseError(source, "HTML page without any table: not a filing (an error or listing page?)")
    return assemble(pages, source)


# ---- DOCX ------------------------------------------------------------------------------
def docx_blocks(data: bytes, source: str) -> Iterator[Block]:
    from docx import Document
    from docx.table import Table
    from docx.text.paragraph import Paragraph

    try:
        document = Document(io.BytesIO(data))
    except Exception as exc:
        raise ParseError(source, f"unreadable DOCX ({exc.__class__.__name__}: {exc})") from exc
    for item in document.iter_inner_content():
        if isinstance(item, Paragraph):
            yield "text", item.text
        elif isinstance(item, Table):
            yield "table", _docx_grid(item)


def _docx_grid(table) -> Grid:
    """A Word table → grid; a merged cell repeats in python-docx, so repeats are blanked."""
    grid: Grid = []
    above: list = []
    for r, row in enumerate(table.rows):
        out: list[str | None] = []
        previous = None
        cells = list(row.cells)
        for c, cell in enumerate(cells):
            same_as_left = previous is not None and cell._tc is previous._tc
            same_as_above = r > 0 and c < len(above) and cell._tc is above[c]._tc
            out.append(None if same_as_left or same_as_above else cell.text)
            previous = cell
        above = cells
        grid.append(out)
    return grid


def parse_docx(data: bytes, source: str) -> ParseResult:
    pages = list(blocks_to_pages(docx_blocks(data, source)))
    if not any(p.text.strip() for p in pages):
        raise ParseError(source, "DOCX document has no text")
    return assemble(pages, source)
