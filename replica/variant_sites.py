"""Replica sites of all four families in the forms real sites take (sites.md, "Variations
inside a family"), which the first replica sites did not serve. Added to a ReplicaSite's
routes (`add_variant_sites`); `night_two` makes the three changes a second night must see.

- /pingcheng/zwgk/czxx/ — TRS WCM (大同市平城区): .shtml pages, createPageHTML(2, 0, "index",
  "shtml"); link text cut with "..." (full title only in title=""), the date in a <span>
  before the link; a detail page whose <h1> is the site's name and whose title is a
  <div class="title"> broken by <br>, dated only by <meta name="PubDate">; a list entry on
  page 2 that is the PDF itself, dated in text after the link (2025年8月28日); a meeting
  notice naming 决算 with an agenda PDF; the annual information-disclosure report.
- /xinrong/ — Hanweb (大同市新荣区), GBK: the jpage call has no totalRecord and no rows inline;
  the proxyUrl already carries /xinrong; the count comes only in the proxy's <totalrecord>;
  details titled in <td class="tit"> broken by <br>, dated by 发布时间：; files behind
  /module/download/downfile.jsp?classid=0&amp;filename=….pdf; one record links straight to it.
- /yjsgk/front/ — a unified platform in Jiangsu's shape (忻州市代县 here): getdepartmentname.do
  lists departments, itemsandpag.do their items page by page, download.do?iid= answers
  application/octet-stream with the name only in Content-Disposition; item titles lack the
  unit ("2024年度单位决算公开"), the row's deptName says it.
- /bdx/bdxzw/zwgk/yjsgk/ — a static list (忻州市保德县), GBK: entries in one cell split by <br>,
  dates before the links (2025/08/26); a detail page titled in a table cell broken by <br>
  under the site's <h1>, its PDF in an <embed>; an entry "2024年度单位决算公开" that links
  straight to download.do?id= (the unit named only inside the document); a copy under
  /private/ (robots.txt forbids it).
"""

from __future__ import annotations

import io
import json
from functools import lru_cache
from html import escape

from replica.render_pdf import render_pdf
from replica.resources import Resource, html_page
from replica.seeds import SeedFiling
from replica.synthetic import Derivation, derive

YEAR = 2024
UNITS = {  # unit code → (name as printed, seed it is derived from)
    "pc-czj": ("大同市平城区财政局", "001"),
    "pc-jyj": ("大同市平城区教育局", "001"),
    "pc-wjj": ("大同市平城区卫生健康局", "001"),
    "xr-czj": ("大同市新荣区财政局", "002"),
    "xr-slj": ("大同市新荣区水利局", "002"),
    "xr-jyj": ("大同市新荣区教育局", "002"),
    "dx-czj": ("代县财政局", "001"),
    "dx-jyj": ("代县教育局", "002"),
    "bd-czj": ("保德县财政局", "002"),
    "bd-slj": ("保德县水利局", "001"),
}


def _filing(code: str, version: int = 1) -> SeedFiling:
    from replica.site import load_fixtures

    name, seed = UNITS[code]
    filing = derive(load_fixtures()[seed], Derivation(seed, YEAR, 1, unit_name=name))
    if version > 1:  # the corrected file: same unit and year, a note on the cover's last line
        filing.narrative = filing.narrative + [f"（第{version}版，更正了附注的文字。）"]
    return filing


@lru_cache(maxsize=32)
def filing_pdf(code: str, version: int = 1) -> bytes:
    return render_pdf(_filing(code, version))


def title(code: str) -> str:
    filing = _filing(code)
    return f"{filing.unit_name}{filing.fiscal_year}年度{filing.kind}公开"


@lru_cache(maxsize=1)
def agenda_pdf() -> bytes:
    """A meeting agenda that names 决算: a document, not a filing."""
    from reportlab.lib.pagesizes import A4
    from reportlab.pdfgen import canvas

    from replica.render_pdf import FONT

    out = io.BytesIO()
    c = canvas.Canvas(out, pagesize=A4)
    c.setFont(FONT, 14)
    lines = [
        "大同市平城区人大常委会第二十次会议议程",
        "一、听取和审议区人民政府关于2024年度区级决算的报告",
        "二、听取和审议区审计局关于2024年度区级预算执行的审计工作报告",
        "三、审议人事任免事项",
    ]
    for i, line in enumerate(lines):
        c.drawString(60, 780 - 30 * i, line)
    c.showPage()
    c.save()
    return out.getvalue()


def _pdf(body: bytes, name: str | None = None, octet: bool = False) -> Resource:
    return Resource(body, "application/octet-stream" if octet else "application/pdf", filename=name)


