"""The review queue (issue #22): a county publishes its final accounts as a scan, the cells OCR
read wait for a person with the crop beside each value; a confirmed or corrected value is a
review (who, when, old and new) that wins over the parse in the views and in validation, and
a forced re-parse never loses it."""

import csv
import io
import json
from decimal import Decimal
from pathlib import Path

import numpy as np
import pytest
from PIL import Image
from typer.testing import CliRunner

from disclosure import pipeline
from disclosure.cli import app
from reporting.crops import OUTLINE
from tests.conftest import query_rows, query_scalar

runner = CliRunner()
DATONG_PDF = "/datong/czxx/202509/P020250915538210726915.pdf"
TOTAL = "01[27].1"  # 本年收入合计 of seed 001: 584.83
SCREENSHOTS = Path(__file__).resolve().parents[1] / "var" / "screenshots"


@pytest.fixture
def scanned_night(env_settings, replica, seed_pdfs):
    """Datong's filing served as a scan of its cover and tables 01 and 02 (seed 001, pages 1–4)."""
    from replica.render_scan import render_scanned

    resource = replica.routes[DATONG_PDF]
    replica.routes[DATONG_PDF] = type(resource)(render_scanned(seed_pdfs["001"], pages=[1, 2, 3, 4]), "application/pdf")
    ctx = pipeline.context(env_settings)
    pipeline.run_once(ctx)
    return ctx


def _invoke(*args: str) -> dict:
    result = runner.invoke(app, [*args, "--json"])
    assert result.exit_code == 0, result.output
    return json.loads(result.stdout)


def _failed_rules_citing(ctx, label: str) -> dict[str, str]:
    rows = query_rows(
        ctx,
        """SELECT o.rule_id, o.evidence -> 'cells' ->> :label FROM disclosure.open_findings o
           WHERE o.unit_code = 'dt-ggzy' AND o.evidence -> 'cells' ? :label""",
        label=label,
    )
    return dict(rows)


def test_an_empty_queue_says_so(migrated_url, monkeypatch, tmp_path):
    """A store with no cell read by OCR or in a weakly recognised table (the demo's night): a
    line saying the queue is empty, not the frame of an empty table; --json an empty list."""
    monkeypatch.setenv("DATABASE_URL", migrated_url)
    monkeypatch.setenv("DISCLOSURE_VAR_DIR", str(tmp_path / "var"))
    for args in (["review", "list"], ["review", "list", "--all"]):
        result = runner.invoke(app, args)
        assert result.exit_code == 0 and "the review queue is empty" in result.output, result.output
        assert "┏" not in result.output and len(result.output.strip().splitlines()) == 1
    assert _invoke("review", "list") == []


@pytest.mark.slow
def test_a_review_wins_over_the_parse_and_survives_a_forced_reparse(scanned_night, tmp_path):
    ctx = scanned_night
    waiting = _invoke("review", "list", "--limit", "1000")
    datong = [r for r in waiting if r["unit_code"] == "dt-ggzy"]
    assert len(datong) > 50 and all(0 < r["ocr_score"] <= 1 for r in datong)
    assert all(r["reason"] == "ocr" or r["reason"].startswith("ocr_doubtful") for r in datong)
    assert all(r["box_x0"] is not None and r["page"] in (2, 3, 4) for r in datong)
    assert not [r for r in waiting if r["unit_code"] == "xz-swbgs"]  # a text PDF's cells do not wait
    # OCR's doubtful readings first (tests/test_review_doubt.py), then least sure first.
    assert [(r["priority"], r["ocr_score"]) for r in waiting] == sorted(
        (r["priority"], r["ocr_score"]) for r in waiting
    )
    total = next(r for r in datong if (r["table_code"], r["row_key"], r["col"]) == ("01", "27", 1))
    file_id = total["archived_file_id"]
    assert Decimal(total["value"]) == Decimal("584.83")
    assert not _failed_rules_citing(ctx, TOTAL)  # the scan read it right: its identities hold

    corrected = _invoke("review", "correct", str(file_id), TOTAL, "590.00", "--by", "张审核", "--note", "对照原件")
    assert corrected["action"] == "corrected" and corrected["reviewer"] == "张审核"
    assert Decimal(corrected["old_value"]) == Decimal("584.83") and Decimal(corrected["new_value"]) == Decimal("590.00")
    other = next(r for r in datong if (r["table_code"], r["row_key"]) == ("02", "合计"))
    cell = f"02[合计].{other['col']}"
    confirmed = _invoke("review", "confirm", str(file_id), cell, "--by", "李核对")
    assert confirmed["action"] == "confirmed" and confirmed["old_value"] == confirmed["new_value"]

    def store_state() -> dict:
        return {
            "series": query_rows(
                ctx,
                """SELECT value, parsed_value, review FROM disclosure.cell_series
                   WHERE unit_code = 'dt-ggzy' AND table_code = '01' AND row_key = '27' AND col = 1""",
            ),
            "failed": _failed_rules_citing(ctx, TOTAL),
            "waiting": {
                (r["table_code"], r["row_key"], r["col"]) for r in _invoke("review", "list", "--limit", "1000")
            },
            "reviews": query_scalar(ctx, "SELECT count(*) FROM disclosure.cell_review"),
        }

    after = store_state()
    assert after["series"] == [(Decimal("590.00"), Decimal("584.83"), "corrected")]
    # Validation checks the reviewed value: the identities through 01[27].1 now fail, citing 590.00.
    assert after["failed"] and set(after["failed"].values()) == {"590.00"}
    assert ("01", "27", 1) not in after["waiting"] and ("02", "合计", other["col"]) not in after["waiting"]
    assert len(after["waiting"]) == len({(r["table_code"], r["row_key"], r["col"]) for r in waiting}) - 2
    runs_before = query_rows(ctx, "SELECT id FROM disclosure.parse_run WHERE archived_file_id = :af", af=file_id)

    result = runner.invoke(app, ["reparse", "--force"])
    assert result.exit_code == 0, result.output
    runs_after = query_rows(ctx, "SELECT id FROM disclosure.parse_run WHERE archived_file_id = :af", af=file_id)
    assert runs_after and set(runs_after).isdisjoint(runs_before)  # parsed afresh, cells loaded again
    assert store_state() == after  # the reviews, their values and their findings are all still there

    history = query_rows(
        ctx,
        "SELECT action, reviewer, old_value, new_value, note FROM disclosure.cell_review ORDER BY id",
    )
    assert history == [
        ("corrected", "张审核", Decimal("584.83"), Decimal("590.00"), "对照原件"),
        ("confirmed", "李核对", Decimal(confirmed["old_value"]), Decimal(confirmed["old_value"]), None),
    ]
    exported = runner.invoke(app, ["export", "review", "-o", str(tmp_path / "review.csv")])
    assert exported.exit_code == 0, exported.output
    rows = list(csv.DictReader(io.StringIO((tmp_path / "review.csv").read_text(encoding="utf-8-sig"))))
    reviewed = {(r["table_code"], r["row_key"], r["col"]): r for r in rows if r["review"]}
    assert reviewed[("01", "27", "1")]["value"] == "590.00" and reviewed[("01", "27", "1")]["reviewer"] == "张审核"
    assert len(rows) == len(after["waiting"]) + 2


