"""Ceilings that keep one hostile file from taking the night down (issues #10, #17).

The ceilings a user can move are settings (disclosure/settings.py: their defaults, variables and
meaning are defined there once); the crawler's download cap is the same `max_file_bytes`
(DISCLOSURE_MAX_FILE_MB). Every refusal is a ParseError that names the limit and the variable
that raises it.
"""

from __future__ import annotations

from dataclasses import dataclass

from disclosure.settings import MB, Settings, load_settings

# Limit → the settings field that sets it, and the factor from the setting's unit.
SETTING_OF = {
    "max_file_bytes": ("max_file_mb", MB),
    "max_unpacked_bytes": ("max_unpacked_mb", MB),
    "max_pdf_pages": ("max_pdf_pages", 1),
    "max_ocr_pages": ("max_ocr_pages", 1),
    "max_page_pixels": ("max_page_pixels", 1),
    "max_sheet_cells": ("max_sheet_cells", 1),
    "parse_timeout": ("parse_timeout", 1),
}


def _default(limit: str):
    field, factor = SETTING_OF[limit]
    return Settings.model_fields[field].default * factor


@dataclass(frozen=True)
class Limits:
    max_file_bytes: int = _default("max_file_bytes")
    max_unpacked_bytes: int = _default("max_unpacked_bytes")
    max_ratio: int = 200  # uncompressed/compressed per member; zip bombs run to thousands
    max_members: int = 500
    max_depth: int = 2  # a zip inside a zip is read; one more level is refused
    max_pdf_pages: int = _default("max_pdf_pages")
    max_ocr_pages: int = _default("max_ocr_pages")
    max_page_pixels: int = _default("max_page_pixels")
    max_sheet_cells: int = _default("max_sheet_cells")
    parse_timeout: float = _default("parse_timeout")

    @property
    def max_sheet_area(self) -> int:
        """Rows × columns a sheet's grid may span once empty rows and columns are dropped."""
        return self.max_sheet_cells * 4

    @classmethod
    def from_env(cls) -> Limits:
        settings = load_settings()
        return cls(**{limit: getattr(settings, field) * factor for limit, (field, factor) in SETTING_OF.items()})


def variable_of(name: str) -> str:
    """The environment variable that sets limit `name` (for error messages)."""
    name = {"max_sheet_area": "max_sheet_cells"}.get(name, name)  # derived from it
    if name not in SETTING_OF:
        return "nothing: fixed"
    return Settings.model_fields[SETTING_OF[name][0]].validation_alias


def exceeded(name: str, what: str, limit) -> str:
    """One wording for every refusal: what was found, the limit, and how to raise it."""
    return f"{what} exceeds the limit {name}={limit} (set {variable_of(name)} to change it)"
