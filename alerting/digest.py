"""The daily digest: what is still open, once a day (its dedupe key is the date)."""

from __future__ import annotations

import json
from datetime import date

from sqlalchemy import Connection, text


def digest_body(conn: Connection) -> tuple[str, dict]:
    completeness = dict(conn.execute(text("SELECT status, count(*) FROM disclosure.completeness GROUP BY 1")).all())
    open_by_unit = conn.execute(
        text("""
        SELECT coalesce(unit_name, title), fiscal_year, count(*) FROM disclosure.open_findings
        GROUP BY 1, 2 ORDER BY 3 DESC, 1 LIMIT 20""")
    ).all()
    failing = [
        r[0]
        for r in conn.execute(
            text("""
        SELECT DISTINCT ON (s.key) s.key, cr.status FROM disclosure.crawl_run cr
        JOIN disclosure.site s ON s.id = cr.site_id ORDER BY s.key, cr.started_at DESC""")
        )
        if r[1] != "ok"
    ]
    lines = ["Filings: " + ", ".join(f"{k} {v}" for k, v in sorted(completeness.items()))]
    lines.append(f"Open failed identities: {sum(r[2] for r in open_by_unit)} (top units below)")
    lines += [f"  {unit} {year}: {n}" for unit, year, n in open_by_unit]
    # Current documents read only in part or not at all (parse_run.document_status).
    incomplete = dict(
        conn.execute(
            text("""
        SELECT pr.document_status, count(*) FROM disclosure.current_parse cp
        JOIN disclosure.parse_run pr ON pr.id = cp.id
        WHERE pr.document_status IN ('partial', 'unrecognised') GROUP BY 1""")
        ).all()
    )
    lines.append(
        "Documents read in part or not at all: "
        + (", ".join(f"{k} {v}" for k, v in sorted(incomplete.items())) if incomplete else "none")
    )
    lines.append("Sites failing: " + (", ".join(failing) if failing else "none"))
    payload = {
        "completeness": completeness,
        "failing_sites": failing,
        "incomplete_documents": incomplete,
        "open_findings": [[u, y, n] for u, y, n in open_by_unit],
    }
    return "\n".join(lines), payload


def raise_digest(conn: Connection, today: date | None = None) -> dict | None:
    """Insert today's digest alert once; None when it was raised already today."""
    today = today or date.today()
    body, payload = digest_body(conn)
    row = (
        conn.execute(
            text("""
        INSERT INTO disclosure.alert (dedupe_key, kind, subject, payload)
        VALUES (:key, 'digest', :subject, CAST(:payload AS jsonb))
        ON CONFLICT (dedupe_key) DO NOTHING RETURNING id, kind, subject, payload"""),
            {
                "key": f"digest:{today.isoformat()}",
                "subject": f"Daily digest {today.isoformat()}\n{body}",
                "payload": json.dumps(payload, ensure_ascii=False, default=str),
            },
        )
        .mappings()
        .first()
    )
    return dict(row) if row else None
