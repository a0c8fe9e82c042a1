"""What a parse returns."""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from decimal import Decimal
from typing import NamedTuple

# A setting that cannot work (an unknown engine) stops the run instead of failing file by file;
# parsers raise the one error every bad setting raises.
from disclosure.settings import ConfigurationError  # noqa: F401
from parsers.templates import tables

# Bump when the output of any parser changes: the store re-parses archived files then.
PARSER_VERSION = (
    # 0.4: tables by meaning (template catalogue), budgets read, identity from the document, coverage;
    # 0.5: boxes of cells, claims and evaluation fields, OCR scores; what a careful reader notes
    # (ParseResult.reading, parsers.careful); budget 说明 claims; 0.5.1: a cover ends at its first part;
    # 0.5.2: OCR's subject codes judged against the classification catalogue (parsers.subject_codes)
    "0.5.2"
)

# The ten standard tables of a final account, as the template catalogue (templates.json) lists them.
TABLE_CODES = tuple(tables())


class ParseError(Exception):
    """A file that cannot be parsed; the message names the file and the reason."""

    def __init__(self, source: str, reason: str):
        super().__init__(f"{source}: {reason}")
        self.source = source
        self.reason = reason


# Boxes are PDF points with the origin at the top-left corner of the page as displayed (after
# its /Rotate), x to the right and y downwards: pdfplumber's x0, top, x1, bottom. A scan's boxes
# are its pixels brought back to points on the unstraightened page.
BOX_ORIGIN = "top-left of the displayed page, PDF points, y down"


class Box(NamedTuple):
    """Where something is printed: its page (from 1) and rectangle (see BOX_ORIGIN)."""

    page: int
    x0: float
    top: float
    x1: float
    bottom: float

    def to_json(self) -> list:
        return [self.page, *(round(v, 1) for v in self[1:])]

    @classmethod
    def from_json(cls, data) -> Box | None:
        return cls(int(data[0]), *map(float, data[1:5])) if data else None

    def union(self, other: Box) -> Box:
        return Box(
            self.page,
            min(self.x0, other.x0),
            min(self.top, other.top),
            max(self.x1, other.x1),
            max(self.bottom, other.bottom),
        )


@dataclass(frozen=True)
class Cell:
    table: str
    row: str
    col: int
    value: Decimal
    label: str = ""
    page: int | None = None
    # Where the value is printed (the rectangle of its grid cell), where the reader knows it
    # (PDFs and scans, not spreadsheets or HTML); and, read by OCR, the recogniser's lowest
    # confidence among its pieces (0-1). Neither takes part in comparing two parses' cells.
    bbox: Box | None = field(default=None, compare=False)
    score: float | None = field(default=None, compare=False)

    def to_json(self) -> dict:
        out = {
            "table": self.table,
            "row": self.row,
            "col": self.col,
            "value": str(self.value),
            "label": self.label,
            "page": self.page,
        }
        if self.bbox is not None:
            out["bbox"] = self.bbox.to_json()
        if self.score is not None:
            out["score"] = round(self.score, 3)
        return out


@dataclass
class TableInfo:
    status: str = "missing"  # present | empty | missing
    pages: list[int] = field(default_factory=list)
    amount_unit: str | None = None  # 万元, 元 … as its caption prints it (金额单位：万元)
    # How the table was recognised (marker, title, header, rows, continuation): the
    # strongest evidence the assembler found, so a weak recognition can be told apart.
    evidence: str | None = None


# Evidence too weak to trust a table's figures without a person looking: a grid with no title
# and no header, taken for a table because its rows fit (the review queue lists its cells).
WEAK_EVIDENCE = ("rows",)


@dataclass
class ParseResult:
    source: str
    unit: str | None
    year: int | None
    kind: str | None
    tables: dict[str, TableInfo]
    cells: list[Cell]
    claims: list[dict] = field(default_factory=list)
    evaluations: list[dict] = field(default_factory=list)
    targets: list[dict] = field(default_factory=list)  # a budget's 绩效目标表 indicators (parsers.budget)
    pages: int = 0
    parser_version: str = PARSER_VERSION
    problems: list[str] = field(default_factory=list)  # parts that could not be read, e.g. a bundle member
    unit_code: str | None = None  # the unit's budget code, where the filing prints it
    qualifier: str | None = None  # 汇总 | 本级, as the cover prints it after the unit's name
    template: str | None = None  # the template family its tables follow (see the template catalogue)
    required_tables: tuple[str, ...] = ()  # the tables that template requires; () when unknown
    # filing | partial (fewer tables than its template requires) | unrecognised (a filing by its
    # identity, no table recognised) | not_a_filing (a checklist, landing page, blank template…)
    status: str = "filing"
    coverage: dict = field(default_factory=dict)  # tables recognised, cells per table, evidence, unassigned pages
    read_by_ocr: bool = False  # its figures came from OCR: validation.misreads names the doubtful ones
    # What a careful reader notes (parsers.careful): placeholders, years, contents, the narrative's
    # own arithmetic; {} when the filing was not read so (validation.careful: not evaluated).
    reading: dict = field(default_factory=dict)

    def cell_map(self) -> dict[tuple[str, str, int], Decimal]:
        return {(c.table, c.row, c.col): c.value for c in self.cells}

    def tables_json(self) -> dict:
        return {k: asdict(v) for k, v in sorted(self.tables.items())}

    def to_json(self) -> dict:
        return {
            "source": self.source,
            "unit": self.unit,
            "unit_code": self.unit_code,
            "year": self.year,
            "kind": self.kind,
            "qualifier": self.qualifier,
            "parser_version": self.parser_version,
            "pages": self.pages,
            "tables": self.tables_json(),
            "cells": [c.to_json() for c in self.cells],
            "claims": self.claims,
            "evaluations": self.evaluations,
            "targets": self.targets,
            "problems": self.problems,
            "template": self.template,
            "required_tables": list(self.required_tables),
            "status": self.status,
            "coverage": self.coverage,
            "reading": self.reading,
        }
