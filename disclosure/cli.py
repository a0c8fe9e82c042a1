"""The `disclosure` command line. Every command ends with a short summary; --json for scripts."""
from __future__ import annotations

import json
import os
import sys
from pathlib import Path
from typing import Optional

import typer
from rich.console import Console
from rich.table import Table

app = typer.Typer(help="Collect, archive, parse and validate 部门/单位决算公开 filings.", no_args_is_help=True,
                  pretty_exceptions_enable=False)
db_app = typer.Typer(help="The store's schema (Alembic migrations).", no_args_is_help=True)
fixtures_app = typer.Typer(help="Fixture filings and the replica sites built from them.", no_args_is_help=True)
app.add_typer(db_app, name="db")
app.add_typer(fixtures_app, name="fixtures")
console = Console(stderr=True)


def _print_json(data) -> None:
    sys.stdout.write(json.dumps(data, ensure_ascii=False, indent=1, default=str) + "\n")


def _fail(message: str, code: int = 1):
    console.print(f"[red]error:[/red] {message}")
    raise typer.Exit(code)


@db_app.command("upgrade")
def db_upgrade(revision: str = typer.Argument("head", help="Target revision.")) -> None:
    """Apply the migrations up to REVISION (default: head), then set up the read-only role."""
    from warehouse.db import engine
    from warehouse.migrate import current_revision, upgrade
    from warehouse.roles import ensure_readonly_role

    upgrade(revision=revision)
    role = ensure_readonly_role(engine())
    console.print(f"schema at revision [bold]{current_revision()}[/bold]; read-only role "
                  f"{role + ': ready' if role else 'not created (no CREATEROLE privilege)'}")


@db_app.command("readonly-role")
def db_readonly_role(name: str = typer.Argument(None, help="Role to create or refresh "
                                                       "(default: disclosure_reader_<database>).")) -> None:
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
        _fail(str(exc), 2)
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
        _fail(str(exc), 2)
    checked = result.status != "not_a_filing"  # a checklist or landing page is never validated
    outcomes = [o for o in validate_parse(result) if all_outcomes or o.status != "passed"] if checked else []
    failed = sum(o.status == "failed" for o in outcomes)
    if as_json:
        _print_json({"source": str(file), "unit": result.unit, "year": result.year, "status": result.status,
                     "problems": result.problems, "findings": [o.to_json() for o in outcomes]})
    else:
        table = Table(title=str(file))
        for col in ("rule", "subject", "status", "printed", "expected", "difference", "pages"):
            table.add_column(col)
        for o in outcomes:
            table.add_row(o.rule_id, o.subject, o.status, str(o.actual or ""), str(o.expected or ""),
                          str(o.difference or ""), ",".join(map(str, o.pages)) or o.reason)
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
    from warehouse.schema_doc import schema_markdown

    from warehouse.db import engine
    from warehouse.migrate import upgrade

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


@app.command()
def crawl(sites: Optional[list[str]] = typer.Argument(None, help="Site keys (default: every site)."),
          full: bool = typer.Option(False, "--full", help="Read every detail page again (finds attachments added "
                                                          "to known filings).")) -> None:
    """Crawl registered sites into the archive and record the filings found."""
    from disclosure import pipeline

    ctx = pipeline.context()
    with console.status("preparing the store"):
        pipeline.prepare(ctx)
    results = []
    keys = sites or [s.key for s in ctx.registry.sites]
    for i, key in enumerate(keys, 1):
        with console.status(f"[{i}/{len(keys)}] crawling {key}"):
            results += pipeline.crawl(ctx, [key], full=full)
        r = results[-1]
        console.print(f"{key}: {r['status']} · {r['filings']} filings, {r['new_file_versions']} new files, "
                      f"{r['not_modified']} unchanged" + (f" · {'; '.join(r['problems'])}" if r["problems"] else ""))
    if any(r["status"] != "ok" for r in results):
        raise typer.Exit(1)


@app.command()
def run(sites: Optional[list[str]] = typer.Argument(None, help="Site keys (default: every site).")) -> None:
    """Run the whole pipeline once in this process: crawl, parse, load, validate, alert."""
    from disclosure import pipeline

    ctx = pipeline.context()
    stages = [("prepare", lambda: pipeline.prepare(ctx)), ("crawl", lambda: pipeline.crawl(ctx, sites)),
              ("parse", lambda: pipeline.parse_and_load(ctx)), ("validate", lambda: pipeline.validate(ctx)),
              ("alert", lambda: pipeline.alert(ctx))]
    out = {}
    for name, stage in stages:
        with console.status(f"{name}…"):
            out[name] = stage()
    _print_summary(pipeline.report(ctx))
    failed_sites = [c["site"] for c in out["crawl"] if c["status"] != "ok"]
    console.print(f"crawled {len(out['crawl'])} sites ({len(failed_sites)} failed), parsed {out['parse']['parsed']} "
                  f"files ({out['parse']['failed']} failed), {out['alert']['new_alerts']} new alerts")


