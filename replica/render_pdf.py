"""Render a fixture filing as a text PDF drawn with reportlab (ruled tables, Chinese CID font).

Like the real documents: a cover, the ten tables (wide ones on landscape pages), each
table broken where the original broke it, the continuation page carrying no title and no
header, only rows and a page number "-N-"; then the narrative on portrait pages.
"""

from __future__ import annotations

import io

from reportlab.lib import colors
from reportlab.lib.pagesizes import A4, landscape
from reportlab.lib.styles import ParagraphStyle
from reportlab.lib.units import mm
from reportlab.pdfbase import pdfmetrics
from reportlab.pdfbase.cidfonts import UnicodeCIDFont
from reportlab.platypus import (
    BaseDocTemplate,
    Frame,
    NextPageTemplate,
    PageBreak,
    PageTemplate,
    Paragraph,
    Spacer,
    Table,
    TableStyle,
)

from replica.seeds import PrintedTable, SeedFiling

FONT = "STSong-Light"
pdfmetrics.registerFont(UnicodeCIDFont(FONT))

TITLE = ParagraphStyle("title", fontName=FONT, fontSize=16, leading=22, alignment=1)
COVER = ParagraphStyle("cover", fontName=FONT, fontSize=22, leading=34, alignment=1)
BODY = ParagraphStyle("body", fontName=FONT, fontSize=10.5, leading=16, wordWrap="CJK", firstLineIndent=21)
SMALL = ParagraphStyle("small", fontName=FONT, fontSize=9, leading=12)
CELL = ParagraphStyle("cell", fontName=FONT, fontSize=7.5, leading=9, wordWrap="CJK")
NUM = ParagraphStyle("num", parent=CELL, alignment=2)


def _page_number(canvas, doc) -> None:
    canvas.saveState()
    canvas.setFont(FONT, 9)
    width = canvas._pagesize[0]
    canvas.drawCentredString(width / 2, 10 * mm, f"-{doc.page}-")
    canvas.restoreState()


def _is_number(text: str) -> bool:
    return bool(text) and text.replace(",", "").replace(".", "", 1).replace(" ", "").isdigit()


def _column_widths(rows: list[list[str]], total: float) -> list[float]:
    ncols = max(len(r) for r in rows)
    weights = []
    for c in range(ncols):
        longest = max((len(r[c]) for r in rows if c < len(r)), default=1)
        weights.append(min(max(longest, 3), 18))
    scale = total / sum(weights)
    return [w * scale for w in weights]


def _grid(rows: list[list[str]], widths: list[float]) -> Table:
    ncols = len(widths)
    data = []
    for row in rows:
        padded = row + [""] * (ncols - len(row))
        data.append([Paragraph(c, NUM if _is_number(c) else CELL) for c in padded])
    table = Table(data, colWidths=widths, repeatRows=0)
    table.setStyle(
        TableStyle(
            [
                ("GRID", (0, 0), (-1, -1), 0.5, colors.black),
                ("VALIGN", (0, 0), (-1, -1), "MIDDLE"),
                ("TOPPADDING", (0, 0), (-1, -1), 1.5),
                ("BOTTOMPADDING", (0, 0), (-1, -1), 1.5),
            ]
        )
    )
    return table


def _table_flowables(table: PrintedTable, frame_width: float) -> list:
    out: list = [
        Paragraph(table.title, TITLE),
        Paragraph(f"公开{table.code}表", ParagraphStyle("r", parent=SMALL, alignment=2)),
    ]
    out += [Paragraph(m, SMALL) for m in table.meta]
    out.append(Spacer(1, 3 * mm))
    widths = _column_widths(table.rows, frame_width)
    cuts = [0, *table.page_breaks, len(table.rows)]
    for i, (a, b) in enumerate(zip(cuts, cuts[1:])):
        if i:
            out.append(PageBreak())  # continuation page: rows only, no title, no header
        out.append(_grid(table.rows[a:b], widths))
    if table.note:
        out.append(Paragraph(table.note, SMALL))
    if table.empty:
        out.append(Paragraph("说明：本表无数据", SMALL))
    return out


def render_pdf(filing: SeedFiling) -> bytes:
    buf = io.BytesIO()
    margin = 15 * mm
    portrait_size, landscape_size = A4, landscape(A4)

    def frame(size) -> Frame:
        return Frame(margin, margin, size[0] - 2 * margin, size[1] - 2 * margin, id="f")

    # invariant: a fixed CreationDate and /ID, so the same filing renders to the same bytes in any process.
    doc = BaseDocTemplate(buf, pagesize=portrait_size, title="".join(filing.title_lines), invariant=True)
    doc.addPageTemplates(
        [
            PageTemplate("portrait", [frame(portrait_size)], onPage=_page_number, pagesize=portrait_size),
            PageTemplate("landscape", [frame(landscape_size)], onPage=_page_number, pagesize=landscape_size),
        ]
    )
    story: list = [Spacer(1, 60 * mm)]
    story += [Paragraph(line, COVER) for line in filing.title_lines]
    for table in filing.tables.values():  # in the filing's own order (the fixtures keep 01–10)
        wide = max(len(r) for r in table.rows) > 6
        template = "landscape" if wide else "portrait"
        size = landscape_size if wide else portrait_size
        story += [NextPageTemplate(template), PageBreak()]
        story += _table_flowables(table, size[0] - 2 * margin - 2)
    story += [NextPageTemplate("portrait"), PageBreak(), Paragraph("第三部分 情况说明", TITLE)]
    story += [Paragraph(p, BODY) for p in filing.narrative]
    if filing.glossary:
        story += [Spacer(1, 6 * mm), Paragraph("第四部分 名词解释", TITLE)]
        story += [Paragraph(p, BODY) for p in filing.glossary]
    if filing.evaluations:
        story += [PageBreak(), Paragraph("第五部分 附件", TITLE)]
        width = landscape_size[0] - 2 * margin - 2
        for evaluation in filing.evaluations:
            story += [
                NextPageTemplate("landscape"),
                PageBreak(),
                Paragraph(evaluation.title, TITLE),
                Spacer(1, 3 * mm),
                _grid(evaluation.rows, _column_widths(evaluation.rows, width)),
            ]
            story += [Paragraph(note, SMALL) for note in evaluation.notes]
    doc.build(story)
    return buf.getvalue()
