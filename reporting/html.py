"""Write the static HTML report: one folder, no server, works offline (`disclosure report -o DIR`).

Every link inside it is relative, and the archived files its findings cite are copied into
its files/ folder, so the folder can be copied, zipped or served as it is."""

from __future__ import annotations

import shutil
from collections import Counter, defaultdict
from pathlib import Path

from jinja2 import Environment, PackageLoader, select_autoescape
from sqlalchemy import Connection

from parsers.sniff import extension_for
from reporting.across_findings import across_title, cited_documents, load_across_findings
from reporting.budget_actual import budget_actual_rows, load_budget_actual_cells
from reporting.charts import (
    STATUS_COLOURS,
    STATUS_LABELS,
    budget_actual_chart,
    completeness_heatmap,
    key_figures_chart,
)
from reporting.evidence import review_items, write_finding_evidence
from reporting.finding_titles import FAMILY_TITLES, finding_title, relative_difference, value_unit, with_unit
from reporting.plain_chinese import (
    CRAWL_STATUS_LABELS,
    SITE_FAMILY_LABELS,
    cells_zh,
    crawl_problems_zh,
    problems_zh,
    reason_zh,
    subject_zh,
)
from reporting.queries import KEY_FIGURES, STATUSES, ReportData, load_report_data

# A parse that read a filing only in part, not at all, or found no filing (parse_run.document_status).
DOCUMENT_BADGES = {"partial": "部分读取", "unrecognised": "未识别", "not_a_filing": "非公开文件"}


def _environment() -> Environment:
    env = Environment(
        loader=PackageLoader("reporting", "templates"),
        autoescape=select_autoescape(["html"]),
        trim_blocks=True,
        lstrip_blocks=True,
    )
    env.globals["DOCUMENT_BADGES"] = DOCUMENT_BADGES
    env.globals["SITE_FAMILY_LABELS"] = SITE_FAMILY_LABELS
    env.globals["CRAWL_STATUS_LABELS"] = CRAWL_STATUS_LABELS
    env.filters["problems_zh"] = problems_zh
    env.filters["crawl_problems_zh"] = crawl_problems_zh
    return env


def unit_page(jurisdiction: str | None, unit_code: str | None) -> str:
    return f"{jurisdiction}__{unit_code}.html" if unit_code else "unidentified.html"


def archived_copy(archive: str | Path, storage_key: str | None, out: Path) -> str | None:
    """Copy an archived file into the report's files/ folder (named by its hash, with its
    extension, so a browser opens it) and return its path relative to the report's root;
    the report folder can then be copied or zipped whole. None when the archive lacks it."""
    if not storage_key:
        return None
    from archive.store import read_bytes

    stem = storage_key.rsplit("/", 1)[-1]
    existing = next((out / "files").glob(f"{stem}.*"), None) if (out / "files").is_dir() else None
    if existing:
        return f"files/{existing.name}"
    try:
        body = read_bytes(archive, storage_key)
    except OSError:
        return None
    target = out / "files" / (stem + extension_for(body))
    target.parent.mkdir(parents=True, exist_ok=True)
    target.write_bytes(body)
    return f"files/{target.name}"


def page_anchor(media_type: str | None, page: int | None) -> str:
    """#page=N for PDFs (browsers' viewers honour it)."""
    return f"#page={page}" if page and (media_type or "").startswith("application/pdf") else ""


def evidence_text(evidence: dict | None) -> str:
    if not evidence:
        return ""
    parts = []
    if evidence.get("cells"):
        parts.append(cells_zh(evidence["cells"]) if isinstance(evidence["cells"], dict) else str(evidence["cells"]))
    if evidence.get("reason"):
        parts.append(reason_zh(str(evidence["reason"])))
    if evidence.get("pages"):
        parts.append("第 " + ", ".join(str(p) for p in evidence["pages"]) + " 页")
    return " · ".join(parts)


