"""Required parts of a final-accounts filing: the ten tables (an empty one says 本表无数据),
情况说明 and 名词解释. Pure; applies to 部门决算 and 单位决算 only."""
from __future__ import annotations

from validation.engine import CellMap, Outcome

REQUIRED = "required_parts"
FINAL_ACCOUNTS = ("部门决算", "单位决算")
TABLES = tuple(f"{i:02d}" for i in range(1, 11))
PARTS = ("情况说明", "名词解释")


def required_outcomes(kind: str | None, statuses: dict[str, str], cells: CellMap,
                      pages: dict[str, list[int]]) -> list[Outcome]:
    if kind not in FINAL_ACCOUNTS:
        return []
    tables_with_cells = {table for table, _row, _col in cells}
    out = []
    for part in TABLES + PARTS:
        status = statuses.get(part, "missing")
        name = f"公开{part}表" if part in TABLES else part
        if status == "missing":
            out.append(Outcome(f"required.{part}", REQUIRED, "", "failed", reason=f"{name} is missing from the filing"))
        elif part in TABLES and status == "present" and part not in tables_with_cells:
            out.append(Outcome(f"required.{part}", REQUIRED, "", "failed", pages=pages.get(part, []),
                               reason=f"{name} is printed without figures and without 说明：本表无数据"))
        else:
            out.append(Outcome(f"required.{part}", REQUIRED, "", "passed", pages=pages.get(part, [])))
    return out
