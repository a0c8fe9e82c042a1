"""Alerts people act on: delivered by email and webhook (a local SMTP server and a local HTTP
receiver), each raised once, retried when delivery fails, resolved items announced once."""

import email
import json
import socket
import threading
from email.header import decode_header, make_header
from http.server import BaseHTTPRequestHandler, HTTPServer

import pytest
from aiosmtpd.controller import Controller

from alerting.deliver import MAX_LINES_PER_KIND, compose
from disclosure import pipeline


class Mailbox:
    def __init__(self):
        self.messages: list[email.message.Message] = []

    async def handle_DATA(self, server, session, envelope):
        self.messages.append(email.message_from_bytes(envelope.content))
        return "250 OK"

    def subjects(self) -> list[str]:
        return [str(make_header(decode_header(m["Subject"]))) for m in self.messages]

    def bodies(self) -> list[str]:
        out = []
        for m in self.messages:
            part = next(p for p in m.walk() if p.get_content_type() == "text/plain")
            out.append(part.get_payload(decode=True).decode("utf-8"))
        return out


@pytest.fixture
def smtp():
    sock = socket.socket()
    sock.bind(("127.0.0.1", 0))
    port = sock.getsockname()[1]
    sock.close()
    box = Mailbox()
    # aiosmtpd waits 5 s for its server thread by default: a busy machine may take longer.
    controller = Controller(box, hostname="127.0.0.1", port=port, ready_timeout=60)
    controller.start()
    yield port, box
    controller.stop()


class Hook:
    def __init__(self):
        self.received: list[dict] = []
        self.status = 200
        hook = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self):
                body = self.rfile.read(int(self.headers["Content-Length"]))
                if hook.status == 200:
                    hook.received.append(json.loads(body))
                self.send_response(hook.status)
                self.end_headers()

            def log_message(self, *args):
                pass

        self.server = HTTPServer(("127.0.0.1", 0), Handler)
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    @property
    def url(self) -> str:
        return f"json://127.0.0.1:{self.server.server_address[1]}/alerts"


@pytest.fixture
def hook():
    h = Hook()
    yield h
    h.server.shutdown()


@pytest.fixture
def ctx(env_settings, monkeypatch, smtp, hook):
    port, _box = smtp
    urls = f"mailto://127.0.0.1:{port}?from=watch@example.org&to=desk@example.org&mode=insecure {hook.url}"
    monkeypatch.setenv("DISCLOSURE_ALERT_URLS", urls)
    return pipeline.context()


def test_first_night_sends_one_message_per_channel_and_a_digest(ctx, smtp, hook):
    _port, box = smtp
    out = pipeline.run_once(ctx)
    assert out["alerts"]["error"] == "" and out["alerts"]["delivered"] > 0
    assert len(box.messages) == 2 and len(hook.received) == 2  # the alerts, then the digest
    title = hook.received[0]["title"]
    assert title == f"disclosure-watch: {out['alerts']['new_alerts']} new alerts" == box.subjects()[0]
    body = hook.received[0]["message"]
    assert "## Late filings (2)" in body  # its 2024 final account and its 2025 budget
    assert "大同市公共资源交易中心（大同市政府采购中心） 2024 单位决算 — published 2025-09-15, due 2025-09-09" in body
    assert "大同市公共资源交易中心（大同市政府采购中心） 2025 单位预算 — published 2025-02-10, due 2025-02-06" in body
    assert "## Failed identities (19)" in body and "perf.rate" in body
    assert "## Missing filings" in body
    mail = box.bodies()[0]  # the plain-text part folds the lines; the content is the same
    assert "Late filings (2)" in mail and "published 2025-09-15, due 2025-09-09" in mail and "perf.rate" in mail
    assert hook.received[1]["title"].startswith("disclosure-watch: 1 new alert")
    assert "Daily digest" in hook.received[1]["message"] and "Open failed identities: 19" in hook.received[1]["message"]


def test_a_second_night_sends_nothing_again(ctx, smtp, hook):
    _port, box = smtp
    pipeline.run_once(ctx)
    sent = len(box.messages), len(hook.received)
    again = pipeline.run_once(ctx)
    assert again["alerts"]["new_alerts"] == 0 and again["alerts"]["delivered"] == 0
    assert (len(box.messages), len(hook.received)) == sent