def _counts(data: ReportData, statuses: list[str]) -> list[dict]:
    grouped: dict[tuple[str, int, str], Counter] = defaultdict(Counter)
    for row in data.matrix:  # budgets and final accounts counted apart: 预算 before 决算 of a year
        document = "预算" if row["kind"].endswith("预算") else "决算"
        grouped[(row["jurisdiction"], row["fiscal_year"], document)][row["status"]] += 1
    out = []
    for (jurisdiction, year, document), counts in sorted(
        grouped.items(), key=lambda kv: (kv[0][:2], kv[0][2] != "预算")
    ):
        expected = sum(counts.values())
        published = counts["present"] + counts["late"] + counts["date_unknown"] + counts["parse_failed"]
        out.append(
            {
                "jurisdiction_name": data.jurisdictions[jurisdiction]["name"],
                "year": year,
                "document": document,
                "counts": counts,
                "expected": expected,
                "share": f"{published / expected:.0%}" if expected else "—",
            }
        )
    return out


def _unit_rows(data: ReportData, findings: dict[tuple[str, str], list[dict]]) -> list[dict]:
    """One row per registered unit: its name linked to its page, where it sits, how it stands."""
    status: dict[tuple[str, str], Counter] = defaultdict(Counter)
    for row in data.matrix:
        status[(row["jurisdiction"], row["unit_code"])][row["status"]] += 1
    rows = []
    for code, unit in sorted(data.units.items(), key=lambda kv: (kv[1]["jurisdiction"], kv[1]["department"], kv[0])):
        key = (unit["jurisdiction"], code)
        counts = status.get(key, Counter())
        rows.append(
            {
                "name": unit["name"],
                "page": unit_page(*key),
                "jurisdiction_name": data.jurisdictions[unit["jurisdiction"]]["name"],
                "department": unit["department"] if unit["department"] != unit["name"] else "",
                "published": counts["present"] + counts["late"] + counts["parse_failed"],
                "expected": sum(counts.values()),
                "missing": counts["missing"],
                "late": counts["late"],
                "findings": len(findings.get(key, [])),
            }
        )
    return rows


def _by_unit(rows: list[dict]) -> dict[tuple[str, str], list[dict]]:
    grouped: dict[tuple[str, str], list[dict]] = defaultdict(list)
    for row in rows:
        grouped[(row.get("jurisdiction"), row.get("unit_code"))].append(row)
    return grouped


def _prepare_findings(data: ReportData, archive, out: Path) -> None:
    """Titles in Chinese, values with their unit, evidence copied into the report folder."""
    from validation.documentation import catalogue_rows

    titles = {r["id"]: r["title"] for r in catalogue_rows()}
    for finding in data.findings:
        pages = (finding["evidence"] or {}).get("pages") or []
        unit = value_unit(finding["rule_id"], finding.get("amount_unit"))
        finding.update(
            first_page=pages[0] if pages else None,
            evidence_text=evidence_text(finding["evidence"]),
            subject_text=subject_zh(finding["family"], finding["subject"]),
            title_zh=across_title(finding["rule_id"])
            or finding_title(finding["rule_id"], titles.get(finding["rule_id"])),
            family_zh=FAMILY_TITLES.get(finding["family"], finding["family"]),
            expected_text=with_unit(finding["expected"], unit),
            actual_text=with_unit(finding["actual"], unit),
            difference_text=with_unit(finding["difference"], unit),
            difference_share=""
            if unit in ("%", "年")  # a share of a rate or of a year means nothing
            else relative_difference(finding["expected"], finding["difference"]),
            page=unit_page(finding["jurisdiction"], finding["unit_code"]),
        )
        copy = archived_copy(archive, finding["storage_key"], out)
        finding["copy_href"] = copy + page_anchor(finding["media_type"], finding["first_page"]) if copy else None


