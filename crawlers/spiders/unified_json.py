"""The provincial unified disclosure platforms (预决算公开统一平台): JSON list APIs, attachments
by download id. There are no detail pages: an API row is the filing, and its `detail_url` is
the API's address with the row's id as fragment, stable across nights (what the store keys
filings by).

Platforms differ in their field names, so rows are read by meaning, not by one spelling:
- the rows: the first list of objects under data/list/rows/records/items/result;
- the page count: pages/totalPage (or total/totalCount over pageSize); page 1 fans out the rest;
- a row's title, date, unit, year, kind and files under their usual names (case ignored);
- a platform that lists departments first (Jiangsu's getdepartmentname.do, then
  itemsandpag.do per department) says in its config how to ask for one department's items:
  `items_url: "itemsandpag.do?deptId={deptid}&pageNo=1"`, and where a row's file is when the
  row names only its id: `download_url: "download.do?iid={iid}"`.
"""

from __future__ import annotations

import json
from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit

from crawlers.events import CrawlError, FilingFound, Listed, Skipped
from crawlers.fields import BadField, clean_text, published_date, row_id, web_url
from crawlers.health import FILE, LINK, LIST
from crawlers.revalidation import entry_fingerprint
from crawlers.spiders.base import FilingSpider, looks_like_filing
from registry.families import UNIFIED_JSON

ROW_LISTS = ("list", "rows", "records", "items", "result", "data", "content")
PAGES = ("pages", "totalpage", "totalpages", "pagecount")
TOTALS = ("total", "totalcount", "totalrecord", "count")
PAGE_SIZE = ("pagesize", "size", "limit")
PAGE_NO = ("pageno", "page", "pagenum", "current", "pageindex")
TITLE = ("title", "itemname", "name", "filetitle", "noticetitle")
DATE = ("publishdate", "publishtime", "pubdate", "releasedate", "releasetime", "createtime", "updatetime")
UNIT = ("deptname", "departmentname", "unitname", "dwmc", "bmmc")
YEAR = ("year", "nd", "budgetyear", "fiscalyear")
KIND = ("category", "itemtype", "type", "kind", "gklx")
FILES = ("attachments", "files", "filelist", "attachlist", "fujian")
ROW_ID = ("id", "iid", "itemid", "fileid")


def field(row: dict, names: tuple[str, ...]):
    lowered = {str(k).lower(): v for k, v in row.items()}
    for name in names:
        value = lowered.get(name)
        if value not in (None, "", []):
            return value
    return None


