"""The `disclosure` command line. Every command ends with a short summary; --json for scripts.

Exit status, for every command: 0 all went well; 1 something the command checked failed (a site
did not crawl, a rule failed, a file did not parse); 2 usage or configuration error (an unknown
site key, a bad setting or registry, a missing folder, a store without its schema or refusing the
connection), reported as one line that names the file, key, variable or command to run.
"""

from __future__ import annotations

import json
import os
import sys
from datetime import UTC, datetime
from pathlib import Path

import typer
from rich.console import Console
from rich.table import Table
from typer.core import TyperGroup

EXIT_FAILED, EXIT_USAGE = 1, 2


class UsageProblem(Exception):
    """A usage or configuration error: one line for the user, exit status 2."""


def _configuration_errors() -> tuple[type[BaseException], ...]:
    """Error types that mean "the configuration is wrong", not "the program is broken"."""
    from disclosure import settings
    from registry.model import RegistryError

    kinds: list[type[BaseException]] = [UsageProblem, RegistryError]
    kinds += [
        k
        for k in (getattr(settings, "SettingsError", None), getattr(settings, "ConfigurationError", None))
        if isinstance(k, type)
    ]
    return tuple(kinds)


def _store_problem(exc: BaseException) -> str | None:
    """One line for a store that cannot serve the command, else None (a bug: its traceback).
    A query on a store that `disclosure db upgrade` never ran on (no disclosure.* tables),
    whether SQLAlchemy wrapped the driver's error or not; a connection refused or never
    answered, the stages' DISCLOSURE_DB_WAIT spent (psycopg's bare OperationalError: its
    subclasses, a cancelled query or a lock, are the server answering)."""
    import psycopg

    from disclosure.settings import mask, url_secrets

    orig = getattr(exc, "orig", None) or exc  # SQLAlchemy keeps the driver's error in .orig
    try:
        settings = _settings()
    except Exception:  # the settings' own error was the one to report; never hide this one
        settings = None
    where = _store_name(settings) if settings else "DATABASE_URL"
    if isinstance(orig, psycopg.errors.UndefinedTable):
        return f"the store ({where}) has no schema yet: run `disclosure db upgrade` first"
    if type(orig) is psycopg.OperationalError:
        said = str(orig).strip().splitlines()[0] if str(orig).strip() else type(orig).__name__
        said = mask(said, url_secrets(settings.database_url if settings else None))
        return f"cannot connect to the store ({where}): {said}; start it, or correct DATABASE_URL"
    return None


def _usage_error() -> type[BaseException]:
    """click's UsageError, whether typer vendors click (typer._click, 0.22 on) or uses it."""
    return next(k for k in typer.BadParameter.__mro__ if k.__name__ == "UsageError")


def _say_usage_error(exc, command_path: str) -> None:
    """One line, not typer's box of five; `disclosure review` alone still shows its help."""
    if type(exc).__name__ == "NoArgsIsHelpError":
        raise exc
    where = exc.ctx.command_path if exc.ctx else command_path
    _say_error(f"{exc.format_message().rstrip('.')} (see `{where} --help`)")


class _OneLineErrors(TyperGroup):
    """Turns configuration errors raised anywhere below into one line on stderr and exit 2."""

    def make_context(self, info_name, args, parent=None, **extra):
        try:  # `disclosure --bogus`: the root's own options
            return super().make_context(info_name, args, parent=parent, **extra)
        except _usage_error() as exc:
            _say_usage_error(exc, info_name or "disclosure")
        raise typer.Exit(EXIT_USAGE)

    def invoke(self, ctx):
        try:
            return super().invoke(ctx)
        except _usage_error() as exc:  # a command's wrong or missing argument
            _say_usage_error(exc, ctx.command_path)
        except _configuration_errors() as exc:
            _say_error(str(exc))
        except Exception as exc:
            problem = _store_problem(exc)
            if problem is None:
                raise
            _say_error(problem)
        raise typer.Exit(EXIT_USAGE)


def _version(value: bool) -> None:
    if value:
        from importlib.metadata import PackageNotFoundError, version

        try:
            print(f"disclosure-watch {version('disclosure-watch')}")
        except PackageNotFoundError:  # run from a checkout that was never installed
            print("disclosure-watch (not installed)")
        raise typer.Exit()


app = typer.Typer(
    help="Collect, archive, parse and validate 部门/单位决算公开 filings.",
    no_args_is_help=True,
    pretty_exceptions_enable=False,
    cls=_OneLineErrors,
)
db_app = typer.Typer(help="The store's schema (Alembic migrations).", no_args_is_help=True)
fixtures_app = typer.Typer(help="Fixture filings and the replica sites built from them.", no_args_is_help=True)
app.add_typer(db_app, name="db")
app.add_typer(fixtures_app, name="fixtures")
sites_app = typer.Typer(help="Adding and checking sites (crawlers/probe.py).", no_args_is_help=True)
app.add_typer(sites_app, name="sites")
review_app = typer.Typer(
    help="The review queue: cells read with low confidence, confirmed or corrected by a person.", no_args_is_help=True
)
app.add_typer(review_app, name="review")
console = Console(stderr=True)


@app.callback()
def _main(
    version: bool = typer.Option(
        False, "--version", callback=_version, is_eager=True, help="Print the version and exit."
    ),
) -> None:
    """Collect, archive, parse and validate 部门/单位决算公开 filings."""


