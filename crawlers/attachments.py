"""Every way a detail page attaches a file (href, iframe, embed, pdf.js viewer, onclick), and
whether a link or an answer is a file. Pure.

A link is a file by its path (…/P020250915….pdf), by a file name in its query
(downfile.jsp?classid=0&filename=x.pdf), or, for a download script that names nothing
(download.do?id=…, /attach/…?fileId=…), only once answered: by its Content-Disposition,
Content-Type or first bytes (`answer_is_file`).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from urllib.parse import parse_qsl, unquote, unquote_to_bytes, urljoin, urlparse

from parsel import Selector

from parsers.formats import FILE_MAGIC, FILE_MEDIA_PREFIXES
from parsers.formats import LINK_EXTENSIONS as FILE_EXTENSIONS

_WINDOW_OPEN = re.compile(r"""window\.open\(\s*['"]([^'"]+)['"]""")
# Download scripts seen on real sites: they answer a file whatever their URL says.
_DOWNLOAD_SCRIPT = re.compile(
    r"(?:down(?:load)?(?:file)?\.(?:jsp|do|action|aspx?|php)|/attach(?:ment)?/|"
    r"/file/download|/download(?:/|$))",
    re.IGNORECASE,
)
_ID_PARAMS = {"id", "iid", "fileid", "file_id", "attachid", "attid", "fid", "docid"}
_NAME_PARAMS = {"filename", "file", "name", "fname", "filepath", "path", "realname"}


@dataclass(frozen=True)
class Attachment:
    url: str
    text: str
    certain: bool = True  # False: a download script; a file only if its answer is one


def file_name_in_url(url: str) -> str | None:
    """The file name the URL itself gives: its path's last part, or a query value that
    ends in a file extension (filename=….pdf)."""
    parsed = urlparse(url)
    if parsed.path.lower().endswith(FILE_EXTENSIONS):
        return unquote(parsed.path.rsplit("/", 1)[-1])
    for key, value in parse_qsl(parsed.query):
        if key.lower() in _NAME_PARAMS and value.lower().endswith(FILE_EXTENSIONS):
            return value.rsplit("/", 1)[-1]
    return None


def is_download_script(url: str) -> bool:
    """download.do?id=…, /attach/…?fileId=…: a file only its answer can confirm."""
    parsed = urlparse(url)
    if not _DOWNLOAD_SCRIPT.search(parsed.path):
        return False
    keys = {k.lower() for k, _ in parse_qsl(parsed.query)}
    return bool(keys & (_ID_PARAMS | _NAME_PARAMS)) or "/attach" in parsed.path.lower()


def is_file_link(url: str) -> bool:
    return file_name_in_url(url) is not None


def disposition_file_name(value: str | bytes | None) -> str | None:
    """The file name of a Content-Disposition header: RFC 5987 filename*=UTF-8''…, a
    percent-encoded filename="…", or raw GBK/UTF-8 bytes (as many servers send)."""
    if not value:
        return None
    raw = value if isinstance(value, bytes) else value.encode("latin-1", "replace")
    m = re.search(rb"filename\*\s*=\s*([\w-]+)?'[^']*'([^;]+)", raw, re.IGNORECASE)
    if m:
        charset = (m.group(1) or b"utf-8").decode("ascii", "replace")
        return _decode(unquote_to_bytes(m.group(2).strip().strip(b'"')), charset)
    m = re.search(rb'filename\s*=\s*"([^"]*)"|filename\s*=\s*([^;]+)', raw, re.IGNORECASE)
    if not m:
        return None
    name = (m.group(1) if m.group(1) is not None else m.group(2)).strip()
    if b"%" in name:
        name = unquote_to_bytes(name)
    return _decode(name, "utf-8") or None


def _decode(data: bytes, charset: str) -> str:
    for encoding in (charset, "utf-8", "gb18030"):
        try:
            return data.decode(encoding)
        except (UnicodeDecodeError, LookupError):
            continue
    return data.decode("latin-1")


def answer_is_file(headers: dict[str, str], head: bytes) -> bool:
    """A download script's answer is a file when it says so (Content-Disposition: attachment,
    a name with a file extension, a non-HTML Content-Type) or its bytes are one."""
    h = {k.lower(): v for k, v in headers.items()}
    if head.lstrip()[:1] == b"<":
        return False  # an HTML page (an error, a login form), whatever it claims
    if head.startswith(FILE_MAGIC):
        return True
    name = disposition_file_name(h.get("content-disposition"))
    if name and name.lower().endswith(FILE_EXTENSIONS):
        return True
    ctype = h.get("content-type", "").lower()
    return ctype.startswith(FILE_MEDIA_PREFIXES)


def _unwrap_viewer(url: str) -> str:
    """pdf.js: viewer.html?file=/upload/x.pdf → /upload/x.pdf."""
    parsed = urlparse(url)
    if parsed.path.endswith("viewer.html"):
        for key, value in parse_qsl(parsed.query):
            if key == "file":
                return value
    return url


def find_attachments(html: str, page_url: str) -> list[Attachment]:
    sel = Selector(text=html)
    found: dict[str, Attachment] = {}

    def add(raw: str | None, text: str) -> None:
        if not raw or raw.strip().lower().startswith(("javascript:", "mailto:", "#")):
            return
        url = urljoin(page_url, _unwrap_viewer(urljoin(page_url, raw.strip())))
        if url in found:
            return
        if is_file_link(url):
            found[url] = Attachment(url, " ".join(text.split()))
        elif is_download_script(url):
            found[url] = Attachment(url, " ".join(text.split()), certain=False)

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
