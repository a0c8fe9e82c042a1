"""The embedded Postgres used when no DATABASE_URL is set.

pgserver ships Postgres binaries in its wheel; the data directory lives under var/ and
the server is left running (cleanup_mode=None) so later commands reuse it.
"""

from __future__ import annotations

from pathlib import Path


def embedded_database_url(pgdata: Path) -> str:
    import pgserver  # heavy-ish import, only when the embedded server is wanted

    pgdata.mkdir(parents=True, exist_ok=True)
    server = pgserver.get_server(pgdata, cleanup_mode=None)
    uri = server.get_uri()  # postgresql://postgres:@/postgres?host=<socket dir>
    return uri.replace("postgresql://", "postgresql+psycopg://", 1)
