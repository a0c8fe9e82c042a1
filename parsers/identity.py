"""Who published what: unit name, fiscal year and kind, from a title or a cover page."""
from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass

KINDS = ("部门决算", "单位决算", "部门预算", "单位预算")
_YEAR_KIND = re.compile(r"(20\d{2})\s*年度?\s*(?:的)?\s*(部门|单位)?\s*(决算|预算)")
_PERFORMANCE = re.compile(r"绩效(情况)?说明|绩效自评")


@dataclass(frozen=True)
class DocumentIdentity:
    unit: str | None
    year: int | None
    kind: str | None


def identify(text: str) -> DocumentIdentity:
    """'大同市住房和城乡建设局2024年度部门决算公开' → (大同市住房和城乡建设局, 2024, 部门决算).

    A title that names a year but only "决算" (…2022年度决算公开…) counts as 单位决算 unless
    it is a performance statement (绩效说明). Unknown parts stay None: never guessed.
    """
    raw = re.sub(r"\s+", "", text)
    flat = unicodedata.normalize("NFKC", raw)
    m = _YEAR_KIND.search(flat)
    if not m:
        return DocumentIdentity(None, None, None)
    # The unit name is kept as printed (full-width brackets and all) when NFKC kept lengths.
    printed = raw if len(raw) == len(flat) else flat
    unit = printed[: m.start()] or None
    year = int(m.group(1))
    if _PERFORMANCE.search(flat[m.end():m.end() + 20]):
        kind = "绩效说明"
    else:
        kind = (m.group(2) or "单位") + m.group(3)
    return DocumentIdentity(unit, year, kind)
