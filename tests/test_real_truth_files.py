"""The hand-checked truth for the real documents (tests/real/truth/) is well formed, and the
documents it describes are the published ones. Deliberately parser-free: a truth file that
agreed with the parser because it was read through it would prove nothing."""

from __future__ import annotations

import hashlib
import json
import os
import re
from decimal import Decimal
from pathlib import Path

import pypdfium2
import pytest

REAL = Path(__file__).resolve().parent / "real"
TRUTH = REAL / "truth"
DOCUMENT_SUFFIXES = {".pdf", ".xlsx", ".html"}
DECIMAL = re.compile(r"-?\d+(\.\d+)?")
KINDS = {"部门决算", "单位决算", "部门预算", "单位预算"}
QUALIFIERS = {"汇总", "本级", None}
# Rows each final-account table may use (filings.md, "Canonical cell keys").
SUBJECT_CODE = re.compile(r"\d{3}(\d{2}){0,2}")
ECONOMIC_CODE = re.compile(r"\d{3}(\d{2})?")
FINAL_COLUMNS = {
    "01": range(1, 3),
    "02": range(1, 8),
    "03": range(1, 7),
    "04": range(1, 6),
    "05": range(1, 4),
    "06": range(1, 2),
    "07": range(1, 7),
    "08": range(1, 4),
    "09": range(1, 13),
    "10": range(1, 2),
}
CLAIM_KEY = re.compile(r"(0[1-9]|10)\[[^\]]+\]\.\d{1,2}")


def documents() -> list[Path]:
    return sorted(p for p in REAL.iterdir() if p.suffix in DOCUMENT_SUFFIXES)


def truth_files() -> list[Path]:
    return sorted(p for p in TRUTH.glob("*.json") if p.name != "identity.json")


def page_count(path: Path) -> int:
    pdf = pypdfium2.PdfDocument(str(path))
    try:
        return len(pdf)
    finally:
        pdf.close()


def is_decimal(value) -> bool:
    return isinstance(value, str) and DECIMAL.fullmatch(value) is not None


def final_row_ok(table: str, row: str) -> bool:
    if table in ("01", "04", "10"):
        last = {"01": 62, "04": 64, "10": 17}[table]
        return row.isdigit() and 1 <= int(row) <= last
    if table == "06":
        return row in ("人员经费合计", "公用经费合计") or ECONOMIC_CODE.fullmatch(row) is not None
    if table == "09":
        return row == "1"
    return row == "合计" or SUBJECT_CODE.fullmatch(row) is not None


def test_identity_covers_every_document():
    identity = json.loads((TRUTH / "identity.json").read_text(encoding="utf-8"))
    assert sorted(identity) == [p.name for p in documents()]
    for name, entry in identity.items():
        assert set(entry) >= {
            "is_filing",
            "unit",
            "year",
            "kind",
            "qualifier",
            "template",
            "tables_printed",
            "reason",
            "defects",
        }, name
        assert isinstance(entry["is_filing"], bool), name
        assert entry["qualifier"] in QUALIFIERS, name
        assert isinstance(entry["template"], str) and entry["template"], name
        assert isinstance(entry["tables_printed"], list) and isinstance(entry["defects"], list), name
        if entry["is_filing"]:
            assert entry["kind"] in KINDS and isinstance(entry["year"], int), name
            assert entry["unit"] and entry["reason"] is None, name
        else:
            assert entry["reason"], f"{name}: a non-filing says why"
        if entry["is_filing"] and entry["kind"].endswith("决算"):
            assert set(entry["tables_printed"]) <= set(FINAL_COLUMNS), name
        if "table_pages" in entry:  # final accounts: the pages each printed table spans, in printed order
            assert list(entry["table_pages"]) == entry["tables_printed"], name
            last = page_count(REAL / name)
            assert all(1 <= p <= last for pages in entry["table_pages"].values() for p in pages), name


def test_every_truth_file_names_a_real_pdf_and_its_page_count():
    assert truth_files(), "no truth files"
    for path in truth_files():
        doc = json.loads(path.read_text(encoding="utf-8"))
        pdf = REAL / doc["file"]
        assert pdf.exists() and path.stem == pdf.stem, path.name
        assert doc["pages"] == page_count(pdf), path.name


