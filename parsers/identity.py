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


_CODE_AND_NAME = re.compile(r"^\s*(\d{3,})\s*[-－—]\s*(.+?)\s*$")
_PRINTED_CODE = re.compile(r"(?:预算)?单位(?:代码|编码)\s*[:：]\s*(\d{3,})")


def _comparable(name: str) -> str:
    name = unicodedata.normalize("NFKC", name)
    return re.sub(r"\s|\[部门\]|\[单位\]", "", name)


def unit_code(unit: str | None, kind: str | None, first_text: str, evaluations: list[dict]) -> str | None:
    """The unit's budget code where the filing prints it: as 单位代码 on its cover, or beside
    its name in the self-evaluations ("032003-大同市公共资源交易中心…" as 预算单位 of a 单位决算,
    "032-大同市行政审批服务管理局[部门]" as 主管部门 of a 部门决算). The code printed most often
    wins; a name that does not match the unit's gives nothing."""
    m = _PRINTED_CODE.search(re.sub(r"\s+", "", first_text))
    if m:
        return m.group(1)
    if not unit:
        return None
    wanted = _comparable(unit)
    fields = ("department", "budget_unit") if kind and kind.startswith("部门") else ("budget_unit", "department")
    for field_name in fields:
        codes: dict[str, int] = {}
        for ev in evaluations:
            found = _CODE_AND_NAME.match(ev.get(field_name) or "")
            if found and _comparable(found.group(2)) == wanted:
                codes[found.group(1)] = codes.get(found.group(1), 0) + 1
        if codes:
            return max(codes, key=codes.get)
    return None
