"""The analysts' read-only role: the migrations' companion setup (run after every upgrade).

Postgres roles are server-wide, so one shared role name would let the analysts of one store
read every other store on the same server: the role is named after its database
(`disclosure_reader_<database>`) and granted on that database only. Nor may the reader take
the crawler's advisory locks (it could hold a host lock the crawler then waits on): EXECUTE
on the advisory-lock functions is revoked from PUBLIC in this database and granted to the
pipeline's own user.
"""

from __future__ import annotations

import logging
import re

from sqlalchemy import Connection, Engine, text
from sqlalchemy.exc import DBAPIError

log = logging.getLogger("disclosure.warehouse")
READER_PREFIX = "disclosure_reader"
LEGACY_ROLE = READER_PREFIX  # the server-wide role of earlier versions: its grants here are revoked
_IDENTIFIER = re.compile(r"^[a-z_][a-z0-9_]{0,62}$")
ADVISORY_LOCK_FUNCTIONS = [
    f"{name}({args})"
    for name in (
        "pg_advisory_lock",
        "pg_advisory_lock_shared",
        "pg_try_advisory_lock",
        "pg_try_advisory_lock_shared",
        "pg_advisory_xact_lock",
        "pg_advisory_xact_lock_shared",
        "pg_try_advisory_xact_lock",
        "pg_try_advisory_xact_lock_shared",
        "pg_advisory_unlock",
        "pg_advisory_unlock_shared",
    )
    for args in ("bigint", "integer, integer")
] + ["pg_advisory_unlock_all()"]


def reader_role(database: str) -> str:
    """The read-only role of one store: `disclosure_reader_<database>` as a plain identifier."""
    slug = re.sub(r"[^a-z0-9_]+", "_", database.lower()).strip("_") or "store"
    return f"{READER_PREFIX}_{slug}"[:63]


def ensure_readonly_role(engine: Engine, role: str | None = None) -> str | None:
    """Create (if needed) a NOLOGIN role that can read every table and view of this store's
    schema, now and after later migrations, and nothing of any other database. Grant it to
    analysts' login roles. Its name, or None if the connecting user may not create roles
    (the store still works; a warning says so)."""
    try:
        with engine.begin() as conn:
            database = conn.execute(text("SELECT current_database()")).scalar()
            role = role or reader_role(database)
            if not _IDENTIFIER.match(role):
                raise ValueError(f"not a plain role name: {role!r}")
            exists = conn.execute(text("SELECT 1 FROM pg_roles WHERE rolname = :r"), {"r": role}).scalar()
            if not exists:
                conn.execute(text(f"CREATE ROLE {role} NOLOGIN"))
            db = '"' + database.replace('"', '""') + '"'
            conn.execute(text(f"GRANT CONNECT ON DATABASE {db} TO {role}"))
            conn.execute(text(f"GRANT USAGE ON SCHEMA disclosure TO {role}"))
            conn.execute(text(f"GRANT SELECT ON ALL TABLES IN SCHEMA disclosure TO {role}"))
            conn.execute(text(f"ALTER DEFAULT PRIVILEGES IN SCHEMA disclosure GRANT SELECT ON TABLES TO {role}"))
            if role != LEGACY_ROLE:
                _revoke_legacy(conn)
        _keep_locks_to_the_pipeline(engine)
        return role
    except DBAPIError as exc:
        log.warning("read-only role %s not set up: %s", role, exc.orig)
        return None


def _revoke_legacy(conn: Connection) -> None:
    if conn.execute(text("SELECT 1 FROM pg_roles WHERE rolname = :r"), {"r": LEGACY_ROLE}).scalar():
        conn.execute(text(f"REVOKE ALL ON ALL TABLES IN SCHEMA disclosure FROM {LEGACY_ROLE}"))
        conn.execute(text(f"REVOKE USAGE ON SCHEMA disclosure FROM {LEGACY_ROLE}"))
        conn.execute(text(f"ALTER DEFAULT PRIVILEGES IN SCHEMA disclosure REVOKE SELECT ON TABLES FROM {LEGACY_ROLE}"))


def _keep_locks_to_the_pipeline(engine: Engine) -> bool:
    """Only the pipeline's user may take advisory locks in this database. Needs the rights of
    the functions' owner (a superuser): without them a warning says the reader could block
    a crawl for as long as the host lock's timeout (warehouse.host_locks)."""
    try:
        with engine.begin() as conn:
            user = conn.execute(text("SELECT current_user")).scalar()
            for function in ADVISORY_LOCK_FUNCTIONS:
                conn.execute(text(f"REVOKE EXECUTE ON FUNCTION pg_catalog.{function} FROM PUBLIC"))
                conn.execute(text(f'GRANT EXECUTE ON FUNCTION pg_catalog.{function} TO "{user}"'))
        return True
    except DBAPIError as exc:
        log.warning("advisory-lock functions left executable by every role: %s", exc.orig)
        return False
