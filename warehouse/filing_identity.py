"""What a parsed document says it is flows back to its filing.

The crawl names a filing from its title (or the platform's row); the document names itself on
its cover. After parsing: a unit, year or kind the crawl could not tell is taken from the
document; where both tell and disagree, the title's is kept and the disagreement recorded
(filing.identity_note, listed in identification_findings). A document's parse status lives in
parse_run.document_status alone (disclosure.filing_document_status gathers it per filing, and
a filing whose current documents are all not_a_filing is never counted): nothing of a
not_a_filing document (a meeting agenda naming a unit) flows to its filing.
"""

from __future__ import annotations

from sqlalchemy import Connection, text

from parsers.model import ParseResult
from registry.model import Registry


def registered_unit_id(conn: Connection, registry: Registry, name: str | None) -> int | None:
    """The store's id of the registered unit a printed name refers to (never guessed)."""
    unit = registry.resolve_unit(name)
    if unit is None:
        return None
    return conn.execute(
        text("""
        SELECT u.id FROM disclosure.unit u JOIN disclosure.jurisdiction j ON j.id = u.jurisdiction_id
        WHERE j.code = :j AND u.code = :c"""),
        {"j": unit.jurisdiction, "c": unit.code},
    ).scalar()


def disagreements(title: str, crawl: dict, document: dict) -> list[str]:
    """Where the crawl and the document both tell and differ. A kind counts only when the
    title spells it out (a bare "决算公开" is read as 单位决算 by default, not stated)."""
    found = []
    if crawl["unit_id"] and document["unit_id"] and crawl["unit_id"] != document["unit_id"]:
        found.append(f"the title names {crawl['unit_name']}, the document {document['unit_name']}")
    if crawl["year"] and document["year"] and crawl["year"] != document["year"]:
        found.append(f"the title says {crawl['year']}, the document {document['year']}")
    if crawl["kind"] and document["kind"] and crawl["kind"] != document["kind"] and crawl["kind"] in title:
        found.append(f"the title says {crawl['kind']}, the document {document['kind']}")
    return found


def reconcile_filing(conn: Connection, registry: Registry, archived_file_id: int, result: ParseResult) -> dict:
    """Bring one parsed document's identity back to its filing (its status is in parse_run); what changed."""
    row = conn.execute(
        text("""
        SELECT f.id, f.title, f.unit_id, f.fiscal_year, f.kind, f.identity_source, u.name AS unit_name
        FROM disclosure.archived_file af JOIN disclosure.filing f ON f.id = af.filing_id
        LEFT JOIN disclosure.unit u ON u.id = f.unit_id WHERE af.id = :af"""),
        {"af": archived_file_id},
    ).one()
    status = result.status or "filing"
    changes: dict = {"filing_id": row.id, "status": status, "filled": [], "disagreements": []}
    params: dict = {"id": row.id}
    sets: list[str] = []
    if status != "not_a_filing":
        document = {
            "unit_id": registered_unit_id(conn, registry, result.unit),
            "unit_name": result.unit,
            "year": result.year,
            "kind": result.kind,
        }
        crawl = {"unit_id": row.unit_id, "unit_name": row.unit_name, "year": row.fiscal_year, "kind": row.kind}
        for column, key in (("unit_id", "unit_id"), ("fiscal_year", "year"), ("kind", "kind")):
            if crawl[key] is None and document[key] is not None:
                sets.append(f"{column} = :{column}")
                params[column] = document[key]
                changes["filled"].append(column)
        if changes["filled"]:
            sets.append("identity_source = 'document'")
        changes["disagreements"] = disagreements(row.title, crawl, document)
        if changes["disagreements"]:
            sets.append("identity_note = :note")
            params["note"] = "; ".join(changes["disagreements"])
    if sets:
        conn.execute(text(f"UPDATE disclosure.filing SET {', '.join(sets)} WHERE id = :id"), params)
    return changes
