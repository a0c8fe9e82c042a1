"""Run the Alembic migrations programmatically (the CLI and tests call these)."""

from __future__ import annotations

from pathlib import Path

from alembic import command
from alembic.config import Config

from warehouse.db import database_url

_INI = Path(__file__).with_name("alembic.ini")


def alembic_config(url: str | None = None) -> Config:
    cfg = Config(str(_INI))
    # ConfigParser interpolation: a literal % in a URL must be doubled.
    cfg.set_main_option("sqlalchemy.url", (url or database_url()).replace("%", "%%"))
    return cfg


def upgrade(url: str | None = None, revision: str = "head") -> None:
    command.upgrade(alembic_config(url), revision)


def downgrade(url: str | None = None, revision: str = "base") -> None:
    command.downgrade(alembic_config(url), revision)


def current_revision(url: str | None = None) -> str | None:
    from alembic.runtime.migration import MigrationContext
    from sqlalchemy import create_engine, pool

    eng = create_engine(url or database_url(), poolclass=pool.NullPool)
    with eng.connect() as conn:
        ctx = MigrationContext.configure(conn, opts={"version_table_schema": "disclosure"})
        return ctx.get_current_revision()


def head_revision() -> str:
    """The one head of the migration chain (Alembic raises when branches left two heads)."""
    from alembic.script import ScriptDirectory

    return ScriptDirectory.from_config(Config(str(_INI))).get_current_head()
