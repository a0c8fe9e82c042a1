"""Budget against actual, per unit and year: what the budget for Y set (预算数) and what the
final account for Y reports (决算数), for 支出合计, 基本支出, 项目支出 and 三公经费, in 万元.

A 部门预算 is set against the 部门决算 of the same unit and year, a 单位预算 against the 单位决算.
Budgets and final accounts print their tables in 元 or 万元 (the sww budget of Putuo: 支出总表
in 元, its 三公 table in 万元), so each value is converted by its own table's amount unit.
"""

from __future__ import annotations

import json
from collections import defaultdict
from decimal import Decimal

from sqlalchemy import Connection, text

from validation.across_documents import UNIT_FACTORS

# figure → (the budget's cells, the final account's cells), each in order of preference
# (docs/budget-keys.md; ../shared/reference/filings.md).
BUDGET_AGAINST_ACTUAL: dict[str, tuple[tuple[tuple[str, str, int], ...], tuple[tuple[str, str, int], ...]]] = {
    "支出合计": ((("B3", "合计", 1),), (("03", "合计", 1),)),
    "基本支出": ((("B3", "合计", 2),), (("03", "合计", 2),)),
    "项目支出": ((("B3", "合计", 3),), (("03", "合计", 3),)),
    "三公经费": ((("B9", "合计", 20), ("B9", "合计", 1)), (("09", "1", 7),)),
}
SIDES = {"预算": 0, "决算": 1}  # the index into each figure's pair
WAN = UNIT_FACTORS["万元"]


def _wanted() -> str:
    rows = []
    for figure, pair in BUDGET_AGAINST_ACTUAL.items():
        for side, index in SIDES.items():
            for preference, (table, row, col) in enumerate(pair[index]):
                rows.append(
                    {
                        "figure": figure,
                        "side": side,
                        "pref": preference,
                        "table_code": table,
                        "row_key": row,
                        "col": col,
                    }
                )
    return json.dumps(rows, ensure_ascii=False)


def load_budget_actual_cells(conn: Connection) -> list[dict]:
    """The figures' cells of every current budget and final account, one set-based query."""
    sql = """
        WITH wanted AS (
            SELECT * FROM jsonb_to_recordset(CAST(:wanted AS jsonb))
                AS k(figure text, side text, pref int, table_code text, row_key text, col int))
        SELECT DISTINCT ON (cs.jurisdiction, cs.unit_code, cs.fiscal_year, left(cs.kind, 2), k.side, k.figure)
               cs.jurisdiction, cs.unit_code, cs.fiscal_year, left(cs.kind, 2) AS scope, cs.kind, k.side,
               k.figure, cs.value, cp.tables -> cs.table_code ->> 'amount_unit' AS amount_unit, cs.page,
               cs.filing_id
        FROM disclosure.cell_series cs
        JOIN wanted k ON k.table_code = cs.table_code AND k.row_key = cs.row_key AND k.col = cs.col
                     AND right(cs.kind, 2) = k.side
        JOIN disclosure.current_parse cp ON cp.filing_id = cs.filing_id AND cp.source_url = cs.source_url
        ORDER BY cs.jurisdiction, cs.unit_code, cs.fiscal_year, left(cs.kind, 2), k.side, k.figure, k.pref,
                 cs.filing_id"""
    return [dict(r._mapping) for r in conn.execute(text(sql), {"wanted": _wanted()})]


def in_wan(value: Decimal | None, amount_unit: str | None) -> Decimal | None:
    """A printed amount in 万元 (an unknown unit is taken as printed: 万元, the templates' default)."""
    if value is None:
        return None
    factor = UNIT_FACTORS.get(amount_unit or "万元", WAN)
    return (Decimal(value) * factor / WAN).quantize(Decimal("0.01"))


def budget_actual_rows(cells: list[dict]) -> dict[tuple[str, str], list[dict]]:
    """(jurisdiction, unit) → one row per year, scope (部门/单位) and figure with 预算数, 决算数,
    决算数 − 预算数 and 决算数 / 预算数, for the units with at least one year where both are
    printed (a year with only one of them shows it beside a blank)."""
    grouped: dict[tuple, dict[str, dict]] = defaultdict(dict)
    for c in cells:
        key = (c["jurisdiction"], c["unit_code"], c["fiscal_year"], c["scope"], c["figure"])
        grouped[key][c["side"]] = c
    out: dict[tuple[str, str], list[dict]] = defaultdict(list)
    order = list(BUDGET_AGAINST_ACTUAL)
    for (jurisdiction, unit, year, scope, figure), sides in sorted(
        grouped.items(), key=lambda kv: (kv[0][:4], order.index(kv[0][4]))
    ):
        budget, actual = sides.get("预算"), sides.get("决算")
        b = in_wan(budget["value"], budget["amount_unit"]) if budget else None
        a = in_wan(actual["value"], actual["amount_unit"]) if actual else None
        out[(jurisdiction, unit)].append(
            {
                "fiscal_year": year,
                "scope": scope,
                "figure": figure,
                "budget": b,
                "actual": a,
                "difference": a - b if a is not None and b is not None else None,
                "execution": f"{a / b:.1%}" if a is not None and b else "",
                "budget_page": budget["page"] if budget else None,
                "actual_page": actual["page"] if actual else None,
                "budget_filing": budget["filing_id"] if budget else None,
                "actual_filing": actual["filing_id"] if actual else None,
            }
        )
    # a unit with no year where both are printed has nothing to set against each other
    return {k: rows for k, rows in out.items() if any(r["difference"] is not None for r in rows)}
