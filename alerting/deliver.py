"""Deliver new alerts. Every alert is already in the store; channels are where people see them.

Only the log channel exists so far (see the README's status table): external channels
(email, webhook, DingTalk/WeCom through Apprise) are the next step of issue 8.
"""
from __future__ import annotations

import logging

log = logging.getLogger("disclosure.alerts")


def deliver(alerts: list[dict]) -> str:
    for alert in alerts:
        log.warning("ALERT %s: %s", alert["kind"], alert["subject"])
    return "log"
