"""Each spider's list, proxy and detail parsing on saved pages of real layouts (tests/pages/,
written from ../shared/reference/sites.md with its variations, not from the spiders' code).
No server: the callbacks are called on responses built from the files."""

from urllib.parse import parse_qs, urlsplit

from crawlers.events import FileFetched
from crawlers.spiders.hanweb_jpage import HanwebJpageSpider
from crawlers.spiders.static_list import StaticListSpider
from crawlers.spiders.trs_wcm import TrsWcmSpider
from crawlers.spiders.unified_json import UnifiedJsonSpider
from tests.saved_pages import PAGES, make_spider, saved, split

DT = "http://www.dt.gov.cn/dtzww/czxx/"
YZ = "http://www.yunzhou.gov.cn"


def by_type(items, kind):
    return [i for i in items if type(i).KIND == kind]


# --- TRS WCM -------------------------------------------------------------------------------


def test_trs_list_reads_full_titles_dates_either_side_and_pages_from_createpagehtml():
    spider = make_spider(TrsWcmSpider, DT + "index.html")
    _items, requests = split(spider.parse_list(saved("trs_wcm/czxx_index.html", DT + "index.html")))
    details = {
        r.url: (r.cb_kwargs["list_title"], r.cb_kwargs["published"])
        for r in requests
        if r.callback == spider.parse_detail
    }
    assert details == {
        # the link text is cut with "...": the title="" is the full title; the date before the link
        DT + "202509/t20250912_4412345.html": ("大同市住房和城乡建设局2024年度部门决算公开", "2025-09-12"),
        DT + "202509/t20250910_4412001.shtml": (
            "中共大同市云州区委员会办公室2024年度决算公开绩效情况说明",
            "2025-09-10",
        ),
        # a meeting notice that mentions 决算 is read; the parse of its file says what it is
        DT + "202508/t20250820_4410000.html": (
            "关于召开市十六届人大常委会第二十次会议审议2024年度市级决算的通知",
            "2025-08-20",
        ),
    }
    # pages 2 and 3 of createPageHTML(3, 0, "index", "html")
    assert [r.url for r in requests if r.callback == spider.parse_list] == [DT + "index_1.html", DT + "index_2.html"]
    # the holiday notice and the annual report are not followed; the list→PDF entry is a filing
    assert spider.crawler.stats.get_value("disclosure/other_notices") == 2


def test_a_list_entry_that_is_the_pdf_itself_is_a_filing_that_fetches_its_file():
    spider = make_spider(TrsWcmSpider, DT + "index.html")
    items, requests = split(spider.parse_list(saved("trs_wcm/czxx_index.html", DT + "index.html")))
    pdf = DT + "202508/P020250828556712345678.pdf"
    [filing] = by_type(items, "filing")
    assert filing.detail_url == pdf and filing.direct
    assert filing.title == "大同市公共资源交易中心（大同市政府采购中心）2024年度单位决算公开"
    assert filing.published == "2025-08-28"  # printed as 2025年8月28日 after the link
    [fetch] = [r for r in requests if r.url == pdf]
    assert fetch.callback == spider.parse_file and fetch.meta["detail_url"] == pdf


def test_a_known_list_pdf_is_asked_for_conditionally_on_the_next_night():
    pdf = DT + "202508/P020250828556712345678.pdf"
    known = {
        "details": {"//www.dt.gov.cn/dtzww/czxx/202508/P020250828556712345678.pdf": {"files": [pdf]}},
        "files": {"//www.dt.gov.cn/dtzww/czxx/202508/P020250828556712345678.pdf": {"etag": '"abc"'}},
    }
    spider = make_spider(TrsWcmSpider, DT + "index.html", known=known)
    items, requests = split(spider.parse_list(saved("trs_wcm/czxx_index.html", DT + "index.html")))
    assert [i.detail_url for i in by_type(items, "listed")] == [pdf]
    [fetch] = [r for r in requests if r.url == pdf]
    assert fetch.headers[b"If-None-Match"] == b'"abc"'


