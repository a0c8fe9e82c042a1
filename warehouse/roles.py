"""The analysts' read-only role: the migrations' companion setup (run after every upgrade)."""
from __future__ import annotations

import logging
import re

from sqlalchemy import Engine, text
from sqlalchemy.exc import DBAPIError

log = logging.getLogger("disclosure.warehouse")
READONLY_ROLE = "disclosure_reader"
_IDENTIFIER = re.compile(r"^[a-z_][a-z0-9_]{0,62}$")


def ensure_readonly_role(engine: Engine, role: str = READONLY_ROLE) -> bool:
    """Create (if needed) a NOLOGIN role that can read every table and view of the schema,
    now and after later migrations. Grant it to analysts' login roles. False if the
    connecting user may not create roles (the store still works; a warning says so)."""
    if not _IDENTIFIER.match(role):
        raise ValueError(f"not a plain role name: {role!r}")
    try:
        with engine.begin() as conn:
            exists = conn.execute(text("SELECT 1 FROM pg_roles WHERE rolname = :r"), {"r": role}).scalar()
            if not exists:
                conn.execute(text(f"CREATE ROLE {role} NOLOGIN"))
            conn.execute(text(f"GRANT USAGE ON SCHEMA disclosure TO {role}"))
            conn.execute(text(f"GRANT SELECT ON ALL TABLES IN SCHEMA disclosure TO {role}"))
            conn.execute(text(f"ALTER DEFAULT PRIVILEGES IN SCHEMA disclosure GRANT SELECT ON TABLES TO {role}"))
        return True
    except DBAPIError as exc:
        log.warning("read-only role %s not set up: %s", role, exc.orig)
        return False