def test_a_failed_delivery_is_retried_next_night_not_lost(ctx, hook):
    hook.status = 500
    first = pipeline.run_once(ctx)
    assert first["alerts"]["error"] and first["alerts"]["delivered"] == 0
    with ctx.engine.connect() as conn:
        queued = conn.exec_driver_sql("SELECT count(*) FROM disclosure.alert WHERE sent_at IS NULL").scalar()
    assert queued == first["alerts"]["new_alerts"] + 1  # and the digest
    hook.status = 200
    second = pipeline.run_once(ctx)
    assert second["alerts"]["new_alerts"] == 0 and second["alerts"]["delivered"] == queued
    assert hook.received[0]["title"] == f"disclosure-watch: {queued - 1} new alerts"


def test_a_site_down_several_nights_alerts_once(ctx, replica, monkeypatch, hook):
    monkeypatch.setenv("DISCLOSURE_SITE_DOWN_NIGHTS", "2")
    ctx = pipeline.context()
    replica.behaviour.server_error_paths.add("/datong/czxx/index.html")
    kinds = [pipeline.run_once(ctx, ["replica-datong-trs"])["alerts"]["by_kind"] for _ in range(3)]
    assert [k.get("site_down", 0) for k in kinds] == [0, 1, 0]
    assert [k.get("site_failed", 0) for k in kinds] == [1, 1, 1]


def test_compose_groups_by_kind_and_truncates():
    alerts = [{"kind": "missing_filing", "subject": f"单位{i} 2023 单位决算 — missing"} for i in range(25)]
    alerts.append({"kind": "site_failed", "subject": "replica-datong-trs: timeout"})
    title, body = compose(alerts)
    assert title == "disclosure-watch: 26 new alerts"
    assert body.count("- 单位") == MAX_LINES_PER_KIND
    assert "… and 5 more" in body and "## Sites failing (1)" in body


def test_a_failing_channel_gets_its_alerts_when_it_recovers_and_the_good_one_never_twice(env_settings, monkeypatch):
    # With one good and one failing channel the good one used to receive every alert again
    # on every run until the other recovered (118 alerts, three runs in a row).
    good, bad = Hook(), Hook()
    bad.status = 500
    try:
        monkeypatch.setenv("DISCLOSURE_ALERT_URLS", f"{good.url} {bad.url}")
        ctx = pipeline.context()
        first = pipeline.run_once(ctx)["alerts"]
        raised = first["new_alerts"] + 1  # and the digest
        assert "refused the notification" in first["error"] and first["delivered"] == 0
        for _night in range(2):
            again = pipeline.run_once(ctx)["alerts"]
            assert again["new_alerts"] == 0 and again["delivered"] == 0
        assert len(good.received) == 2 and not bad.received  # one message and one digest, once
        assert good.received[0]["title"] == f"disclosure-watch: {raised - 1} new alerts"
        bad.status = 200
        recovered = pipeline.run_once(ctx)["alerts"]
        assert recovered["delivered"] == raised and recovered["error"] == ""
        assert [m["title"] for m in bad.received] == [m["title"] for m in good.received]
        assert len(good.received) == 2
        with ctx.engine.connect() as conn:
            per_channel = conn.exec_driver_sql(
                "SELECT channel, count(*) FROM disclosure.alert_delivery GROUP BY 1"
            ).all()
        assert sorted(n for _c, n in per_channel) == [raised, raised]
        assert all(c.startswith("json:") and "127.0.0.1" not in c for c, _n in per_channel)
    finally:
        good.server.shutdown()
        bad.server.shutdown()


def test_two_overlapping_alert_stages_deliver_once(env_settings, monkeypatch):
    hook = Hook()
    try:
        monkeypatch.setenv("DISCLOSURE_ALERT_URLS", hook.url)
        ctx = pipeline.context()
        pipeline.prepare(ctx)
        pipeline.crawl(ctx)
        pipeline.parse_and_load(ctx)
        pipeline.validate(ctx)
        results = []
        barrier = threading.Barrier(2)

        def stage():
            barrier.wait()
            results.append(pipeline.alert(pipeline.context()))

        threads = [threading.Thread(target=stage) for _ in range(2)]
        for t in threads:
            t.start()
        for t in threads:
            t.join(120)
        assert sorted(r["delivered"] > 0 for r in results) == [False, True]
        assert len(hook.received) == 2  # the alerts and the digest, once
    finally:
        hook.server.shutdown()
