"""The review queue puts OCR's doubts first (issue #22): a poor scan's readings that OCR itself
doubted (parsers.ocr lists them in the parse's coverage `ocr_doubtful`, with the other readings
it found plausible) head the queue with those alternatives, in `disclosure review list`, the
export and the report's review page; then the cells a failed check cites (a misread, or the
document itself, breaks an identity); then the rest by score. A confirmation takes a cell out of the
waiting count."""

import csv
import io
import json
from decimal import Decimal

import pytest
from typer.testing import CliRunner

from disclosure import pipeline
from disclosure.cli import app
from parsers import parse_bytes
from tests.conftest import query_rows, query_scalar

runner = CliRunner()
# Both replica filings served as poor scans (blur, faded ink, dust, JPEG 50) of a few pages:
# Datong's seed 001, its cover and tables 01 and 02; Xinzhou's seed 002, its cover and table 06,
# where OCR reads 06[30305].1 "121" (the identities choose 1.21). Xinzhou's document itself errs
# (planted before the scan): its 办公费 30201 prints 65.23 for 64.23, so 302's items no longer add
# up and table 06's identities fail on cells a person should look at.
SCANS = {
    "/datong/czxx/202509/P020250915538210726915.pdf": ("001", [1, 2, 3, 4]),
    "/xinzhou/files/swbgs2023js.pdf": ("002", [1, 9, 10]),
}
PLANTED = ("002", "06", "30201", "64.23", "65.23")


def _documents() -> dict[str, bytes]:
    """The text PDFs the scans are made of, by seed (seed 002 with the planted error)."""
    import copy

    from replica.render_pdf import render_pdf
    from replica.site import load_fixtures

    out = {}
    for seed in ("001", "002"):
        filing = copy.deepcopy(load_fixtures()[seed])
        if seed == PLANTED[0]:
            _seed, table, code, printed, planted = PLANTED
            row = next(r for r in filing.tables[table].rows if code in r)
            at = row.index(code) + 2
            assert row[at] == printed
            row[at] = planted
        out[seed] = render_pdf(filing)
    return out


@pytest.fixture
def noisy_night(env_settings, replica):
    from replica.render_scan import render_noisy_scan

    documents = _documents()
    for path, (seed, pages) in SCANS.items():
        resource = replica.routes[path]
        replica.routes[path] = type(resource)(render_noisy_scan(documents[seed], pages=pages), "application/pdf")
    ctx = pipeline.context(env_settings)
    pipeline.run_once(ctx)
    return ctx


def _invoke(*args: str):
    result = runner.invoke(app, [*args, "--json"])
    assert result.exit_code == 0, result.output
    return json.loads(result.stdout)


def _key(row: dict) -> tuple[int, str, str, int]:
    return int(row["archived_file_id"]), row["table_code"].strip(), row["row_key"], int(row["col"])


def _label(key: tuple) -> str:
    return "{}[{}].{}".format(*key[1:])


def _stored_doubts(ctx) -> dict[tuple, dict]:
    """coverage.ocr_doubtful of the current parses, as the parse stored it, by file and cell."""
    rows = query_rows(
        ctx,
        """SELECT cp.archived_file_id, pr.coverage -> 'ocr_doubtful' FROM disclosure.current_parse cp
           JOIN disclosure.parse_run pr ON pr.id = cp.id WHERE pr.coverage ? 'ocr_doubtful'""",
    )
    return {(file_id, e["table"], e["row"], e["col"]): e for file_id, entries in rows for e in entries}


def _cited_by_failed_checks(ctx) -> dict[tuple, set[str]]:
    """The cells of the current parses that a failed finding cites, with its rules (read in Python)."""
    cited: dict[tuple, set[str]] = {}
    rows = query_rows(
        ctx,
        """SELECT cp.archived_file_id, fd.rule_id, fd.evidence -> 'cells' FROM disclosure.finding fd
           JOIN disclosure.current_parse cp ON cp.id = fd.parse_run_id WHERE fd.status = 'failed'""",
    )
    for file_id, rule_id, cells in rows:
        for label in cells or {}:
            table, _, rest = label.partition("[")
            row, _, col = rest.rpartition("].")
            if col.isdigit():
                cited.setdefault((file_id, table, row, int(col)), set()).add(rule_id)
    return cited


def _by_score(rows: list[dict]) -> bool:
    return [r["ocr_score"] for r in rows] == sorted(r["ocr_score"] for r in rows)


