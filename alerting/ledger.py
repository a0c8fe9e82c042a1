"""Which alert reached which channel (disclosure.alert_delivery): each alert goes to each
channel once, and an alert is settled (sent_at) when every configured channel has it."""

from __future__ import annotations

import hashlib

from sqlalchemy import Connection, text


def channel_id(url: str) -> str:
    """A channel's stable name without its secrets: the Apprise scheme and a hash of the URL
    ("log" when no URL is configured and alerts go to the log)."""
    if "://" not in url:
        return url
    return f"{url.split('://', 1)[0]}:{hashlib.sha256(url.encode()).hexdigest()[:12]}"


def pending_for(conn: Connection, channel: str) -> list[dict]:
    """Unsettled alerts this channel has not received yet, oldest first."""
    return [
        dict(r)
        for r in conn.execute(
            text("""
        SELECT a.id, a.kind, a.subject, a.payload FROM disclosure.alert a
        WHERE a.sent_at IS NULL AND NOT EXISTS (
            SELECT 1 FROM disclosure.alert_delivery d WHERE d.alert_id = a.id AND d.channel = :c)
        ORDER BY a.id"""),
            {"c": channel},
        ).mappings()
    ]


def record_delivery(conn: Connection, alert_ids: list[int], channel: str) -> None:
    conn.execute(
        text("""
        INSERT INTO disclosure.alert_delivery (alert_id, channel) SELECT unnest(CAST(:ids AS bigint[])), :c
        ON CONFLICT DO NOTHING"""),
        {"ids": alert_ids, "c": channel},
    )


def settle(conn: Connection, channels: list[str]) -> int:
    """Mark sent the alerts every channel has received; how many were settled now."""
    return conn.execute(
        text("""
        UPDATE disclosure.alert a SET sent_at = now(), channel = array_to_string(CAST(:cs AS text[]), ',')
        WHERE a.sent_at IS NULL AND (SELECT count(DISTINCT d.channel) FROM disclosure.alert_delivery d
                                     WHERE d.alert_id = a.id AND d.channel = ANY(:cs)) = cardinality(CAST(:cs AS text[]))
        """),
        {"cs": channels},
    ).rowcount
