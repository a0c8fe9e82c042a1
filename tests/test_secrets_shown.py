"""Credentials are never rendered or logged (issue #17): one helper strips the userinfo of
every URL shown, whatever the password holds, and log records mask the configured secrets."""

import logging

import pytest

from disclosure.settings import protect_logs, redact_url, url_secrets
from reporting.html import archived_copy


@pytest.mark.parametrize(
    "url, shown",
    [
        ("postgresql://app:s3cr@t#1@db.example.org:5432/store", "postgresql://db.example.org:5432/store"),
        (
            "postgresql+psycopg://app:p:w@d@127.0.0.1/x?sslmode=require",
            "postgresql+psycopg://127.0.0.1/x?sslmode=require",
        ),
        ("s3://AKIAKEY:wJalr/SECRET@bucket/prefix", "s3://bucket/prefix"),
        ("mailtos://user:pa@ss@smtp.example.org?to=desk@example.org", "mailtos://smtp.example.org?to=desk@example.org"),
        (
            "mailto://127.0.0.1:25?from=watch@example.org&to=desk@example.org",
            "mailto://127.0.0.1:25?from=watch@example.org&to=desk@example.org",
        ),
        ("http://czj.example.gov.cn/files/a@b.pdf", "http://czj.example.gov.cn/files/a@b.pdf"),
        ("http://czj.example.gov.cn:8080/files/a@b.pdf", "http://czj.example.gov.cn:8080/files/a@b.pdf"),
        ("/var/archive", "/var/archive"),
    ],
)
def test_userinfo_is_stripped_and_nothing_else(url, shown):
    assert redact_url(url) == shown


def test_the_reports_archive_links_carry_no_keys(tmp_path):
    # The report links a copy of each cited file inside its own folder, never the archive's URL.
    archive = tmp_path / "archive"
    (archive / "sha256" / "ab" / "cd").mkdir(parents=True)
    (archive / "sha256" / "ab" / "cd" / "abcd").write_bytes(b"%PDF-1.4 ...")
    link = archived_copy(f"file://{archive}", "sha256/ab/cd/abcd", tmp_path / "report")
    assert link == "files/abcd.pdf" and (tmp_path / "report" / link).read_bytes() == b"%PDF-1.4 ..."


def test_log_records_and_tracebacks_mask_the_configured_secrets(caplog):
    url = "postgresql://app:p@ss#w0rd@db.example.org/store"
    assert url_secrets(url) == ["app:p@ss#w0rd", "p@ss#w0rd", "ss#w0rd", "p@ss", "w0rd"]
    protect_logs([url, None, "/var/archive"])
    log = logging.getLogger("disclosure.test")
    with caplog.at_level(logging.WARNING):
        # what a driver says when it split the URL at the first '@': half the password as host
        log.warning("database unavailable (%s); retrying", 'could not translate host name "ss#w0rd@db.example.org"')
        try:
            raise RuntimeError(f"connect to {url} failed")
        except RuntimeError:
            log.exception("stage failed")
    text = caplog.text
    assert "w0rd" not in text and "p@ss" not in text
    assert 'could not translate host name "***@db.example.org"' in text
    assert "connect to postgresql://***@db.example.org/store failed" in text  # in the traceback too


def test_a_user_name_without_a_password_is_not_masked():
    # CI's DATABASE_URL names the user "postgres": masking it would garble every "postgresql" in the logs.
    assert url_secrets("postgresql://postgres@127.0.0.1:5432/test") == []
    assert url_secrets("postgresql://postgres:s3cret@127.0.0.1/test") == ["postgres:s3cret", "s3cret"]


def test_a_database_password_holding_at_and_hash_reaches_the_driver_whole():
    from sqlalchemy.engine import make_url

    from warehouse.db import normalise_url

    url = make_url(normalise_url("postgresql://app:p@ss#1/x@db.example.org:5432/store"))
    assert (url.username, url.password, url.host, url.port, url.database) == (
        "app",
        "p@ss#1/x",
        "db.example.org",
        5432,
        "store",
    )
    assert normalise_url("postgresql://app:p%40ss@db/x") == "postgresql+psycopg://app:p%40ss@db/x"
    assert (
        normalise_url("postgresql://postgres@127.0.0.1:5432/test")
        == "postgresql+psycopg://postgres@127.0.0.1:5432/test"
    )