def _command_name() -> str:
    """How the user can run this command again: `disclosure` when it is on PATH, else the path
    it was started by (`make demo` runs .venv/bin/disclosure, which a new shell does not find)."""
    import shutil

    started = sys.argv[0] if sys.argv and Path(sys.argv[0]).name == "disclosure" else "disclosure"
    on_path = shutil.which("disclosure")
    if started == "disclosure" or (on_path and Path(on_path).resolve() == Path(started).resolve()):
        return "disclosure"
    return started


def _print_json(data) -> None:
    sys.stdout.write(json.dumps(data, ensure_ascii=False, indent=1, default=str) + "\n")


def _say_error(message: str) -> None:
    # Plain text, never wrapped: one line whatever the terminal's width.
    sys.stderr.write(f"error: {message}\n")


def _fail(message: str, code: int = EXIT_FAILED):
    _say_error(message)
    raise typer.Exit(code)


def _settings():
    """The settings, or a usage error naming the variable whose value does not read."""
    from disclosure.settings import load_settings

    try:
        return load_settings()
    except ValueError as exc:
        if isinstance(exc, _configuration_errors()):
            raise
        named = [
            k
            for k, v in sorted(os.environ.items())
            if k.startswith(("DISCLOSURE_", "DATABASE_")) and v and repr(v) in str(exc)
        ]
        raise UsageProblem(f"{' or '.join(named) or 'a DISCLOSURE_ variable'}: {exc}") from exc


def _context():
    from disclosure import pipeline

    return pipeline.context(_settings())


def _site_keys(ctx, keys: list[str] | None) -> list[str]:
    """The sites to crawl, checked before anything is crawled: known keys, start URLs filled in."""
    known = [s.key for s in ctx.registry.sites]
    unknown = [k for k in keys or () if k not in known]
    if unknown:
        raise UsageProblem(
            f"{ctx.registry.source}: no site {', '.join(map(repr, unknown))}; it has "
            f"{', '.join(known)} (DISCLOSURE_REGISTRY chooses the registry file)"
        )
    from disclosure.pipeline import check_start_urls

    check_start_urls([ctx.registry.site(k) for k in keys or known])
    return list(keys or known)


@db_app.command("upgrade")
def db_upgrade(revision: str = typer.Argument("head", help="Target revision.")) -> None:
    """Apply the migrations up to REVISION (default: head), then set up the read-only role."""
    from warehouse.db import engine
    from warehouse.migrate import current_revision, upgrade
    from warehouse.roles import ensure_readonly_role

    upgrade(revision=revision)
    role = ensure_readonly_role(engine())
    console.print(
        f"schema at revision [bold]{current_revision()}[/bold]; read-only role "
        f"{role + ': ready' if role else 'not created (no CREATEROLE privilege)'}"
    )


@db_app.command("readonly-role")
def db_readonly_role(
    name: str = typer.Argument(None, help="Role to create or refresh (default: disclosure_reader_<database>)."),
) -> None:
    """Create or refresh a NOLOGIN role with SELECT on every table and view of this store only.

    Give an analyst access with: CREATE ROLE alice LOGIN PASSWORD '…' IN ROLE disclosure_reader_<database>;
    """
    from warehouse.db import engine
    from warehouse.roles import ensure_readonly_role

    name = ensure_readonly_role(engine(), name)
    if not name:
        _fail("could not set up the read-only role: the connecting user needs CREATEROLE")
    console.print(f"role {name} can read the disclosure schema")


@db_app.command("downgrade")
def db_downgrade(revision: str = typer.Argument(..., help="Target revision ('base' drops everything).")) -> None:
    """Revert the migrations down to REVISION."""
    from warehouse.migrate import current_revision, downgrade

    downgrade(revision=revision)
    console.print(f"schema at revision [bold]{current_revision()}[/bold]")


@db_app.command("current")
def db_current() -> None:
    """Print the schema revision of the store."""
    from warehouse.migrate import current_revision

    print(current_revision())


@app.command()
def parse(
    file: Path = typer.Argument(..., help="A downloaded filing (PDF so far)."),
    as_json: bool = typer.Option(False, "--json", help="Print the parse as one JSON object."),
) -> None:
    """Parse one file and print what it holds (no database needed)."""
    from parsers import ParseError, parse_path
    from validation.misreads import flag_misreads

    try:
        result = flag_misreads(parse_path(file))
    except ParseError as exc:
        _fail(str(exc), EXIT_USAGE)
    if as_json:
        _print_json(result.to_json())
        return
    table = Table(title=f"{result.unit} · {result.year} · {result.kind}")
    for col in ("table", "status", "pages", "cells"):
        table.add_column(col)
    for code, info in sorted(result.tables.items()):
        n = sum(1 for c in result.cells if c.table == code)
        table.add_row(code, info.status, ",".join(map(str, info.pages)), str(n))
    Console().print(table)
    for problem in result.problems:
        console.print(f"[yellow]{problem}[/yellow]")
    console.print(f"{result.status}: {len(result.cells)} cells from {result.pages} pages of {file}")


