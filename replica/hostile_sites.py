"""Hostile list pages installed on a running ReplicaSite (issue #17): what a broken or
malicious CMS serves. Each function edits `site.routes` in place and returns what a test
needs to check against. The files are the fixture PDF with a marker appended, so each URL
has its own bytes."""

from __future__ import annotations

import json
import re

from replica.resources import Resource, html_page

XZ_LIST = "/xinzhou/yjsgk/list.html"
XZ_PDF = "/xinzhou/files/swbgs2023js.pdf"
TRS_INDEX = "/datong/czxx/index.html"
HANWEB_COLUMN_PAGE = "/yunzhou/col/col4521/index.html"
UNIFIED_LIST = "/sxyjgk/api/list"


def static_list_entries(site, entries: list[tuple[str, str]]) -> list[str]:
    """The Xinzhou static list rewritten to `entries` (href, title) in that order. An href
    that starts with "/xinzhou/yjsgk/e" gets a detail page and its own PDF; others (javascript:…)
    are printed as they are. Returns the PDF paths, one per real entry."""
    pdf = site.routes[XZ_PDF].body
    rows, files = [], []
    for href, title in entries:
        rows.append(f'<li><a href="{href}">{title}</a> 2025-08-20</li>')
        if href.startswith("/xinzhou/yjsgk/e"):
            file_path = f"/xinzhou/files/{href.rsplit('/', 1)[-1].removesuffix('.html')}.pdf"
            site.routes[href] = html_page(title, f'<h2>{title}</h2><a href="{file_path}">附件</a>')
            site.routes[file_path] = Resource(pdf + f"\n% {href}\n".encode(), "application/pdf")
            files.append(file_path)
    site.routes[XZ_LIST] = html_page("预决算公开", f"<ul>{''.join(rows)}</ul>")
    return files


def endless_next(site) -> None:
    """The static list's `next` link always points one page further (?p=N+1), forever."""
    first = site.routes[XZ_LIST].body.decode("utf-8")

    def page(params: dict[str, str]) -> Resource:
        n = int(params.get("p", "1"))
        return Resource(
            first.replace("</ul>", f'</ul><a class="next" href="list.html?p={n + 1}">下一页</a>').encode("utf-8"),
            "text/html; charset=utf-8",
        )

    site.routes[XZ_LIST] = page


def trs_page_count(site, pages: int) -> None:
    """The TRS index claims `pages` list pages: createPageHTML(10000, 0, "index", "html")."""
    index = site.routes[TRS_INDEX]
    index.body = re.sub(rb"createPageHTML\(\d+,", f"createPageHTML({pages},".encode(), index.body)


def hanweb_total(site, total: int, per_page: int | None = None) -> None:
    """The Hanweb column page and its proxy claim `total` records (and optionally another
    perPage on the page); the spider pages by the proxy's <totalrecord>."""
    page = site.routes[HANWEB_COLUMN_PAGE]
    body = re.sub(rb"totalRecord: \d+", f"totalRecord: {total}".encode(), page.body)
    if per_page is not None:
        body = re.sub(rb"perPage: \d+", f"perPage: {per_page}".encode(), body)
    page.body = body
    proxy_path = HANWEB_COLUMN_PAGE.split("/col/")[0] + "/module/web/jpage/dataproxy.jsp"
    real = site.routes[proxy_path]

    def proxy(params: dict[str, str]) -> Resource | None:
        answer = real(params)
        if answer is None:
            return None
        claimed = re.sub(
            rb"<totalrecord>\d+</totalrecord>", f"<totalrecord>{total}</totalrecord>".encode(), answer.body
        )
        return Resource(claimed, answer.content_type)

    site.routes[proxy_path] = proxy


def unified_pages(site, pages: int) -> None:
    """The unified list API claims `pages` pages (every page past the real ones is empty)."""
    real = site.routes[UNIFIED_LIST]

    def listing(params: dict[str, str]) -> Resource | None:
        answer = real(params)
        if answer is None:
            return None
        doc = json.loads(answer.body)
        doc["data"]["pages"] = pages
        return Resource(json.dumps(doc, ensure_ascii=False).encode(), answer.content_type)

    site.routes[UNIFIED_LIST] = listing


def unified_rows(site, mutate) -> None:
    """The unified list API's rows passed through `mutate(rows) -> rows` (first page only)."""
    real = site.routes[UNIFIED_LIST]

    def listing(params: dict[str, str]) -> Resource | None:
        answer = real({**params, "pageSize": "100"})
        if answer is None:
            return None
        doc = json.loads(answer.body)
        doc["data"]["list"] = mutate(doc["data"]["list"]) if params.get("pageNo", "1") == "1" else []
        doc["data"]["pages"] = 1
        return Resource(json.dumps(doc, ensure_ascii=False).encode(), answer.content_type)

    site.routes[UNIFIED_LIST] = listing