def _prepare_across(findings: list[dict], archive, out: Path) -> None:
    """Cross-document findings: a title, values with their unit, and a link to each document
    it compares (its archived copy, at its first cited page)."""
    from validation.documentation import catalogue_rows

    titles = {r["id"]: r["title"] for r in catalogue_rows()}
    for finding in findings:
        unit = value_unit(finding["rule_id"])
        documents = []
        for doc in cited_documents(finding):
            pages = doc.get("pages") or []
            first = pages[0] if pages else None
            copy = archived_copy(archive, doc.get("storage_key"), out)
            documents.append(
                {
                    **doc,
                    "first_page": first,
                    "copy_href": copy + page_anchor(doc.get("media_type"), first) if copy else None,
                }
            )
        finding.update(
            documents=documents,
            title_zh=across_title(finding["rule_id"])
            or finding_title(finding["rule_id"], titles.get(finding["rule_id"])),
            status_zh=ACROSS_STATUS.get(finding["status"], finding["status"]),
            reason=reason_zh((finding["evidence"] or {}).get("reason") or ""),
            # a check not made says why under its result: the evidence does not repeat it
            evidence_text=evidence_text(
                {**(finding["evidence"] or {}), "pages": None}
                | ({"reason": None} if finding["status"] == "not_evaluated" else {})
            ),
            expected_text=with_unit(finding["expected"], unit),
            actual_text=with_unit(finding["actual"], unit),
            difference_text=with_unit(finding["difference"], unit),
            page=unit_page(finding["jurisdiction"], finding["unit_code"]),
        )


ACROSS_STATUS = {"failed": "不一致", "not_evaluated": "未核对", "rounding": "舍入差异"}


def _site_health(data: ReportData) -> list[dict]:
    """Each site's last runs (newest first) and how many of them failed in a row."""
    rows = []
    for site in data.sites:
        runs = data.crawl_history.get(site["key"], [])
        streak = next((i for i, r in enumerate(runs) if r["status"] == "ok"), len(runs))
        rows.append({**site, "history": runs[:HISTORY_RUNS], "runs": len(runs), "failing_in_a_row": streak})
    return rows


HISTORY_RUNS = 14  # crawl runs shown per site on the crawl health page