@app.command()
def validate(
    file: Path = typer.Argument(..., help="A filing to validate without a database."),
    as_json: bool = typer.Option(False, "--json", help="Print the findings as JSON."),
    all_outcomes: bool = typer.Option(False, "--all", help="Include rules that passed."),
) -> None:
    """Parse FILE and check it against the rule catalogue; exit 1 if a rule failed, 3 if the
    document was read only in part or not at all (partial, unrecognised), 4 if it is not a filing."""
    from parsers import ParseError, parse_path
    from validation.engine import validate_parse
    from validation.misreads import flag_misreads

    try:
        result = flag_misreads(parse_path(file))
    except ParseError as exc:
        _fail(str(exc), EXIT_USAGE)
    checked = result.status != "not_a_filing"  # a checklist or landing page is never validated
    outcomes = [o for o in validate_parse(result) if all_outcomes or o.status != "passed"] if checked else []
    failed = sum(o.status == "failed" for o in outcomes)
    if as_json:
        _print_json(
            {
                "source": str(file),
                "unit": result.unit,
                "year": result.year,
                "status": result.status,
                "problems": result.problems,
                "findings": [o.to_json() for o in outcomes],
            }
        )
    else:
        table = Table(title=str(file))
        for col in ("rule", "subject", "status", "printed", "expected", "difference", "pages"):
            table.add_column(col)
        for o in outcomes:
            table.add_row(
                o.rule_id,
                o.subject,
                o.status,
                str(o.actual or ""),
                str(o.expected or ""),
                str(o.difference or ""),
                ",".join(map(str, o.pages)) or o.reason,
            )
        Console().print(table)
    for problem in result.problems:
        console.print(f"[yellow]{problem}[/yellow]")
    console.print(f"{result.status}: {len(outcomes)} findings, {failed} failed")
    raise typer.Exit(VALIDATE_EXIT.get(result.status, 1 if failed else 0))


# `disclosure validate` exit codes beyond 0 (checked, nothing failed) and 1 (a rule failed).
VALIDATE_EXIT = {"partial": 3, "unrecognised": 3, "not_a_filing": 4}


@app.command()
def rules(as_json: bool = typer.Option(False, "--json")) -> None:
    """Print the rule catalogue: every rule's id, family, formula and title in plain words."""
    from validation.documentation import catalogue_rows

    rows = catalogue_rows()
    if as_json:
        _print_json(rows)
        return
    table = Table(title="Rule catalogue (tolerance: (n+1) × 0.005 万元 for n printed terms)")
    for col in ("id", "family", "formula", "title"):
        table.add_column(col)
    for r in rows:
        condition = f" (only when {' or '.join(r['when'])} is printed)" if r["when"] else ""
        table.add_row(r["id"], r["family"], r["formula"], r["title"] + condition)
    Console().print(table)
    console.print(f"{len(rows)} rules")


@app.command()
def docs(out: Path = typer.Option(Path("docs"), "--out", help="Folder to write rules.md and schema.md to.")) -> None:
    """Regenerate the rule catalogue (docs/rules.md) and the schema reference (docs/schema.md)."""
    from validation.documentation import rules_markdown
    from warehouse.db import engine
    from warehouse.migrate import upgrade
    from warehouse.schema_doc import schema_markdown

    out.mkdir(parents=True, exist_ok=True)
    (out / "rules.md").write_text(rules_markdown() + "\n", encoding="utf-8")
    readme = out.resolve().parent / "README.md"  # its settings table, when docs/ sits beside it
    if readme.exists():
        from disclosure.settings import readme_with_settings

        readme.write_text(readme_with_settings(readme.read_text(encoding="utf-8")), encoding="utf-8")
    upgrade()
    with engine().connect() as conn:
        (out / "schema.md").write_text(schema_markdown(conn), encoding="utf-8")
    console.print(f"wrote {out / 'rules.md'} and {out / 'schema.md'}")


def _stage_progress():
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

    return Progress(
        TextColumn("{task.description:<34}"), BarColumn(), MofNCompleteColumn(), TimeElapsedColumn(), console=console
    )


def _crawl_sites(ctx, keys: list[str], full: bool, progress) -> list[dict]:
    from disclosure import pipeline

    bar = progress.add_task("crawl", total=len(keys))
    results = []
    for key in keys:
        progress.update(bar, description=f"crawl {key}")
        results += pipeline.crawl(ctx, [key], full=full)
        progress.advance(bar)
    failed = sum(r["status"] != "ok" for r in results)
    progress.update(bar, description=f"crawl: {len(keys)} sites, {failed} failed")
    return results


def _crawl_line(r: dict) -> str:
    return (
        f"{r['site']}: {r['status']} · {r['filings']} filings, {r['new_file_versions']} new files, "
        f"{r['not_modified']} unchanged" + (f" · {'; '.join(r['problems'])}" if r["problems"] else "")
    )


@sites_app.command("probe")
def sites_probe(
    url: str = typer.Argument(..., help="A list page (or the platform's JSON list) of the site."),
    key: str | None = typer.Option(None, help="Site key for the proposed entry."),
    jurisdiction: str = typer.Option("CHANGE-ME", help="Jurisdiction code for the proposed entry."),
    as_json: bool = typer.Option(False, "--json"),
) -> None:
    """Fetch URL politely, recognise its CMS family and print a proposed registry entry."""
    import yaml

    from crawlers.probe import ProbeError, probe
    from disclosure.settings import load_settings

    try:
        found = probe(url, load_settings().user_agent)
    except ProbeError as exc:
        _fail(str(exc), EXIT_USAGE)
    entry = found.registry_entry(key, jurisdiction)
    if as_json:
        return _print_json({"family": found.family, "evidence": found.evidence, "notes": found.notes, "entry": entry})
    console.print(f"{url}: {found.family or 'unknown family'} — {found.evidence}")
    for note in found.notes:
        console.print(f"note: {note}")
    sys.stdout.write(yaml.safe_dump({"sites": [entry]}, allow_unicode=True, sort_keys=False))
    if found.family is None:
        raise typer.Exit(1)


