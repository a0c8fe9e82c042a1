"""Files that break parsers, as sites really serve them (issue #3): each must end in a clear
ParseError naming the file and the reason, never a crash and never a hang."""

from __future__ import annotations

import io
import zipfile


def truncated_pdf(pdf: bytes) -> bytes:
    """A download cut off a third of the way in (connection reset, disk full)."""
    return pdf[: len(pdf) // 3]


def encrypted_pdf(password: str = "s3cret") -> bytes:
    """A PDF that needs a user password to open."""
    from reportlab.lib.pdfencrypt import StandardEncryption
    from reportlab.pdfgen import canvas

    from replica.render_pdf import FONT

    buf = io.BytesIO()
    c = canvas.Canvas(buf, encrypt=StandardEncryption(password, canPrint=0))
    c.setFont(FONT, 12)
    c.drawString(72, 720, "大同市某局2024年度部门决算公开")
    c.save()
    return buf.getvalue()


def garbage_text_layer(pdf: bytes, pages: list[int]) -> bytes:
    """Some pages of a PDF with embedded fonts (LibreOffice's) whose text layer decodes to
    garbage: the fonts' ToUnicode maps are dropped, as broken exporters leave them, so the
    pages look right but their text reads "(cid:28)" in pdfminer and U+FFFD in PDFium."""
    import pypdfium2 as pdfium

    from parsers.pdfium_doc import PDFIUM_LOCK

    with PDFIUM_LOCK:
        source, target = pdfium.PdfDocument(pdf), pdfium.PdfDocument.new()
        target.import_pages(source, [p - 1 for p in pages])
        buf = io.BytesIO()
        target.save(buf)
    data = buf.getvalue()
    assert b"/ToUnicode" in data, "the fonts of this PDF carry no ToUnicode map to drop"
    return data.replace(b"/ToUnicode", b"/ToUnicodX")  # same length: the xref offsets hold


def html_error_page() -> bytes:
    """What a WAF or a broken CMS answers, with status 200, where a PDF was linked."""
    return (
        "<!DOCTYPE html><html><head><meta charset='utf-8'><title>提示信息</title></head>"
        "<body><h1>访问的页面不存在或已删除</h1><p>请返回首页</p></body></html>"
    ).encode()


def zero_bytes() -> bytes:
    return b""


def huge_file(size: int) -> bytes:
    """A file larger than the configured ceiling (the test sets a small ceiling)."""
    return b"%PDF-1.4\n" + b"0" * size


def zip_bomb(unpacked: int = 200 * 1024 * 1024) -> bytes:
    """A small zip whose one member inflates a thousandfold."""
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED, compresslevel=9) as archive:
        with archive.open("报表.pdf", "w", force_zip64=True) as member:
            block = b"\0" * (1024 * 1024)
            for _ in range(unpacked // len(block)):
                member.write(block)
    return buf.getvalue()


def nested_zip(inner: bytes, depth: int) -> bytes:
    """`inner` wrapped in `depth` levels of zip."""
    data = inner
    for level in range(depth):
        buf = io.BytesIO()
        with zipfile.ZipFile(buf, "w") as archive:
            archive.writestr(f"level{level}.zip" if level else "filing.pdf", data)
        data = buf.getvalue()
    return data


def blank_pdf(pages: int, width_pt: float = 595, height_pt: float = 842) -> bytes:
    """A PDF of `pages` empty pages, written by hand (a 100,000-page one is 6 MB and built in a
    second): no text layer, so a parser that trusts it sends every page to OCR."""
    objects = [
        b"<< /Type /Catalog /Pages 2 0 R >>",
        b"<< /Type /Pages /Count %d /Kids [%s] >>" % (pages, b" ".join(b"%d 0 R" % (3 + i) for i in range(pages))),
    ]
    page = b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 %s %s] >>" % (str(width_pt).encode(), str(height_pt).encode())
    objects += [page] * pages
    out = io.BytesIO()
    out.write(b"%PDF-1.4\n")
    offsets = []
    for number, body in enumerate(objects, start=1):
        offsets.append(out.tell())
        out.write(b"%d 0 obj\n%s\nendobj\n" % (number, body))
    xref = out.tell()
    out.write(b"xref\n0 %d\n0000000000 65535 f \n" % (len(objects) + 1))
    out.write(b"".join(b"%010d 00000 n \n" % o for o in offsets))
    out.write(b"trailer\n<< /Size %d /Root 1 0 R >>\nstartxref\n%d\n%%%%EOF\n" % (len(objects) + 1, xref))
    return out.getvalue()


def _rewrite_members(xlsx: bytes, change) -> bytes:
    """The workbook with each member's bytes passed through change(name, data)."""
    source = zipfile.ZipFile(io.BytesIO(xlsx))
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as target:
        for info in source.infolist():
            target.writestr(info.filename, change(info.filename, source.read(info)))
    return buf.getvalue()


def _is_sheet(name: str) -> bool:
    return name.startswith("xl/worksheets/sheet") and name.endswith(".xml")


def xlsx_claiming_dimension(xlsx: bytes, ref: str = "A1:XFD1048576") -> bytes:
    """Every sheet claims to span `ref` while holding the cells it held (openpyxl pads to it)."""
    import re

    def change(name: str, data: bytes) -> bytes:
        if not _is_sheet(name):
            return data
        data, n = re.subn(rb'<dimension ref="[^"]*"\s*/>', b'<dimension ref="%s"/>' % ref.encode(), data)
        return data if n else data.replace(b"<sheetData", b'<dimension ref="%s"/><sheetData' % ref.encode(), 1)

    return _rewrite_members(xlsx, change)


def xlsx_with_far_cell(xlsx: bytes, cell: str = "XFD1048576", text: str = "x") -> bytes:
    """The first sheet also holds one value in cell `cell` (the last one Excel has, by default)."""
    import re

    row = re.search(r"\d+$", cell).group()
    far = b'<row r="%s"><c r="%s" t="inlineStr"><is><t>%s</t></is></c></row>' % (
        row.encode(),
        cell.encode(),
        text.encode(),
    )

    def change(name: str, data: bytes) -> bytes:
        return data.replace(b"</sheetData>", far + b"</sheetData>", 1) if name == "xl/worksheets/sheet1.xml" else data

    return _rewrite_members(xlsx, change)


def xlsx_of_many_cells(rows: int, columns: int) -> bytes:
    """One sheet full of values (written streaming, so building it stays small)."""
    from openpyxl import Workbook

    book = Workbook(write_only=True)
    sheet = book.create_sheet("数据")
    for r in range(rows):
        sheet.append([r * columns + c for c in range(columns)])
    buf = io.BytesIO()
    book.save(buf)
    return buf.getvalue()


def bundle_of_repeats(members: dict[str, bytes]) -> bytes:
    """A zip holding the same filing more than once (as PDF and as XLSX, say): members by name."""
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, data in members.items():
            archive.writestr(name, data)
    return buf.getvalue()
