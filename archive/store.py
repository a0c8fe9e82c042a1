"""Content-addressed archive: files stored by sha256, written once, never overwritten.

The location is a local folder (default) or any fsspec URL, e.g. `s3://bucket/prefix` for an
S3-compatible bucket (MinIO in docker-compose) shared by workers on several hosts; endpoint
and keys come from the environment (AWS_ENDPOINT_URL, AWS_ACCESS_KEY_ID, …). Downloaded
names never become paths: the key is the hash.
"""

from __future__ import annotations

import hashlib
import os
import re
import tempfile
from pathlib import Path

Location = str | Path


def storage_key(sha256: str) -> str:
    return f"sha256/{sha256[:2]}/{sha256[2:4]}/{sha256}"


def _remote(location: Location) -> bool:
    return "://" in str(location) and not str(location).startswith("file://")


def _fs_and_root(location: Location):
    import fsspec

    from disclosure.settings import load_settings

    options = {}
    endpoint = load_settings().aws_endpoint_url
    if str(location).startswith("s3://") and endpoint:
        # Explicit, so that fsspec's cached client is per endpoint (MinIO, another bucket host).
        options["endpoint_url"] = endpoint
    fs, root = fsspec.core.url_to_fs(str(location), **options)
    return fs, root.rstrip("/")


def store_bytes(location: Location, data: bytes) -> tuple[str, str]:
    """Write `data` once under its hash; return (sha256, storage key)."""
    digest = hashlib.sha256(data).hexdigest()
    key = storage_key(digest)
    if _remote(location):
        fs, root = _fs_and_root(location)
        path = f"{root}/{key}"
        if not fs.exists(path):
            fs.pipe_file(path, data)  # an object store makes the object visible only once complete
        return digest, key
    target = Path(str(location).removeprefix("file://")) / key
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


_KEY_PART = re.compile(r"^[A-Za-z0-9_-][A-Za-z0-9._-]*$")


def check_key(key: str) -> str:
    """A key the project built (warc/<site>/<time>.warc.gz): plain parts only, so that no part
    taken from the registry can climb out of the archive ('..', '/', a drive, a NUL)."""
    parts = key.split("/")
    if not all(_KEY_PART.match(p) and p not in (".", "..") for p in parts):
        raise ValueError(f"archive key {key!r} has a part that is not a plain name: refused")
    return key


def store_named(location: Location, key: str, source: Path) -> str:
    """Copy a file the project itself named (a crawl's WARC) to `key` in the archive, atomically."""
    check_key(key)
    if _remote(location):
        fs, root = _fs_and_root(location)
        fs.put_file(str(source), f"{root}/{key}")
        return key
    target = Path(str(location).removeprefix("file://")) / key
    target.parent.mkdir(parents=True, exist_ok=True)
    tmp = target.with_name(f".partial-{target.name}")
    tmp.write_bytes(source.read_bytes())
    os.replace(tmp, target)
    return key


def read_bytes(location: Location, key: str) -> bytes:
    if _remote(location):
        fs, root = _fs_and_root(location)
        return fs.cat_file(f"{root}/{key}")
    return (Path(str(location).removeprefix("file://")) / key).read_bytes()
