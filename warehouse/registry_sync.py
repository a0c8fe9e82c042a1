"""Upsert the registry (jurisdictions, units and aliases, sites) into the store. Idempotent."""

from __future__ import annotations

import json

from sqlalchemy import Connection, text

from registry.model import Registry


def sync_registry(conn: Connection, registry: Registry) -> dict[str, int]:
    for j in registry.jurisdictions:  # registry order puts parents first
        conn.execute(
            text("""
            INSERT INTO disclosure.jurisdiction (code, name, level, parent_id, publishes)
            VALUES (:code, :name, :level, (SELECT id FROM disclosure.jurisdiction WHERE code = :parent), :publishes)
            ON CONFLICT (code) DO UPDATE SET name = EXCLUDED.name, level = EXCLUDED.level,
                parent_id = EXCLUDED.parent_id, publishes = EXCLUDED.publishes"""),
            {"code": j.code, "name": j.name, "level": j.level, "parent": j.parent, "publishes": list(j.publishes)},
        )
        # The registry owns deadlines: replace this jurisdiction's set.
        conn.execute(
            text(
                "DELETE FROM disclosure.deadline WHERE jurisdiction_id = "
                "(SELECT id FROM disclosure.jurisdiction WHERE code = :code)"
            ),
            {"code": j.code},
        )
        for d in j.deadlines:
            month, day = d.due_month_day or (None, None)
            conn.execute(
                text("""
                INSERT INTO disclosure.deadline (jurisdiction_id, kind, fiscal_year, approved_on, due_on,
                                                 due_month, due_day, congress_approved_on)
                VALUES ((SELECT id FROM disclosure.jurisdiction WHERE code = :code), :kind, :year, :approved,
                        :due, :month, :day, :congress)"""),
                {
                    "code": j.code,
                    "kind": d.kind,
                    "year": d.year,
                    "approved": d.approved_on,
                    "due": d.due_on,
                    "congress": d.congress_approved_on,
                    "month": month,
                    "day": day,
                },
            )
    for u in registry.units:
        unit_id = conn.execute(
            text("""
            INSERT INTO disclosure.unit (jurisdiction_id, code, name, budget_code, kind, parent_code,
                                         first_year, last_year, publishes)
            VALUES ((SELECT id FROM disclosure.jurisdiction WHERE code = :jur), :code, :name, :budget_code,
                    :kind, :parent, :first_year, :last_year, :publishes)
            ON CONFLICT (jurisdiction_id, code) DO UPDATE SET name = EXCLUDED.name,
                budget_code = EXCLUDED.budget_code, kind = EXCLUDED.kind, parent_code = EXCLUDED.parent_code,
                first_year = EXCLUDED.first_year, last_year = EXCLUDED.last_year, publishes = EXCLUDED.publishes
            RETURNING id"""),
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
            },
        ).scalar_one()
        for alias in sorted(u.names()):
            conn.execute(
                text("INSERT INTO disclosure.unit_alias (unit_id, alias) VALUES (:u, :a) ON CONFLICT DO NOTHING"),
                {"u": unit_id, "a": alias},
            )
    for s in registry.sites:
        conn.execute(
            text("""
            INSERT INTO disclosure.site (key, jurisdiction_id, family, start_urls, config)
            VALUES (:key, (SELECT id FROM disclosure.jurisdiction WHERE code = :jur), :family, :urls,
                    CAST(:config AS jsonb))
            ON CONFLICT (key) DO UPDATE SET family = EXCLUDED.family, start_urls = EXCLUDED.start_urls,
                config = EXCLUDED.config, jurisdiction_id = EXCLUDED.jurisdiction_id"""),
            {
                "key": s.key,
                "jur": s.jurisdiction,
                "family": s.family,
                "urls": list(s.start_urls),
                "config": json.dumps(s.config),
            },
        )
    conn.execute(text("SELECT disclosure.refresh_expected_filings()"))
    return {"jurisdictions": len(registry.jurisdictions), "units": len(registry.units), "sites": len(registry.sites)}
