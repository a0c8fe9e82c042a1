"""Content-addressed archive: files stored by sha256, written atomically, never overwritten."""
from __future__ import annotations

import hashlib
import os
import tempfile
from pathlib import Path


def storage_key(sha256: str) -> str:
    return f"sha256/{sha256[:2]}/{sha256[2:4]}/{sha256}"


def store_bytes(archive_dir: Path, data: bytes) -> tuple[str, str]:
    """Write `data` once under its hash; return (sha256, storage key). Names never become paths."""
    digest = hashlib.sha256(data).hexdigest()
    key = storage_key(digest)
    target = Path(archive_dir) / key
    if not target.exists():
        target.parent.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(dir=target.parent, prefix=".partial-")
        try:
            with os.fdopen(fd, "wb") as fh:
                fh.write(data)
                fh.flush()
                os.fsync(fh.fileno())
            os.replace(tmp, target)  # atomic: a reader never sees a partial file
        except BaseException:
            Path(tmp).unlink(missing_ok=True)
            raise
    return digest, key


def read_bytes(archive_dir: Path, key: str) -> bytes:
    return (Path(archive_dir) / key).read_bytes()
