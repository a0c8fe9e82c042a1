"""Render a fixture filing in the other formats sites publish: XLSX, HTML detail page, DOCX, zip.

Each keeps what the PDF keeps (titles, 公开NN表 markers, meta lines, grid rows as printed,
notes, 本表无数据) and adds what that format does in the wild: merged header cells,
numbers stored as numbers with a display format, a cover sheet, GBK-encoded HTML.
"""

from __future__ import annotations

import html
import io
import re
import zipfile

from replica.seeds import PrintedTable, SeedFiling
from replica.stable import stable_zip

_NUMBER = re.compile(r"^-?[\d,]+(\.\d+)?$")


def header_row_count(table: PrintedTable) -> int:
    """Rows above the first data row (the 栏次 row included): where cells get merged."""
    for i, row in enumerate(table.rows):
        if (
            any(c.strip() in ("栏次", "1") for c in row)
            and "栏次" in "".join(row)
            or [c for c in row if c.strip()][:3] == ["1", "2", "3"]
        ):
            return i + 1
    return 0


def spans(row: list[str]) -> list[tuple[int, int]]:
    """(start, colspan) for each printed cell of a header row: a label absorbs the blanks to its right."""
    out: list[tuple[int, int]] = []
    for j, text in enumerate(row):
        if text.strip() or not out:
            out.append((j, 1))
        else:
            start, width = out[-1]
            out[-1] = (start, width + 1)
    return out


def _document_parts(filing: SeedFiling):
    """The sequence every flow format follows: cover, tables, narrative, glossary, evaluations.
    A 绩效情况说明 is only its title, its narrative and the self-evaluation tables."""
    yield "cover", filing.title_lines
    if filing.kind == "绩效说明":
        yield "paragraphs", filing.narrative
        for evaluation in filing.evaluations:
            yield "evaluation", evaluation
        return
    for code in sorted(filing.tables):
        yield "table", filing.tables[code]
    yield "heading", "第三部分 情况说明"
    yield "paragraphs", filing.narrative
    if filing.glossary:
        yield "heading", "第四部分 名词解释"
        yield "paragraphs", filing.glossary
    if filing.evaluations:
        yield "heading", "第五部分 附件"
        for evaluation in filing.evaluations:
            yield "evaluation", evaluation


# ---- HTML ------------------------------------------------------------------------------
def _html_table(rows: list[list[str]], header_rows: int) -> str:
    out = ['<table border="1" cellspacing="0" cellpadding="2" style="border-collapse:collapse">']
    for i, row in enumerate(rows):
        cells = []
        if i < header_rows:
            for start, width in spans(row):
                attr = f' colspan="{width}"' if width > 1 else ""
                cells.append(f"<td{attr}>{html.escape(row[start])}</td>")
        else:
            cells = [f"<td{' align=right' if _NUMBER.match(c) else ''}>{html.escape(c)}</td>" for c in row]
        out.append("<tr>" + "".join(cells) + "</tr>")
    out.append("</table>")
    return "\n".join(out)


def render_html(filing: SeedFiling, encoding: str = "utf-8") -> bytes:
    """The filing as HTML tables on a detail page, the way some county sites publish it."""
    body: list[str] = []
    for kind, part in _document_parts(filing):
        if kind == "cover":
            body.append(f'<h1 class="title">{html.escape("".join(part))}</h1>')
        elif kind == "table":
            body.append(f"<p align=center><b>{html.escape(part.title)}</b></p>")
            body.append(f"<p align=right>公开{part.code}表</p>")
            body += [f"<p>{html.escape(m)}</p>" for m in part.meta]
            body.append(_html_table(part.rows, header_row_count(part)))
            if part.note:
                body.append(f"<p>{html.escape(part.note)}</p>")
            if part.empty:
                body.append("<p>说明：本表无数据</p>")
        elif kind == "heading":
            body.append(f"<h2>{html.escape(part)}</h2>")
        elif kind == "paragraphs":
            body += [f"<p>{html.escape(p)}</p>" for p in part]
        else:
            body.append(f"<p align=center><b>{html.escape(part.title)}</b></p>")
            body.append(_html_table(part.rows, 0))
            body += [f"<p>{html.escape(n)}</p>" for n in part.notes]
    page = (
        f'<!DOCTYPE html>\n<html><head><meta http-equiv="Content-Type" content="text/html; charset={encoding}">'
        f"<title>{html.escape(''.join(filing.title_lines))}</title>"
        '<script>var _hmt = _hmt || [];</script></head>\n<body><div class="TRS_Editor">\n'
        + "\n".join(body)
        + "\n</div></body></html>\n"
    )
    return page.encode(encoding)