def _print_summary(summary: dict) -> None:
    table = Table(title="disclosure store")
    table.add_column("what")
    table.add_column("count", justify="right")
    for key, value in summary.items():
        if isinstance(value, dict):
            for sub, n in value.items():
                table.add_row(f"{key}: {sub}", str(n))
        else:
            table.add_row(key, str(value))
    Console().print(table)


@app.command()
def reparse(force: bool = typer.Option(False, "--force", help="Also re-parse files this parser version parsed.")) -> None:
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


@app.command()
def export(
    dataset: str = typer.Argument(..., help="cells, findings, completeness, claims or evaluations."),
    out: Path = typer.Option(..., "--out", "-o", help="File to write (.csv or .parquet)."),
    jurisdiction: Optional[str] = typer.Option(None, help="Jurisdiction code; its sub-jurisdictions are included."),
    from_year: Optional[int] = typer.Option(None, help="First fiscal year."),
    to_year: Optional[int] = typer.Option(None, help="Last fiscal year."),
) -> None:
    """Export a dataset for a jurisdiction and year range to CSV or Parquet."""
    from warehouse.db import engine
    from warehouse.export import DATASETS, ExportFilter, export_csv, export_parquet

    if dataset not in DATASETS:
        _fail(f"unknown dataset {dataset!r}; choose from {', '.join(DATASETS)}", 2)
    writer = {".csv": export_csv, ".parquet": export_parquet}.get(out.suffix.lower())
    if writer is None:
        _fail(f"{out}: the file name must end in .csv or .parquet", 2)
    with console.status(f"exporting {dataset}"):
        rows = writer(engine(), dataset, ExportFilter(jurisdiction, from_year, to_year), out)
    console.print(f"wrote {rows} rows of {dataset} to {out}")


@app.command()
def report(
    out: Path = typer.Option(None, "--out", "-o", help="Folder of the HTML report [default: var/reports/latest]."),
    as_json: bool = typer.Option(False, "--json", help="Print the store's summary as JSON (no HTML)."),
) -> None:
    """Write the HTML report (completeness heatmap, findings, unit pages, crawl health) and summarise."""
    from rich.progress import Progress

    from disclosure import pipeline

    ctx = pipeline.context()
    summary = pipeline.report(ctx)
    if as_json:
        _print_json(summary)
        return
    with Progress(console=console, transient=True) as bar:
        task = bar.add_task("unit pages", total=None)
        written = pipeline.html_report(ctx, out, progress=lambda done, total: bar.update(task, completed=done,
                                                                                          total=total))
    _print_summary(summary)
    console.print(f"report: {written['report']} ({written['unit_pages']} unit pages, "
                  f"{written['findings']} open findings, {written['expected_filings']} expected filings)")


@app.command()
def demo() -> None:
    """Serve the replica sites on 127.0.0.1 and run the nightly DAG once with dag.test()."""
    from disclosure.settings import load_settings, redact_url
    from replica.site import ReplicaSite

    # A fixed port keeps the replica's URLs, and so the filings' keys, the same across demo runs.
    with ReplicaSite(port=load_settings().replica_port) as site:
        os.environ["DISCLOSURE_REPLICA_BASE"] = site.base_url
        os.environ.setdefault("DISCLOSURE_CRAWL_THROTTLE", "0")
        settings = load_settings()
        console.print(f"replica sites at {site.base_url}; store: "
                      f"{'DATABASE_URL' if settings.database_url else 'embedded Postgres under ' + str(settings.var_dir)}")
        from disclosure.airflow_local import run_dag_test

        with console.status("running DAG disclosure_nightly with dag.test()"):
            dag_run = run_dag_test(settings)
        from disclosure import pipeline

        ctx = pipeline.context(settings)
        summary = pipeline.report(ctx)
        written = pipeline.html_report(ctx)
    _print_summary(summary)
    console.print(f"DAG run {dag_run.run_id}: [bold]{dag_run.state}[/bold]; archive at {redact_url(settings.archive)}; "
                  f"report at {written['report']}")
    if str(dag_run.state) != "success":
        raise typer.Exit(1)


@fixtures_app.command("build")
def fixtures_build() -> None:
    """Regenerate replica/fixtures/*.json from the seeds in replica/seed_texts (deterministic)."""
    from replica.build import build_fixtures

    for path in build_fixtures():
        console.print(f"wrote {path}")


@fixtures_app.command("render")
def fixtures_render(seed: str = typer.Argument(..., help="Seed number, e.g. 001."),
                    out: Path = typer.Argument(..., help="Where to write the PDF.")) -> None:
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
    unit_name: Optional[str] = typer.Option(None, help="Publish it under another unit name."),
    plant: Optional[list[str]] = typer.Option(None, help="Planted failure (repeatable): opening_balance, "
                                                         "table_misprint, narrative_amount."),
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
def fixtures_serve(port: int = typer.Option(8000, help="Port on 127.0.0.1.")) -> None:
    """Serve the replica sites in the foreground (Ctrl-C to stop)."""
    import time

    from replica.site import ReplicaSite

    with ReplicaSite(port=port) as site:
        console.print(f"replica sites at {site.base_url} (Ctrl-C to stop)")
        try:
            while True:
                time.sleep(3600)
        except KeyboardInterrupt:
            pass


if __name__ == "__main__":
    app()