def _dry_run(keys: list[str]) -> None:
    """What `crawl --dry-run` prints: every entry, what it is taken to be, what would be fetched."""
    import tempfile

    from crawlers.events import CrawlError
    from crawlers.probe import check_site, dry_run_entries
    from crawlers.site_crawl import CrawlLimits, crawl_site
    from disclosure.settings import load_settings
    from registry.model import load_registry

    settings = load_settings()
    subs = {"replica": settings.replica_base} if settings.replica_base else None
    registry = load_registry(settings.registry_file, subs)
    delay = settings.crawl_throttle
    for key in keys or [s.key for s in registry.sites]:
        site = registry.site(key)
        for problem in check_site(site, settings.user_agent):
            console.print(f"[yellow]{key}: {problem}[/yellow]")
        with tempfile.TemporaryDirectory() as tmp:
            outcome = crawl_site(
                site,
                tmp,
                settings.user_agent,
                None,
                CrawlLimits(throttle_start_delay=delay, download_delay=min(delay, 0.5)),
                dry_run=True,
            )
        for e in dry_run_entries(outcome.events, registry):
            what = f"filing  {e.unit or '?'} {e.year or '?'} {e.kind or '?'}" if e.is_filing else "not a filing"
            sys.stdout.write(
                f"{key}\t{what}\t{e.published or 'date unknown'}\t{e.title}\t{e.url}"
                + (f"\t{e.reason}" if e.reason else "")
                + "\n"
            )
            for url in e.fetch:
                sys.stdout.write(f"{key}\t  would fetch {url}\n")
        for err in outcome.of(CrawlError):
            console.print(f"[red]{key}: {err.url}: {err.reason}[/red]")


@app.command()
def crawl(
    sites: list[str] | None = typer.Argument(None, help="Site keys (default: every site)."),
    full: bool = typer.Option(
        False, "--full", help="Read every detail page again (finds attachments added to known filings)."
    ),
    as_json: bool = typer.Option(False, "--json", help="Print each site's crawl result as JSON."),
    dry_run: bool = typer.Option(
        False,
        "--dry-run",
        help="List what would be fetched and what each entry is taken to be; fetch no file, store nothing.",
    ),
) -> None:
    """Crawl registered sites into the archive and record the filings found; exit 1 if a site failed."""
    from disclosure import pipeline

    if dry_run:
        return _dry_run(list(sites or []))
    ctx = _context()
    keys = _site_keys(ctx, sites)
    with console.status("preparing the store"):
        pipeline.prepare(ctx)
    with _stage_progress() as progress:
        results = _crawl_sites(ctx, keys, full, progress)
    if as_json:
        _print_json(results)
    else:
        for r in results:
            console.print(_crawl_line(r), soft_wrap=True)
    raise typer.Exit(EXIT_FAILED if any(r["status"] != "ok" for r in results) else 0)


@app.command()
def run(
    sites: list[str] | None = typer.Argument(None, help="Site keys (default: every site)."),
    as_json: bool = typer.Option(False, "--json", help="Print every stage's result and the summary as JSON."),
) -> None:
    """Run the whole pipeline once in this process: crawl, parse, load, validate, alert.

    Exit 1 when a site failed or a file could not be parsed (as `crawl` does); failed rules are
    findings, reported in the summary, not a failure of the run."""
    from disclosure import pipeline
    from disclosure.quiet import alert_log_held_back
    from warehouse.load import pending_files

    ctx = _context()
    keys = _site_keys(ctx, sites)
    out: dict = {}
    with console.status("preparing the store"):
        out["prepare"] = pipeline.prepare(ctx)
    with _stage_progress() as progress:
        out["crawl"] = _crawl_sites(ctx, keys, False, progress)
        with ctx.engine.connect() as conn:
            total = len(pending_files(conn))
        bar = progress.add_task("parse and load", total=total)
        out["parse"] = pipeline.parse_and_load(ctx, progress=lambda _item: progress.advance(bar))
        progress.update(bar, description=f"parse: {out['parse']['parsed']} files, {out['parse']['failed']} failed")
        bar = progress.add_task("validate", total=None)
        out["validate"] = pipeline.validate(ctx)
        progress.update(
            bar,
            total=out["validate"].get("parses", 0),
            completed=out["validate"].get("parses", 0),
            description=f"validate: {out['validate'].get('parses', 0)} parses",
        )
        bar = progress.add_task("alert", total=None)
        with alert_log_held_back():  # the summary below counts them by kind
            out["alert"] = pipeline.alert(ctx)
        progress.update(bar, total=1, completed=1, description=f"alert: {out['alert']['new_alerts']} new")
    failed = bool([c for c in out["crawl"] if c["status"] != "ok"] or out["parse"]["failed"])
    summary = _run_summary(ctx, out)
    if as_json:
        _print_json({**out, "summary": summary})
    else:
        _print_run_summary(summary)
        for r in out["crawl"]:
            if r["status"] != "ok":
                console.print(f"[red]failed[/red] {_crawl_line(r)}", soft_wrap=True)
        for error in out["parse"]["errors"][:10]:
            console.print(f"[yellow]{error}[/yellow]", soft_wrap=True)
    raise typer.Exit(EXIT_FAILED if failed else 0)


def _run_summary(ctx, out: dict) -> dict:
    from reporting.run_summary import run_summary, store_counts

    with ctx.engine.connect() as conn:
        return run_summary(out, store_counts(conn))