@pytest.mark.slow
def test_the_review_page_shows_each_waiting_value_beside_its_crop(scanned_night, tmp_path, seed_pdfs):
    import pdfplumber

    ctx = scanned_night
    out = tmp_path / "report"
    pipeline.html_report(ctx, out)
    html = (out / "review.html").read_text(encoding="utf-8")
    waiting = _invoke("review", "list", "--limit", "1000")
    assert f"待复核 {len(waiting)} 个" in html
    total = next(r for r in waiting if (r["table_code"], r["row_key"], r["col"]) == ("01", "27", 1))
    row = html.split('data-cell="01[27].1"', 1)[1].split("</tr>", 1)[0]
    assert "584.83" in row and "扫描件 OCR" in row
    crop_path = out / row.split('src="', 1)[1].split('"', 1)[0]
    image = np.asarray(Image.open(crop_path).convert("RGB"))
    red = np.all(image == OUTLINE, axis=-1)
    ys, xs = np.nonzero(red)
    assert red.any()
    # The outline is one rectangle: its inside, brought back to points, holds 584.83 as the
    # text PDF the scan was made from prints it (the scan moves it by its skew, a point or two).
    from reporting.crops import MARGIN_PT

    scale = 2.0
    left_pt = max(total["box_x0"] - MARGIN_PT, 0)
    top_pt = max(total["box_top"] - MARGIN_PT, 0)
    inside = (
        left_pt + xs.min() / scale,
        top_pt + ys.min() / scale,
        left_pt + xs.max() / scale,
        top_pt + ys.max() / scale,
    )
    with pdfplumber.open(io.BytesIO(seed_pdfs["001"])) as doc:
        words = doc.pages[total["page"] - 1].extract_words()
    held = [
        w["text"]
        for w in words
        if inside[0] <= (w["x0"] + w["x1"]) / 2 <= inside[2] and inside[1] <= (w["top"] + w["bottom"]) / 2 <= inside[3]
    ]
    assert held == ["584.83"]
    # Red is only on the rectangle's edges: none inside it, away from the outline.
    assert not red[ys.min() + 4 : ys.max() - 3, xs.min() + 4 : xs.max() - 3].any()
    _screenshot(out / "review.html", SCREENSHOTS / "review.png")
    shot = np.asarray(Image.open(SCREENSHOTS / "review.png").convert("RGB")).astype(int)
    assert ((shot[..., 0] > 200) & (shot[..., 1] < 80) & (shot[..., 2] < 80)).sum() > 50  # the crops' outlines


def _screenshot(page: Path, target: Path) -> None:
    """The page as headless Chromium draws it (kept under var/screenshots/ to look at)."""
    import subprocess

    from tests.test_report import CHROMIUM, CHROMIUM_ARGS

    target.parent.mkdir(parents=True, exist_ok=True)
    subprocess.run(
        [CHROMIUM, "--headless", *CHROMIUM_ARGS, "--window-size=1400,1400", f"--screenshot={target}", page.as_uri()],
        check=True,
        capture_output=True,
        timeout=120,
    )
