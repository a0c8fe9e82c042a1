"""Upsert the registry (jurisdictions, units and aliases, sites) into the store. Idempotent, and
writes only the rows that differ from what the store holds (a digest per row)."""

from __future__ import annotations

import json

from sqlalchemy import Connection, text

from registry.model import Registry


def _digest(row: dict) -> str:
    """A row's canonical form: the registry's values and the store's compare equal when they
    say the same (dates, arrays and JSON as the store returns them)."""
    return json.dumps(row, sort_keys=True, default=str, ensure_ascii=False)


def _changed(wanted: list[dict], stored: dict, key) -> list[dict]:
    """The wanted rows the store lacks or holds otherwise (a digest per row)."""
    stored_digests = {k: _digest(row) for k, row in stored.items()}
    return [row for row in wanted if stored_digests.get(key(row)) != _digest(row)]


def _stored(conn: Connection, sql: str, key) -> dict:
    return {key(row): row for row in (dict(r._mapping) for r in conn.execute(text(sql)))}


def sync_registry(conn: Connection, registry: Registry) -> dict[str, int]:
    """Write what differs between the registry and the store, row by row by digest: a re-sync
    of an unchanged registry reads each table once and writes nothing (but the expected
    filings, which also follow the calendar). Rows the registry no longer lists are kept (their
    filings refer to them). Returns the registry's counts and what was written."""
    written = {
        "jurisdictions": _sync_jurisdictions(conn, registry),
        "deadlines": _sync_deadlines(conn, registry),
        "units": _sync_units(conn, registry),
        "aliases": _sync_aliases(conn, registry),
        "sites": _sync_sites(conn, registry),
    }
    conn.execute(text("SELECT disclosure.refresh_expected_filings()"))
    return {
        "jurisdictions": len(registry.jurisdictions),
        "units": len(registry.units),
        "sites": len(registry.sites),
        "written": written,
    }


def _sync_jurisdictions(conn: Connection, registry: Registry) -> int:
    wanted = [
        {"code": j.code, "name": j.name, "level": j.level, "parent": j.parent, "publishes": list(j.publishes)}
        for j in registry.jurisdictions
    ]
    stored = _stored(
        conn,
        """SELECT j.code, j.name, j.level, p.code AS parent, j.publishes FROM disclosure.jurisdiction j
           LEFT JOIN disclosure.jurisdiction p ON p.id = j.parent_id""",
        lambda r: r["code"],
    )
    changed = _changed(wanted, stored, lambda r: r["code"])
    for row in changed:  # registry order puts parents first; a few hundred at most
        conn.execute(
            text("""
            INSERT INTO disclosure.jurisdiction (code, name, level, parent_id, publishes)
            VALUES (:code, :name, :level, (SELECT id FROM disclosure.jurisdiction WHERE code = :parent), :publishes)
            ON CONFLICT (code) DO UPDATE SET name = EXCLUDED.name, level = EXCLUDED.level,
                parent_id = EXCLUDED.parent_id, publishes = EXCLUDED.publishes"""),
            row,
        )
    return len(changed)


def _sync_deadlines(conn: Connection, registry: Registry) -> int:
    """The registry owns deadlines: a jurisdiction whose set differs has it replaced."""
    wanted = []
    for j in registry.jurisdictions:
        rows = []
        for d in j.deadlines:
            month, day = d.due_month_day or (None, None)
            rows.append(
                {
                    "kind": d.kind,
                    "year": d.year,
                    "approved": d.approved_on,
                    "due": d.due_on,
                    "month": month,
                    "day": day,
                    "congress": d.congress_approved_on,
                }
            )
        wanted.append({"code": j.code, "deadlines": sorted(rows, key=_digest)})
    stored: dict = {}
    for r in conn.execute(
        text("""
        SELECT j.code, d.kind, d.fiscal_year AS year, d.approved_on AS approved, d.due_on AS due,
               d.due_month AS month, d.due_day AS day, d.congress_approved_on AS congress
        FROM disclosure.deadline d JOIN disclosure.jurisdiction j ON j.id = d.jurisdiction_id""")
    ):
        row = dict(r._mapping)
        stored.setdefault(row.pop("code"), []).append(row)
    stored = {code: {"code": code, "deadlines": sorted(rows, key=_digest)} for code, rows in stored.items()}
    # a jurisdiction without deadlines that the store has none for is no change
    changed = [w for w in _changed(wanted, stored, lambda r: r["code"]) if w["deadlines"] or w["code"] in stored]
    for w in changed:
        conn.execute(
            text(
                "DELETE FROM disclosure.deadline WHERE jurisdiction_id = "
                "(SELECT id FROM disclosure.jurisdiction WHERE code = :code)"
            ),
            {"code": w["code"]},
        )
        if w["deadlines"]:
            conn.execute(
                text("""
                INSERT INTO disclosure.deadline (jurisdiction_id, kind, fiscal_year, approved_on, due_on,
                                                 due_month, due_day, congress_approved_on)
                VALUES ((SELECT id FROM disclosure.jurisdiction WHERE code = :code), :kind, :year, :approved,
                        :due, :month, :day, :congress)"""),
                [{"code": w["code"], **d} for d in w["deadlines"]],
            )
    return len(changed)


