"""Replica disclosure websites served on 127.0.0.1, built from the fixture filings.

Two CMS families so far (sites.md):
- /datong/czxx/ — TRS WCM: index.html, index_1.html paging known only from the script
  call createPageHTML(N, cur, "index", "html"); details ./YYYYMM/tYYYYMMDD_id.html; the
  attachment P0YYYYMMDD….pdf with the human title only in the link text; other notices
  (a holiday notice, a budget filing without attachment) mixed into the list.
- /xinzhou/yjsgk/ — a plain static list; the detail page embeds the PDF in an <iframe>,
  another attachment sits behind onclick="window.open('…')".
Every file answers with an ETag and Last-Modified and honours If-None-Match (304).
Behaviours are switched per test through `ReplicaSite.behaviour` (see docs/replica-sites.md).
"""

from __future__ import annotations

import gzip
import socket
import struct
import threading
import time
from dataclasses import dataclass, field
from email.utils import formatdate
from functools import lru_cache
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from urllib.parse import quote

from replica.county_sites import county_filings, hanweb_routes, unified_routes
from replica.render_formats import render_html
from replica.render_pdf import render_pdf
from replica.resources import Dynamic, Resource, html_page, query_params
from replica.seeds import SeedFiling, load_fixture

FIXTURES = Path(__file__).with_name("fixtures")
PUBLISHED = 1758000000  # a fixed Last-Modified (2025-09-16) keeps runs reproducible


def _filing_title(f: SeedFiling) -> str:
    return f"{f.unit_name}{f.fiscal_year}年度{f.kind}公开"


@lru_cache(maxsize=8)
def _rendered_fixture(seed: str) -> bytes:
    return render_pdf(load_fixtures()[seed])


