"""The end-of-run summary a person reads in ten seconds: what is new, missing, late, failed.

Failures (a site, a file, a rule) are kept apart from rounding notes and rules that could not
be evaluated, which are not failures.
"""

from __future__ import annotations

from sqlalchemy import Connection, text

# A filing the site never published, or published after its due date (completeness view).
OVERDUE_STATUSES = ("missing", "late")


def store_counts(conn: Connection) -> dict:
    """What is open in the store now, whatever run found it."""
    completeness = {
        str(k): int(n) for k, n in conn.execute(text("SELECT status, count(*) FROM disclosure.completeness GROUP BY 1"))
    }
    findings = {
        str(k): int(n)
        for k, n in conn.execute(
            text("""
        SELECT f.status, count(*) FROM disclosure.finding f
        JOIN disclosure.current_parse cp ON cp.id = f.parse_run_id GROUP BY 1""")
        )
    }
    unidentified = int(
        conn.execute(
            text("SELECT count(*) FROM disclosure.filing WHERE unit_id IS NULL AND withdrawn_at IS NULL")
        ).scalar()
        or 0
    )
    return {"completeness": completeness, "findings": findings, "unidentified_filings": unidentified}


def run_summary(stages: dict, store: dict) -> dict:
    """One run's results (the CLI's stage outputs) beside what is open in the store."""
    crawls = stages.get("crawl", [])
    parse = stages.get("parse", {"parsed": 0, "failed": 0})
    alerts = stages.get("alert", {"new_alerts": 0, "by_kind": {}})
    findings = store["findings"]
    return {
        "new": {
            "file_versions": sum(c.get("new_file_versions", 0) for c in crawls),
            "filings": sum(c.get("new_filings", 0) for c in crawls),
            "parsed": parse["parsed"],
            "alerts": alerts["new_alerts"],
            "alerts_by_kind": dict(sorted(alerts["by_kind"].items())),
        },
        "missing": store["completeness"].get("missing", 0),
        "late": store["completeness"].get("late", 0),
        "failed": {
            "sites": sorted(c["site"] for c in crawls if c["status"] != "ok"),
            "files": parse["failed"],
            "rules": findings.get("failed", 0),
        },
        "notes": {
            "rounding": findings.get("rounding", 0),
            "not_evaluated": findings.get("not_evaluated", 0),
            "unidentified_filings": store["unidentified_filings"],
        },
    }


def store_summary_only(store: dict, failed_sites: list[str]) -> dict:
    """The same summary without a run (`disclosure report`): what is open in the store."""
    summary = run_summary({"crawl": [{"site": k, "status": "failed"} for k in failed_sites]}, store)
    summary["new"] = None
    return summary


def summary_lines(summary: dict, kind_titles: dict[str, str] | None = None) -> list[tuple[str, str, str]]:
    """(what, details, rich style) rows, failures first-class, notes last; alerts by kind, the
    most frequent first, each by its title in `kind_titles` (alerting's) when given."""
    new, failed, notes = summary["new"], summary["failed"], summary["notes"]
    titles = kind_titles or {}
    rows = []
    if new is not None:
        by_kind = sorted(new["alerts_by_kind"].items(), key=lambda kv: (-kv[1], kv[0]))
        kinds = ", ".join(f"{n} {_one_of(titles.get(kind, kind).lower(), n)}" for kind, n in by_kind)
        rows.append(
            (
                "new",
                f"{_n(new['filings'], 'filing')}, {_n(new['file_versions'], 'file')}, {new['parsed']} parsed; "
                f"{_n(new['alerts'], 'alert')}" + (f": {kinds}" if kinds else ""),
                "green" if new["file_versions"] else "",
            )
        )
    rows += [
        ("missing", f"{_n(summary['missing'], 'filing')} past their due date", "yellow" if summary["missing"] else ""),
        (
            "late",
            f"{_n(summary['late'], 'filing')} published after their due date",
            "yellow" if summary["late"] else "",
        ),
        (
            "failed",
            _n(len(failed["sites"]), "site")
            + (f" ({', '.join(failed['sites'])})" if failed["sites"] else "")
            + f", {_n(failed['files'], 'file')}, {_n(failed['rules'], 'rule')} on current filings",
            "red" if failed["sites"] or failed["files"] or failed["rules"] else "",
        ),
        (
            "notes",
            f"{notes['rounding']} within rounding, {notes['not_evaluated']} not evaluated, "
            f"{_n(notes['unidentified_filings'], 'filing')} not identified (not failures)",
            "dim",
        ),
    ]
    return rows


def _n(count: int, noun: str) -> str:
    """ "1 filing", "2 filings": the summary is read, not parsed."""
    return f"{count} {noun}{'' if count == 1 else 's'}"


# The alert titles' plural nouns, for a count of one ("1 filing not identified").
_SINGULAR = {"filings": "filing", "identities": "identity", "sites": "site", "files": "file"}


def _one_of(title: str, count: int) -> str:
    if count != 1:
        return title
    return " ".join(_SINGULAR.get(word, word) for word in title.split(" "))