def test_trs_detail_title_joins_the_broken_heading_not_the_site_header_and_reads_pubdate():
    spider = make_spider(TrsWcmSpider, DT + "index.html")
    url = DT + "202509/t20250912_4412345.html"
    items, requests = split(
        spider.parse_detail(
            saved("trs_wcm/t20250912_4412345.html", url),
            list_title="大同市住房和城乡建设局2024年度部门决...",
            published=None,
        )
    )
    [filing] = by_type(items, "filing")
    assert filing.title == "大同市住房和城乡建设局2024年度部门决算公开"  # not 大同市人民政府 (the <h1>)
    assert filing.published == "2025-09-12"  # <meta name="PubDate" content="2025-09-12 16:30">
    fetched = {r.url: r.meta["maybe_file"] for r in requests}
    assert fetched == {
        DT + "202509/P020250912378431234567.pdf": False,
        DT + "202509/P020250912378431234568.xls": False,
        # &amp; in the href; the file name in the query makes it a file
        "http://www.dt.gov.cn/module/download/downfile.jsp?classid=0&filename=2509121634123.pdf": False,
        # a download script naming nothing: a file only if its answer is one
        "http://www.dt.gov.cn/attach/0/2509/download.do?id=88213": True,
    }


def test_a_byline_date_in_chinese_is_read_when_the_list_has_none():
    spider = make_spider(TrsWcmSpider, DT + "index.html")
    url = DT + "202508/t20250820_4410000.html"
    items, _ = split(spider.parse_detail(saved("trs_wcm/t20250820_4410000.html", url), list_title="", published=None))
    [filing] = by_type(items, "filing")
    assert filing.published == "2025-08-20"  # 发布日期：2025年8月20日
    assert filing.title == "关于召开市十六届人大常委会第二十次会议审议2024年度市级决算的通知"  # the <h2>


# --- Hanweb jpage ----------------------------------------------------------------------------

COL = YZ + "/yunzhou/col/col4521/index.html"
PROXY = YZ + "/yunzhou/module/web/jpage/dataproxy.jsp"


def _proxy_answer(spider, request, name, body=None):
    response = saved(name, request.url, body=body, method="POST")
    return split(spider.parse_proxy(response, **request.cb_kwargs))


def test_a_column_page_without_totalrecord_asks_the_proxy_from_the_first_record():
    spider = make_spider(HanwebJpageSpider, COL, config={"prefix": "/yunzhou"})
    items, [first] = split(spider.parse_list(saved("hanweb/col4521.html", COL)))
    assert items == []  # no rows inline, no count in the call: nothing to fail on
    # the proxyUrl already carries the site's prefix: not doubled
    assert first.url.startswith(PROXY + "?startrecord=1&endrecord=5&perpage=5&") and first.method == "POST"
    assert parse_qs(urlsplit(first.url).query)["columnid"] == ["4521"]  # in the query and in the form
    form = parse_qs(first.body.decode())
    assert form["columnid"] == ["4521"] and form["unitid"] == ["17245"] and form["webid"] == ["1"]
    # the proxy's <totalrecord>6</totalrecord> says one more page
    items, requests = _proxy_answer(spider, first, "hanweb/dataproxy_4521_1.xml")
    pages = [r for r in requests if r.callback == spider.parse_proxy]
    assert [r.url.split("&columnid")[0] for r in pages] == [PROXY + "?startrecord=6&endrecord=6&perpage=5"]
    details = {
        r.url: (r.cb_kwargs["list_title"], r.cb_kwargs["published"])
        for r in requests
        if r.callback == spider.parse_detail
    }
    assert details == {
        YZ + "/yunzhou/art/2025/8/12/art_4521_3012.html": ("大同市云州区卫生健康局2024年度部门决算公开", "2025-08-12"),
        YZ + "/yunzhou/art/2025/8/11/art_4521_3011.html": ("大同市云州区教育局2024年度部门决算公开", "2025-08-11"),
        YZ + "/yunzhou/art/2025/2/8/art_4521_2950.html": ("大同市云州区2025年政府预算公开", "2025-02-08"),
    }
    # a record that links straight to the download script: a filing with its file
    [direct] = by_type(items, "filing")
    assert direct.detail_url == YZ + "/yunzhou/module/download/downfile.jsp?classid=0&filename=2508101530456.pdf"
    assert direct.published == "2025-08-10"
    items, requests = _proxy_answer(spider, pages[0], "hanweb/dataproxy_4521_last.xml")
    assert [r.cb_kwargs["list_title"] for r in requests] == ["大同市云州区卫生健康局2023年度部门决算公开"]


