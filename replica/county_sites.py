"""Replica county sites of the two other CMS families in sites.md, built from derived filings.

- /yunzhou/ — Hanweb (大同市云州区, a county of Datong), GBK-encoded: the column page
  carries the first records inline in <script type="text/xml"> and the jpage settings
  (columnid, unitid, perpage, totalRecord); further records come only from POSTs to
  /module/web/jpage/dataproxy.jsp?startrecord=&endrecord=&perpage= answering XML; the
  static paging URL (index.html?uid=…&pageNum=2) answers 404. Details /art/Y/M/D/art_C_ID.html
  attach files by href, by a pdf.js viewer link and by onclick.
- /sxyjgk/ — the provincial unified platform (a JSON API, no HTML detail pages) listing
  忻府区 (a county of Xinzhou): /sxyjgk/api/list?regionCode=…&pageNo=N&pageSize=M; files
  at /sxyjgk/file/download?id=… with the name only in Content-Disposition.
"""

from __future__ import annotations

import json
from html import escape
from urllib.parse import quote

from replica.render_formats import render_docx, render_html, render_xlsx, render_zip
from replica.render_pdf import render_pdf
from replica.resources import Dynamic, Resource, html_page
from replica.seeds import SeedFiling
from replica.synthetic import Derivation, derive

YUNZHOU_UNITS = ("大同市云州区财政局", "大同市云州区教育局", "大同市云州区卫生健康局")
XINFU_UNITS = ("忻州市忻府区财政局", "忻州市忻府区水利局")
XINZHOU_DEPARTMENT = "忻州市财政局"  # a department sub-site of the city, HTML tables on the page
HANWEB_COLUMN, HANWEB_UNIT, HANWEB_PER_PAGE = "4521", "17245", 6


def county_filings(base: dict[str, SeedFiling]) -> dict[str, SeedFiling]:
    """The derived filings the county sites publish (deterministic; factor 1 keeps identities)."""
    out: dict[str, SeedFiling] = {}
    for i, name in enumerate(YUNZHOU_UNITS):
        previous = None
        for year in (2023, 2024):  # 2024's year-on-year sentences are rewritten from 2023's figures
            previous = out[f"yz{i}-{year}"] = derive(
                base["001"], Derivation("001", year, 1, unit_name=name), previous=previous
            )
    for i, name in enumerate(XINFU_UNITS):
        out[f"xf{i}-2023"] = derive(base["002"], Derivation("002", 2023, 1, unit_name=name))
    out["xz-czj-2023"] = derive(base["002"], Derivation("002", 2023, 1, unit_name=XINZHOU_DEPARTMENT))
    return out


def _title(f: SeedFiling) -> str:
    return f"{f.unit_name}{f.fiscal_year}年度{f.kind}公开"


def _gbk_page(title: str, body: str) -> Resource:
    return html_page(title, body, "gb2312", declare_in_header=False)  # as those servers do


