"""Hostile files beside a normal filing (issue #17): each parsed in a fresh process under the
default limits, with its peak resident memory (VmHWM), its time and how it ended."""

from __future__ import annotations

import json
import subprocess
import sys
import tempfile
from pathlib import Path

# Run in the child: parse one file, report what it cost and how it ended.
_CHILD = """
import json, sys, time
from parsers import ParseError, parse_path
t = time.perf_counter()
try:
    r = parse_path(sys.argv[1]); outcome = f"parsed: {len(r.cells)} cells, {r.pages} pages"
except ParseError as exc:
    outcome = "refused: " + exc.reason.split(" (set ")[0]
seconds = time.perf_counter() - t
peak = int(next(l for l in open('/proc/self/status') if l.startswith('VmHWM')).split()[1])
print(json.dumps({"outcome": outcome, "seconds": seconds, "peak_kb": peak}))
"""


def hostile_cases() -> dict[str, bytes]:
    import dataclasses

    from replica import hostile
    from replica.render_formats import render_xlsx
    from replica.render_pdf import render_pdf
    from replica.site import load_fixtures

    filing = load_fixtures()["002"]
    pdf, xlsx = render_pdf(filing), render_xlsx(filing)
    small = dataclasses.replace(filing, tables={"01": filing.tables["01"]}, narrative=[], evaluations=[], glossary=[])
    return {
        "normal filing (PDF)": pdf,
        "normal filing (XLSX)": xlsx,
        "blank PDF of 100,000 pages": hostile.blank_pdf(100_000),
        "blank scan of 500 pages": hostile.blank_pdf(500),
        "one page of 14,400 x 14,400 pt": hostile.blank_pdf(1, 14_400, 14_400),
        "XLSX claiming A1:XFD1048576": hostile.xlsx_claiming_dimension(xlsx),
        "XLSX with a value at XFD1048576": hostile.xlsx_with_far_cell(render_xlsx(small)),
        "XLSX of 1.2 million values": hostile.xlsx_of_many_cells(60_000, 20),
        "zip of the filing as PDF and XLSX": hostile.bundle_of_repeats({"a.pdf": pdf, "b.xlsx": xlsx}),
    }


def bench_hostile() -> list[dict]:
    out = []
    with tempfile.TemporaryDirectory() as tmp:
        for name, data in hostile_cases().items():
            path = Path(tmp) / "file"
            path.write_bytes(data)
            run = subprocess.run(
                [sys.executable, "-c", _CHILD, str(path)], capture_output=True, text=True, timeout=1800
            )
            if run.returncode:
                out.append(
                    {
                        "name": name,
                        "bytes": len(data),
                        "outcome": f"crashed: {run.stderr[-300:]}",
                        "seconds": 0.0,
                        "peak_mb": 0.0,
                    }
                )
                continue
            r = json.loads(run.stdout.strip().splitlines()[-1])
            out.append(
                {
                    "name": name,
                    "bytes": len(data),
                    "outcome": r["outcome"],
                    "seconds": r["seconds"],
                    "peak_mb": r["peak_kb"] / 1024,
                }
            )
    return out