def _gbk(page_title: str, body: str) -> Resource:
    return html_page(page_title, body, "gb2312", declare_in_header=False)


# --- TRS WCM: 平城区 --------------------------------------------------------------------------
TRS = "/pingcheng/zwgk/czxx"


def _trs_list(entries: list[str], n: int, pages: int) -> Resource:
    body = (
        f'<div class="header"><h1 class="logo">大同市平城区人民政府</h1></div>'
        f'<ul class="xxgk_list">{"".join(entries)}</ul>'
        f'<div class="page"><script>createPageHTML({pages}, {n}, "index", "shtml");</script></div>'
    )
    return html_page("财政信息-大同市平城区人民政府", body)


def _trs_entry(href: str, full: str, date: str) -> str:
    cut = full if len(full) <= 20 else full[:20] + "..."
    return f'<li><span class="date">{date}</span><a href="{href}" target="_blank" title="{escape(full)}">{escape(cut)}</a></li>'


def trs_routes(night: int) -> dict[str, Resource]:
    routes: dict[str, Resource] = {}
    page1 = [
        _trs_entry("./202509/t20250912_5001.shtml", title("pc-czj"), "2025-09-12"),
        _trs_entry(
            "./202508/t20250820_5000.shtml", "关于召开区人大常委会第二十次会议审议2024年度区级决算的通知", "2025-08-20"
        ),
        _trs_entry("./202502/t20250210_4990.shtml", "大同市平城区2024年政府信息公开工作年度报告", "2025-02-10"),
    ]
    if night >= 2:  # published between the two nights
        page1.insert(0, _trs_entry("./202509/t20250925_5002.shtml", title("pc-wjj"), "2025-09-25"))
    page2 = [f'<li><a href="./202508/P020250828556712345678.pdf">{escape(title("pc-jyj"))}</a> 2025年8月28日</li>']
    routes[f"{TRS}/index.shtml"] = _trs_list(page1, 0, 2)
    routes[f"{TRS}/index_1.shtml"] = _trs_list(page2, 1, 2)
    routes[f"{TRS}/202508/P020250828556712345678.pdf"] = _pdf(filing_pdf("pc-jyj"))
    for code, stamp, serial in (("pc-czj", "20250912", 5001), ("pc-wjj", "20250925", 5002)):
        name = title(code)
        unit, rest = name.split(str(YEAR), 1)
        pdf = f"P0{stamp}3784312345{serial}.pdf"
        routes[f"{TRS}/{stamp[:6]}/t{stamp}_{serial}.shtml"] = Resource(
            (
                f'<!DOCTYPE html><html><head><meta charset="utf-8"><title>{name}_财政信息</title>'
                f'<meta name="PubDate" content="{stamp[:4]}-{stamp[4:6]}-{stamp[6:]} 16:30"></head><body>'
                f'<div class="header"><h1 class="logo">大同市平城区人民政府</h1></div>'
                f'<div class="article"><div class="title">{unit}<br/>{YEAR}{rest}</div>'
                f'<div class="attach">附件：<a href="./{pdf}">1.{escape(name)}.pdf</a></div></div></body></html>'
            ).encode(),
            "text/html; charset=utf-8",
        )
        routes[f"{TRS}/{stamp[:6]}/{pdf}"] = _pdf(filing_pdf(code))
    routes[f"{TRS}/202508/t20250820_5000.shtml"] = html_page(
        "会议通知",
        "<h1>大同市平城区人民政府</h1><h2>关于召开区人大常委会第二十次会议审议2024年度区级决算的通知</h2>"
        '<p>发布日期：2025年8月20日</p><p>附件：<a href="./P020250820301234567890.pdf">会议议程.pdf</a></p>',
    )
    routes[f"{TRS}/202508/P020250820301234567890.pdf"] = _pdf(agenda_pdf())
    routes[f"{TRS}/202502/t20250210_4990.shtml"] = html_page(
        "年报", "<h2>大同市平城区2024年政府信息公开工作年度报告</h2>"
    )
    return routes


# --- Hanweb: 新荣区 ---------------------------------------------------------------------------
HANWEB_COL, HANWEB_UNIT, HANWEB_PER_PAGE = "5100", "20011", 3


