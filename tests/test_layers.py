"""Layers import one way: dags → disclosure (stages) → crawlers/archive/parsers/warehouse/
validation/alerting/reporting (and registry, replica below them). Every import of every module
is read with `ast`, the ones inside functions included, since a lazy import is still a
dependency (it only moves the ImportError to run time)."""

from __future__ import annotations

import ast
import re
from pathlib import Path

import pytest
from conftest import CODE_PACKAGES

from disclosure.settings import PROJECT_ROOT

PACKAGES = CODE_PACKAGES
TOP = {"dags", "bench"}  # nothing imports these
STAGES = {"disclosure"}
# Settings are read by every layer, so disclosure.settings imports nothing of the project.
LEAF_FOR_ALL = "disclosure.settings"
# Parsing and crawling read bytes and pages: they never depend on the store or the rules.
FORBIDDEN = {"parsers": ("validation", "warehouse"), "crawlers": ("validation", "warehouse")}


def module_name(path: Path) -> str:
    parts = list(path.relative_to(PROJECT_ROOT).with_suffix("").parts)
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts)


def project_modules() -> dict[str, Path]:
    found = {}
    for package in PACKAGES:
        for path in (PROJECT_ROOT / package).rglob("*.py"):
            found[module_name(path)] = path
    return found


def imports_of(path: Path, name: str, known: set[str]) -> set[str]:
    """The project modules `name` imports anywhere in its file."""
    tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
    is_package = path.name == "__init__.py"
    out: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            targets = [alias.name for alias in node.names]
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:  # relative: from the package holding this module
                anchor = name.split(".")[: len(name.split(".")) - node.level + (1 if is_package else 0)]
                base = ".".join(anchor + ([base] if base else []))
            # `from validation import tables` imports the module validation.tables
            targets = [f"{base}.{alias.name}" if f"{base}.{alias.name}" in known else base for alias in node.names]
        else:
            continue
        for target in targets:
            while target and target not in known:  # `import a.b.c` of a package: its deepest module we have
                target = target.rpartition(".")[0]
            if target and target != name:
                out.add(target)
    return out


def import_graph() -> dict[str, set[str]]:
    modules = project_modules()
    known = set(modules)
    return {name: imports_of(path, name, known) for name, path in modules.items()}


