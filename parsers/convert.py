"""Format conversion by LibreOffice, for the formats no Python library reads (Word 97 DOC).

Each conversion runs headless soffice in its own temporary profile, so conversions in
parallel tasks do not share (and lock) one user profile, under a time limit.
"""

from __future__ import annotations

import shutil
import subprocess
import tempfile
from pathlib import Path

from disclosure.settings import load_settings
from parsers.model import ParseError


def soffice_path() -> str | None:
    return shutil.which("soffice") or shutil.which("libreoffice")


def convert(data: bytes, source: str, suffix: str, target: str) -> bytes:
    """`data` (a file ending in `suffix`) converted to `target` ("docx", "pdf", "doc")."""
    soffice = soffice_path()
    if soffice is None:
        raise ParseError(
            source,
            f"{suffix} files are converted by LibreOffice, which is not installed "
            "(`make system-deps` installs libreoffice-writer-nogui)",
        )
    timeout = load_settings().convert_timeout
    with tempfile.TemporaryDirectory(prefix="convert-") as tmp:
        original = Path(tmp) / f"document{suffix}"
        original.write_bytes(data)
        command = [
            soffice,
            f"-env:UserInstallation=file://{tmp}/profile",
            "--headless",
            "--norestore",
            "--convert-to",
            target,
            "--outdir",
            f"{tmp}/out",
            str(original),
        ]
        try:
            done = subprocess.run(command, capture_output=True, timeout=timeout)
        except subprocess.TimeoutExpired as exc:
            raise ParseError(source, f"LibreOffice took longer than {timeout:.0f} s to convert it to {target}") from exc
        converted = Path(tmp) / "out" / f"document.{target}"
        if done.returncode != 0 or not converted.exists():
            said = (done.stderr or done.stdout).decode("utf-8", "replace").splitlines()
            detail = " ".join(line for line in said if "javaldx" not in line).strip()[-300:]
            raise ParseError(
                source,
                f"LibreOffice could not convert it to {target} "
                f"(exit {done.returncode}{': ' + detail if detail else ''})",
            )
        return converted.read_bytes()