def write_report(conn: Connection, out_dir: str | Path, archive: str | Path, progress=None) -> dict:
    """Render every page; returns what was written. `progress(done, total)` is called per unit page."""
    out = Path(out_dir)
    (out / "units").mkdir(parents=True, exist_ok=True)
    (out / "assets").mkdir(exist_ok=True)
    data = load_report_data(conn)
    env = _environment()
    statuses = [s for s in STATUSES if any(r["status"] == s for r in data.matrix)]  # no always-empty column
    common = {"data": data, "colours": STATUS_COLOURS, "labels": STATUS_LABELS, "statuses": statuses}

    _write_assets(out / "assets")
    _prepare_findings(data, archive, out)
    annotated = write_finding_evidence(conn, data.findings, archive, out)  # crops and annotated PDFs
    for filing in data.filings:
        filing["copy_href"] = archived_copy(archive, filing["storage_key"], out)
        filing["annotated_href"] = annotated.get(filing["storage_key"])
    across = load_across_findings(conn)
    _prepare_across(across, archive, out)
    budget_actual = budget_actual_rows(load_budget_actual_cells(conn))
    per_unit = {
        name: _by_unit(rows)
        for name, rows in (
            ("figures", data.figures),
            ("filings", data.filings),
            ("matrix", data.matrix),
            ("findings", data.findings),
            ("across", across),
        )
    }
    labels = {(r["jurisdiction"], r["unit_code"]): r["unit_name"] for r in data.matrix}
    totals = Counter(r["status"] for r in data.matrix)
    unreadable = [f for f in data.filings if f["parse_status"] not in (None, "ok")]
    (out / "index.html").write_text(
        env.get_template("index.html").render(
            title="预决算公开完整性与核对",
            root="",
            across=across,
            totals={s: totals[s] for s in STATUSES if totals[s]},
            heatmap=completeness_heatmap(data.matrix, labels, {k: "units/" + unit_page(*k) for k in labels})
            if data.matrix
            else "<p>登记簿中没有应公开的文件。</p>",
            counts=_counts(data, statuses),
            units=_unit_rows(data, per_unit["findings"]),
            unreadable=unreadable,
            **common,
        ),
        encoding="utf-8",
    )
    by_family: dict[str, list[dict]] = {}
    for finding in sorted(
        data.findings,
        key=lambda f: (f["family_zh"], f["title_zh"], f["unit_code"] or "", f["fiscal_year"] or 0, f["subject"]),
    ):
        by_family.setdefault(finding["family_zh"], []).append(finding)
    (out / "findings.html").write_text(
        env.get_template("findings.html").render(title="核对问题", root="", by_family=by_family, **common),
        encoding="utf-8",
    )
    (out / "sites.html").write_text(
        env.get_template("sites.html").render(title="采集状态", root="", sites=_site_health(data), **common),
        encoding="utf-8",
    )

    review, waiting = review_items(conn, archive, out)
    (out / "review.html").write_text(
        env.get_template("review.html").render(title="待复核的数字", root="", items=review, waiting=waiting, **common),
        encoding="utf-8",
    )

    unit_template = env.get_template("unit.html")
    units = list(data.units.items())
    for done, (code, unit) in enumerate(units, start=1):
        key = (unit["jurisdiction"], code)
        figures = per_unit["figures"].get(key, [])
        page = unit_template.render(
            title=unit["name"],
            root="../",
            unit={**unit, "jurisdiction_name": data.jurisdictions[key[0]]["name"]},
            figures_chart=key_figures_chart(figures) if figures else "",
            figures_table=figures_table(figures),
            filings=per_unit["filings"].get(key, []),
            matrix=per_unit["matrix"].get(key, []),
            findings=per_unit["findings"].get(key, []),
            budget_chart=budget_actual_chart(budget_actual[key]) if key in budget_actual else "",
            budget_rows=budget_actual.get(key, []),
            across=per_unit["across"].get(key, []),
            **common,
        )
        (out / "units" / unit_page(*key)).write_text(page, encoding="utf-8")
        if progress:
            progress(done, len(units))
    return {
        "report": str(out / "index.html"),
        "unit_pages": len(units),
        "findings": len(data.findings),
        "expected_filings": len(data.matrix),
        "across_findings": len(across),
        "units_with_budget_and_actual": len(budget_actual),
        "statuses": dict(totals),
    }


def figures_table(figures: list[dict]) -> dict:
    """The chart's numbers as a table: one row per year, one column per key figure."""
    names = [n for n in KEY_FIGURES if any(f["figure"] == n for f in figures)]
    years: dict[int, dict[str, str]] = defaultdict(dict)
    for f in figures:
        years[f["fiscal_year"]][f["figure"]] = f"{f['value']:,}" if f["value"] is not None else ""
    return {"columns": names, "rows": [(year, [years[year].get(n, "") for n in names]) for year in sorted(years)]}


def _write_assets(assets: Path) -> None:
    from plotly.offline import get_plotlyjs

    target = assets / "plotly.min.js"
    if not target.exists():
        target.write_text(get_plotlyjs(), encoding="utf-8")
    shutil.copyfile(Path(__file__).with_name("templates") / "report.css", assets / "report.css")


def point_latest_at(report_dir: Path, latest: Path) -> None:
    """Make `latest` (var/reports/latest) show `report_dir`: a relative symlink swapped in
    atomically, so a reader never sees half a report. A real folder there (written by
    `disclosure report`) is replaced."""
    import os

    latest.parent.mkdir(parents=True, exist_ok=True)
    if latest.is_dir() and not latest.is_symlink():
        shutil.rmtree(latest)
    temporary = latest.with_name(f".{latest.name}.{os.getpid()}")
    if temporary.is_symlink():
        temporary.unlink()
    temporary.symlink_to(os.path.relpath(report_dir, latest.parent), target_is_directory=True)
    os.replace(temporary, latest)
