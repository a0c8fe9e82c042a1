"""Evidence on the page in the store, the exports and the report (issue #22): a night on the
two city sites, then the boxes in disclosure.cell and the cells export, each finding's crop
with its cells outlined (checked by pixels and against the page's words), and the annotated
PDF with one numbered box per open finding."""

import csv
import io
import json
from pathlib import Path

import numpy as np
import pytest
from PIL import Image

from disclosure import pipeline
from parsers.model import Box
from reporting.annotated import count_boxes
from reporting.crops import MARGIN_PT, OUTLINE, OUTLINE_PX, Crop, union
from tests.conftest import query_rows
from tests.test_report import (  # noqa: F401
    BROWSER_WAIT_MS,
    CHROMIUM,
    CHROMIUM_ARGS,
    module_env_settings,
    module_replica,
)

SCREENSHOTS = Path(__file__).resolve().parents[1] / "var" / "screenshots"


@pytest.fixture(scope="module")
def night(tmp_path_factory, module_env_settings, module_replica):  # noqa: F811
    ctx = pipeline.context(module_env_settings)
    pipeline.run_once(ctx)
    out = tmp_path_factory.mktemp("report")
    pipeline.html_report(ctx, out)
    return out, ctx


def _findings_with_boxes(ctx) -> list[dict]:
    from sqlalchemy import text

    from reporting.crops import Placements, finding_boxes

    with ctx.engine.connect() as conn:
        rows = [
            dict(r)
            for r in conn.execute(
                text("""
            SELECT cp.id AS parse_run_id, af.storage_key, o.rule_id, o.subject, o.family, o.evidence
            FROM disclosure.open_findings o
            JOIN disclosure.current_parse cp ON cp.filing_id = o.filing_id AND cp.source_url = o.source_url
            JOIN disclosure.archived_file af ON af.id = cp.archived_file_id""")
            ).mappings()
        ]
        placed = Placements.load(conn, [r["parse_run_id"] for r in rows])
    for r in rows:
        r["boxes"] = finding_boxes(r, placed)
    return rows


def _pdf(ctx, storage_key: str) -> bytes:
    from archive.store import read_bytes

    return read_bytes(ctx.settings.archive, storage_key)


def test_boxes_are_stored_and_exported(night, tmp_path):
    from typer.testing import CliRunner

    from disclosure.cli import app

    _out, ctx = night
    placed, cells = query_rows(
        ctx, "SELECT count(*) FILTER (WHERE box_x0 IS NOT NULL AND box_x1 > box_x0), count(*) FROM disclosure.cell"
    )[0]
    assert placed == cells > 300  # both filings are text PDFs: every cell is placed
    claims = query_rows(
        ctx, "SELECT count(*) FILTER (WHERE box_x0 IS NOT NULL), count(*) FROM disclosure.narrative_claim"
    )
    assert claims[0][0] == claims[0][1] > 0
    boxes = query_rows(ctx, "SELECT boxes FROM disclosure.evaluation WHERE boxes ? 'total_score'")
    assert boxes and all(len(b[0]["total_score"]) == 5 for b in boxes)
    result = CliRunner().invoke(app, ["export", "cells", "-o", str(tmp_path / "cells.csv")])
    assert result.exit_code == 0, result.output
    rows = list(csv.DictReader(io.StringIO((tmp_path / "cells.csv").read_text(encoding="utf-8-sig"))))
    total = next(
        r for r in rows if (r["unit_code"], r["table_code"], r["row_key"], r["col"]) == ("dt-ggzy", "01", "27", "1")
    )
    stored = query_rows(
        ctx,
        """SELECT c.page, c.box_x0, c.box_top, c.box_x1, c.box_bottom FROM disclosure.cell_series c
           WHERE unit_code = 'dt-ggzy' AND table_code = '01' AND row_key = '27' AND col = 1""",
    )[0]
    assert [int(total["page"])] + [float(total[k]) for k in ("box_x0", "box_top", "box_x1", "box_bottom")] == [
        pytest.approx(v) for v in stored
    ]
    assert total["ocr_score"] == "" and total["review"] == ""  # a text layer: no score, no review


def _words_in(pdf: bytes, page: int, box: Box) -> list[str]:
    import pdfplumber

    with pdfplumber.open(io.BytesIO(pdf)) as doc:
        words = doc.pages[page - 1].extract_words()
    return [
        w["text"]
        for w in words
        if box.x0 <= (w["x0"] + w["x1"]) / 2 <= box.x1 and box.top <= (w["top"] + w["bottom"]) / 2 <= box.bottom
    ]


