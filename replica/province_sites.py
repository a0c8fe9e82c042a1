"""A synthetic province to crawl on loopback: several hosts (127.0.0.2, .3, …), each serving
many county sites as plain static lists, the way a provincial platform serves its counties
under one host. Each site has its list pages (`next`-linked), a detail page per filing and
one small PDF per filing with its own bytes (and so its own ETag, answered 304 when asked
conditionally). Used by `python -m bench night`; the pages follow sites.md's static list."""

from __future__ import annotations

from dataclasses import dataclass

from replica.resources import Resource, html_page

PER_PAGE = 15
FIRST_YEAR = 2015
KINDS = ("部门决算", "单位决算", "部门预算")


@dataclass(frozen=True)
class ProvinceSite:
    key: str
    prefix: str  # path on its host: /c{city}k{county}
    jurisdiction: str
    name: str
    filings: int


def unit_name(site: ProvinceSite, n: int) -> str:
    return f"{site.name}第{n % 20}单位"


def _pdf(site: ProvinceSite, n: int) -> Resource:
    body = b"%PDF-1.4\n% " + f"{site.key} filing {n}\n".encode() + b"0" * 512 + b"\n%%EOF\n"
    return Resource(body, "application/pdf")


def site_routes(site: ProvinceSite) -> dict[str, Resource]:
    """Every page and file of one site, keyed by path on its host."""
    routes: dict[str, Resource] = {}
    entries = []
    for n in range(site.filings):
        year = FIRST_YEAR + n % 10
        title = f"{unit_name(site, n)}{year}年度{KINDS[n % len(KINDS)]}公开"
        detail, pdf = f"{site.prefix}/d{n}.html", f"{site.prefix}/f/{n}.pdf"
        routes[detail] = html_page(title, f'<h2>{title}</h2><a href="{pdf}">附件：{title}.pdf</a>')
        routes[pdf] = _pdf(site, n)
        entries.append(f'<li><a href="{detail}">{title}</a> {year + 1}-08-{1 + n % 28:02d}</li>')
    pages = [entries[i : i + PER_PAGE] for i in range(0, len(entries), PER_PAGE)] or [[]]
    for i, rows in enumerate(pages):
        more = f'<a class="next" href="{site.prefix}/list_{i + 2}.html">下一页</a>' if i + 1 < len(pages) else ""
        name = "list.html" if i == 0 else f"list_{i + 1}.html"
        routes[f"{site.prefix}/{name}"] = html_page("预决算公开", f"<ul>{''.join(rows)}</ul>{more}")
    return routes


def province(hosts: int, sites_per_host: int, filings_per_site: int) -> list[list[ProvinceSite]]:
    """The sites of each host: county `k` of host `h` is jurisdiction h{h}k{k}."""
    return [
        [
            ProvinceSite(f"prov-h{h}k{k}", f"/h{h}k{k}", f"h{h}k{k}", f"模拟{h}市{k}县", filings_per_site)
            for k in range(sites_per_host)
        ]
        for h in range(hosts)
    ]


def registry_document(hosts: list[list[ProvinceSite]], base_urls: list[str]) -> dict:
    """A registry of the province: one jurisdiction and one static-list site per county,
    20 units each (the titles name them)."""
    jurisdictions = [{"code": "p", "name": "模拟省", "level": "province"}]
    units, sites = [], []
    for base, host_sites in zip(base_urls, hosts, strict=True):
        for s in host_sites:
            jurisdictions.append({"code": s.jurisdiction, "name": s.name, "level": "county", "parent": "p"})
            sites.append(
                {
                    "key": s.key,
                    "jurisdiction": s.jurisdiction,
                    "family": "static_list",
                    "start_urls": [f"{base}{s.prefix}/list.html"],
                }
            )
            units += [
                {"code": f"{s.jurisdiction}-u{n}", "jurisdiction": s.jurisdiction, "name": unit_name(s, n)}
                for n in range(20)
            ]
    return {"jurisdictions": jurisdictions, "units": units, "sites": sites}
