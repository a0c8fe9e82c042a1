"""The Postgres warehouse: connection, embedded server, migrations, bulk loads, queries."""
