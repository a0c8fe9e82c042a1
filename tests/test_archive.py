"""The archive: content-addressed, atomic, never overwritten; local or an S3-compatible bucket
(moto's S3 server on 127.0.0.1 standing in for MinIO)."""

import hashlib

import pytest

from archive.store import read_bytes, storage_key, store_bytes
from disclosure import pipeline


def test_local_archive_is_content_addressed_and_idempotent(tmp_path):
    sha, key = store_bytes(tmp_path, b"%PDF-1.4 one")
    assert sha == hashlib.sha256(b"%PDF-1.4 one").hexdigest() and key == storage_key(sha)
    path = tmp_path / key
    mtime = path.stat().st_mtime_ns
    assert store_bytes(tmp_path, b"%PDF-1.4 one") == (sha, key)
    assert path.stat().st_mtime_ns == mtime  # written once
    assert read_bytes(tmp_path, key) == b"%PDF-1.4 one"
    assert not list(tmp_path.rglob(".partial-*"))


@pytest.fixture
def s3_bucket(monkeypatch):
    from moto.server import ThreadedMotoServer

    server = ThreadedMotoServer(ip_address="127.0.0.1", port=0)
    server.start()
    host, port = server.get_host_and_port()
    for key, value in {
        "AWS_ENDPOINT_URL": f"http://{host}:{port}",
        "AWS_ACCESS_KEY_ID": "test",
        "AWS_SECRET_ACCESS_KEY": "test",
        "AWS_DEFAULT_REGION": "us-east-1",
    }.items():
        monkeypatch.setenv(key, value)
    import uuid

    import boto3

    client = boto3.client("s3")
    if "disclosure-archive" not in [b["Name"] for b in client.list_buckets()["Buckets"]]:
        client.create_bucket(Bucket="disclosure-archive")
    yield f"s3://disclosure-archive/shanxi-{uuid.uuid4().hex[:8]}"  # moto keeps objects across servers
    server.stop()


def test_s3_archive_round_trip(s3_bucket):
    sha, key = store_bytes(s3_bucket, b"%PDF-1.4 two")
    assert read_bytes(s3_bucket, key) == b"%PDF-1.4 two"
    assert store_bytes(s3_bucket, b"%PDF-1.4 two") == (sha, key)


def test_the_pipeline_archives_to_the_bucket(env_settings, s3_bucket, monkeypatch):
    """Workers on several hosts share the archive: crawl (its own process) writes to the bucket,
    parsing reads from it; nothing lands in the local folder."""
    monkeypatch.setenv("DISCLOSURE_ARCHIVE_URL", s3_bucket)
    ctx = pipeline.context()
    out = pipeline.run_once(ctx)
    assert out["parse"]["parsed"] == 2
    assert not ctx.settings.archive_dir.exists() or not any(ctx.settings.archive_dir.rglob("*"))
    import boto3

    prefix = s3_bucket.removeprefix("s3://disclosure-archive/")
    listing = boto3.client("s3").list_objects_v2(Bucket="disclosure-archive", Prefix=prefix)
    keys = [o["Key"] for o in listing["Contents"]]
    files = [k for k in keys if k.startswith(f"{prefix}/sha256/")]
    warcs = [k for k in keys if k.startswith(f"{prefix}/warc/")]
    assert len(files) == 2 and len(warcs) == 2 and len(keys) == 4  # the files and each crawl's WARC
