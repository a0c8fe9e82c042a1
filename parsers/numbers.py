"""Amounts as printed → exact decimals. Blank and "——" mean absent, not zero."""

from __future__ import annotations

import re
import unicodedata
from decimal import Decimal, InvalidOperation

_ABSENT = {"", "-", "—", "——", "--", "－－", "/"}
_SPACE_IN_NUMBER = re.compile(r"(?<=[\d.,])\s+(?=[\d.,])")
_NUMBER = re.compile(r"^-?\d+(\.\d+)?$")


def normalise_amount(text: str | None) -> str | None:
    """'4183. 78' → '4183.78', '2,795.38' → '2795.38', '——' → None; None if not a number."""
    if text is None:
        return None
    s = unicodedata.normalize("NFKC", text).strip().replace("\n", "")
    if s in _ABSENT or set(s) <= {"-", "—", " "}:
        return None
    s = _SPACE_IN_NUMBER.sub("", s).replace(",", "")
    return s if _NUMBER.match(s) else None


def parse_amount(text: str | None) -> Decimal | None:
    s = normalise_amount(text)
    if s is None:
        return None
    try:
        return Decimal(s)
    except InvalidOperation:  # pragma: no cover - the regex admits only valid decimals
        return None


def is_integer_token(text: str | None) -> bool:
    return text is not None and unicodedata.normalize("NFKC", text).strip().isdigit()
