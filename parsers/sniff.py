"""What a file really is, from its first bytes (servers' Content-Type lies)."""

from __future__ import annotations


def sniff_media_type(head: bytes) -> str:
    h = head.lstrip()[:1024]
    if head.startswith(b"%PDF-"):
        return "application/pdf"
    if head.startswith(b"PK\x03\x04"):
        return "application/zip"  # xlsx, docx and zip bundles all start so
    if head.startswith(b"\xd0\xcf\x11\xe0"):
        return "application/x-ole-storage"  # xls, doc
    if not head:
        return "application/x-empty"
    lower = h.lower()
    if lower.startswith((b"<!doctype html", b"<html")) or b"<html" in lower[:512]:
        return "text/html"
    return "application/octet-stream"