# ---- XLSX ------------------------------------------------------------------------------
def _number_cell(text: str):
    """'2,795.38' → (2795.38, '#,##0.00'); non-numbers stay text."""
    if not _NUMBER.match(text.strip()):
        return text, None
    plain = text.replace(",", "").strip()
    decimals = len(plain.split(".", 1)[1]) if "." in plain else 0
    fmt = ("#,##0" if "," in text else "0") + ("." + "0" * decimals if decimals else "")
    return (float(plain) if decimals else int(plain)), fmt


def render_xlsx(filing: SeedFiling) -> bytes:
    """The ten tables as a workbook: a cover sheet, then one sheet per table as exported."""
    from openpyxl import Workbook
    from openpyxl.styles import Alignment, Border, Side

    book = Workbook()
    cover = book.active
    cover.title = "封面"
    for line in filing.title_lines:
        cover.append([line])
    thin = Side(style="thin")
    for code in sorted(filing.tables):
        table = filing.tables[code]
        sheet = book.create_sheet(f"公开{code}表")
        width = max(len(r) for r in table.rows)
        sheet.append([table.title])
        sheet.merge_cells(start_row=1, start_column=1, end_row=1, end_column=width)
        sheet.append([""] * (width - 1) + [f"公开{code}表"])
        for meta in table.meta:
            sheet.append([meta])
        first = sheet.max_row + 1
        headers = header_row_count(table)
        for i, row in enumerate(table.rows):
            values = [_number_cell(c) for c in row]
            sheet.append([v for v, _ in values])
            r = sheet.max_row
            for j, (_, fmt) in enumerate(values, start=1):
                cell = sheet.cell(r, j)
                cell.border = Border(left=thin, right=thin, top=thin, bottom=thin)
                cell.alignment = Alignment(wrap_text=True, vertical="center")
                if fmt:
                    cell.number_format = fmt
            if i < headers:
                for start, span in spans(row):
                    if span > 1:
                        sheet.merge_cells(start_row=r, start_column=start + 1, end_row=r, end_column=start + span)
        if table.note:
            sheet.append([table.note])
        if table.empty:
            sheet.append(["说明：本表无数据"])
        sheet.freeze_panes = sheet.cell(first + headers, 1)
    buf = io.BytesIO()
    book.save(buf)
    return stable_zip(buf.getvalue())


# ---- DOCX ------------------------------------------------------------------------------
def render_docx(filing: SeedFiling) -> bytes:
    """The whole filing as a Word document (how narratives and 绩效说明 are often published)."""
    from docx import Document
    from docx.enum.section import WD_ORIENT
    from docx.shared import Pt

    document = Document()
    style = document.styles["Normal"]
    style.font.name = "SimSun"
    style.font.size = Pt(10.5)
    section = document.sections[0]
    section.orientation = WD_ORIENT.LANDSCAPE
    section.page_width, section.page_height = section.page_height, section.page_width

    def add_table(rows: list[list[str]], header_rows: int) -> None:
        width = max(len(r) for r in rows)
        grid = document.add_table(rows=len(rows), cols=width)
        grid.style = "Table Grid"
        for row, row_cells in zip(rows, grid.rows):
            for text, cell in zip(row, row_cells.cells):  # one pass: grid.cell(i, j) rescans the table
                if text:
                    cell.paragraphs[0].text = text
        for i, row in enumerate(rows[:header_rows]):
            row_cells = grid.rows[i].cells
            for start, span in spans(row):
                if span > 1:
                    row_cells[start].merge(row_cells[start + span - 1])

    for kind, part in _document_parts(filing):
        if kind == "cover":
            document.add_heading("".join(part), level=0)
        elif kind == "table":
            document.add_paragraph(part.title)
            document.add_paragraph(f"公开{part.code}表")
            for meta in part.meta:
                document.add_paragraph(meta)
            add_table(part.rows, header_row_count(part))
            if part.note:
                document.add_paragraph(part.note)
            if part.empty:
                document.add_paragraph("说明：本表无数据")
        elif kind == "heading":
            document.add_heading(part, level=1)
        elif kind == "paragraphs":
            for paragraph in part:
                document.add_paragraph(paragraph)
        else:
            document.add_paragraph(part.title)
            add_table(part.rows, 0)
            for note in part.notes:
                document.add_paragraph(note)
    buf = io.BytesIO()
    document.save(buf)
    return stable_zip(buf.getvalue())


