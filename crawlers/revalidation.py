"""Which archived files a night asks for again: each every K nights on a rotation, at once when
its list entry changed.

A no-change night used to cost one conditional GET per archived file; for a province (about
220,000 files) that is far more than a night. Each file gets a slot (a stable hash of its URL
key, modulo K) and is asked for on the nights whose number falls in it, so a site's files
spread evenly over the K nights; a file not asked for K nights or more (its night failed) is
due at once. A list entry whose title, date or links differ from the ones recorded is read
again at once, with all its files.
"""

from __future__ import annotations

import hashlib
import zlib
from datetime import date


def night_number(day: date) -> int:
    """The night's number: the same on every machine for the same (UTC) day."""
    return day.toordinal()


def rotation_slot(key: str, every: int) -> int:
    return zlib.crc32(key.encode("utf-8")) % every


def is_due(key: str, night: int, every: int, checked_night: int | None) -> bool:
    """Whether the archived file at `key` (crawlers.urls.url_key) is asked for tonight."""
    if every <= 1 or checked_night is None:
        return True
    if night - checked_night >= every:  # its slot passed without an answer: catch up now
        return True
    return rotation_slot(key, every) == night % every


def entry_fingerprint(title: str, published: str | None, links: list[str] | tuple[str, ...] = ()) -> str:
    """What a list entry showed (title, date, the files a platform's row names): a change
    means the filing was corrected or replaced, so it is read again at once."""
    text = "\x1f".join([title, published or "", *sorted(links)])
    return hashlib.sha256(text.encode("utf-8")).hexdigest()[:24]
