"""Write the static HTML report: one folder, no server, works offline (`disclosure report --html DIR`)."""
from __future__ import annotations

import shutil
from collections import Counter, defaultdict
from pathlib import Path

from jinja2 import Environment, PackageLoader, select_autoescape
from sqlalchemy import Connection

from disclosure.settings import redact_url
from reporting.charts import STATUS_COLOURS, STATUS_LABELS, completeness_heatmap, key_figures_chart
from reporting.queries import STATUSES, ReportData, load_report_data


# A parse that read a filing only in part, not at all, or found no filing (parse_run.document_status).
DOCUMENT_BADGES = {"partial": "部分读取", "unrecognised": "未识别", "not_a_filing": "非公开文件"}


def _environment() -> Environment:
    env = Environment(loader=PackageLoader("reporting", "templates"), autoescape=select_autoescape(["html"]),
                      trim_blocks=True, lstrip_blocks=True)
    env.globals["DOCUMENT_BADGES"] = DOCUMENT_BADGES
    return env


def unit_page(jurisdiction: str | None, unit_code: str | None) -> str:
    return f"{jurisdiction}__{unit_code}.html" if unit_code else "unidentified.html"


def archive_link(archive: str | Path, storage_key: str, media_type: str | None, page: int | None) -> str:
    """Where the archived file is, with #page=N for PDFs (browsers' viewers honour it)."""
    location = str(archive)
    if "://" in location and not location.startswith("file://"):
        url = f"{location.rstrip('/')}/{storage_key}"
    else:
        url = (Path(location.removeprefix("file://")).resolve() / storage_key).as_uri()
    # An archive URL may carry keys (s3://KEY:SECRET@bucket): the report never prints them.
    return redact_url(url) + (f"#page={page}" if page and media_type == "application/pdf" else "")


def evidence_text(evidence: dict | None) -> str:
    if not evidence:
        return ""
    parts = []
    if evidence.get("cells"):
        parts.append("; ".join(f"{k} = {v}" for k, v in evidence["cells"].items()) if isinstance(evidence["cells"], dict)
                     else str(evidence["cells"]))
    if evidence.get("reason"):
        parts.append(str(evidence["reason"]))
    if evidence.get("pages"):
        parts.append("页 " + ", ".join(str(p) for p in evidence["pages"]))
    return " · ".join(parts)


def _counts(data: ReportData) -> list[dict]:
    grouped: dict[tuple[str, int], Counter] = defaultdict(Counter)
    for row in data.matrix:
        grouped[(row["jurisdiction"], row["fiscal_year"])][row["status"]] += 1
    out = []
    for (jurisdiction, year), counts in sorted(grouped.items()):
        expected = sum(counts.values())
        published = counts["present"] + counts["late"] + counts["parse_failed"]
        out.append({"jurisdiction_name": data.jurisdictions[jurisdiction]["name"], "year": year, "counts": counts,
                    "expected": expected, "share": f"{published / expected:.0%}" if expected else "—"})
    return out


def _tree(data: ReportData) -> dict[str, dict[str, list[dict]]]:
    tree: dict[str, dict[str, list[dict]]] = {}
    for code, unit in sorted(data.units.items(), key=lambda kv: (kv[1]["jurisdiction"], kv[1]["department"], kv[0])):
        name = data.jurisdictions[unit["jurisdiction"]]["name"]
        tree.setdefault(name, {}).setdefault(unit["department"], []).append(
            {"name": unit["name"], "page": unit_page(unit["jurisdiction"], code)})
    return tree


def _by_unit(rows: list[dict]) -> dict[tuple[str, str], list[dict]]:
    grouped: dict[tuple[str, str], list[dict]] = defaultdict(list)
    for row in rows:
        grouped[(row.get("jurisdiction"), row.get("unit_code"))].append(row)
    return grouped


def write_report(conn: Connection, out_dir: str | Path, archive: str | Path, progress=None) -> dict:
    """Render every page; returns what was written. `progress(done, total)` is called per unit page."""
    out = Path(out_dir)
    (out / "units").mkdir(parents=True, exist_ok=True)
    (out / "assets").mkdir(exist_ok=True)
    data = load_report_data(conn)
    env = _environment()
    common = {"data": data, "colours": STATUS_COLOURS, "labels": STATUS_LABELS, "statuses": STATUSES}

    _write_assets(out / "assets")
    for finding in data.findings:
        pages = (finding["evidence"] or {}).get("pages") or []
        finding["first_page"] = pages[0] if pages else None
        finding["evidence_text"] = evidence_text(finding["evidence"])
        finding["archive_link"] = archive_link(archive, finding["storage_key"], finding["media_type"],
                                               finding["first_page"])
        finding["page"] = unit_page(finding["jurisdiction"], finding["unit_code"])
    labels = {(r["jurisdiction"], r["unit_code"]): r["unit_name"] for r in data.matrix}
    totals = Counter(r["status"] for r in data.matrix)
    (out / "index.html").write_text(env.get_template("index.html").render(
        title="决算公开完整性与核对", root="", totals={s: totals[s] for s in STATUSES if totals[s]},
        heatmap=completeness_heatmap(data.matrix, labels) if data.matrix else "<p>登记簿中没有应公开的文件。</p>",
        counts=_counts(data), tree=_tree(data), **common), encoding="utf-8")
    by_family: dict[str, list[dict]] = {}
    for finding in data.findings:
        by_family.setdefault(finding["family"], []).append(finding)
    (out / "findings.html").write_text(env.get_template("findings.html").render(
        title="核对问题", root="", by_family=by_family, **common), encoding="utf-8")
    (out / "sites.html").write_text(env.get_template("sites.html").render(
        title="采集状态", root="", **common), encoding="utf-8")

    unit_template = env.get_template("unit.html")
    per_unit = {name: _by_unit(rows) for name, rows in
                (("figures", data.figures), ("filings", data.filings), ("matrix", data.matrix),
                 ("findings", data.findings))}
    units = list(data.units.items())
    for done, (code, unit) in enumerate(units, start=1):
        key = (unit["jurisdiction"], code)
        figures = per_unit["figures"].get(key, [])
        page = unit_template.render(
            title=unit["name"], root="../",
            unit={**unit, "jurisdiction_name": data.jurisdictions[key[0]]["name"]},
            figures_chart=key_figures_chart(figures) if figures else "",
            filings=per_unit["filings"].get(key, []), matrix=per_unit["matrix"].get(key, []),
            findings=per_unit["findings"].get(key, []), **common)
        (out / "units" / unit_page(*key)).write_text(page, encoding="utf-8")
        if progress:
            progress(done, len(units))
    return {"report": str(out / "index.html"), "unit_pages": len(units), "findings": len(data.findings),
            "expected_filings": len(data.matrix), "statuses": dict(totals)}


def _write_assets(assets: Path) -> None:
    from plotly.offline import get_plotlyjs

    target = assets / "plotly.min.js"
    if not target.exists():
        target.write_text(get_plotlyjs(), encoding="utf-8")
    shutil.copyfile(Path(__file__).with_name("templates") / "report.css", assets / "report.css")
