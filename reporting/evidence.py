"""The report's evidence on the page: for every finding a crop of its page with the cells
involved outlined, for every PDF with open findings an annotated copy (each finding boxed and
numbered), and the review queue's page with each waiting cell's crop beside its value.

Everything is written into the report folder (crops/, annotated/) so that it stays a folder
that can be copied whole. A file that cannot be read or rendered loses its pictures, never
the report: the finding is still listed with its page link.
"""

from __future__ import annotations

import hashlib
import logging
from collections import defaultdict
from pathlib import Path

from sqlalchemy import Connection

from parsers.model import Box, ParseError
from reporting.annotated import Mark, annotate
from reporting.crops import PageRenderer, Placements, finding_boxes, main_page

log = logging.getLogger("disclosure.report")
REVIEW_SHOWN = 500  # cells on the review page (in the queue's order); the export `review` holds all


def _pdf_bytes(archive, storage_key: str | None, media_type: str | None) -> bytes | None:
    from archive.store import read_bytes

    if not storage_key:
        return None
    try:
        body = read_bytes(archive, storage_key)
    except OSError:
        return None
    return (
        body if body[:1024].lstrip().startswith(b"%PDF") or (media_type or "").startswith("application/pdf") else None
    )


def _stem(storage_key: str) -> str:
    return storage_key.rsplit("/", 1)[-1]


def write_finding_evidence(conn: Connection, findings: list[dict], archive, out: Path) -> dict[str, str]:
    """Crops beside each finding (finding["crops"], finding["mark"]) and the annotated PDFs;
    returns {storage_key: annotated PDF path relative to the report's root}."""
    placed = Placements.load(conn, [f["parse_run_id"] for f in findings if f.get("parse_run_id")])
    by_file: dict[str, list[dict]] = defaultdict(list)
    for finding in findings:
        finding.setdefault("crops", [])
        if finding.get("storage_key") and finding.get("parse_run_id"):
            by_file[finding["storage_key"]].append(finding)
    annotated: dict[str, str] = {}
    for storage_key, rows in by_file.items():
        pdf = _pdf_bytes(archive, storage_key, rows[0].get("media_type"))
        if pdf is None:
            continue
        stem = _stem(storage_key)
        renderer = PageRenderer(pdf, storage_key)
        marks: list[Mark] = []
        for finding in rows:
            boxes = finding_boxes(finding, placed)
            if not boxes:
                continue
            number = len(marks) + 1
            page = main_page(boxes)
            marks.append(Mark(number, finding.get("title_zh") or finding["rule_id"], _union_on(boxes, page)))
            finding["mark"] = number
            finding["mark_page"] = page
            try:
                written = renderer.write_crops(boxes, out / "crops" / f"{stem}-{number}")
            except (ParseError, ValueError, OSError) as exc:
                log.warning("no crop for %s finding %s: %s", storage_key, finding["rule_id"], exc)
                continue
            finding["crops"] = [p.relative_to(out).as_posix() for p in written]
        if not marks:
            continue
        target = out / "annotated" / f"{stem}.pdf"
        target.parent.mkdir(parents=True, exist_ok=True)
        try:
            target.write_bytes(annotate(pdf, storage_key, marks))
        except (ParseError, OSError) as exc:
            log.warning("no annotated PDF for %s: %s", storage_key, exc)
            continue
        annotated[storage_key] = target.relative_to(out).as_posix()
        for finding in rows:
            if finding.get("mark"):
                finding["annotated_href"] = f"{annotated[storage_key]}#page={finding['mark_page']}"
    return annotated


def _union_on(boxes: list[Box], page: int) -> Box:
    on_page = [b for b in boxes if b.page == page]
    out = on_page[0]
    for b in on_page[1:]:
        out = out.union(b)
    return out


def review_items(conn: Connection, archive, out: Path, limit: int = REVIEW_SHOWN) -> tuple[list[dict], int]:
    """The cells waiting for review in the queue's order (OCR's doubtful readings with their
    alternatives, then cells of failed checks, then lowest score first; at most `limit`), each
    with the crop of its cell (item["crop"]); and how many wait in all."""
    from sqlalchemy import text

    from warehouse.reviews import queue, queue_size

    items = queue(conn, pending_only=True, limit=limit)
    total = queue_size(conn)
    files = {
        r.id: (r.storage_key, r.media_type)
        for r in conn.execute(
            text("SELECT id, storage_key, media_type FROM disclosure.archived_file WHERE id = ANY(:ids)"),
            {"ids": sorted({i["archived_file_id"] for i in items})},
        )
    }
    by_file: dict[int, list[dict]] = defaultdict(list)
    for item in items:
        item["cell"] = f"{item['table_code'].strip()}[{item['row_key']}].{item['col']}"
        by_file[item["archived_file_id"]].append(item)
    for file_id, rows in by_file.items():
        storage_key, media_type = files.get(file_id, (None, None))
        pdf = _pdf_bytes(archive, storage_key, media_type)
        if pdf is None:
            continue
        renderer = PageRenderer(pdf, storage_key)
        for item in rows:
            if item["box_x0"] is None or item["page"] is None:
                continue
            box = Box(item["page"], item["box_x0"], item["box_top"], item["box_x1"], item["box_bottom"])
            name = hashlib.sha256(f"{file_id}/{item['cell']}".encode()).hexdigest()[:16]
            path = out / "crops" / "review" / f"{file_id}-{name}.png"
            path.parent.mkdir(parents=True, exist_ok=True)
            try:
                renderer.crop([box]).image.save(path, optimize=True)
            except (ParseError, ValueError, OSError) as exc:
                log.warning("no crop for archived file %s cell %s: %s", file_id, item["cell"], exc)
                continue
            item["crop"] = path.relative_to(out).as_posix()
    return items, total