def cycles(graph: dict[str, set[str]]) -> list[list[str]]:
    """Strongly connected components of more than one module (Tarjan), each sorted."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    found: list[list[str]] = []
    counter = [0]

    def visit(v: str) -> None:
        index[v] = low[v] = counter[0]
        counter[0] += 1
        stack.append(v)
        on_stack.add(v)
        for w in sorted(graph.get(v, ())):
            if w not in index:
                visit(w)
                low[v] = min(low[v], low[w])
            elif w in on_stack:
                low[v] = min(low[v], index[w])
        if low[v] == index[v]:
            component = []
            while True:
                w = stack.pop()
                on_stack.discard(w)
                component.append(w)
                if w == v:
                    break
            if len(component) > 1:
                found.append(sorted(component))

    for v in sorted(graph):
        if v not in index:
            visit(v)
    return found


def cycle_pairs(graph: dict[str, set[str]]) -> list[str]:
    """The edges inside each cycle, 'a → b', so a failure says exactly which imports to cut."""
    out = []
    for component in cycles(graph):
        members = set(component)
        out += [f"{a} → {b}" for a in component for b in sorted(graph[a] & members)]
    return out


def layer_violations(graph: dict[str, set[str]]) -> list[str]:
    out = []
    for module, targets in sorted(graph.items()):
        package = module.split(".")[0]
        for target in sorted(targets):
            target_package = target.split(".")[0]
            if target_package in FORBIDDEN.get(package, ()):
                out.append(f"{module} → {target}: {package} must not import {target_package}")
            elif target_package in TOP and package not in TOP:
                out.append(f"{module} → {target}: nothing imports {target_package}")
            elif target_package in STAGES and package not in STAGES | TOP and target != LEAF_FOR_ALL:
                out.append(f"{module} → {target}: a lower layer imports the stages")
            elif module == LEAF_FOR_ALL and target_package in PACKAGES:
                out.append(f"{module} → {target}: settings import nothing of the project")
    return out


@pytest.fixture(scope="module")
def graph():
    return import_graph()


def test_the_walker_sees_function_level_and_relative_imports(tmp_path):
    source = "from .core import Outcome\n\ndef f():\n    from validation import tables\n    import parsers.pdf\n"
    tree_path = tmp_path / "engine.py"
    tree_path.write_text(source, encoding="utf-8")
    known = {"validation", "validation.core", "validation.tables", "validation.engine", "parsers", "parsers.pdf"}
    assert imports_of(tree_path, "validation.engine", known) == {"validation.core", "validation.tables", "parsers.pdf"}


def test_a_cycle_and_a_layer_breach_are_caught():
    made_up = {
        "parsers.ocr": {"parsers.pdf", "validation.engine"},
        "parsers.pdf": {"parsers.ocr"},
        "validation.engine": set(),
        "warehouse.db": {"disclosure.pipeline", "disclosure.settings"},
        "disclosure.pipeline": set(),
        "disclosure.settings": set(),
    }
    assert cycle_pairs(made_up) == ["parsers.ocr → parsers.pdf", "parsers.pdf → parsers.ocr"]
    assert layer_violations(made_up) == [
        "parsers.ocr → validation.engine: parsers must not import validation",
        "warehouse.db → disclosure.pipeline: a lower layer imports the stages",
    ]


def test_the_graph_covers_the_project(graph):
    assert {"parsers.ocr", "parsers.pdf", "validation.engine", "dags.disclosure_nightly"} <= set(graph)
    assert "validation.core" in graph["validation.tables"]
    assert "disclosure.pipeline" in graph["dags.disclosure_nightly"]  # a function-level import


def test_no_import_cycle_between_modules(graph):
    assert cycle_pairs(graph) == []


def test_layers_import_one_way(graph):
    assert layer_violations(graph) == []


def test_validation_engine_and_families_do_not_import_each_other(graph):
    families = {
        "validation.tables",
        "validation.narrative",
        "validation.performance",
        "validation.required",
        "validation.cross_year",
    }
    assert not graph["validation.engine"] & families
    assert all("validation.engine" not in graph[f] for f in families)


def test_migrations_are_frozen(graph):
    """A migration carries its own copy of what it computes: live code changes, history does not."""
    migrations = {m: targets for m, targets in graph.items() if m.startswith("warehouse.migrations.versions.")}
    assert len(migrations) >= 5
    assert {m: sorted(t) for m, t in migrations.items() if t} == {}


def _readme_package_imports() -> dict[str, set[str]]:
    """README's package table: package → the packages its last column says it imports."""
    readme = (PROJECT_ROOT / "README.md").read_text(encoding="utf-8")
    table = readme.split("| package | its job |", 1)[1].split("\n\n", 1)[0]
    out = {}
    for line in table.splitlines()[2:]:
        cells = [c.strip() for c in line.strip().strip("|").split("|")]
        package = cells[0].strip("`/")
        out[package] = {w.strip("`") for w in re.findall(r"`(\w+)`", cells[-1])}
    return out


def test_the_readme_package_table_says_what_each_package_imports(graph):
    said = _readme_package_imports()
    assert set(said) == set(PACKAGES) - {"bench"}
    actual: dict[str, set[str]] = {p: set() for p in said}
    for module, targets in graph.items():
        package = module.split(".")[0]
        if package in actual:
            actual[package] |= {t.split(".")[0] for t in targets if t != LEAF_FOR_ALL} - {package}
    assert said == actual


def test_a_test_not_marked_db_cannot_open_the_store(monkeypatch):
    # tests/conftest.py: `make test-fast` never starts the embedded Postgres behind a test's back.
    from disclosure.settings import load_settings
    from warehouse import db

    monkeypatch.setenv("DATABASE_URL", "")
    with pytest.raises(RuntimeError, match=r"test_layers.py::test_a_test_not_marked_db_cannot_open_the_store .*db"):
        db.engine(load_settings())
