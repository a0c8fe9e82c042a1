"""Alembic environment: the URL comes from the caller (warehouse.migrate) or settings."""

from alembic import context
from sqlalchemy import create_engine, pool, text

from warehouse.db import database_url
from warehouse.host_locks import MIGRATION_LOCK

SCHEMA = "disclosure"


def run_migrations_online() -> None:
    url = context.config.get_main_option("sqlalchemy.url") or database_url()
    connectable = create_engine(url, poolclass=pool.NullPool)
    with connectable.connect() as connection:
        # Two upgrades at once on a fresh database both created alembic_version: the second
        # now waits here, then finds the schema at head. Released when the session ends.
        connection.execute(text("SELECT pg_advisory_lock(:a, :b)"), dict(zip("ab", MIGRATION_LOCK)))
        connection.execute(text(f"CREATE SCHEMA IF NOT EXISTS {SCHEMA}"))
        connection.commit()
        context.configure(
            connection=connection,
            version_table_schema=SCHEMA,
            transaction_per_migration=True,
        )
        with context.begin_transaction():
            context.run_migrations()


if context.is_offline_mode():
    raise SystemExit("offline SQL generation is not supported; run `disclosure db upgrade`")
run_migrations_online()
