"""What makes two URLs the same page for the archive: everything but the scheme and the port.

Sites move from http to https (and back, behind some proxies) between two nights; the page
and its files stay the same, so a filing is keyed by its URL without scheme or port.
"""

from __future__ import annotations

from urllib.parse import urlsplit


def url_key(url: str) -> str:
    """'https://Czj.Example.gov.cn:443/a/b.html?id=1#x' → '//czj.example.gov.cn/a/b.html?id=1#x'."""
    parts = urlsplit(url)
    key = f"//{(parts.hostname or '').lower()}{parts.path or '/'}"
    if parts.query:
        key += f"?{parts.query}"
    if parts.fragment:
        key += f"#{parts.fragment}"
    return key