def hanweb_routes(filings: dict[str, SeedFiling]) -> dict[str, Resource | Dynamic]:
    routes: dict[str, Resource | Dynamic] = {}
    records: list[str] = []
    notices = [f"关于云州区{n}月份财政收支情况的通报" for n in range(1, 8)]
    serial = 3000
    attach_styles = ("href", "viewer", "onclick")
    formats = {
        "href": (render_xlsx, "xlsx", "application/vnd.ms-excel"),
        "viewer": (render_pdf, "pdf", "application/pdf"),
        "onclick": (render_docx, "docx", "application/msword"),
    }
    entries = [(key, f) for key, f in filings.items() if key.startswith("yz")]
    for n, (_key, filing) in enumerate(entries):
        serial += 1
        month, day = 8 + n % 2, 10 + n
        date = f"{filing.fiscal_year + 1}-{month:02d}-{day:02d}"
        href = f"/art/{filing.fiscal_year + 1}/{month}/{day}/art_{HANWEB_COLUMN}_{serial}.html"
        style = attach_styles[n % 3]
        render, ext, ctype = formats[style]
        file_path = f"/yunzhou/picture/0/{date.replace('-', '')}{serial}.{ext}"
        name = f"{_title(filing)}.{ext}"
        if style == "href":
            link = f'<a href="{file_path}">{escape(name)}</a>'
        elif style == "viewer":
            link = f'<a href="/yunzhou/module/pdfjs/web/viewer.html?file={quote(file_path)}">{escape(name)}</a>'
        else:
            link = f"""<a href="javascript:void(0)" onclick="window.open('{file_path}')">{escape(name)}</a>"""
        routes[f"/yunzhou{href}"] = _gbk_page(
            _title(filing), f"<h1>{escape(_title(filing))}</h1><p>发布时间：{date}</p><p>附件：{link}</p>"
        )
        routes[file_path] = Resource(render(filing), ctype)
        records.append(
            f'<li><a href="/yunzhou{href}" title="{escape(_title(filing))}">{escape(_title(filing))}</a>'
            f"<span>{date}</span></li>"
        )
        if n < len(notices):
            serial += 1
            nhref = f"/yunzhou/art/2025/7/{n + 1}/art_{HANWEB_COLUMN}_{serial}.html"
            routes[nhref] = _gbk_page(notices[n], f"<h1>{notices[n]}</h1><p>全文略。</p>")
            records.append(
                f'<li><a href="{nhref}" title="{notices[n]}">{notices[n]}</a><span>2025-07-0{n + 1}</span></li>'
            )

    def datastore(start: int, end: int) -> str:
        chosen = records[start - 1 : end]
        body = "".join(f"<record><![CDATA[{r}]]></record>" for r in chosen)
        return (
            f"<datastore><totalrecord>{len(records)}</totalrecord>"
            f"<totalpage>{-(-len(records) // HANWEB_PER_PAGE)}</totalpage><recordset>{body}</recordset></datastore>"
        )

    column = (
        f'<div id="{HANWEB_UNIT}"><script type="text/xml">{datastore(1, HANWEB_PER_PAGE)}</script></div>'
        f'<script>$("#{HANWEB_UNIT}").jpage({{proxyUrl: "/module/web/jpage/dataproxy.jsp", '
        f'perPage: {HANWEB_PER_PAGE}, totalRecord: {len(records)}, columnid: "{HANWEB_COLUMN}", '
        f'unitid: "{HANWEB_UNIT}", webid: "1"}});</script>'
    )
    routes[f"/yunzhou/col/col{HANWEB_COLUMN}/index.html"] = _gbk_page("预决算公开", column)

    def dataproxy(params: dict[str, str]) -> Resource | None:
        if params.get("columnid") != HANWEB_COLUMN:
            return None
        try:
            start, end = int(params["startrecord"]), int(params["endrecord"])
        except (KeyError, ValueError):
            return None
        xml = '<?xml version="1.0" encoding="UTF-8"?>' + datastore(start, end)
        return Resource(xml.encode(), "text/xml; charset=UTF-8")

    routes["/yunzhou/module/web/jpage/dataproxy.jsp"] = dataproxy
    return routes


def unified_routes(filings: dict[str, SeedFiling], page_size: int = 2) -> dict[str, Resource | Dynamic]:
    routes: dict[str, Resource | Dynamic] = {}
    rows = []
    files = {}
    for n, (_key, filing) in enumerate((k, f) for k, f in filings.items() if k.startswith("xf")):
        doc_id = f"6a1f{n:04d}"
        if n % 2 == 0:
            body, name, ctype = render_zip(filing), f"{_title(filing)}.zip", "application/octet-stream"
        else:
            body, name, ctype = render_html(filing), f"{_title(filing)}.html", "text/html; charset=utf-8"
        files[doc_id] = Resource(body, ctype, filename=name)
        rows.append(
            {
                "id": doc_id,
                "title": _title(filing),
                "deptName": filing.unit_name,
                "year": filing.fiscal_year,
                "category": filing.kind,
                "regionCode": "140902",
                "publishDate": f"{filing.fiscal_year + 1}-08-2{n}",
                "attachments": [{"fileName": name, "fileUrl": f"/sxyjgk/file/download?id={doc_id}"}],
            }
        )
    rows.append(
        {
            "id": "6a1f9999",
            "title": "忻府区2025年政府预算公开",
            "deptName": "忻州市忻府区财政局",
            "year": 2025,
            "category": "政府预算",
            "regionCode": "140902",
            "publishDate": "2025-02-01",
            "attachments": [],
        }
    )

    def listing(params: dict[str, str]) -> Resource | None:
        if params.get("regionCode") != "140902":
            return None
        page, size = int(params.get("pageNo", 1)), int(params.get("pageSize", page_size))
        chosen = rows[(page - 1) * size : page * size]
        doc = {
            "code": 0,
            "msg": "success",
            "data": {"total": len(rows), "pages": -(-len(rows) // size), "pageNo": page, "list": chosen},
        }
        return Resource(json.dumps(doc, ensure_ascii=False).encode(), "application/json;charset=UTF-8")

    def download(params: dict[str, str]) -> Resource | None:
        return files.get(params.get("id", ""))

    routes["/sxyjgk/api/list"] = listing
    routes["/sxyjgk/file/download"] = download
    return routes