def hanweb_routes(night: int) -> dict[str, Resource]:
    routes: dict = {}
    files: dict[str, Resource] = {}  # downfile.jsp's filename → the file
    records = []
    for code, (m, d), serial in (("xr-czj", (8, 12), 3201), ("xr-slj", (8, 11), 3200)):
        name = title(code)
        unit, rest = name.split(str(YEAR), 1)
        records.append(
            f'<li><a href="/xinrong/art/2025/{m}/{d}/art_{HANWEB_COL}_{serial}.html" target="_blank" '
            f'title="{escape(name)}">{escape(name[:18])}...</a><span class="bt-data-time">2025-{m:02d}-{d:02d}'
            "</span></li>"
        )
        file_name = f"25{m:02d}{d:02d}1634{serial}.pdf"
        routes[f"/xinrong/art/2025/{m}/{d}/art_{HANWEB_COL}_{serial}.html"] = _gbk(
            name,
            (
                '<div class="head"><h1>大同市新荣区人民政府</h1></div><table class="article">'
                f'<tr><td class="tit">{unit}<br>{YEAR}{rest}</td></tr>'
                f"<tr><td>发布时间：2025-{m:02d}-{d:02d} 浏览次数：35</td></tr>"
                f'<tr><td>附件：<a href="/xinrong/module/download/downfile.jsp?classid=0&amp;filename={file_name}">'
                f"{escape(name)}.pdf</a></td></tr></table>"
            ),
        )
        version = 2 if (night >= 2 and code == "xr-czj") else 1  # replaced in place by a corrected file
        files[file_name] = _pdf(filing_pdf(code, version))
    records.append(
        f'<li><a href="/xinrong/module/download/downfile.jsp?classid=0&amp;filename=2508101530456.pdf" '
        f'title="{escape(title("xr-jyj"))}">{escape(title("xr-jyj"))}</a>[2025年8月10日]</li>'
    )
    files["2508101530456.pdf"] = _pdf(filing_pdf("xr-jyj"))
    for n in range(1, 3):
        href = f"/xinrong/art/2025/7/{n}/art_{HANWEB_COL}_{3100 + n}.html"
        records.append(
            f'<li><a href="{href}" title="关于新荣区{n}月份财政收支情况的通报">关于新荣区{n}月份财政收支情况的通报'
            f"</a><span>2025-07-0{n}</span></li>"
        )
        routes[href] = _gbk("通报", "<h2>通报</h2><p>全文略。</p>")

    def proxy(params: dict[str, str]) -> Resource | None:
        if params.get("columnid") != HANWEB_COL:
            return None
        try:
            start, end = int(params["startrecord"]), int(params["endrecord"])
        except (KeyError, ValueError):
            return None
        chosen = "".join(f"<record><![CDATA[{r}]]></record>" for r in records[start - 1 : end])
        xml = (
            f'<?xml version="1.0" encoding="UTF-8"?><datastore><totalrecord>{len(records)}</totalrecord>'
            f"<recordset>{chosen}</recordset></datastore>"
        )
        return Resource(xml.encode("utf-8"), "text/xml; charset=UTF-8")

    def download(params: dict[str, str]) -> Resource | None:
        return files.get(params.get("filename", ""))

    routes["/xinrong/module/web/jpage/dataproxy.jsp"] = proxy
    routes["/xinrong/module/download/downfile.jsp"] = download
    routes[f"/xinrong/col/col{HANWEB_COL}/index.html"] = _gbk(
        "预决算公开",
        (
            '<div class="head"><h1>大同市新荣区人民政府</h1></div>'
            f'<div id="{HANWEB_UNIT}"></div><script src="/xinrong/module/web/jpage/jpage.js"></script>'
            f'<script>$(function(){{ $("#{HANWEB_UNIT}").jpage({{ dataStore: [], perPage: {HANWEB_PER_PAGE}, '
            f'proxyUrl: "/xinrong/module/web/jpage/dataproxy.jsp", columnid: {HANWEB_COL}, unitid: {HANWEB_UNIT}, '
            "webid: '1', showMode: 'full' }); });</script>"
        ),
    )
    return routes


# --- unified platform (Jiangsu's shape): 代县 -------------------------------------------------
UNIFIED = "/yjsgk/front/department"


