"""The one table of file formats: how links name them, how servers type them, how their first
bytes and containers tell them apart (parsers.sniff), and whether a parser reads them. Dependency-free (stdlib
only), so the crawlers, the parsers and the report all import it. A new format is a row here
and its reader in `parsers.dispatch.READERS` (tests/test_formats.py keeps the two equal)."""

from __future__ import annotations

from dataclasses import dataclass

# What the first bytes say (servers' Content-Type lies): the container, before its members.
PDF, ZIP, OLE, HTML = "application/pdf", "application/zip", "application/x-ole-storage", "text/html"
EMPTY, UNKNOWN = "application/x-empty", "application/octet-stream"
MAGIC = {PDF: b"%PDF-", ZIP: b"PK\x03\x04", OLE: b"\xd0\xcf\x11\xe0"}


@dataclass(frozen=True)
class FileFormat:
    kind: str  # the reader's key in parsers.dispatch.READERS; what `sniff_kind` answers
    extensions: tuple[str, ...]  # how a link or a Content-Disposition names such a file
    media_type: str  # what a copy is served as (the report's files/), and what servers send
    container: str  # what its first bytes sniff as
    marker: tuple[str, ...] = ()  # zip member prefixes, or OLE stream names, that tell it apart
    linked: bool = True  # found as an attachment of a detail page (HTML is the page itself)
    read: bool = True  # a parser reads it; False: discovered and archived, reported unreadable
    magic: bytes = b""  # first bytes, when the container is not one of MAGIC


FORMATS: tuple[FileFormat, ...] = (
    FileFormat("pdf", (".pdf",), "application/pdf", PDF),
    FileFormat("xlsx", (".xlsx",), "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet", ZIP, ("xl/",)),
    FileFormat(
        "docx", (".docx",), "application/vnd.openxmlformats-officedocument.wordprocessingml.document", ZIP, ("word/",)
    ),
    # WPS Office's .wps and .et are Word's and Excel's binary formats under names of its own.
    # Word first: a document embedding a spreadsheet lists a Workbook stream too.
    FileFormat("doc", (".doc", ".wps"), "application/msword", OLE, ("WordDocument",)),
    FileFormat("xls", (".xls", ".et"), "application/vnd.ms-excel", OLE, ("Workbook", "Book")),
    FileFormat("zip", (".zip",), "application/zip", ZIP),  # a bundle of a filing's documents
    FileFormat("html", (".html", ".htm"), "text/html", HTML, linked=False),
    FileFormat("rar", (".rar",), "application/vnd.rar", UNKNOWN, read=False, magic=b"Rar!"),
)
BY_KIND = {f.kind: f for f in FORMATS}
READ_KINDS = frozenset(f.kind for f in FORMATS if f.read)
# What a detail page's link to a file ends with (…/P0202509….pdf, filename=x.xls).
LINK_EXTENSIONS = tuple(ext for f in FORMATS if f.linked for ext in f.extensions)
# First bytes that make a download script's answer a file.
FILE_MAGIC = tuple(dict.fromkeys(f.magic or MAGIC[f.container] for f in FORMATS if f.linked))
# A Content-Type that says "file": the table's types, and vendor types (servers name Office loosely).
FILE_MEDIA_PREFIXES = tuple(dict.fromkeys(f.media_type for f in FORMATS if f.linked)) + ("application/vnd.",)
# Containers a crawler keeps (what no parser reads, e.g. rar, is refused as not a filing document).
READ_CONTAINERS = frozenset(f.container for f in FORMATS if f.read)
# Members of a bundle that are not parts of a filing (pictures, signatures) are skipped.
BUNDLE_SKIP = (".jpg", ".jpeg", ".png", ".gif", ".txt", ".xml", ".ofd")