def _print_run_summary(summary: dict, title: str = "this run") -> None:
    from alerting.deliver import TITLES
    from reporting.run_summary import summary_lines

    table = Table(title=title, show_header=False, box=None, padding=(0, 2))
    table.add_column("what", style="bold")
    table.add_column("details")
    for what, details, style in summary_lines(summary, TITLES):
        table.add_row(f"[{style}]{what}[/{style}]" if style else what, details)
    console.print(table)


@app.command()
def reparse(
    force: bool = typer.Option(False, "--force", help="Also re-parse files this parser version parsed."),
) -> None:
    """Re-parse archived files (after a parser upgrade) and re-validate; no site is contacted."""
    from rich.progress import Progress

    from disclosure import pipeline
    from warehouse.load import pending_files

    ctx = pipeline.context()
    pipeline.prepare(ctx)
    with ctx.engine.connect() as conn:
        total = len(pending_files(conn, everything=force))
    with Progress(console=console) as progress:
        bar = progress.add_task("parsing archived files", total=total)
        done = pipeline.parse_and_load(ctx, force=force, progress=lambda _item: progress.advance(bar))
    checked = pipeline.validate(ctx)
    console.print(f"re-parsed {done['parsed']} files ({done['failed']} failed), validated {checked['parses']} parses")
    for error in done["errors"][:20]:
        console.print(f"  [yellow]{error}[/yellow]")


def _output_file(out: Path) -> Path:
    if not out.parent.is_dir():
        raise UsageProblem(f"{out}: the folder {out.parent} does not exist")
    return out


@app.command()
def export(
    dataset: str = typer.Argument(..., help="cells, findings, completeness, claims, evaluations or review."),
    out: Path = typer.Option(..., "--out", "-o", help="File to write (.csv or .parquet)."),
    jurisdiction: str | None = typer.Option(None, help="Jurisdiction code; its sub-jurisdictions are included."),
    from_year: int | None = typer.Option(None, help="First fiscal year."),
    to_year: int | None = typer.Option(None, help="Last fiscal year."),
    as_json: bool = typer.Option(False, "--json", help="Print what was written as JSON."),
) -> None:
    """Export a dataset for a jurisdiction and year range to CSV (UTF-8 with BOM) or Parquet."""
    from warehouse.db import engine
    from warehouse.export import DATASETS, ExportFilter, export_csv, export_parquet, known_jurisdictions

    if dataset not in DATASETS:
        _fail(f"unknown dataset {dataset!r}; choose from {', '.join(DATASETS)}", EXIT_USAGE)
    writer = {".csv": export_csv, ".parquet": export_parquet}.get(out.suffix.lower())
    if writer is None:
        _fail(f"{out}: the file name must end in .csv or .parquet", EXIT_USAGE)
    _output_file(out)
    store = engine(_settings())
    if jurisdiction is not None:
        with store.connect() as conn:
            known = known_jurisdictions(conn)
        if jurisdiction not in known:
            _fail(
                f"--jurisdiction {jurisdiction!r} matches no jurisdiction in the store; it has "
                f"{', '.join(known) or 'none (run `disclosure run` first)'}",
                EXIT_USAGE,
            )
    with console.status(f"exporting {dataset}"):
        rows = writer(store, dataset, ExportFilter(jurisdiction, from_year, to_year), out)
    if as_json:
        _print_json(
            {
                "dataset": dataset,
                "file": str(out),
                "rows": rows,
                "jurisdiction": jurisdiction,
                "from_year": from_year,
                "to_year": to_year,
            }
        )
    elif rows == 0:
        console.print(
            f"[yellow]no rows of {dataset} matched[/yellow] (jurisdiction {jurisdiction or 'any'}, "
            f"years {from_year or '…'}–{to_year or '…'}); wrote the header to {out}",
            soft_wrap=True,
        )
    else:
        console.print(f"wrote {rows} rows of {dataset} to {out}", soft_wrap=True)


def _record_review(file_id: int, cell: str, by: str, value: str | None, note: str | None, as_json: bool) -> None:
    from disclosure import pipeline
    from warehouse.reviews import CellRef, ReviewError, parse_value, record_review

    ctx = pipeline.context()
    _require_schema(ctx)
    try:
        ref = CellRef.parse(cell)
        amount = parse_value(value) if value is not None else None
        with ctx.engine.begin() as conn:
            done = record_review(conn, file_id, ref, by, amount, note)
    except ReviewError as exc:
        _fail(str(exc), EXIT_USAGE)
    checked = pipeline.validate(ctx)  # the file's findings follow the reviewed value at once
    if as_json:
        _print_json({**done, "validated_parses": checked["parses"]})
        return
    change = "" if done["action"] == "confirmed" else f" (was {done['old_value']})"
    console.print(
        f"{done['action']} {done['cell']} of archived file {file_id} = {done['new_value']}{change} by "
        f"{done['reviewer']}; re-validated {checked['parses']} parses",
        soft_wrap=True,
    )


@review_app.command("confirm")
def review_confirm(
    file_id: int = typer.Argument(..., help="The archived file (its id in the queue: `disclosure review list`)."),
    cell: str = typer.Argument(..., help="The cell, TABLE[ROW].COL, e.g. 01[27].1."),
    by: str = typer.Option(..., "--by", help="Who checked it against the page."),
    note: str | None = typer.Option(None, "--note"),
    as_json: bool = typer.Option(False, "--json"),
) -> None:
    """Confirm that a cell reads on the page as it was parsed."""
    _record_review(file_id, cell, by, None, note, as_json)