def unified_routes(night: int) -> dict:
    departments = [
        {"deptId": "dx01", "deptName": "代县财政局", "deptCode": "201001"},
        {"deptId": "dx02", "deptName": "代县教育局", "deptCode": "205001"},
    ]
    items = {
        "dx01": [
            {
                "iid": "ff8080810001",
                "title": f"{YEAR}年度单位决算公开",
                "deptName": "代县财政局",
                "year": str(YEAR),
                "itemType": "单位决算",
                "publishTime": "2025-08-21 10:00:00",
                "fileName": "代县财政局2024年度单位决算.pdf",
            },
            {
                "iid": "ff8080810009",
                "title": "关于2024年度决算公开工作的说明",
                "deptName": "代县财政局",
                "year": str(YEAR),
                "itemType": "其他",
                "publishTime": "2025-08-01",
                "fileName": "",
            },
        ],
        "dx02": []
        if night >= 2
        else [  # withdrawn before the second night
            {
                "iid": "ff8080810002",
                "title": f"{YEAR}年度单位决算公开",
                "deptName": "代县教育局",
                "year": str(YEAR),
                "itemType": "单位决算",
                "publishTime": "2025/08/22",
                "fileName": "代县教育局2024年度单位决算.pdf",
            }
        ],
    }
    files = {
        "ff8080810001": ("dx-czj", "代县财政局2024年度单位决算.pdf"),
        "ff8080810002": ("dx-jyj", "代县教育局2024年度单位决算.pdf"),
    }

    def as_json(doc) -> Resource:
        return Resource(json.dumps(doc, ensure_ascii=False).encode("utf-8"), "application/json;charset=UTF-8")

    def list_departments(params):
        return as_json({"success": True, "code": "200", "data": departments})

    def list_items(params):
        rows = items.get(params.get("deptId", ""))
        if rows is None:
            return None
        page, size = int(params.get("pageNo", 1)), int(params.get("pageSize", 1))
        return as_json(
            {
                "success": True,
                "data": {
                    "pageNo": page,
                    "pageSize": size,
                    "totalCount": len(rows),
                    "totalPage": max(1, -(-len(rows) // size)),
                    "rows": rows[(page - 1) * size : page * size],
                },
            }
        )

    def download(params):
        found = files.get(params.get("iid", ""))
        return (
            _pdf(filing_pdf(found[0]), found[1], octet=True) if found and (night < 2 or found[0] != "dx-jyj") else None
        )

    return {
        f"{UNIFIED}/getdepartmentname.do": list_departments,
        f"{UNIFIED}/itemsandpag.do": list_items,
        f"{UNIFIED}/download.do": download,
    }


# --- static list: 保德县 ----------------------------------------------------------------------
STATIC = "/bdx/bdxzw/zwgk/yjsgk"


def static_routes(night: int) -> dict:
    name = title("bd-czj")
    unit, rest = name.split(str(YEAR), 1)
    rows = (
        f'·2025/08/26&nbsp;<a href="{STATIC}/2025/0826/c178.html" target="_blank">{escape(name)}</a><br>'
        f'·2025/08/27&nbsp;<a href="/bdx/download.do?id=5521" target="_blank">{YEAR}年度单位决算公开</a><br>'
        f'·2025/08/26&nbsp;<a href="/private/bdx/{YEAR}czj.pdf" target="_blank">{escape(name)}（备份）</a><br>'
        f'·2025/03/01&nbsp;<a href="{STATIC}/2025/0301/c150.html" target="_blank">'
        "保德县财政局关于做好2024年度部门决算编报工作的通知</a><br>"
    )
    return {
        f"{STATIC}/index.html": _gbk(
            "预决算公开",
            f'<table><tr><td><img alt="保德县人民政府"></td></tr><tr><td class="list">{rows}</td></tr></table>',
        ),
        f"{STATIC}/2025/0826/c178.html": _gbk(
            "保德县人民政府",
            (
                "<table><tr><td><h1>保德县人民政府</h1></td></tr>"
                f'<tr><td class="title"><strong>{unit}{YEAR}年度<br>{rest.replace("年度", "", 1)}</strong></td></tr>'
                "<tr><td>发布时间：2025年8月26日 来源：本站</td></tr>"
                '<tr><td><embed src="/bdx/uploadfiles/2025/08/2024czjjs.pdf" type="application/pdf"></td></tr></table>'
            ),
        ),
        "/bdx/uploadfiles/2025/08/2024czjjs.pdf": _pdf(filing_pdf("bd-czj")),
        "/bdx/download.do": lambda params: (
            _pdf(filing_pdf("bd-slj"), "2024js.pdf", octet=True) if params.get("id") == "5521" else None
        ),
        f"/private/bdx/{YEAR}czj.pdf": _pdf(filing_pdf("bd-czj")),
        f"{STATIC}/2025/0301/c150.html": _gbk(
            "通知", "<h2>保德县财政局关于做好2024年度部门决算编报工作的通知</h2><p>各单位：……</p>"
        ),
    }


def variant_routes(night: int = 1) -> dict:
    return {**trs_routes(night), **hanweb_routes(night), **unified_routes(night), **static_routes(night)}


def add_variant_sites(site, night: int = 1) -> None:
    """Serve the variant sites from a running ReplicaSite (night 1), or switch them to night 2."""
    site.routes.update(variant_routes(night))
