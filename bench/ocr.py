"""OCR benchmark: a 60-page noisy scan of the standard tables read by parsers.ocr in a fresh
process (seconds per page, wall and CPU, and peak resident memory), beside rapidocr's bare
run (its detector and recogniser on the whole page, as the parser used it before) on the same
pages. The machine's load is printed with each figure: the machine is shared.

    python -m bench ocr_scan            # or: python -m bench.ocr [pages] [bare_pages]
"""

from __future__ import annotations

import os
import subprocess
import sys
import tempfile
from pathlib import Path

TARGET_S_PER_PAGE = 1.5
TARGET_PEAK_MB = 500

_PEAK = "int(next(l for l in open('/proc/self/status') if l.startswith('VmHWM')).split()[1])"

_OURS = f"""
import sys, time
from parsers import parse_path
wall, cpu = time.perf_counter(), time.process_time()
result = parse_path(sys.argv[1])
print(result.pages, time.perf_counter() - wall, time.process_time() - cpu, {_PEAK}, len(result.cells))
"""

# rapidocr's own pipeline, one thread like ours, at the resolution and in the way the parser
# called it before (200 dpi, detector on the whole page, no angle classifier).
_BARE = f"""
import sys, time
import numpy as np, pypdfium2 as pdfium
from rapidocr_onnxruntime import RapidOCR
engine = RapidOCR(intra_op_num_threads=1, inter_op_num_threads=1)
document = pdfium.PdfDocument(sys.argv[1])
pages = int(sys.argv[2])
wall, cpu = time.perf_counter(), time.process_time()
for i in range(pages):
    gray = np.asarray(document[i].render(scale=200 / 72, grayscale=True).to_pil().convert("L"))
    engine(np.dstack([gray] * 3), use_cls=False)
print(pages, time.perf_counter() - wall, time.process_time() - cpu, {_PEAK})
"""


def load() -> str:
    return " / ".join(f"{v:.1f}" for v in os.getloadavg())


def noisy_scan(pages: int = 60) -> bytes:
    """The table pages of both fixtures, scanned badly, repeated to `pages` pages."""
    import pypdfium2 as pdfium

    from parsers import parse_bytes
    from replica.render_pdf import render_pdf
    from replica.render_scan import render_noisy_scan
    from replica.site import load_fixtures

    tables = tuple(f"{i:02d}" for i in range(1, 11))
    merged = pdfium.PdfDocument.new()
    chosen = []
    for filing in load_fixtures().values():
        text = render_pdf(filing)
        reference = parse_bytes(text, "text")
        chosen.append((text, [1] + sorted({p for c in tables for p in reference.tables[c].pages})))
    while len(merged) < pages:
        for text, numbers in chosen:
            source = pdfium.PdfDocument(text)
            take = [n - 1 for n in numbers][: pages - len(merged)]
            merged.import_pages(source, take)
            if len(merged) >= pages:
                break
    import io

    buf = io.BytesIO()
    merged.save(buf)
    return render_noisy_scan(buf.getvalue())


def _run(script: str, *args: str) -> list[float]:
    env = dict(os.environ, OMP_NUM_THREADS="1", PYTHONPATH=str(Path(__file__).resolve().parent.parent))
    out = subprocess.run([sys.executable, "-c", script, *args], capture_output=True, text=True, check=True, env=env)
    return [float(x) for x in out.stdout.split()]


def bench_ocr_scan(pages: int = 60, bare_pages: int = 6) -> dict:
    with tempfile.NamedTemporaryFile(suffix=".pdf") as fh:
        fh.write(noisy_scan(pages))
        fh.flush()
        before = load()
        n, wall, cpu, peak_kb, cells = _run(_OURS, fh.name)
        ours_load = f"{before} → {load()}"
        before = load()
        bn, bwall, bcpu, bpeak_kb = _run(_BARE, fh.name, str(bare_pages))
        bare_load = f"{before} → {load()}"
    return {
        "pages": int(n),
        "wall": wall / n,
        "cpu": cpu / n,
        "peak_mb": peak_kb / 1024,
        "cells": int(cells),
        "load": ours_load,
        "bare_pages": int(bn),
        "bare_wall": bwall / bn,
        "bare_cpu": bcpu / bn,
        "bare_peak_mb": bpeak_kb / 1024,
        "bare_load": bare_load,
    }


def lines(r: dict) -> list[str]:
    return [
        f"ocr scan: {r['pages']}-page noisy scan (skew ±1°, blur, dust, faded ink, JPEG 50) at {r['cpu']:.2f} s CPU "
        f"per page on one thread (target <= {TARGET_S_PER_PAGE} s), {r['wall']:.2f} s wall per page, peak "
        f"{r['peak_mb']:.0f} MB resident (target <= {TARGET_PEAK_MB} MB), {r['cells']} cells; load {r['load']}",
        f"ocr scan, rapidocr bare (200 dpi, whole-page detector and recogniser, one thread) on the first "
        f"{r['bare_pages']} of the same pages: {r['bare_cpu']:.2f} s CPU per page, {r['bare_wall']:.2f} s wall per "
        f"page, peak {r['bare_peak_mb']:.0f} MB; load {r['bare_load']}",
    ]


if __name__ == "__main__":
    args = [int(a) for a in sys.argv[1:]]
    for line in lines(bench_ocr_scan(*args)):
        print(line)
