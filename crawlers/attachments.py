"""Every way a detail page attaches a file (href, iframe, embed, pdf.js viewer, onclick). Pure."""
from __future__ import annotations

import re
from dataclasses import dataclass
from urllib.parse import parse_qs, unquote, urljoin, urlparse

from parsel import Selector

FILE_EXTENSIONS = (".pdf", ".xls", ".xlsx", ".doc", ".docx", ".zip", ".rar", ".wps", ".et")
_WINDOW_OPEN = re.compile(r"""window\.open\(\s*['"]([^'"]+)['"]""")


@dataclass(frozen=True)
class Attachment:
    url: str
    text: str


def _is_file(url: str) -> bool:
    return urlparse(url).path.lower().endswith(FILE_EXTENSIONS)


def _unwrap_viewer(url: str) -> str:
    """pdf.js: viewer.html?file=/upload/x.pdf → /upload/x.pdf."""
    parsed = urlparse(url)
    if parsed.path.endswith("viewer.html"):
        files = parse_qs(parsed.query).get("file")
        if files:
            return unquote(files[0])
    return url


def find_attachments(html: str, page_url: str) -> list[Attachment]:
    sel = Selector(text=html)
    found: dict[str, Attachment] = {}

    def add(raw: str | None, text: str) -> None:
        if not raw:
            return
        url = urljoin(page_url, _unwrap_viewer(urljoin(page_url, raw.strip())))
        if _is_file(url) and url not in found:
            found[url] = Attachment(url, " ".join(text.split()))

    for a in sel.css("a"):
        text = "".join(a.css("::text").getall())
        add(a.attrib.get("href"), text)
        match = _WINDOW_OPEN.search(a.attrib.get("onclick", ""))
        if match:
            add(match.group(1), text)
    for tag in ("iframe", "embed", "object"):
        for node in sel.css(tag):
            add(node.attrib.get("src") or node.attrib.get("data"), "")
    return list(found.values())
