"""Required parts of a final-accounts filing: the tables its template requires (the ten of the
local template, nine where the template has no table 10; an empty one says 本表无数据),
情况说明 and 名词解释. Pure; applies to 部门决算 and 单位决算 only."""

from __future__ import annotations

from parsers.model import TABLE_CODES
from validation.core import FAILED, PASSED, CellMap, CheckerFamily, Filing, Outcome, doc_row

REQUIRED = "required"  # the family, and the prefix of its rule ids
FINAL_ACCOUNTS = ("部门决算", "单位决算")
PARTS = ("情况说明", "名词解释")


def required_outcomes(
    kind: str | None,
    statuses: dict[str, str],
    cells: CellMap,
    pages: dict[str, list[int]],
    required_tables: tuple[str, ...] = (),
) -> list[Outcome]:
    if kind not in FINAL_ACCOUNTS:
        return []
    tables_with_cells = {table for table, _row, _col in cells}
    out = []
    for part in tuple(required_tables or TABLE_CODES) + PARTS:
        status = statuses.get(part, "missing")
        name = f"公开{part}表" if part in TABLE_CODES else part
        if status == "missing":
            out.append(Outcome(f"{REQUIRED}.{part}", REQUIRED, "", FAILED, reason=f"{name} is missing from the filing"))
        elif part in TABLE_CODES and status == "present" and part not in tables_with_cells:
            out.append(
                Outcome(
                    f"{REQUIRED}.{part}",
                    REQUIRED,
                    "",
                    FAILED,
                    pages=pages.get(part, []),
                    reason=f"{name} is printed without figures and without 说明：本表无数据",
                )
            )
        else:
            out.append(Outcome(f"{REQUIRED}.{part}", REQUIRED, "", PASSED, pages=pages.get(part, [])))
    return out


def check(filing: Filing) -> list[Outcome]:
    return required_outcomes(filing.kind, filing.statuses, filing.cells, filing.pages, filing.required_tables)


def documentation() -> list[dict]:
    return [
        doc_row(
            f"{REQUIRED}.{p}",
            REQUIRED,
            "present",
            f"{'公开' + p + '表' if p in TABLE_CODES else p} is printed (an empty table says 本表无数据)",
        )
        for p in TABLE_CODES + PARTS
    ]


FAMILY = CheckerFamily(REQUIRED, check, documentation)