@review_app.command("correct")
def review_correct(
    file_id: int = typer.Argument(..., help="The archived file (its id in the queue: `disclosure review list`)."),
    cell: str = typer.Argument(..., help="The cell, TABLE[ROW].COL, e.g. 01[27].1."),
    value: str = typer.Argument(..., help="The value printed on the page."),
    by: str = typer.Option(..., "--by", help="Who read it on the page."),
    note: str | None = typer.Option(None, "--note"),
    as_json: bool = typer.Option(False, "--json"),
) -> None:
    """Correct a cell to the value printed on the page: it wins over every parse of this file."""
    _record_review(file_id, cell, by, value, note, as_json)


@review_app.command("list")
def review_list(
    limit: int = typer.Option(
        50,
        "--limit",
        help="How many to show: OCR's doubtful readings first, then cells of failed checks, then by score.",
    ),
    everything: bool = typer.Option(False, "--all", help="Also the cells already reviewed."),
    as_json: bool = typer.Option(False, "--json"),
) -> None:
    """The cells waiting for a person (OCR, or a table recognised by weak evidence), with the other
    readings OCR found plausible (alternatives)."""
    from rich.table import Table

    from disclosure import pipeline
    from warehouse.reviews import queue

    ctx = pipeline.context()
    _require_schema(ctx)
    with ctx.engine.connect() as conn:
        rows = queue(conn, pending_only=not everything, limit=limit)
    if as_json:
        _print_json(rows)
        return
    if not rows:  # an empty table's frame says nothing to a newcomer
        console.print(
            "the review queue is empty"
            + (" and no cell was reviewed" if everything else "")
            + " (it holds cells read by OCR or in tables recognised only by their rows)",
            soft_wrap=True,
        )
        return
    table = Table("file", "cell", "value", "alternatives", "score", "why", "unit", "year", "page", "review")
    for r in rows:
        table.add_row(
            str(r["archived_file_id"]),
            f"{r['table_code'].strip()}[{r['row_key']}].{r['col']}",
            str(r["value"]),
            r["alternatives"] or "",
            "" if r["ocr_score"] is None else f"{r['ocr_score']:.2f}",
            r["reason"] or "",
            r["unit_name"] or "",
            str(r["fiscal_year"] or ""),
            str(r["page"] or ""),
            r["review"] or "",
        )
    console.print(table)


def _require_schema(ctx) -> None:
    from warehouse.migrate import current_revision

    if current_revision(ctx.engine.url.render_as_string(hide_password=False)) is None:
        raise UsageProblem(
            f"the store ({_store_name(ctx.settings)}) has no schema yet: run `disclosure db upgrade` first"
        )


def _require_sites(ctx) -> None:
    """A migrated store that no crawl has filled: a report of it would be blank pages."""
    from sqlalchemy import text

    with ctx.engine.connect() as conn:
        if conn.execute(text("SELECT NOT EXISTS (SELECT 1 FROM disclosure.site)")).scalar():
            raise UsageProblem(
                f"the store ({_store_name(ctx.settings)}) holds no sites yet: run `disclosure run` "
                "(or `disclosure demo`) first"
            )


def _store_name(settings) -> str:
    from disclosure.settings import redact_url

    if settings.database_url:
        return "DATABASE_URL " + redact_url(settings.database_url)
    return f"the embedded Postgres under {settings.embedded_pg_dir}"


@app.command()
def report(
    out: Path = typer.Option(None, "--out", "-o", help="Folder of the HTML report [default: var/reports/latest]."),
    as_json: bool = typer.Option(False, "--json", help="Print the store's summary as JSON (no HTML)."),
) -> None:
    """Write the HTML report (completeness heatmap, findings, unit pages, crawl health) and summarise."""
    from rich.progress import Progress

    from disclosure import pipeline

    if out is not None and not out.parent.is_dir():
        raise UsageProblem(f"{out}: the folder {out.parent} does not exist")
    ctx = _context()
    _require_schema(ctx)
    _require_sites(ctx)
    summary = pipeline.report(ctx)
    if as_json:
        _print_json(summary)
        return
    with Progress(console=console, transient=True) as bar:
        task = bar.add_task("unit pages", total=None)
        written = pipeline.html_report(
            ctx, out, progress=lambda done, total: bar.update(task, completed=done, total=total)
        )
    from reporting.run_summary import store_counts, store_summary_only

    with ctx.engine.connect() as conn:
        failed_sites = sorted(k for k, v in summary["last_crawl_by_site"].items() if v != "ok")
        _print_run_summary(store_summary_only(store_counts(conn), failed_sites), "the store")
    console.print(
        f"report: {written['report']} ({written['unit_pages']} unit pages, "
        f"{written['findings']} open findings, {written['expected_filings']} expected filings)",
        soft_wrap=True,
    )


def _require_free_port(port: int, advice: str) -> None:
    import socket

    try:
        with socket.socket() as probe:
            # As the servers bind: a port held only by closed connections (TIME_WAIT, for a minute
            # after the last `fixtures serve` stopped) is free; a listener on it is not (Linux).
            probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
            probe.bind(("127.0.0.1", port))
    except OSError as exc:
        raise UsageProblem(f"port {port} on 127.0.0.1 is busy ({exc.strerror}): {advice}") from None


