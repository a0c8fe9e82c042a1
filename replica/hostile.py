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
    return ("<!DOCTYPE html><html><head><meta charset='utf-8'><title>提示信息</title></head>"
            "<body><h1>访问的页面不存在或已删除</h1><p>请返回首页</p></body></html>").encode()


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