def test_without_any_count_the_spider_asks_until_a_short_page():
    spider = make_spider(HanwebJpageSpider, COL, config={"prefix": "/yunzhou"})
    _, [first] = split(spider.parse_list(saved("hanweb/col4521.html", COL)))
    xml = (PAGES / "hanweb/dataproxy_4521_1.xml").read_bytes()
    no_count = xml.replace(b"<totalrecord>6</totalrecord>", b"").replace(b"<totalpage>2</totalpage>", b"")
    _, requests = _proxy_answer(spider, first, "hanweb/dataproxy_4521_1.xml", body=no_count)
    [second] = [r for r in requests if r.callback == spider.parse_proxy]
    assert second.url.split("&columnid")[0] == PROXY + "?startrecord=6&endrecord=10&perpage=5"
    _, requests = _proxy_answer(spider, second, "hanweb/dataproxy_4521_last.xml")
    assert [r for r in requests if r.callback == spider.parse_proxy] == []  # 1 of 5: the last page


def test_inline_records_and_an_absolute_proxy_with_its_parameters_in_nextgroup():
    url = YZ + "/col/col4522/index.html"
    spider = make_spider(HanwebJpageSpider, url)
    _items, [first] = split(spider.parse_list(saved("hanweb/col4522.html", url)))
    # every record is asked for from the first: the inline ones are not assumed to be page 1
    assert first.url.startswith(YZ + "/module/web/jpage/dataproxy.jsp?startrecord=1&endrecord=2&perpage=2&")
    form = parse_qs(first.body.decode())
    assert parse_qs(urlsplit(first.url).query)["columnid"] == ["4522"]  # in the query too
    assert form["columnid"] == ["4522"] and form["unitid"] == ["17246"] and form["webname"] == ["云州区"]


def test_hanweb_detail_heading_split_by_br_and_downfile_attachments():
    url = YZ + "/yunzhou/art/2025/8/12/art_4521_3012.html"
    spider = make_spider(HanwebJpageSpider, COL, config={"prefix": "/yunzhou"})
    items, requests = split(
        spider.parse_detail(
            saved("hanweb/art_4521_3012.html", url),
            list_title="大同市云州区卫生健康局2024年度部门决算...",
            published=None,
        )
    )
    [filing] = by_type(items, "filing")
    assert filing.title == "大同市云州区卫生健康局2024年度部门决算公开"  # GBK page, <br> joined, not the <h1>
    assert filing.published == "2025-08-12"  # 发布时间：2025-08-12 (the PubDate meta is empty)
    assert sorted(r.url for r in requests) == [
        YZ + "/yunzhou/module/download/downfile.jsp?classid=0&filename=2508121634123.pdf",
        YZ + "/yunzhou/module/download/downfile.jsp?classid=0&showname=%E8%AF%B4%E6%98%8E&filename=2508121634124.doc",
    ]


# --- static lists ----------------------------------------------------------------------------

XZ = "http://czj.sxxz.gov.cn"


def test_static_list_dates_beside_links_and_entries_that_are_files():
    url = XZ + "/czxx/yjsgk/index.html"
    spider = make_spider(StaticListSpider, url)
    items, requests = split(spider.parse_list(saved("static_list/czj_yjsgk.html", url)))
    filings = {i.detail_url: (i.title, i.published) for i in by_type(items, "filing")}
    assert filings == {
        XZ + "/uploadfiles/2025/08/20250825093012.pdf": ("中共忻州市委办公室2024年度部门决算", "2025-08-25"),
        XZ + "/download.do?id=5521": ("忻州市忻府区水利局2024年度单位决算公开", "2025-08-22"),  # date before the link
    }
    details = {r.url: r.cb_kwargs["published"] for r in requests if r.callback == spider.parse_detail}
    assert details == {
        XZ + "/czxx/yjsgk/2025/0826/c178.html": "2025-08-26",
        XZ + "/czxx/yjsgk/2025/0301/c150.html": "2025-03-01",
        XZ + "/czxx/yjsgk/2025/0205/c149.html": "2025-02-05",
    }
    [script] = [r for r in requests if r.url == XZ + "/download.do?id=5521"]
    assert script.meta["maybe_file"]


def test_static_detail_title_in_a_table_cell_and_a_date_in_chinese():
    url = XZ + "/czxx/yjsgk/2025/0826/c178.html"
    spider = make_spider(StaticListSpider, XZ + "/czxx/yjsgk/index.html")
    items, requests = split(spider.parse_detail(saved("static_list/c178.html", url), list_title="", published=None))
    [filing] = by_type(items, "filing")
    assert filing.title == "忻州市财政局2024年度部门决算公开"
    assert filing.published == "2025-08-26"
    assert sorted(r.url for r in requests) == [
        XZ + "/uploadfiles/2025/08/2024czjjs.pdf",
        XZ + "/uploadfiles/2025/08/2024czjjs.rar",
    ]


# --- unified platform ------------------------------------------------------------------------