def _serve_replica(port: int):
    from replica.site import ReplicaSite, demo_budget

    advice = (
        "stop the other `disclosure demo` or `disclosure fixtures serve`, or choose another with "
        "DISCLOSURE_REPLICA_PORT"
    )
    _require_free_port(port, advice)  # before rendering every fixture: a busy port is known at once
    try:
        return ReplicaSite(port=port, budget=demo_budget())  # the demo shows a final account and its budget
    except OSError:
        _require_free_port(port, advice)
        raise


@app.command()
def demo() -> None:
    """Serve the replica sites on 127.0.0.1 and run the nightly DAG once with dag.test()."""
    from disclosure.settings import redact_url

    with _serve_replica(_settings().replica_port) as site:
        os.environ["DISCLOSURE_REPLICA_BASE"] = site.base_url
        os.environ.setdefault("DISCLOSURE_CRAWL_THROTTLE", "0")
        settings = _settings()
        console.print(f"replica sites at {site.base_url}; store: {_store_name(settings)}", soft_wrap=True)
        from disclosure import pipeline
        from disclosure.airflow_local import configure_airflow_env, run_dag_test
        from disclosure.demo_progress import stage_progress

        ctx = pipeline.context(settings)
        configure_airflow_env(settings)  # before the listener imports airflow
        console.print("running DAG disclosure_nightly with dag.test()")
        started = datetime.now(UTC)
        with _stage_progress() as progress, stage_progress(progress, ctx.engine, len(ctx.registry.sites)):
            dag_run = run_dag_test(settings)
        latest = settings.var_dir / "reports" / "latest" / "index.html"  # the DAG's summary task wrote it
        written = {"report": str(latest)} if latest.exists() else pipeline.html_report(ctx)
        with ctx.engine.connect() as conn:
            from reporting.run_summary import store_counts

            summary = _demo_summary(conn, store_counts(conn), started)
    _print_run_summary(summary)
    console.print(
        f"DAG run {dag_run.run_id}: [bold]{dag_run.state}[/bold]; archive at {redact_url(settings.archive)}; "
        f"report at {written['report']}",
        soft_wrap=True,
    )
    me = _command_name()
    console.print(
        f"next: `{me} fixtures serve` keeps the replica sites up at {site.base_url}; then "
        f"`export DISCLOSURE_REPLICA_BASE={site.base_url}` and `{me} run`",
        soft_wrap=True,
    )
    if str(dag_run.state) != "success":
        raise typer.Exit(EXIT_FAILED)


def _demo_summary(conn, store: dict, since: datetime) -> dict:
    """The demo ran the stages inside Airflow: read back from the store what they did since the
    run began (a second demo on the same store counts its own night, not every night's)."""
    from sqlalchemy import text

    from reporting.run_summary import run_summary

    t = {"t": since}
    crawls = [
        {"site": k, "status": st, **stats}
        for k, st, stats in conn.execute(
            text("""
        SELECT DISTINCT ON (s.key) s.key, cr.status, cr.stats FROM disclosure.crawl_run cr
        JOIN disclosure.site s ON s.id = cr.site_id WHERE cr.started_at >= :t ORDER BY s.key, cr.started_at DESC"""),
            t,
        )
    ]
    parses = dict(
        conn.execute(
            text("SELECT status = 'ok', count(*) FROM disclosure.parse_run WHERE parsed_at >= :t GROUP BY 1"), t
        ).all()
    )
    alerts = dict(
        conn.execute(text("SELECT kind, count(*) FROM disclosure.alert WHERE created_at >= :t GROUP BY 1"), t).all()
    )
    return run_summary(
        {
            "crawl": crawls,
            "parse": {"parsed": parses.get(True, 0), "failed": parses.get(False, 0)},
            "alert": {"new_alerts": sum(alerts.values()), "by_kind": alerts},
        },
        store,
    )


airflow_app = typer.Typer(help="Airflow 3 for the project's DAGs.", invoke_without_command=True)
app.add_typer(airflow_app, name="airflow")


@airflow_app.command("init")
def airflow_init() -> None:
    """Once before a deployment's services start (compose's airflow-init runs it), idempotent: check
    the Fernet key, create Airflow's metadata database and the store when missing, `airflow db
    migrate`, the disclosure_crawl pool, and the store's migrations (`disclosure db upgrade`)."""
    from disclosure.airflow_local import init_airflow

    try:
        init_airflow(_settings(), say=lambda line: console.print(line, soft_wrap=True))
    except (RuntimeError, ValueError) as exc:
        if isinstance(exc, _configuration_errors()):
            raise
        _fail(str(exc), EXIT_USAGE if isinstance(exc, ValueError) else EXIT_FAILED)  # a setting, or a step


