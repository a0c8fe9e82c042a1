"""Every rendered fixture is byte-stable across processes, so restarting the replica sites
serves the same files (no `revised_filing` for a file that never changed)."""

import json
import os
import subprocess
import sys

import pytest

from disclosure.settings import PROJECT_ROOT

RENDER_EACH_FORMAT = """
import hashlib, json
from replica.site import load_fixtures
from replica import render_formats, render_pdf
filing = load_fixtures()["001"]
renders = {"pdf": render_pdf.render_pdf, **{n: getattr(render_formats, "render_" + n)
           for n in ("xlsx", "docx", "zip", "xls", "html")}}
print(json.dumps({n: hashlib.sha256(r(filing)).hexdigest() for n, r in renders.items()}))
"""

RENDER_EVERY_ROUTE = """
import hashlib, json
from replica.resources import Resource
from replica.site import build_routes
print(json.dumps({p: hashlib.sha256(r.body).hexdigest() for p, r in build_routes().items()
                  if isinstance(r, Resource)}))
"""


def _render_in_a_new_process(script: str, hash_seed: str) -> dict:
    # Different hash seeds: set and dict-of-set orders differ between the two processes too.
    env = {**os.environ, "PYTHONPATH": str(PROJECT_ROOT), "PYTHONHASHSEED": hash_seed}
    out = subprocess.run(
        [sys.executable, "-c", script], env=env, capture_output=True, text=True, check=True, timeout=300
    ).stdout
    return json.loads(out.splitlines()[-1])


@pytest.mark.slow  # two fresh interpreters render every format
def test_each_format_renders_to_the_same_bytes_in_two_processes():
    first = _render_in_a_new_process(RENDER_EACH_FORMAT, "1")
    second = _render_in_a_new_process(RENDER_EACH_FORMAT, "2")
    assert set(first) == {"pdf", "xlsx", "docx", "zip", "xls", "html"}
    assert first == second


@pytest.mark.slow
def test_every_replica_file_is_the_same_after_a_restart():
    first = _render_in_a_new_process(RENDER_EVERY_ROUTE, "3")
    second = _render_in_a_new_process(RENDER_EVERY_ROUTE, "4")
    assert any(p.endswith(".pdf") for p in first) and any(p.endswith(".xlsx") for p in first)
    assert first == second


@pytest.mark.slow
def test_restarting_the_replica_raises_no_revised_filing(monkeypatch, tmp_path, db_url):
    """The demo's sites stopped, rendered again from scratch and served on the same port: the
    second night finds every file unchanged and raises no `revised_filing`."""
    import time

    from disclosure import pipeline
    from disclosure.settings import load_settings
    from replica import site as replica_site
    from tests.conftest import CORE_SITES, query_rows, registry_subset

    first = replica_site.ReplicaSite().start()
    port = int(first.base_url.rsplit(":", 1)[1])
    for key, value in {
        "DATABASE_URL": db_url,
        "DISCLOSURE_VAR_DIR": str(tmp_path / "var"),
        "DISCLOSURE_REPLICA_BASE": first.base_url,
        "DISCLOSURE_CRAWL_THROTTLE": "0",
        "DISCLOSURE_REGISTRY": str(registry_subset(tmp_path / "registry.yaml", CORE_SITES)),
    }.items():
        monkeypatch.setenv(key, value)
    ctx = pipeline.context(load_settings())
    try:
        pipeline.run_once(ctx)
    finally:
        first.stop()
    time.sleep(1.1)  # a render a second later would stamp another CreationDate
    replica_site._rendered_fixture.cache_clear()  # render again, as a new process would
    replica_site._default_county_routes.cache_clear()
    with replica_site.ReplicaSite(port=port):
        night = pipeline.run_once(ctx)
    assert night["alerts"]["by_kind"].get("revised_filing", 0) == 0
    assert sum(c["changed_files"] + c["new_file_versions"] for c in night["crawl"]) == 0
    assert query_rows(ctx, "SELECT count(*) FROM disclosure.archived_file")[0][0] == 2
