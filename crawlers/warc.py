"""Every response of a crawl (list pages, detail pages, files, redirects, errors with a status)
written to a WARC file (ISO 28500) with warcio, so a night's view of a site can be replayed
with standard tools (pywb). The record of each file is pointed to from its manifest item.

A downloader middleware placed after every built-in one (priority 950) sees responses as
they came off the wire: before redirects are followed and before decompression.
"""

from __future__ import annotations

import io
import uuid
from datetime import UTC, datetime

from scrapy import signals
from warcio.statusandheaders import StatusAndHeaders
from warcio.warcwriter import WARCWriter

HOP_BY_HOP = {b"transfer-encoding", b"connection", b"keep-alive"}


class WarcCapture:
    def __init__(self, path: str, site_key: str, user_agent: str):
        self.path = path
        self.fh = open(path, "wb")
        self.writer = WARCWriter(self.fh, gzip=True)
        info = self.writer.create_warcinfo_record(
            path.rsplit("/", 1)[-1],
            {
                "software": "disclosure-crawler (Scrapy, warcio)",
                "format": "WARC File Format 1.1",
                "isPartOf": site_key,
                "http-header-user-agent": user_agent,
                "created": datetime.now(UTC).isoformat(),
            },
        )
        self.writer.write_record(info)
        self.records = 0

    @classmethod
    def from_crawler(cls, crawler):
        path = crawler.settings.get("DISCLOSURE_WARC")
        if not path:
            from scrapy.exceptions import NotConfigured

            raise NotConfigured("no WARC path")
        capture = cls(path, crawler.settings.get("DISCLOSURE_SITE_KEY", ""), crawler.settings.get("USER_AGENT", ""))
        crawler.signals.connect(capture.close, signal=signals.spider_closed)
        return capture

    def process_response(self, request, response, spider=None):
        offset = self.fh.tell()
        record_id = f"<urn:uuid:{uuid.uuid4()}>"
        target = response.url
        req_headers = [(k.decode("latin-1"), v.decode("latin-1")) for k, vs in request.headers.items() for v in vs]
        path = request.url.split("://", 1)[-1].partition("/")[2]
        request_record = self.writer.create_warc_record(
            target,
            "request",
            payload=io.BytesIO(request.body or b""),
            http_headers=StatusAndHeaders(f"{request.method} /{path} HTTP/1.1", req_headers, is_http_request=True),
        )
        headers = [
            (k.decode("latin-1"), v.decode("latin-1"))
            for k, vs in response.headers.items()
            for v in vs
            if k.lower() not in HOP_BY_HOP
        ]
        response_record = self.writer.create_warc_record(
            target,
            "response",
            payload=io.BytesIO(response.body),
            http_headers=StatusAndHeaders(
                f"{response.status} {_reason(response.status)}", headers, protocol="HTTP/1.1"
            ),
            warc_headers_dict={"WARC-Record-ID": record_id},
        )
        request_record.rec_headers.add_header("WARC-Concurrent-To", record_id)
        self.writer.write_record(response_record)
        self.writer.write_record(request_record)
        self.records += 2
        request.meta["warc"] = {"offset": offset, "record_id": record_id}
        return response

    def close(self, spider=None):
        self.fh.close()


def _reason(status: int) -> str:
    from http import HTTPStatus

    try:
        return HTTPStatus(status).phrase
    except ValueError:
        return "Unknown"
