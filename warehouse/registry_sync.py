"""Upsert the registry (jurisdictions, deadlines, units and aliases, sites) into the store. Idempotent.

Set-based: each section is one statement over a JSON array of the registry's rows (a province's
thousands of units in a handful of round trips, not one per unit). The registry owns each of its
jurisdictions' deadlines (their set is replaced); what each unit owes follows from the units and
jurisdictions by disclosure.refresh_expected_filings().
"""

from __future__ import annotations

import json

from sqlalchemy import Connection, text

from registry.model import Registry


def _rows(items: list[dict]) -> str:
    return json.dumps(items, ensure_ascii=False, default=str)  # dates as ISO strings


def sync_registry(conn: Connection, registry: Registry) -> dict[str, int]:
    jurisdictions = [
        {"code": j.code, "name": j.name, "level": j.level, "parent": j.parent, "publishes": list(j.publishes)}
        for j in registry.jurisdictions
    ]
    conn.execute(
        text("""
        INSERT INTO disclosure.jurisdiction (code, name, level, publishes)
        SELECT r.code, r.name, r.level, r.publishes
        FROM jsonb_to_recordset(CAST(:rows AS jsonb)) AS r(code text, name text, level text, publishes text[])
        ON CONFLICT (code) DO UPDATE SET name = EXCLUDED.name, level = EXCLUDED.level,
            publishes = EXCLUDED.publishes"""),
        {"rows": _rows(jurisdictions)},
    )
    conn.execute(  # parents once every jurisdiction exists (the file's order no longer matters)
        text("""
        UPDATE disclosure.jurisdiction j SET parent_id = p.id
        FROM jsonb_to_recordset(CAST(:rows AS jsonb)) AS r(code text, parent text)
        LEFT JOIN disclosure.jurisdiction p ON p.code = r.parent
        WHERE j.code = r.code AND j.parent_id IS DISTINCT FROM p.id"""),
        {"rows": _rows(jurisdictions)},
    )
    deadlines = [
        {
            "jur": j.code,
            "kind": d.kind,
            "year": d.year,
            "approved": d.approved_on,
            "congress": d.congress_approved_on,
            "due": d.due_on,
            "month": d.due_month_day[0] if d.due_month_day else None,
            "day": d.due_month_day[1] if d.due_month_day else None,
        }
        for j in registry.jurisdictions
        for d in j.deadlines
    ]
    conn.execute(
        text("""
        DELETE FROM disclosure.deadline d USING disclosure.jurisdiction j
        WHERE j.id = d.jurisdiction_id AND j.code = ANY(:codes)"""),
        {"codes": [j.code for j in registry.jurisdictions]},
    )
    conn.execute(
        text("""
        INSERT INTO disclosure.deadline (jurisdiction_id, kind, fiscal_year, approved_on, congress_approved_on,
                                         due_on, due_month, due_day)
        SELECT j.id, r.kind, r.year, r.approved, r.congress, r.due, r.month, r.day
        FROM jsonb_to_recordset(CAST(:rows AS jsonb)) AS r(jur text, kind text, year int, approved date,
                                                          congress date, due date, month int, day int)
        JOIN disclosure.jurisdiction j ON j.code = r.jur"""),
        {"rows": _rows(deadlines)},
    )
    units = [
        {
            "jur": u.jurisdiction,
            "code": u.code,
            "name": u.name,
            "budget_code": u.budget_code,
            "kind": u.kind,
            "parent": u.parent,
            "first_year": u.first_year,
            "last_year": u.last_year,
            "publishes": list(u.publishes),
            "aliases": sorted(u.names()),
        }
        for u in registry.units
    ]
    conn.execute(
        text("""
        INSERT INTO disclosure.unit (jurisdiction_id, code, name, budget_code, kind, parent_code,
                                     first_year, last_year, publishes)
        SELECT j.id, r.code, r.name, r.budget_code, r.kind, r.parent, r.first_year, r.last_year, r.publishes
        FROM jsonb_to_recordset(CAST(:rows AS jsonb)) AS r(jur text, code text, name text, budget_code text,
                                                          kind text, parent text, first_year int, last_year int,
                                                          publishes text[])
        JOIN disclosure.jurisdiction j ON j.code = r.jur
        ON CONFLICT (jurisdiction_id, code) DO UPDATE SET name = EXCLUDED.name,
            budget_code = EXCLUDED.budget_code, kind = EXCLUDED.kind, parent_code = EXCLUDED.parent_code,
            first_year = EXCLUDED.first_year, last_year = EXCLUDED.last_year, publishes = EXCLUDED.publishes"""),
        {"rows": _rows(units)},
    )
    conn.execute(
        text("""
        INSERT INTO disclosure.unit_alias (unit_id, alias)
        SELECT u.id, a.alias
        FROM jsonb_to_recordset(CAST(:rows AS jsonb)) AS r(jur text, code text, aliases text[])
        JOIN disclosure.jurisdiction j ON j.code = r.jur
        JOIN disclosure.unit u ON u.jurisdiction_id = j.id AND u.code = r.code
        CROSS JOIN LATERAL unnest(r.aliases) AS a(alias)
        ON CONFLICT DO NOTHING"""),
        {"rows": _rows(units)},
    )
    sites = [
        {"key": s.key, "jur": s.jurisdiction, "family": s.family, "urls": list(s.start_urls), "config": s.config}
        for s in registry.sites
    ]
    conn.execute(
        text("""
        INSERT INTO disclosure.site (key, jurisdiction_id, family, start_urls, config)
        SELECT r.key, j.id, r.family, r.urls, COALESCE(r.config, '{}'::jsonb)
        FROM jsonb_to_recordset(CAST(:rows AS jsonb)) AS r(key text, jur text, family text, urls text[],
                                                          config jsonb)
        JOIN disclosure.jurisdiction j ON j.code = r.jur
        ON CONFLICT (key) DO UPDATE SET family = EXCLUDED.family, start_urls = EXCLUDED.start_urls,
            config = EXCLUDED.config, jurisdiction_id = EXCLUDED.jurisdiction_id"""),
        {"rows": _rows(sites)},
    )
    conn.execute(text("SELECT disclosure.refresh_expected_filings()"))
    return {"jurisdictions": len(registry.jurisdictions), "units": len(registry.units), "sites": len(registry.sites)}