@pytest.mark.parametrize(
    "path", [p for p in truth_files() if "cells" in json.loads(p.read_text(encoding="utf-8"))], ids=lambda p: p.stem
)
def test_final_account_truth_shape(path: Path):
    doc = json.loads(path.read_text(encoding="utf-8"))
    assert set(doc) == {"file", "pages", "cells", "claims", "notes"}
    seen = set()
    for cell in doc["cells"]:
        where = f"{path.name}: {cell}"
        assert set(cell) == {"table", "row", "col", "value", "page", "label"}, where
        assert cell["table"] in FINAL_COLUMNS and final_row_ok(cell["table"], cell["row"]), where
        assert cell["col"] in FINAL_COLUMNS[cell["table"]], where
        assert is_decimal(cell["value"]) and 1 <= cell["page"] <= doc["pages"], where
        key = (cell["table"], cell["row"], cell["col"])
        assert key not in seen, where
        seen.add(key)
    assert doc["claims"], path.name
    for claim in doc["claims"]:
        assert set(claim) == {"page", "text", "value", "means"}, claim
        assert CLAIM_KEY.fullmatch(claim["means"]) and is_decimal(claim["value"]), claim
        assert 1 <= claim["page"] <= doc["pages"], claim
        # The sentence restates the value as printed (the claim was copied, not computed).
        number = Decimal(claim["value"])
        printed = {Decimal(n) for n in re.findall(r"\d+(?:\.\d+)?", claim["text"].replace(",", ""))}
        assert number in printed, claim


@pytest.mark.parametrize(
    "path", [p for p in truth_files() if "tables" in json.loads(p.read_text(encoding="utf-8"))], ids=lambda p: p.stem
)
def test_budget_truth_shape(path: Path):
    doc = json.loads(path.read_text(encoding="utf-8"))
    assert set(doc) == {"file", "pages", "tables", "notes"}
    assert doc["tables"], path.name
    for table in doc["tables"]:
        assert set(table) == {"page", "title", "number", "amount_unit", "cells"}, table["title"]
        assert table["title"] and table["amount_unit"] in ("元", "万元"), table["title"]
        assert 1 <= table["page"] <= doc["pages"], table["title"]
        keys = [(c["row"], c["column"]) for c in table["cells"]]
        assert len(keys) == len(set(keys)), table["title"]
        for cell in table["cells"]:
            where = f"{path.name} / {table['title']}: {cell}"
            assert set(cell) == {"row", "column", "value", "page"}, where
            assert cell["row"] and cell["column"] and is_decimal(cell["value"]), where
            assert table["page"] <= cell["page"] <= doc["pages"], where


NUMBER = re.compile(r"-?\d[\d,]*(?:\.\d+)?")


@pytest.mark.parametrize("path", truth_files(), ids=lambda p: p.stem)
def test_every_value_is_printed_on_the_page_it_names(path: Path):
    """A cheap guard against a typo or a wrong page: each value, as printed, is a number in the
    raw text layer of its page (the values were read on the page images; this only re-finds them)."""
    doc = json.loads(path.read_text(encoding="utf-8"))
    cells = doc.get("cells") or [c for t in doc["tables"] for c in t["cells"]]
    pdf = pypdfium2.PdfDocument(str(REAL / doc["file"]))
    try:
        printed: dict[int, set[str]] = {}
        for cell in cells:
            page = cell["page"]
            if page not in printed:
                text = pdf[page - 1].get_textpage().get_text_range()
                printed[page] = {n.replace(",", "") for n in NUMBER.findall(text)}
            assert cell["value"] in printed[page], f"{path.name}: {cell}"
    finally:
        pdf.close()


@pytest.mark.parametrize(
    "path", [p for p in truth_files() if "tables" in json.loads(p.read_text(encoding="utf-8"))], ids=lambda p: p.stem
)
def test_every_budget_title_and_marker_is_printed(path: Path):
    """Each table's title is on its page; its marker on that page or at the foot of the one before
    (three documents print a marker there, as their notes say)."""
    doc = json.loads(path.read_text(encoding="utf-8"))
    pdf = pypdfium2.PdfDocument(str(REAL / doc["file"]))
    try:
        squeeze = lambda page: re.sub(r"\s+", "", pdf[page - 1].get_textpage().get_text_range())  # noqa: E731
        for table in doc["tables"]:
            assert re.sub(r"\s+", "", table["title"]) in squeeze(table["page"]), table["title"]
            if table["number"]:
                near = squeeze(table["page"]) + (squeeze(table["page"] - 1) if table["page"] > 1 else "")
                assert table["number"] in near, (table["title"], table["number"])
    finally:
        pdf.close()


def published_copies() -> Path | None:
    """The folder the copies in tests/real/ were taken from, when this machine has it."""
    candidates = [os.environ.get("DISCLOSURE_REAL_SOURCE"), Path(__file__).resolve().parents[2] / "shared" / "real"]
    return next((Path(c) for c in candidates if c and Path(c).is_dir()), None)


def test_copies_equal_the_published_files():
    source = published_copies()
    if source is None:
        pytest.skip("the shared folder of real documents is not on this machine")
    digest = lambda p: hashlib.sha256(p.read_bytes()).hexdigest()  # noqa: E731
    ours = {p.name: digest(p) for p in REAL.iterdir() if p.is_file()}
    theirs = {p.name: digest(p) for p in source.iterdir() if p.is_file()}
    assert ours == theirs