def build_routes(
    filings: dict[str, SeedFiling] | None = None,
    extra: list[SeedFiling] | None = None,
    counties: bool = True,
    budget: bytes | None = None,
) -> dict[str, Resource | Dynamic]:
    """The sites' pages and files; the committed fixtures' PDFs are rendered once per process.
    `extra` filings (synthetic units and years) are published on the Datong TRS site too, and
    so is `budget`: the PDF of the Datong unit's 2024 budget (replica.budget_fixture), listed
    as published in February 2024 with the unit's 2024 final account."""
    routes: dict[str, Resource | Dynamic] = {}
    default = filings is None
    if filings is None:
        filings = load_fixtures()
        pdfs = {seed: Resource(_rendered_fixture(seed), "application/pdf") for seed in filings}
    else:
        pdfs = {seed: Resource(render_pdf(f), "application/pdf") for seed, f in filings.items()}

    # --- Datong, TRS WCM -------------------------------------------------------------
    dt = filings["001"]
    trs_items = [
        ("202509/t20250915_1001.html", _filing_title(dt), "2025-09-15"),
        ("202502/t20250210_0997.html", "大同市公共资源交易中心2025年单位预算公开", "2025-02-10"),
        ("202501/t20250120_0990.html", "关于2025年春节假期安排的通知", "2025-01-20"),
    ]
    for n, filing in enumerate(extra or [], start=1):
        published = f"{filing.fiscal_year + 1}-09-0{min(n, 9)}"
        stamp = published.replace("-", "")
        href = f"{stamp[:6]}/t{stamp}_{2000 + n}.html"
        trs_items.insert(0, (href, _filing_title(filing), published))
        pdf_name = f"P0{stamp}{700000 + n}.pdf"
        routes[f"/datong/czxx/{href}"] = html_page(
            _filing_title(filing),
            f"<h1>{_filing_title(filing)}</h1>"
            f'<div class="attach"><a href="./{pdf_name}">{_filing_title(filing)}.pdf</a></div>',
        )
        routes[f"/datong/czxx/{stamp[:6]}/{pdf_name}"] = Resource(render_pdf(filing), "application/pdf")
    if budget is not None:
        from replica import budget_fixture

        stamp = budget_fixture.PUBLISHED.replace("-", "")
        href, pdf_name = f"{stamp[:6]}/t{stamp}_0950.html", f"P0{stamp}305512.pdf"
        trs_items.insert(2, (href, budget_fixture.TITLE_TEXT, budget_fixture.PUBLISHED))
        routes[f"/datong/czxx/{href}"] = html_page(
            budget_fixture.TITLE_TEXT,
            f"<h1>{budget_fixture.TITLE_TEXT}</h1><p>发布日期：{budget_fixture.PUBLISHED}</p>"
            f'<div class="attach"><a href="./{pdf_name}">{budget_fixture.TITLE_TEXT}.pdf</a></div>',
        )
        routes[f"/datong/czxx/{stamp[:6]}/{pdf_name}"] = Resource(budget, "application/pdf")
    pages = [trs_items[:2], trs_items[2:]]
    for n, items in enumerate(pages):
        rows = "".join(f'<li><a href="./{href}" title="{t}">{t}</a><span>{d}</span></li>' for href, t, d in items)
        script = f'<script>createPageHTML({len(pages)}, {n}, "index", "html");</script>'
        name = "index.html" if n == 0 else f"index_{n}.html"
        routes[f"/datong/czxx/{name}"] = html_page("财政信息", f'<ul class="list">{rows}</ul>{script}')
    pdf_name = "P020250915538210726915.pdf"
    routes["/datong/czxx/202509/t20250915_1001.html"] = html_page(
        _filing_title(dt),
        f"<h1>{_filing_title(dt)}</h1><p>发布日期：2025-09-15</p>"
        f'<div class="attach"><a href="./{pdf_name}">{_filing_title(dt)}.pdf</a></div>',
    )
    routes[f"/datong/czxx/202509/{pdf_name}"] = pdfs["001"]
    routes["/datong/czxx/202502/t20250210_0997.html"] = html_page(
        trs_items[1][1], f"<h1>{trs_items[1][1]}</h1><p>详见附件（附件已归档）。</p>"
    )
    routes["/datong/czxx/202501/t20250120_0990.html"] = html_page(trs_items[2][1], "<p>放假安排如下。</p>")

    # --- Xinzhou, plain static list -----------------------------------------------------
    xz = filings["002"]
    routes["/xinzhou/yjsgk/list.html"] = html_page(
        "预决算公开",
        f'<ul><li><a href="/xinzhou/yjsgk/2024/0820/c1.html">{_filing_title(xz)}</a> 2024-08-20</li></ul>',
    )
    routes["/xinzhou/yjsgk/2024/0820/c1.html"] = html_page(
        _filing_title(xz),
        f'<h2>{_filing_title(xz)}</h2><iframe src="/xinzhou/files/swbgs2023js.pdf" width="100%" height="800"></iframe>',
    )
    routes["/xinzhou/files/swbgs2023js.pdf"] = pdfs["002"]
    if counties:
        derived = county_filings(filings)
        # A department sub-site of Xinzhou publishes its filing as HTML tables on the detail page.
        finance = derived["xz-czj-2023"]
        routes["/xinzhou/czj/yjsgk.html"] = html_page(
            "部门预决算",
            (
                f'<ul><li><a href="/xinzhou/czj/2024/0825/c7.html">{_filing_title(finance)}</a> 2024-08-25</li>'
                '<li><a href="/xinzhou/czj/2024/0301/c2.html">忻州市财政局关于做好2024年度部门决算编报工作的通知</a>'
                " 2024-03-01</li></ul>"
            ),
        )
        routes["/xinzhou/czj/2024/0301/c2.html"] = html_page(
            "通知", "<h2>关于做好2024年度部门决算编报工作的通知</h2><p>各部门：……</p>"
        )
        routes["/xinzhou/czj/2024/0825/c7.html"] = Resource(render_html(finance), "text/html; charset=utf-8")
        routes.update(
            _copied(_default_county_routes()) if default else {**hanweb_routes(derived), **unified_routes(derived)}
        )
    routes["/robots.txt"] = Resource(b"User-agent: *\nDisallow: /private/\n", "text/plain")
    return routes


@lru_cache(maxsize=1)
def _default_county_routes() -> dict[str, Resource | Dynamic]:
    """Rendered once per process; each server gets copies of the static resources."""
    derived = county_filings(load_fixtures())
    return {**hanweb_routes(derived), **unified_routes(derived)}


def _copied(routes: dict[str, Resource | Dynamic]) -> dict[str, Resource | Dynamic]:
    return {
        k: Resource(v.body, v.content_type, v.filename) if isinstance(v, Resource) else v for k, v in routes.items()
    }


