"""Ceilings that keep one hostile file from taking the night down (issue #10)."""
from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Limits:
    max_file_bytes: int = 300 * 1024 * 1024  # larger than any real filing seen
    max_unpacked_bytes: int = 600 * 1024 * 1024  # sum over an archive's members
    max_ratio: int = 200  # uncompressed/compressed per member; zip bombs run to thousands
    max_members: int = 500
    max_depth: int = 2  # a zip inside a zip is read; one more level is refused

    @classmethod
    def from_env(cls) -> "Limits":
        from disclosure.settings import load_settings

        settings = load_settings()
        return cls(max_file_bytes=settings.max_file_bytes, max_unpacked_bytes=settings.max_unpacked_bytes)