def rows_and_pages(doc) -> tuple[list[dict], int | None, int]:
    """(rows, page count or None, this page's number) of one answer, wherever they sit."""
    holders = [doc] + [v for v in (doc.values() if isinstance(doc, dict) else []) if isinstance(v, dict)]
    for holder in holders:
        if isinstance(holder, list):
            return holder, None, 1
        for key in ROW_LISTS:
            rows = {str(k).lower(): v for k, v in holder.items()}.get(key)
            # a list of objects (a stray non-object row is refused on its own, in _row)
            if isinstance(rows, list) and (not rows or any(isinstance(r, dict) for r in rows)):
                pages = field(holder, PAGES)
                if pages is None and field(holder, TOTALS) is not None and field(holder, PAGE_SIZE):
                    pages = -(-int(field(holder, TOTALS)) // int(field(holder, PAGE_SIZE)))
                return rows, int(pages) if pages is not None else None, int(field(holder, PAGE_NO) or 1)
    raise ValueError("no list of rows in the answer")


def with_page(url: str, page: int) -> str:
    parts = urlsplit(url)
    params = dict(parse_qsl(parts.query))
    key = next((k for k in params if k.lower() in PAGE_NO), "pageNo")
    params[key] = str(page)
    return urlunsplit(parts._replace(query=urlencode(params)))


def row_title(row: dict) -> str:
    """The row's title, completed with the unit the row names when the title lacks it
    ("2019年部门预算公开" of 江苏省人民检察院). BadField when either is not text."""
    title = clean_text(field(row, TITLE), "title")
    unit = clean_text(field(row, UNIT), "deptName")
    if unit and title and unit not in title:
        return unit + title
    return title


def is_department_row(row: dict) -> bool:
    return field(row, UNIT) is not None and field(row, TITLE) in (None, field(row, UNIT)) and field(row, FILES) is None


class UnifiedJsonSpider(FilingSpider):
    name = family = UNIFIED_JSON

    def parse_list(self, response):
        self.crawler.stats.inc_value("disclosure/list_pages")
        try:
            rows, pages, page = rows_and_pages(json.loads(response.text))
        except (ValueError, TypeError, AttributeError) as exc:
            yield CrawlError(
                url=response.url,
                scope=LIST,
                reason=f"unified platform answered something other than its JSON list ({exc!r})",
            )
            return
        items_url = self.config.get("items_url")
        for n, row in enumerate(rows):
            try:
                if items_url and isinstance(row, dict) and is_department_row(row):
                    lowered = {str(k).lower(): v for k, v in row.items()}
                    request = self.list_request(response, items_url.format(**lowered))
                    if request is not None:
                        yield request
                else:
                    yield from self._row(response, row)
            except BadField as exc:  # this row only: the rest of the page is kept
                self.crawler.stats.inc_value("disclosure/bad_rows")
                yield CrawlError(url=response.url, scope=LINK, reason=f"row {n} skipped: {exc}")
        if page == 1 and pages:
            for n in range(2, pages + 1):  # pages: 1000000 stops at the cap
                request = self.list_request(response, with_page(response.url, n))
                if request is None:
                    break
                yield request

    def _files(self, response, row: dict, doc_id: str) -> tuple[list[tuple[str, str]], list[CrawlError]]:
        """(files, errors): each attachment checked on its own; a row that names its file only
        by id gets the site's download_url."""
        files, errors = [], []
        for k, att in enumerate(self.within_file_cap(field(row, FILES) or [])):
            try:
                if not isinstance(att, dict):
                    raise BadField(f"a {type(att).__name__}, not an object")
                url = field(att, ("fileurl", "url", "path", "filepath", "downloadurl", "href"))
                files.append(
                    (
                        web_url(url, response.url, "fileUrl"),
                        clean_text(field(att, ("filename", "name", "title")), "fileName"),
                    )
                )
            except BadField as exc:
                errors.append(
                    CrawlError(url=response.url, scope=LINK, reason=f"row {doc_id} attachment {k} skipped: {exc}")
                )
        if not files and not errors and self.config.get("download_url") and field(row, ("filename", "fileurl")):
            lowered = {str(k).lower(): v for k, v in row.items()}
            files.append(
                (
                    web_url(self.config["download_url"].format(**lowered), response.url, "download_url"),
                    clean_text(field(row, ("filename",)), "fileName"),
                )
            )
        return files, errors

    def _row(self, response, row):
        """One API row, every field checked (crawlers.fields); BadField skips the row, a bad
        attachment skips only itself (recorded)."""
        self.crawler.stats.inc_value("disclosure/list_links")
        if not isinstance(row, dict):
            raise BadField(f"a {type(row).__name__}, not an object")
        title = row_title(row)
        attachments = field(row, FILES) or []
        if not isinstance(attachments, list):
            raise BadField(f"attachments is a {type(attachments).__name__}, expected a list")
        has_file = bool(attachments) or bool(self.config.get("download_url") and field(row, ("filename", "fileurl")))
        if not looks_like_filing(title) or not has_file:
            self.crawler.stats.inc_value("disclosure/other_notices")
            if self.dry_run:
                yield Skipped(
                    response.url,
                    title,
                    "no file" if looks_like_filing(title) else "the title names no 决算/预算/绩效",
                    published_date(field(row, DATE)),
                )
            return
        doc_id = row_id(field(row, ROW_ID))
        if not self.budget("records"):
            return
        base = urlsplit(response.url)
        detail_url = urlunsplit(base._replace(query="", fragment=f"id={doc_id}"))
        published = published_date(field(row, DATE))
        files, errors = self._files(response, row, doc_id)
        for error in errors:
            error.detail_url = detail_url
            yield error
        # The row names its files: a known row listed as recorded has them asked for on the
        # rotation; a changed row (title, date, files) is recorded again, every file asked for.
        entry = entry_fingerprint(title, published, [url for url, _ in files])
        if self.is_known_entry(detail_url, entry):
            yield Listed(detail_url, title, published, entry)
            yield from self.revalidate(detail_url, [url for url, _ in files if self.allowed_origins.allows(url)])
            allowed_files = []
        else:
            yield FilingFound(
                detail_url,
                title,
                published,
                [{"url": u, "text": t} for u, t in files],
                stated={"unit": field(row, UNIT), "year": field(row, YEAR), "kind": field(row, KIND)},
                entry=entry,
            )
            allowed_files = files
        for url, text in allowed_files:
            if self.allowed_origins.allows(url):
                yield self.file_request(url, detail_url, text)
        for url, _text in files:
            if not self.allowed_origins.allows(url):
                yield CrawlError(
                    url=url,
                    detail_url=detail_url,
                    scope=FILE,
                    reason=f"attachment on {self.allowed_origins.why_not(url)}",
                )
