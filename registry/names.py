"""Unit-name normalisation so that the forms a unit's name takes resolve to one unit."""

from __future__ import annotations

import re
import unicodedata

_SHORT_FORMS = (("中国共产党", "中共"), ("委员会办公室", "委办公室"))
_SPACE = re.compile(r"\s+")


def normalise_name(name: str) -> str:
    """NFKC (full-width brackets → half-width), no whitespace or line breaks, short forms."""
    s = _SPACE.sub("", unicodedata.normalize("NFKC", name))
    s = s.replace("【", "(").replace("】", ")").replace("〔", "(").replace("〕", ")")
    for long, short in _SHORT_FORMS:
        s = s.replace(long, short)
    return s