@pytest.mark.slow
def test_doubtful_readings_head_the_queue_with_their_alternatives(noisy_night, tmp_path):
    ctx = noisy_night
    doubts = _stored_doubts(ctx)
    assert len({k[0] for k in doubts}) == 2 and any(e.get("chosen") for e in doubts.values()), doubts
    waiting = _invoke("review", "list", "--limit", "1000")
    assert len(waiting) > 50 and {r["unit_code"] for r in waiting} == {"dt-ggzy", "xz-swbgs"}

    # 1. Every reading OCR doubted, least sure first, each with what else OCR read there.
    head = [r for r in waiting if r["priority"] == 1]
    assert waiting[: len(head)] == head and {_key(r) for r in head} == set(doubts) and _by_score(head)
    for r in head:
        entry = doubts[_key(r)]
        others = [a for a in [entry["value"], *entry["alternatives"]] if Decimal(a) != Decimal(r["parsed_value"])]
        assert r["alternatives"] == (", ".join(others) or None), r
        readings = f": {r['parsed_value']} or {' or '.join(others)}" if others else ""
        assert r["reason"].startswith(f"ocr_doubtful{readings}"), r
        if "chosen" in entry:  # the identities chose an alternative: the parse kept it, OCR's reading is the other
            assert Decimal(r["parsed_value"]) == Decimal(entry["chosen"]) and others[0] == entry["read"]
            assert r["reason"].endswith(f"(the identities chose {entry['chosen']} over {entry['read']})")
    # By score alone they would not all come first: a surer doubtful reading passes less sure cells.
    assert max(r["ocr_score"] for r in head) > min(r["ocr_score"] for r in waiting[len(head) :])

    # 2. Then the cells a failed check cites: Xinzhou's table 06, whose printed 办公费 breaks it.
    cited = _cited_by_failed_checks(ctx)
    second = [r for r in waiting if r["priority"] == 2]
    assert waiting[len(head) : len(head) + len(second)] == second and _by_score(second)
    assert {_key(r) for r in second} == {_key(r) for r in waiting if _key(r) in cited} - set(doubts)
    assert any(rule.startswith("06.") for r in second for rule in cited[_key(r)]), second
    for r in second:
        assert r["reason"] == "failed_check: " + ", ".join(sorted(cited[_key(r)])), r
    # 3. Then the rest, least sure first.
    rest = waiting[len(head) + len(second) :]
    assert rest and all(r["priority"] == 3 and r["reason"] == "ocr" and r["alternatives"] is None for r in rest)
    assert _by_score(rest)

    # The export carries the same queue, alternatives included, in the same order.
    exported = runner.invoke(app, ["export", "review", "-o", str(tmp_path / "review.csv")])
    assert exported.exit_code == 0, exported.output
    rows = list(csv.DictReader(io.StringIO((tmp_path / "review.csv").read_text(encoding="utf-8-sig"))))
    assert [(_key(r), r["alternatives"] or None, r["reason"]) for r in rows] == [
        (_key(r), r["alternatives"], r["reason"]) for r in waiting
    ]

    # The report's review page: the alternatives beside the crop of the cell, in the queue's order.
    out = tmp_path / "report"
    pipeline.html_report(ctx, out)
    html = (out / "review.html").read_text(encoding="utf-8")
    assert f"待复核 {len(waiting)} 个" in html
    shown = [r["data-cell"] for r in _rows_of(html)]
    assert shown == [_label(_key(r)) for r in waiting]
    for r, row in zip(waiting, _rows_of(html)):
        assert row["alternatives"] == " 或 ".join((r["alternatives"] or "").split(", ")).strip()
        assert (out / row["crop"]).is_file()
        assert ("OCR 读数存疑" in row["why"]) == (r["priority"] == 1)
        assert ("核对未通过" in row["why"]) == (r["priority"] == 2)

    # A person reads the page (the text PDF the scan was made of) and confirms OCR's reading.
    reference = {seed: parse_bytes(pdf, f"seed-{seed}.pdf").cell_map() for seed, pdf in _documents().items()}
    seed_of = {r["archived_file_id"]: ("001" if r["unit_code"] == "dt-ggzy" else "002") for r in waiting}
    right = next(
        r
        for r in head
        if r["alternatives"] and reference[seed_of[r["archived_file_id"]]].get(_key(r)[1:]) == Decimal(r["value"])
    )
    confirmed = _invoke("review", "confirm", str(right["archived_file_id"]), _label(_key(right)), "--by", "李核对")
    assert confirmed["action"] == "confirmed"
    after = _invoke("review", "list", "--limit", "1000")
    assert [_key(r) for r in after] == [_key(r) for r in waiting if r is not right]
    everything = _invoke("review", "list", "--all", "--limit", "1000")
    reviewed = next(r for r in everything if _key(r) == _key(right))
    assert reviewed["review"] == "confirmed" and reviewed["alternatives"] == right["alternatives"]

    # Correcting Datong's total breaks the identities through it: the cells they cite move up.
    total = next(r for r in after if r["unit_code"] == "dt-ggzy" and _key(r)[1:] == ("01", "27", 1))
    datong = total["archived_file_id"]
    _invoke("review", "correct", str(datong), "01[27].1", str(Decimal(total["value"]) + 5), "--by", "张审核")
    cited = _cited_by_failed_checks(ctx)
    queued = _invoke("review", "list", "--limit", "1000")
    assert len(queued) == len(waiting) - 2 and query_scalar(ctx, "SELECT count(*) FROM disclosure.cell_review") == 2
    moved = {_key(r) for r in queued if r["priority"] == 2 and r["archived_file_id"] == datong}
    assert moved and moved == {_key(r) for r in queued if _key(r) in cited and r["archived_file_id"] == datong} - set(
        doubts
    )
    assert [r["priority"] for r in queued] == sorted(r["priority"] for r in queued)


def _rows_of(html: str) -> list[dict]:
    """The review page's rows: the cell, the text of 原因 and 其他读法, the crop's path."""
    rows = []
    for chunk in html.split('<tr class="review-item"')[1:]:
        chunk = chunk.split("</tr>", 1)[0]
        rows.append(
            {
                "data-cell": chunk.split('data-cell="', 1)[1].split('"', 1)[0],
                "why": chunk.split('<td class="why">', 1)[1].split("</td>", 1)[0],
                "alternatives": chunk.split('class="num alternatives">', 1)[1].split("</td>", 1)[0],
                "crop": chunk.split('src="', 1)[1].split('"', 1)[0],
            }
        )
    return rows