@dataclass
class Behaviour:
    """Switches a test can flip while the server runs (docs/replica-sites.md)."""

    html_instead_of_pdf: bool = False
    server_error_paths: set[str] = field(default_factory=set)
    error_bursts: dict[str, int] = field(default_factory=dict)  # path → how many 503s before it answers
    slow_paths: dict[str, float] = field(default_factory=dict)  # path → seconds to wait before answering
    reset_paths: set[str] = field(default_factory=set)  # connection reset without an answer
    truncate_paths: set[str] = field(default_factory=set)  # full Content-Length, half the body, then close
    forbid_bare_agents: bool = False  # 403 to user agents that do not say who they are
    redirects: dict[str, str] = field(default_factory=dict)  # path → Location (301)
    drip_paths: dict[str, float] = field(default_factory=dict)  # path → seconds to spread its body over
    https_only: bool = False  # every http request answers 301 to the same path on https_base_url
    gzip_paths: set[str] = field(default_factory=set)  # Content-Encoding: gzip, Content-Length of the gzip


BARE_AGENTS = ("scrapy", "python-requests", "python-urllib", "curl", "wget")


class ReplicaSite:
    """A threaded HTTP server on 127.0.0.1 serving the replica sites; use as a context manager.
    `routes` and `host` serve other pages on another loopback address instead (the synthetic
    province of `bench night`: several hosts, each serving many sites)."""

    def __init__(
        self,
        filings: dict[str, SeedFiling] | None = None,
        port: int = 0,
        extra: list[SeedFiling] | None = None,
        budget: bytes | None = None,
        routes: dict | None = None,
        host: str = "127.0.0.1",
    ):
        self.routes = build_routes(filings, extra, budget=budget) if routes is None else routes
        self.filings = (filings or load_fixtures()) if routes is None else {}
        self.behaviour = Behaviour()
        self.requests: list[tuple[str, str, int]] = []  # (method, path, status) as served
        self.user_agents: set[str] = set()
        self.max_in_flight = 0  # the most requests served at the same moment (politeness check)
        self.arrivals: list[float] = []  # time.monotonic() of each request served (the host's rate)
        self.bytes_served = 0  # body bytes sent, for the crawl benchmark
        self._in_flight = 0
        self._lock = threading.Lock()
        self._server = ThreadingHTTPServer((host, port), self._handler())
        self._thread = threading.Thread(target=self._server.serve_forever, daemon=True)
        self._https: ThreadingHTTPServer | None = None

    @property
    def base_url(self) -> str:
        host, port = self._server.server_address[:2]
        return f"http://{host}:{port}"

    def start(self) -> ReplicaSite:
        self._thread.start()
        return self

    def stop(self) -> None:
        for server in (self._server, self._https):
            if server is not None:
                server.shutdown()
                server.server_close()

    @property
    def https_base_url(self) -> str:
        """The same sites over TLS (self-signed for 127.0.0.1), started on first use; with
        `behaviour.https_only` every http request is redirected there, as sites that moved do."""
        if self._https is None:
            import ssl
            import tempfile

            from replica.tls import self_signed_certificate

            self._https = ThreadingHTTPServer(("127.0.0.1", 0), self._handler(secure=True))
            context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
            with tempfile.TemporaryDirectory() as tmp:
                cert, key = self_signed_certificate(Path(tmp))
                context.load_cert_chain(cert, key)
            self._https.socket = context.wrap_socket(self._https.socket, server_side=True)
            threading.Thread(target=self._https.serve_forever, daemon=True).start()
        host, port = self._https.server_address[:2]
        return f"https://{host}:{port}"

    def __enter__(self) -> ReplicaSite:
        return self.start()

    def __exit__(self, *exc) -> None:
        self.stop()

    def _handler(self, secure: bool = False):
        site = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *args) -> None:  # keep test output quiet
                pass

            def _send(
                self,
                status: int,
                resource: Resource | None,
                head_only: bool = False,
                location: str | None = None,
                truncate: bool = False,
            ) -> None:
                site.requests.append((self.command, self.path, status))
                self.send_response(status)
                if location:
                    self.send_header("Location", location)
                if resource is not None:
                    self.send_header("Content-Type", resource.content_type)
                    self.send_header("ETag", resource.etag)
                    self.send_header("Last-Modified", formatdate(PUBLISHED, usegmt=True))
                    if resource.filename:
                        self.send_header(
                            "Content-Disposition", f"attachment; filename*=UTF-8''{quote(resource.filename)}"
                        )
                    body = resource.body
                    if status == 200 and self.path.split("?", 1)[0] in site.behaviour.gzip_paths:
                        body = gzip.compress(body, mtime=0)
                        self.send_header("Content-Encoding", "gzip")
                    self.send_header("Content-Length", "0" if status == 304 else str(len(body)))
                else:
                    self.send_header("Content-Length", "0")
                self.end_headers()
                if resource is not None and status == 200 and not head_only:
                    body = body[: len(body) // 2] if truncate else body
                    drip = site.behaviour.drip_paths.get(self.path.split("?", 1)[0])
                    if drip:  # a slow link: the body arrives in 20 pieces over `drip` seconds
                        step = -(-len(body) // 20)
                        for i in range(0, len(body), step):
                            self.wfile.write(body[i : i + step])
                            self.wfile.flush()
                            time.sleep(drip / 20)
                        body = b""
                    self.wfile.write(body)
                    with site._lock:
                        site.bytes_served += len(body)
                    if truncate:
                        self.wfile.flush()
                        self.close_connection = True

            def _reset(self) -> None:
                """Abort the connection with a TCP RST, as an overloaded gateway does."""
                site.requests.append((self.command, self.path, 0))
                self.connection.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
                self.close_connection = True

            def _serve(self, params: dict[str, str]) -> None:
                with site._lock:
                    site._in_flight += 1
                    site.max_in_flight = max(site.max_in_flight, site._in_flight)
                    site.arrivals.append(time.monotonic())
                    site.user_agents.add(self.headers.get("User-Agent", ""))
                try:
                    self._answer(params)
                finally:
                    with site._lock:
                        site._in_flight -= 1

            def do_GET(self) -> None:
                self._serve(query_params(self.path.partition("?")[2]))

            def do_POST(self) -> None:
                length = int(self.headers.get("Content-Length") or 0)
                form = self.rfile.read(length).decode("utf-8", "replace") if length else ""
                self._serve({**query_params(self.path.partition("?")[2]), **query_params(form)})

            def _answer(self, params: dict[str, str]) -> None:
                b = site.behaviour
                path = self.path.split("?", 1)[0]
                agent = self.headers.get("User-Agent", "").lower()
                if path in b.slow_paths:
                    time.sleep(b.slow_paths[path])
                if path in b.reset_paths:
                    return self._reset()
                if b.forbid_bare_agents and (not agent or any(agent.startswith(a) for a in BARE_AGENTS)):
                    return self._send(403, None)
                if path in b.server_error_paths:
                    return self._send(500, None)
                with site._lock:
                    burst = b.error_bursts.get(path, 0)
                    if burst:
                        b.error_bursts[path] = burst - 1
                if burst:
                    return self._send(503, None)
                if path in b.redirects:
                    return self._send(301, None, location=b.redirects[path])
                if b.https_only and not secure:
                    return self._send(301, None, location=site.https_base_url + self.path)
                route = site.routes.get(path)
                resource = route(params) if callable(route) else route
                if resource is None:
                    return self._send(404, None)
                if b.html_instead_of_pdf and resource.content_type == "application/pdf":
                    resource = html_page("错误", "<p>系统繁忙，请稍后再试</p>")
                if self.headers.get("If-None-Match") == resource.etag:
                    return self._send(304, resource)
                self._send(200, resource, truncate=path in b.truncate_paths)

        return Handler


def load_fixtures() -> dict[str, SeedFiling]:
    return {p.stem.split("_")[1]: load_fixture(p) for p in sorted(FIXTURES.glob("seed_*.json"))}


def relayout_trs_lists(site: ReplicaSite) -> None:
    """The Datong TRS column redesigned (as sites are, between one year's filings and the
    next): the same entries as table rows with the date in its own cell, no title attributes."""
    import re

    for name in ("/datong/czxx/index.html", "/datong/czxx/index_1.html"):
        page = site.routes[name]
        html = page.body.decode("utf-8")
        rows = re.findall(r'<li><a href="([^"]+)" title="[^"]*">([^<]+)</a><span>([^<]+)</span></li>', html)
        table = "".join(
            f'<tr><td class="t"><a href="{h}" target="_blank">{t}</a></td><td class="d">{d}</td></tr>'
            for h, t, d in rows
        )
        html = re.sub(r'<ul class="list">.*?</ul>', f'<table class="xxgk_list"><tbody>{table}</tbody></table>', html)
        page.body = html.encode("utf-8")