def test_each_findings_crop_outlines_its_cells_and_nothing_else(night):
    out, ctx = night
    findings = [f for f in _findings_with_boxes(ctx) if f["boxes"] and f["evidence"].get("cells")]
    assert len(findings) >= 5
    html = (out / "findings.html").read_text(encoding="utf-8")
    checked = 0
    for finding in findings:
        pdf = _pdf(ctx, finding["storage_key"])
        first = min(b.page for b in finding["boxes"])
        on_page = [b for b in finding["boxes"] if b.page == first]
        crops = sorted((out / "crops").glob(f"{finding['storage_key'].rsplit('/', 1)[-1]}-*-p{first}.png"))
        # The crop of this finding is the one whose outlines fit its boxes (numbers are per file).
        image = None
        for path in crops:
            candidate = np.asarray(Image.open(path).convert("RGB"))
            if _outlines_fit(candidate, on_page):
                image, crop_path = candidate, path
                break
        assert image is not None, (finding["rule_id"], finding["subject"], crops)
        assert f'src="{crop_path.relative_to(out).as_posix()}"' in html  # shown beside the finding
        # Inside each outline is the figure the finding cites for that cell.
        for box in on_page:
            words = _words_in(pdf, first, box)
            cited = {part for v in finding["evidence"]["cells"].values() for part in str(v).split("+")}
            assert any(w.replace(",", "") in cited for w in words), (finding, box, words)
        checked += 1
    assert checked == len(findings)


def _outlines_fit(image, boxes: list[Box]) -> bool:
    """The pure red pixels of the crop are exactly the outlines of `boxes` (OUTLINE_PX wide,
    just outside each box): every outline is there all round, and red is nowhere else."""
    around = union(boxes)
    s = 2.0
    # Where the crop starts on the page: the boxes' union less the margin, within the page.
    crop = Crop(None, round(max(around.x0 - MARGIN_PT, 0) * s) / s, round(max(around.top - MARGIN_PT, 0) * s) / s, s)
    red = np.all(image == OUTLINE, axis=-1)
    expected = np.zeros_like(red)
    for box in boxes:
        x0, y0, x1, y1 = crop.pixels(box)
        if x0 < OUTLINE_PX or y0 < OUTLINE_PX or x1 + OUTLINE_PX >= red.shape[1] or y1 + OUTLINE_PX >= red.shape[0]:
            return False  # the cell and its outline lie inside the crop
        band = np.zeros_like(red)
        band[y0 - OUTLINE_PX : y1 + OUTLINE_PX + 1, x0 - OUTLINE_PX : x1 + OUTLINE_PX + 1] = True
        band[y0 : y1 + 1, x0 : x1 + 1] = False  # the cell itself stays as printed
        if not red[band].all():
            return False
        expected |= band
    return not red[~expected].any()


def test_the_annotated_pdf_boxes_every_open_finding_once_and_numbers_it(night):
    out, ctx = night
    findings = _findings_with_boxes(ctx)
    boxed = [f for f in findings if f["boxes"]]
    by_file: dict[str, list[dict]] = {}
    for f in boxed:
        by_file.setdefault(f["storage_key"], []).append(f)
    assert by_file
    for storage_key, rows in by_file.items():
        annotated = out / "annotated" / f"{storage_key.rsplit('/', 1)[-1]}.pdf"
        marks = count_boxes(annotated.read_bytes())
        assert len(marks) == len(rows)  # one box per open finding of this file
        numbers = sorted(int(text.split(".", 1)[0]) for _page, text in marks)
        assert numbers == list(range(1, len(rows) + 1))
        # Each box sits on the page holding most of its finding's cells.
        pages = sorted(page for page, _text in marks)
        wanted = sorted(max({b.page for b in f["boxes"]}, key=[b.page for b in f["boxes"]].count) for f in rows)
        assert pages == wanted
    units = "".join(p.read_text(encoding="utf-8") for p in (out / "units").glob("*.html"))
    for storage_key in by_file:
        assert f"annotated/{storage_key.rsplit('/', 1)[-1]}.pdf" in units  # downloadable from the unit page


@pytest.mark.slow
def test_a_findings_crop_in_headless_chromium(night):
    """The findings page as a browser draws it, crops loaded (kept under var/screenshots/)."""
    from playwright.sync_api import sync_playwright

    out, _ctx = night
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        page = browser.new_page(viewport={"width": 1400, "height": 1000})
        page.set_default_timeout(BROWSER_WAIT_MS)
        page.goto((out / "findings.html").as_uri())
        page.wait_for_load_state("load")
        loaded = page.evaluate(
            "Array.from(document.querySelectorAll('img.crop')).map(i => (i.scrollIntoView(), i.naturalWidth))"
        )
        page.wait_for_function(
            "Array.from(document.querySelectorAll('img.crop')).every(i => i.complete && i.naturalWidth > 0)",
            timeout=BROWSER_WAIT_MS,
        )
        first = page.locator("img.crop").first
        first.scroll_into_view_if_needed()
        first.screenshot(path=str(SCREENSHOTS / "finding-crop.png"))
        page.screenshot(path=str(SCREENSHOTS / "findings-with-crops.png"), full_page=False)
        browser.close()
    assert len(loaded) >= 5
    shot = np.asarray(Image.open(SCREENSHOTS / "finding-crop.png").convert("RGB")).astype(int)
    reddish = (shot[..., 0] > 200) & (shot[..., 1] < 80) & (shot[..., 2] < 80)
    assert reddish.sum() > 50  # the outline survives the browser's scaling
    json.dumps(loaded)
