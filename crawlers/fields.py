"""Untrusted values from a site (links, titles, dates, JSON rows) checked before they become
requests or manifest items. Pure: each helper returns a clean value or raises BadField with
a message that says which field was wrong and how, so one bad entry costs only itself."""

from __future__ import annotations

import re
from datetime import datetime, timedelta, timezone
from urllib.parse import urljoin, urlsplit

from crawlers.dates import find_date

WEB_SCHEMES = ("http", "https")
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")
_CHINA = timezone(timedelta(hours=8))  # the sites publish in Beijing time
MAX_TITLE = 500  # a title longer than this is a page's text pasted into an attribute


class BadField(ValueError):
    """One field of one entry that cannot be used as it is."""


def clean_text(value, field: str, max_length: int = MAX_TITLE) -> str:
    """A printable one-line string: NULs and control characters dropped (Postgres refuses
    NUL), whitespace collapsed; a non-string is refused, never str()-ed into nonsense."""
    if value is None:
        return ""
    if not isinstance(value, str):
        raise BadField(f"{field} is a {type(value).__name__} ({value!r:.60}), expected text")
    return " ".join(_CONTROL.sub("", value).split())[:max_length]


def web_url(href, base: str, field: str = "link") -> str:
    """An absolute http(s) URL from a link as printed; javascript:, mailto:, data: and
    unparseable addresses are refused."""
    if not isinstance(href, str) or not href.strip():
        raise BadField(f"{field} has no address ({href!r:.60})")
    raw = _CONTROL.sub("", href).strip()
    try:
        url = urljoin(base, raw)
        parts = urlsplit(url)
        parts.port  # noqa: B018 - raises ValueError on a port that is not a number
    except ValueError as exc:
        raise BadField(f"{field} {raw!r:.120} is not a usable address ({exc})") from exc
    if parts.scheme.lower() not in WEB_SCHEMES or not parts.hostname:
        raise BadField(f"{field} {raw!r:.120} is not a web address")
    return url


def published_date(value) -> str | None:
    """A publication date as ISO text, or None when absent or unreadable (it is optional):
    'YYYY-MM-DD…' strings, YYYYMMDD integers, and other numbers as Unix time in seconds or
    milliseconds (what Java list APIs send)."""
    if value is None or isinstance(value, bool):
        return None
    if isinstance(value, int) and 19000101 <= value <= 21001231:  # 20240820
        value = str(value)
        value = f"{value[:4]}-{value[4:6]}-{value[6:]}"
    elif isinstance(value, (int, float)):
        seconds = value / 1000 if abs(value) > 1e11 else value
        try:
            return datetime.fromtimestamp(seconds, _CHINA).date().isoformat()
        except (OverflowError, OSError, ValueError):
            return None
    if isinstance(value, str):  # 2024-08-20, 2024/08/20, 2024年8月20日 (crawlers.dates)
        return find_date(value)
    return None


def row_id(value, field: str = "id") -> str:
    """A JSON row's identifier: a non-empty string or integer, safe inside a URL fragment."""
    if isinstance(value, bool) or not isinstance(value, (str, int)):
        raise BadField(f"{field} missing or not text ({value!r:.60})")
    text = str(value).strip()
    if not text or not re.fullmatch(r"[\w.\-]{1,100}", text):
        raise BadField(f"{field} {text!r:.60} is not an identifier")
    return text
