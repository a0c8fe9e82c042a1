"""The store's summary for people and scripts (`disclosure report --json`)."""

from __future__ import annotations

from sqlalchemy import Connection, text


def _pairs(conn: Connection, sql: str) -> dict[str, int]:
    return {str(k): int(v) for k, v in conn.execute(text(sql))}


def store_summary(conn: Connection) -> dict:
    scalar = lambda sql: int(conn.execute(text(sql)).scalar() or 0)  # noqa: E731
    return {
        "jurisdictions": scalar("SELECT count(*) FROM disclosure.jurisdiction"),
        "units": scalar("SELECT count(*) FROM disclosure.unit"),
        "sites": scalar("SELECT count(*) FROM disclosure.site"),
        "filings_by_status": _pairs(conn, "SELECT status, count(*) FROM disclosure.filing GROUP BY 1 ORDER BY 1"),
        "unidentified_filings": scalar("SELECT count(*) FROM disclosure.filing WHERE unit_id IS NULL"),
        "file_versions": scalar("SELECT count(*) FROM disclosure.archived_file"),
        "parses_by_status": _pairs(conn, "SELECT status, count(*) FROM disclosure.parse_run GROUP BY 1 ORDER BY 1"),
        "documents_by_status": _pairs(
            conn,
            """
            SELECT document_status, count(*) FROM disclosure.parse_run WHERE document_status IS NOT NULL
            GROUP BY 1 ORDER BY 1""",
        ),
        "cells": scalar("SELECT count(*) FROM disclosure.cell"),
        "completeness_by_kind": completeness_by_kind(conn),
        "findings_by_family": _pairs(
            conn,
            """
            SELECT family || ':' || status, count(*) FROM disclosure.finding GROUP BY 1 ORDER BY 1""",
        ),
        "alerts": scalar("SELECT count(*) FROM disclosure.alert"),
        "last_crawl_by_site": {
            k: v
            for k, v in conn.execute(
                text("""
            SELECT DISTINCT ON (s.key) s.key, cr.status FROM disclosure.crawl_run cr
            JOIN disclosure.site s ON s.id = cr.site_id ORDER BY s.key, cr.started_at DESC""")
            )
        },
    }


def completeness_by_kind(conn: Connection) -> dict[str, dict[str, int]]:
    """kind (部门/单位 决算 and 预算) → status → expected filings, from the completeness view."""
    out: dict[str, dict[str, int]] = {}
    for kind, status, n in conn.execute(
        text("SELECT kind, status, count(*) FROM disclosure.completeness GROUP BY 1, 2 ORDER BY 1, 2")
    ):
        out.setdefault(kind, {})[status] = int(n)
    return out
