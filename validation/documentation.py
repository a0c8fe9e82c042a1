"""The whole rule catalogue as documentation rows (`disclosure rules`): the table identities
(declared as formulas) and the families checked by code over parsed narrative, self-evaluations,
years and parts."""
from __future__ import annotations

from validation.catalogue import RULES
from validation.cross_year import CHAINS
from validation.performance import RULES as PERFORMANCE_RULES
from validation.required import PARTS, TABLES

NARRATIVE_RULES = {
    "narrative.amount": ("each amount of 情况说明", "= the cells it restates (e.g. 收入总计 = 01[31].1)"),
    "narrative.percent": ("each share (占比P%)", "= part / whole × 100, within the rounding of both"),
    "narrative.count": ("each count (共有车辆N辆)", "= the table's count (10[7].1)"),
    "narrative.change": ("each year-on-year change (与上年相比…增加/减少X万元)",
                         "= this year's cells − last year's (needs last year's filing)"),
}


def catalogue_rows() -> list[dict]:
    rows = [{"id": r.id, "family": r.family, "formula": r.formula, "title": r.title, "when": list(r.when)}
            for r in RULES]
    rows += [{"id": rid, "family": "cross_year", "formula": f"{now} = last year's {before}", "title": title,
              "when": []} for rid, now, before, title in CHAINS]
    rows += [{"id": rid, "family": "narrative", "formula": formula, "title": title, "when": []}
             for rid, (title, formula) in NARRATIVE_RULES.items()]
    rows += [{"id": rid, "family": "performance", "formula": "", "title": title, "when": []}
             for rid, title in PERFORMANCE_RULES.items()]
    rows += [{"id": f"required.{p}", "family": "required_parts", "formula": "present",
              "title": f"{'公开' + p + '表' if p in TABLES else p} is printed (an empty table says 本表无数据)",
              "when": []} for p in TABLES + PARTS]
    return rows
