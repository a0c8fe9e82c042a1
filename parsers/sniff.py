"""What a file really is, from its bytes (servers' Content-Type lies), by the table of formats."""

from __future__ import annotations

import io
import zipfile

from parsers.formats import BY_KIND, EMPTY, FORMATS, HTML, MAGIC, OLE, UNKNOWN, ZIP


def sniff_media_type(head: bytes) -> str:
    """The container the first bytes show: PDF, zip (xlsx, docx and bundles), OLE (xls, doc), HTML."""
    for container, magic in MAGIC.items():
        if head.startswith(magic):
            return container
    if not head:
        return EMPTY
    lower = head.lstrip()[:1024].lower()
    if lower.startswith((b"<!doctype html", b"<html")) or b"<html" in lower[:512]:
        return HTML
    return UNKNOWN


def zip_kind(names: list[str]) -> str:
    """xlsx or docx by their parts (an Office file lists [Content_Types].xml), else a bundle."""
    if "[Content_Types].xml" in names:
        for f in FORMATS:
            if f.container == ZIP and f.marker and any(n.startswith(f.marker) for n in names):
                return f.kind
    return "zip"


def ole_kind(data: bytes) -> str | None:
    """doc or xls by the stream names their directory lists (UTF-16, NUL-terminated)."""
    for f in FORMATS:
        if f.container == OLE and any(f"{s}\0".encode("utf-16-le") in data for s in f.marker):
            return f.kind
    return None


def sniff_kind(data: bytes) -> str | None:
    """The row of FORMATS these bytes are (None: none of them). Opens a zip's directory only,
    without the parser's limits: for naming a file, never for reading it."""
    container = sniff_media_type(data[:2048])
    if container == ZIP:
        try:
            return zip_kind(zipfile.ZipFile(io.BytesIO(data)).namelist())
        except zipfile.BadZipFile:
            return "zip"
    if container == OLE:
        return ole_kind(data)
    for f in FORMATS:
        if (f.magic and data.startswith(f.magic)) or (f.container == container != UNKNOWN):
            return f.kind
    return None


def extension_for(data: bytes) -> str:
    """The extension a browser needs to open these bytes ("" when they are none of the formats)."""
    kind = sniff_kind(data)
    return BY_KIND[kind].extensions[0] if kind else ""
