"""What a list entry or a detail page says about a filing: its full title and its publication
date, wherever the site prints them (sites.md: "Variations inside a family"). Pure, on parsel
selectors, shared by every spider family."""

from __future__ import annotations

import re

from parsel import Selector

from crawlers.dates import find_date, labelled_date

_CUT = re.compile(r"(\.{2,}|…+|。。+)\s*$")
_ROW_TAGS = ("li", "tr", "dd", "dt")
_YEAR_OR_KIND = re.compile(r"20\d{2}|决算|预算")


def clean(text: str | None) -> str:
    return " ".join((text or "").split())


def is_cut(title: str) -> bool:
    """List link text cut at ~28 characters: "大同市住房和城乡建设局2024年度部门..."."""
    return bool(_CUT.search(title))


def link_title(a: Selector) -> str:
    """The entry's full title: title="" when the site puts it there (the link text is often
    cut with "..."), else the link text with its lines joined."""
    attr = clean(a.attrib.get("title"))
    text = "".join(clean(t) for t in a.css("::text").getall())
    if attr and (not text or is_cut(text) or len(attr) >= len(text)):
        return attr
    return text or attr


def _row(a: Selector) -> Selector | None:
    """The list row holding this one link (li, tr, dd), if it holds no other entry."""
    for tag in _ROW_TAGS:
        rows = a.xpath(f"ancestor::{tag}[1]")
        if rows:
            row = rows[0]
            return row if len(row.css("a[href]")) == 1 else None
    return None


def link_date(a: Selector) -> str | None:
    """The date printed beside the entry: in its row (a <span>, a cell, plain text, before or
    after the link), else in the text right after or right before the link."""
    row = _row(a)
    if row is not None:
        own = "".join(a.css("::text").getall()) + (a.attrib.get("title") or "")
        text = "".join(row.css("::text").getall())
        found = find_date(text.replace(own, " ", 1)) if own else find_date(text)
        if found:
            return found
    for axis in ("following-sibling", "preceding-sibling"):
        found = find_date(_beside(a, axis))
        if found:
            return found
    return None


_ENTRY_BREAKS = {"br", "a", "li", "p", "tr", "div", "hr"}


def _beside(a: Selector, axis: str) -> str:
    """The text next to the link up to the entry's edge (a <br>, another link), so that a
    date printed before the next entry is not taken for this one's."""
    parts = []
    nodes = a.xpath(f"{axis}::node()")  # in document order, both ways: walk outwards from the link
    for node in (nodes if axis.startswith("following") else nodes[::-1])[:6]:
        name = node.xpath("name()").get()
        if name is None:  # a text node
            parts.append(node.get() or "")
        elif name.lower() in _ENTRY_BREAKS:
            break
        else:
            parts.append(node.xpath("string()").get() or "")
    return " ".join(parts if axis.startswith("following") else reversed(parts))


ARTICLE_TITLE = (
    "meta[name=ArticleTitle]::attr(content)",
    "meta[name=title]::attr(content)",
    ".article-title",
    ".art-title",
    ".detail-title",
    ".content-title",
    ".xxgk-title",
    "div.title",
    "td.title",
    "#title",
    ".tit",
    "article h1",
    ".article h1",
    ".content h1",
    "h2",
    "h3",
)


def _joined(node: Selector) -> str:
    """A heading's text with its <br> lines joined (no space: a Chinese title broken in two)."""
    return "".join(clean(t) for t in node.xpath(".//text()").getall())


def article_title(page: Selector) -> str | None:
    """The article's own title: its title element (div.title, h2, meta ArticleTitle…) before
    any <h1>, which on many sites is the site's name in the header."""
    for css in ARTICLE_TITLE:
        for node in page.css(css):
            text = clean(node.get()) if css.endswith("::attr(content)") else _joined(node)
            if text and _YEAR_OR_KIND.search(text):
                return text
    for node in page.css("h1"):
        text = _joined(node)
        if text and _YEAR_OR_KIND.search(text):
            return text
    return None


def best_title(list_title: str, page: Selector | None) -> str:
    """The list's full title="" first, then the article's own title; a cut list title is
    replaced by the page's."""
    article = article_title(page) if page is not None else None
    if list_title and not is_cut(list_title):
        return list_title
    return article or list_title


def page_date(page: Selector, text: str) -> str | None:
    """The detail page's publication date: <meta name="PubDate">, <publishtime>, or a byline
    such as 发布时间：2025-06-20."""
    for css in (
        "meta[name=PubDate]::attr(content)",
        "meta[name=pubdate]::attr(content)",
        "meta[name=firstpublishedtime]::attr(content)",
        "meta[name=publishdate]::attr(content)",
        "publishtime::text",
    ):
        found = find_date(page.css(css).get())
        if found:
            return found
    return labelled_date(" ".join(page.css("body *::text").getall()) if page.css("body") else text)
