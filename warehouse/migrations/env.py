"""Alembic environment: the URL comes from the caller (warehouse.migrate) or settings."""
from alembic import context
from sqlalchemy import create_engine, pool, text

from warehouse.db import database_url

SCHEMA = "disclosure"


def run_migrations_online() -> None:
    url = context.config.get_main_option("sqlalchemy.url") or database_url()
    connectable = create_engine(url, poolclass=pool.NullPool)
    with connectable.connect() as connection:
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
