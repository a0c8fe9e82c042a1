"""What the replica server serves: static resources and dynamic (query-driven) routes."""

from __future__ import annotations

import hashlib
from collections.abc import Callable
from dataclasses import dataclass
from urllib.parse import parse_qs


@dataclass
class Resource:
    body: bytes
    content_type: str
    filename: str | None = None  # sent as Content-Disposition (download URLs without a name)

    @property
    def etag(self) -> str:
        return '"' + hashlib.sha256(self.body).hexdigest()[:16] + '"'


# A dynamic route answers from the query (GET) or form (POST) parameters, None for 404.
Dynamic = Callable[[dict[str, str]], "Resource | None"]


def html_page(title: str, body: str, charset: str = "utf-8", declare_in_header: bool = True) -> Resource:
    meta = (
        f'<meta charset="{charset}">'
        if charset == "utf-8"
        else f'<meta http-equiv="Content-Type" content="text/html; charset={charset}">'
    )
    html = f"<!DOCTYPE html><html><head>{meta}<title>{title}</title></head><body>{body}</body></html>"
    ctype = f"text/html; charset={charset}" if declare_in_header else "text/html"
    return Resource(html.encode("gbk" if charset in ("gbk", "gb2312") else charset), ctype)


def query_params(query: str) -> dict[str, str]:
    return {k: v[0] for k, v in parse_qs(query, keep_blank_values=True).items()}