def _sync_units(conn: Connection, registry: Registry) -> int:
    wanted = [
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
        }
        for u in registry.units
    ]
    key = lambda r: (r["jur"], r["code"])  # noqa: E731
    stored = _stored(
        conn,
        """SELECT j.code AS jur, u.code, u.name, u.budget_code, u.kind, u.parent_code AS parent, u.first_year,
                  u.last_year, u.publishes
           FROM disclosure.unit u JOIN disclosure.jurisdiction j ON j.id = u.jurisdiction_id""",
        key,
    )
    changed = _changed(wanted, stored, key)
    if changed:  # one statement for all of them
        conn.execute(
            text("""
            INSERT INTO disclosure.unit (jurisdiction_id, code, name, budget_code, kind, parent_code,
                                         first_year, last_year, publishes)
            SELECT j.id, r.code, r.name, r.budget_code, r.kind, r.parent, r.first_year, r.last_year, r.publishes
            FROM jsonb_to_recordset(CAST(:rows AS jsonb)) AS r(jur text, code text, name text, budget_code text,
                kind text, parent text, first_year int, last_year int, publishes text[])
            JOIN disclosure.jurisdiction j ON j.code = r.jur
            ON CONFLICT (jurisdiction_id, code) DO UPDATE SET name = EXCLUDED.name,
                budget_code = EXCLUDED.budget_code, kind = EXCLUDED.kind, parent_code = EXCLUDED.parent_code,
                first_year = EXCLUDED.first_year, last_year = EXCLUDED.last_year, publishes = EXCLUDED.publishes"""),
            {"rows": json.dumps(changed, ensure_ascii=False)},
        )
    return len(changed)


def _sync_aliases(conn: Connection, registry: Registry) -> int:
    """Every normalised name of a unit resolves to it; names are added, never taken away (a
    filing may have been matched by one)."""
    stored = {
        tuple(r)
        for r in conn.execute(
            text("""
            SELECT j.code, u.code, a.alias FROM disclosure.unit_alias a JOIN disclosure.unit u ON u.id = a.unit_id
            JOIN disclosure.jurisdiction j ON j.id = u.jurisdiction_id""")
        )
    }
    missing = [
        {"jur": u.jurisdiction, "code": u.code, "alias": alias}
        for u in registry.units
        for alias in sorted(u.names())
        if (u.jurisdiction, u.code, alias) not in stored
    ]
    if missing:
        conn.execute(
            text("""
            INSERT INTO disclosure.unit_alias (unit_id, alias)
            SELECT u.id, r.alias FROM jsonb_to_recordset(CAST(:rows AS jsonb)) AS r(jur text, code text, alias text)
            JOIN disclosure.jurisdiction j ON j.code = r.jur JOIN disclosure.unit u ON u.jurisdiction_id = j.id
                AND u.code = r.code
            ON CONFLICT DO NOTHING"""),
            {"rows": json.dumps(missing, ensure_ascii=False)},
        )
    return len(missing)


def _sync_sites(conn: Connection, registry: Registry) -> int:
    wanted = [
        {"key": s.key, "jur": s.jurisdiction, "family": s.family, "urls": list(s.start_urls), "config": s.config}
        for s in registry.sites
    ]
    stored = _stored(
        conn,
        """SELECT s.key, j.code AS jur, s.family, s.start_urls AS urls, s.config FROM disclosure.site s
           JOIN disclosure.jurisdiction j ON j.id = s.jurisdiction_id""",
        lambda r: r["key"],
    )
    changed = _changed(wanted, stored, lambda r: r["key"])
    for row in changed:
        conn.execute(
            text("""
            INSERT INTO disclosure.site (key, jurisdiction_id, family, start_urls, config)
            VALUES (:key, (SELECT id FROM disclosure.jurisdiction WHERE code = :jur), :family, :urls,
                    CAST(:config AS jsonb))
            ON CONFLICT (key) DO UPDATE SET family = EXCLUDED.family, start_urls = EXCLUDED.start_urls,
                config = EXCLUDED.config, jurisdiction_id = EXCLUDED.jurisdiction_id"""),
            {**row, "config": json.dumps(row["config"])},
        )
    return len(changed)