def render_zip(filing: SeedFiling) -> bytes:
    """A bundle as some departments upload it: the tables as XLSX, the full text as DOCX."""
    from replica.seeds import SeedFiling as _Filing

    narrative_only = _Filing(**{**filing.__dict__, "tables": {}})
    tables_only = _Filing(**{**filing.__dict__, "narrative": [], "glossary": [], "evaluations": []})
    buf = io.BytesIO()
    stem = "".join(filing.title_lines)
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr(f"{stem}/决算报表.xlsx", render_xlsx(tables_only))
        archive.writestr(f"{stem}/情况说明.docx", render_docx(narrative_only))
        archive.writestr(f"{stem}/说明.txt", "附件包含报表和情况说明。")
    return stable_zip(buf.getvalue())


def render_xls(filing: SeedFiling) -> bytes:
    """The same workbook in the old binary format (BIFF8) that many county exports still are."""
    import xlwt

    book = xlwt.Workbook(encoding="utf-8")
    cover = book.add_sheet("封面")
    for r, line in enumerate(filing.title_lines):
        cover.write(r, 0, line)
    formats: dict[str, xlwt.XFStyle] = {}
    for code in sorted(filing.tables):
        table = filing.tables[code]
        sheet = book.add_sheet(f"公开{code}表")
        lines = [[table.title], [f"公开{code}表"], *[[m] for m in table.meta], *table.rows]
        lines += [[table.note]] if table.note else []
        lines += [["说明：本表无数据"]] if table.empty else []
        for r, row in enumerate(lines):
            for c, text in enumerate(row):
                value, fmt = _number_cell(text)
                if fmt:
                    style = formats.setdefault(fmt, xlwt.easyxf(num_format_str=fmt))
                    sheet.write(r, c, value, style)
                elif value:
                    sheet.write(r, c, value)
    buf = io.BytesIO()
    book.save(buf)
    return buf.getvalue()


def render_libreoffice_pdf(filing: SeedFiling) -> bytes:
    """A second, visibly different PDF layout: the DOCX exported by LibreOffice (Writer tables,
    no page break between tables, tables running over pages), as many offices produce them."""
    return _libreoffice(render_docx(filing), "pdf")


def render_doc(filing: SeedFiling) -> bytes:
    """The DOCX saved as Word 97 DOC by LibreOffice, as older offices still publish."""
    return _libreoffice(render_docx(filing), "doc")


def _libreoffice(docx: bytes, target: str) -> bytes:
    from parsers.convert import convert

    return convert(docx, "replica.docx", ".docx", target)


def turned_pdf(pdf: bytes, rotation: int = 90) -> bytes:
    """The same PDF with every landscape page stored as a portrait page whose content is
    turned, shown upright by /Rotate (as many Excel exports and scanners store them)."""
    import pypdfium2 as pdfium

    from parsers.pdfium_doc import PDFIUM_LOCK

    with PDFIUM_LOCK:
        document = pdfium.PdfDocument(pdf)
        for page in document:
            width, height = page.get_width(), page.get_height()
            if width <= height:
                continue
            # Content turned so that /Rotate `rotation` (clockwise on display) brings it back.
            matrix = (
                pdfium.PdfMatrix(0, 1, -1, 0, height, 0) if rotation == 90 else pdfium.PdfMatrix(0, -1, 1, 0, 0, width)
            )
            for obj in list(page.get_objects(max_depth=1)):
                obj.transform(matrix)
            page.set_mediabox(0, 0, height, width)
            page.set_rotation(rotation)
            page.gen_content()
        buf = io.BytesIO()
        document.save(buf)
    return buf.getvalue()
