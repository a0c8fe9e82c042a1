"""Deliver alerts through Apprise: email, generic webhooks, DingTalk, WeCom and the many other
services its URLs name. Every alert is in the store already; delivery only marks it sent, so
an alert whose delivery failed is tried again on the next run, never lost.

Channels are Apprise URLs, e.g.
  mailtos://user:pass@smtp.example.org?to=desk@example.org
  json://hooks.example.org/disclosure        (generic JSON webhook)
  dingtalk://{token}/                        wecombot://{botkey}
from DISCLOSURE_ALERT_URLS (space or comma separated) or the Airflow connection
`disclosure_alerts` of type apprise (its `path`s, read by disclosure.dag_support).
"""

from __future__ import annotations

import logging
from collections import Counter, defaultdict
from dataclasses import dataclass

log = logging.getLogger("disclosure.alerts")
MAX_LINES_PER_KIND = 20
TITLES = {
    "failed_identity": "Failed identities",
    "missing_filing": "Missing filings",
    "late_filing": "Late filings",
    "unidentified_filing": "Filings not identified",
    "withdrawn_filing": "Withdrawn filings",
    "revised_filing": "Revised filings",
    "resolved_identity": "Resolved",
    "site_failed": "Sites failing",
    "site_down": "Sites down",
    "site_unfinished": "Sites cut by their time limit night after night",
    "parse_failed": "Files that failed to parse",
    "digest": "Daily digest",
    "incomplete_parse": "Filings read only in part or not at all",
}


@dataclass
class Delivery:
    ok: bool
    channel: str
    error: str = ""


def compose(alerts: list[dict]) -> tuple[str, str]:
    """One message for a batch: grouped by kind, the first lines of each kind, counts for the rest."""
    by_kind: dict[str, list[str]] = defaultdict(list)
    for alert in alerts:
        by_kind[alert["kind"]].append(alert["subject"])
    parts = []
    for kind, subjects in by_kind.items():
        parts.append(f"## {TITLES.get(kind, kind)} ({len(subjects)})")
        parts += [f"- {s}" for s in subjects[:MAX_LINES_PER_KIND]]
        if len(subjects) > MAX_LINES_PER_KIND:
            parts.append(f"- … and {len(subjects) - MAX_LINES_PER_KIND} more (see the store's alert table)")
    title = f"disclosure-watch: {len(alerts)} new alert{'s' if len(alerts) != 1 else ''}"
    return title, "\n".join(parts)


def deliver(alerts: list[dict], url: str | None) -> Delivery:
    """One grouped message to one channel (an Apprise URL; None: the log). Channels are
    delivered one by one, so that a failing one does not make the others send again."""
    from alerting.ledger import channel_id

    channel = channel_id(url or "log")
    if not alerts:
        return Delivery(True, channel)
    if not url:
        for alert in alerts:  # every alert in the log, one summary line per kind on a quiet console
            log.info("ALERT %s: %s", alert["kind"], alert["subject"].splitlines()[0])
        for kind, n in Counter(a["kind"] for a in alerts).items():
            log.warning("ALERTS %s: %d (%s)", kind, n, TITLES.get(kind, kind))
        return Delivery(True, channel)
    import apprise

    title, body = compose(alerts)
    notifier = apprise.Apprise()
    if not notifier.add(url):
        return Delivery(False, channel, f"invalid alert URL of scheme {url.split('://', 1)[0]!r}")
    ok = bool(notifier.notify(title=title, body=body))
    return Delivery(ok, channel, "" if ok else f"channel {channel} refused the notification")
