"""Ceilings that keep one hostile file from taking the night down (issues #10, #17).

Defined once here, with the one table of the variables that move them (`Limits.from_env`);
the crawler's download cap is the same `max_file_bytes` (DISCLOSURE_MAX_FILE_MB).
Every refusal is a ParseError that names the limit and the variable that raises it.
"""
from __future__ import annotations

import os
from dataclasses import dataclass

MB = 1024 * 1024

# Variable → (field, factor): the one table of which setting moves which ceiling.
ENVIRONMENT = {
    "DISCLOSURE_MAX_FILE_MB": ("max_file_bytes", MB),
    "DISCLOSURE_MAX_UNPACKED_MB": ("max_unpacked_bytes", MB),
    "DISCLOSURE_MAX_PDF_PAGES": ("max_pdf_pages", 1),
    "DISCLOSURE_MAX_OCR_PAGES": ("max_ocr_pages", 1),
    "DISCLOSURE_MAX_PAGE_PIXELS": ("max_page_pixels", 1),
    "DISCLOSURE_MAX_SHEET_CELLS": ("max_sheet_cells", 1),
    "DISCLOSURE_PARSE_TIMEOUT": ("parse_timeout", 1),
}


@dataclass(frozen=True)
class Limits:
    max_file_bytes: int = 300 * MB  # larger than any real filing seen; the crawler stops here too
    max_unpacked_bytes: int = 600 * MB  # sum over an archive's members
    max_ratio: int = 200  # uncompressed/compressed per member; zip bombs run to thousands
    max_members: int = 500
    max_depth: int = 2  # a zip inside a zip is read; one more level is refused
    max_pdf_pages: int = 5000  # the longest real filings run to a few hundred pages
    max_ocr_pages: int = 400  # OCR takes ~10 s a page: 400 pages is already an hour
    max_page_pixels: int = 80_000_000  # an A0 sheet at the OCR's 200 dpi is 62 Mpx; 14,400 pt is 1.6 Gpx
    max_sheet_cells: int = 1_000_000  # cells holding a value, per sheet; real tables hold a few thousand
    parse_timeout: float = 1800.0  # seconds one file may take (a 400-page scan OCRs in ~1000 s); 0: no child

    @property
    def max_sheet_area(self) -> int:
        """Rows × columns a sheet's grid may span once empty rows and columns are dropped."""
        return self.max_sheet_cells * 4

    @classmethod
    def from_env(cls, env: dict[str, str] | None = None) -> "Limits":
        env = os.environ if env is None else env
        values = {}
        for variable, (name, factor) in ENVIRONMENT.items():
            if env.get(variable):
                kind = float if name == "parse_timeout" else int
                try:
                    values[name] = kind(float(env[variable]) * factor)
                except ValueError as exc:
                    raise ValueError(f"{variable}={env[variable]!r} is not a number") from exc
        return cls(**values)


def variable_of(name: str) -> str:
    """The environment variable that sets limit `name` (for error messages)."""
    name = {"max_sheet_area": "max_sheet_cells"}.get(name, name)  # derived from it
    return next((v for v, (field, _) in ENVIRONMENT.items() if field == name), "nothing: fixed")


def exceeded(name: str, what: str, limit) -> str:
    """One wording for every refusal: what was found, the limit, and how to raise it."""
    return f"{what} exceeds the limit {name}={limit} (set {variable_of(name)} to change it)"