JS = "http://czt.jiangsu.gov.cn/yjsgk/front/department/"
JS_CONFIG = {"items_url": "itemsandpag.do?deptId={deptid}&pageNo=1&pageSize=2", "download_url": "download.do?iid={iid}"}


def test_unified_departments_then_their_items_page_by_page_and_files_by_id():
    spider = make_spider(UnifiedJsonSpider, JS + "getdepartmentname.do", config=JS_CONFIG)
    items, requests = split(
        spider.parse_list(saved("unified_json/getdepartmentname.json", JS + "getdepartmentname.do"))
    )
    assert items == [] and [r.url for r in requests] == [
        JS + "itemsandpag.do?deptId=8a8a8a01&pageNo=1&pageSize=2",
        JS + "itemsandpag.do?deptId=8a8a8a02&pageNo=1&pageSize=2",
    ]
    items, requests = split(spider.parse_list(saved("unified_json/itemsandpag_p1.json", requests[0].url)))
    filings = {i.title: (i.published, i.stated) for i in by_type(items, "filing")}
    assert filings == {
        # the title lacks the unit: the row's deptName completes it
        "江苏省人民检察院2019年部门预算公开": (
            "2019-02-08",
            {"unit": "江苏省人民检察院", "year": "2019", "kind": "部门预算"},
        ),
        "江苏省人民检察院2018年度部门决算公开": (
            "2019-07-26",
            {"unit": "江苏省人民检察院", "year": "2018", "kind": "部门决算"},
        ),
    }
    fetched = sorted(r.url for r in requests if r.callback == spider.parse_file)
    assert fetched == [JS + "download.do?iid=ff808081672a01", JS + "download.do?iid=ff808081672a02"]
    pages = [r.url for r in requests if r.callback == spider.parse_list]
    assert [parse_qs(urlsplit(u).query)["pageNo"] for u in pages] == [["2"]]
    items, requests = split(spider.parse_list(saved("unified_json/itemsandpag_p2.json", pages[0])))
    assert by_type(items, "filing") == [] and requests == []  # a notice without a file; page 2 fans out nothing


# --- files behind download scripts -----------------------------------------------------------


def test_a_download_script_is_a_file_by_its_answer_and_named_by_content_disposition():
    from crawlers.attachments import answer_is_file, disposition_file_name

    spider = make_spider(StaticListSpider, XZ + "/czxx/yjsgk/index.html")
    _, requests = split(spider.parse_list(saved("static_list/czj_yjsgk.html", XZ + "/czxx/yjsgk/index.html")))
    [script] = [r for r in requests if r.url == XZ + "/download.do?id=5521"]
    pdf = b"%PDF-1.7\n" + b"0" * 600
    gbk_name = "忻府区水利局2024年度单位决算.pdf".encode("gbk")
    answer = saved(
        "x.pdf",
        script.url,
        meta=script.meta,
        body=pdf,
        cls=None,
        headers={
            "Content-Type": "application/octet-stream",
            "Content-Disposition": b'attachment; filename="' + gbk_name + b'"',
        },
    )
    [item] = list(spider.parse_file(answer))
    assert isinstance(item, FileFetched) and item.file_name == "忻府区水利局2024年度单位决算.pdf"
    # the same script answering a login page is not a file, and not an error either
    page = saved("static_list/c178.html", script.url, meta=script.meta)
    assert list(spider.parse_file(page)) == []
    assert disposition_file_name("attachment; filename*=UTF-8''%E5%86%B3%E7%AE%97.xlsx") == "决算.xlsx"
    assert disposition_file_name('attachment; filename="%E5%86%B3%E7%AE%97.pdf"') == "决算.pdf"
    assert answer_is_file({"Content-Disposition": "attachment; filename=a.zip"}, b"\x00\x01")
    assert not answer_is_file({"Content-Type": "application/octet-stream"}, b"<!DOCTYPE html><html>")


def test_a_dry_run_spider_fetches_no_file_and_lists_what_it_skips():
    spider = make_spider(TrsWcmSpider, DT + "index.html", dry_run=True)
    items, requests = split(spider.parse_list(saved("trs_wcm/czxx_index.html", DT + "index.html")))
    assert not [r for r in requests if r.callback == spider.parse_file]
    assert [i.url for i in by_type(items, "would_fetch")] == [DT + "202508/P020250828556712345678.pdf"]
    assert sorted(i.title for i in by_type(items, "skipped")) == [
        "关于2025年春节假期安排的通知",
        "大同市2024年政府信息公开工作年度报告",
    ]
