"""Publication dates as sites print them: 2025-06-20, 2025/06/20, 2025.06.20, 2025年6月20日. Pure."""

from __future__ import annotations

import re
from datetime import date

# A year alone ("2024年度") is never a date: month and day must follow.
_DATE = re.compile(r"(20\d{2})\s*(?:[-/.]\s*(\d{1,2})\s*[-/.]\s*(\d{1,2})(?!\d)|年\s*(\d{1,2})\s*月\s*(\d{1,2})\s*日)")
_LABELLED = re.compile(r"(?:发布时间|发布日期|发文日期|成文日期|公开日期|日期|时间)\s*[:：]\s*")


def find_date(text: str | None) -> str | None:
    """The first real calendar date in the text as YYYY-MM-DD, or None."""
    for m in _DATE.finditer(text or ""):
        year = int(m.group(1))
        month, day = (m.group(2), m.group(3)) if m.group(2) else (m.group(4), m.group(5))
        try:
            return date(year, int(month), int(day)).isoformat()
        except ValueError:
            continue
    return None


def labelled_date(text: str | None) -> str | None:
    """The date after a label such as 发布时间： (a detail page's byline), or None."""
    for m in _LABELLED.finditer(text or ""):
        found = find_date(text[m.end() : m.end() + 24])
        if found:
            return found
    return None