@airflow_app.callback()
def airflow_local(
    ctx: typer.Context,
    port: int = typer.Option(8080, help="Port of Airflow's UI and API on 127.0.0.1."),
    trigger: bool = typer.Option(False, "--trigger", help="Trigger one nightly run as soon as Airflow is ready."),
) -> None:
    """Run Airflow 3 on this machine (no Docker) on the project's settings: api-server, scheduler,
    dag-processor and triggerer; create the disclosure_crawl pool, unpause the nightly DAG and
    print the UI's address and login. Serves the replica sites too when the registry needs them.
    Ctrl-C stops everything it started. `disclosure airflow init` prepares a deployment instead."""
    if ctx.invoked_subcommand:
        return
    import contextlib
    import time

    from disclosure.airflow_local import LocalAirflow, admin_password
    from registry.model import load_registry

    settings = _settings()
    _require_free_port(port, "stop the other Airflow, or choose another with --port")
    with contextlib.ExitStack() as stack:
        needs_replica = any(
            "{replica}" in url for site in load_registry(settings.registry_file).sites for url in site.start_urls
        )
        if needs_replica and not settings.replica_base:
            site = stack.enter_context(_serve_replica(_settings().replica_port))
            os.environ["DISCLOSURE_REPLICA_BASE"] = site.base_url
            os.environ.setdefault("DISCLOSURE_CRAWL_THROTTLE", "0")
            console.print(f"replica sites at {site.base_url}", soft_wrap=True)
        local = LocalAirflow(_settings(), port)
        stack.callback(local.stop)
        started = time.monotonic()
        with console.status("starting Airflow (db migrate, api-server, scheduler, dag-processor, triggerer)"):
            local.start(say=lambda line: console.print(line, soft_wrap=True))
            local.wait_until_ready()
        console.print(
            f"Airflow ready in {time.monotonic() - started:.0f} s: UI http://127.0.0.1:{port}/  login admin / "
            f"{admin_password(local.env) or '(see ' + local.env['AIRFLOW_HOME'] + ')'}; pool disclosure_crawl "
            f"created, disclosure_nightly unpaused; logs in {local.logs} (Ctrl-C to stop)",
            soft_wrap=True,
        )
        if trigger:
            local.cli("dags", "trigger", "disclosure_nightly")
            console.print("triggered a disclosure_nightly run: follow it in the UI (Dags → disclosure_nightly)")
        try:
            while True:
                time.sleep(5)
                local.check_alive()
        except KeyboardInterrupt:
            console.print("stopping Airflow")


@fixtures_app.command("build")
def fixtures_build() -> None:
    """Regenerate replica/fixtures/*.json from the seeds in replica/seed_texts (deterministic)."""
    from replica.build import build_fixtures

    for path in build_fixtures():
        console.print(f"wrote {path}")


@fixtures_app.command("render")
def fixtures_render(
    seed: str = typer.Argument(..., help="Seed number, e.g. 001."),
    out: Path = typer.Argument(..., help="Where to write the PDF."),
) -> None:
    """Render one fixture filing as a text PDF."""
    from replica.render_pdf import render_pdf
    from replica.site import load_fixtures

    fixtures = load_fixtures()
    if seed not in fixtures:
        _fail(f"no fixture for seed {seed!r}; have {sorted(fixtures)}")
    out.write_bytes(render_pdf(fixtures[seed]))
    console.print(f"wrote {out}")


@fixtures_app.command("derive")
def fixtures_derive(
    seed: str = typer.Argument(..., help="Seed number, e.g. 001."),
    year: int = typer.Argument(..., help="Fiscal year of the derived filing."),
    out_dir: Path = typer.Argument(..., help="Folder for the PDF and its truth JSON."),
    unit_name: str | None = typer.Option(None, help="Publish it under another unit name."),
    plant: list[str] | None = typer.Option(
        None, help="Planted failure (repeatable): opening_balance, table_misprint, narrative_amount."
    ),
) -> None:
    """Derive a synthetic filing (another year or unit, planted failures) with its ground truth."""
    import json

    from replica.render_pdf import render_pdf
    from replica.site import FIXTURES, load_fixtures
    from replica.synthetic import PLANTS, Derivation, derive, write_truth

    fixtures = load_fixtures()
    if seed not in fixtures:
        _fail(f"no fixture for seed {seed!r}; have {sorted(fixtures)}")
    unknown = set(plant or ()) - set(PLANTS)
    if unknown:
        _fail(f"unknown plants {sorted(unknown)}; known: {sorted(PLANTS)}")
    derivation = Derivation(seed, year, 1, unit_name, tuple(plant or ()))
    base = fixtures[seed]
    filing = derive(base, derivation, previous=base if year == base.fiscal_year + 1 else None)
    out_dir.mkdir(parents=True, exist_ok=True)
    pdf = out_dir / f"{filing.seed}.pdf"
    pdf.write_bytes(render_pdf(filing))
    truth = json.loads((FIXTURES / f"truth_{seed}.json").read_text(encoding="utf-8"))
    write_truth(filing, derivation, truth, out_dir / f"{filing.seed}.truth.json")
    console.print(f"wrote {pdf} and its truth file")


@fixtures_app.command("serve")
def fixtures_serve(
    port: int | None = typer.Option(
        None,
        help="Port on 127.0.0.1 [default: DISCLOSURE_REPLICA_PORT "
        "or 18450, the demo's, so its filings keep their keys].",
    ),
) -> None:
    """Serve the replica sites in the foreground (Ctrl-C to stop) and print the base URL to export."""
    import time

    with _serve_replica(_settings().replica_port if port is None else port) as site:
        # stdout: the line to paste (or `eval`); the rest of the console goes to stderr.
        print(f"export DISCLOSURE_REPLICA_BASE={site.base_url}", flush=True)
        me = _command_name()
        console.print(
            f"replica sites at {site.base_url}; in another shell: export DISCLOSURE_REPLICA_BASE="
            f"{site.base_url}, then `{me} crawl` or `{me} run` (Ctrl-C to stop)",
            soft_wrap=True,
        )
        try:
            while True:
                time.sleep(3600)
        except KeyboardInterrupt:
            pass


def main() -> None:
    """The console script: quiet third-party warnings before anything imports them."""
    from disclosure.quiet import quiet_console

    quiet_console()
    app()


if __name__ == "__main__":
    main()
