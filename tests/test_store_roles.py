"""The analysts' role reads its own store only and cannot touch the crawler's locks; the host
lock waits with a limit and names who holds it (issue #17)."""

import uuid

import pytest
from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url
from sqlalchemy.exc import DBAPIError

from warehouse.host_locks import LOCK_NAMESPACE, HostLockTimeout, host_locks
from warehouse.migrate import upgrade
from warehouse.roles import ensure_readonly_role, reader_role


@pytest.fixture
def two_stores(server_url):
    """Two migrated stores on one server, each with its read-only role."""
    admin = create_engine(server_url, isolation_level="AUTOCOMMIT")
    names = [f"disclosure_t_{uuid.uuid4().hex[:12]}" for _ in range(2)]
    urls = []
    with admin.connect() as conn:
        for name in names:
            conn.execute(text(f'CREATE DATABASE "{name}"'))
    for name in names:
        url = make_url(server_url).set(database=name).render_as_string(hide_password=False)
        upgrade(url)
        urls.append(url)
    engines = [create_engine(u) for u in urls]
    roles = [ensure_readonly_role(e) for e in engines]
    login = f"analyst_{uuid.uuid4().hex[:8]}"
    with admin.connect() as conn:
        conn.execute(text(f"CREATE ROLE {login} LOGIN IN ROLE {roles[0]}"))
    yield urls, engines, roles, login
    for e in engines:
        e.dispose()
    with admin.connect() as conn:
        for name in names:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        conn.execute(text(f"DROP ROLE IF EXISTS {login}"))
        for role in roles:
            conn.execute(text(f"DROP ROLE IF EXISTS {role}"))
    admin.dispose()


def _as(url: str, login: str):
    return create_engine(make_url(url).set(username=login, password=None))


def test_the_reader_of_one_store_cannot_read_another_on_the_same_server(two_stores):
    urls, _engines, roles, login = two_stores
    assert roles == [reader_role(make_url(u).database) for u in urls] and roles[0] != roles[1]
    mine, other = _as(urls[0], login), _as(urls[1], login)
    try:
        with mine.connect() as conn:
            assert conn.execute(text("SELECT count(*) FROM disclosure.site")).scalar() == 0
        with other.connect() as conn, pytest.raises(DBAPIError, match="permission denied for schema disclosure"):
            conn.execute(text("SELECT count(*) FROM disclosure.site"))
    finally:
        mine.dispose()
        other.dispose()


def test_the_reader_cannot_take_the_crawlers_advisory_locks(two_stores):
    urls, engines, _roles, login = two_stores
    reader = _as(urls[0], login)
    try:
        for call in (
            f"pg_advisory_lock({LOCK_NAMESPACE}, hashtext('127.0.0.1:8000'))",
            f"pg_try_advisory_lock({LOCK_NAMESPACE}, 1)",
            "pg_advisory_lock(42)",
            f"pg_advisory_xact_lock({LOCK_NAMESPACE}, 1)",
        ):
            with reader.connect() as conn, pytest.raises(DBAPIError, match="permission denied for function"):
                conn.execute(text(f"SELECT {call}"))
    finally:
        reader.dispose()
    with host_locks(engines[0], ["127.0.0.1:8000"], timeout=5):  # the pipeline's user still may
        pass


def test_a_host_held_too_long_fails_the_crawl_naming_the_holder(two_stores):
    _urls, engines, _roles, _login = two_stores
    holder = create_engine(engines[0].url)
    with holder.connect() as conn:
        conn.execute(text("SET application_name = 'stuck-session'"))
        conn.execute(text("SELECT pg_advisory_lock(:ns, hashtext('example.org'))"), {"ns": LOCK_NAMESPACE})
        with pytest.raises(
            HostLockTimeout,
            match=r"host example.org has been locked for more than 1 s by pid \d+ "
            r"\(role \w+, application stuck-session",
        ):
            with host_locks(engines[0], ["a.example.org", "example.org"], timeout=1, poll=0.1):
                pass
        # the host taken before the wait was given back
        assert conn.execute(
            text("SELECT pg_try_advisory_lock(:ns, hashtext('a.example.org'))"), {"ns": LOCK_NAMESPACE}
        ).scalar()
    holder.dispose()


def test_a_login_whose_password_holds_at_and_hash_connects(migrated_url):
    from warehouse.db import normalise_url

    login = f"pw_{uuid.uuid4().hex[:8]}"
    admin = create_engine(migrated_url)
    with admin.begin() as conn:
        conn.execute(text(f"CREATE ROLE {login} LOGIN PASSWORD 'p@ss#1:x'"))
    server = make_url(migrated_url)
    raw = f"postgresql://{login}:p@ss#1:x@{server.host}:{server.port or 5432}/{server.database}"  # as typed
    user = create_engine(normalise_url(raw))
    try:
        with user.connect() as conn:
            assert conn.execute(text("SELECT current_user")).scalar() == login
    finally:
        user.dispose()
        with admin.begin() as conn:
            conn.execute(text(f"DROP ROLE {login}"))
        admin.dispose()
