"""Alembic environment: run with a connection handed over by `assay.store.migrate`."""

from __future__ import annotations

from alembic import context

from assay.store.tables import metadata

connection = context.config.attributes.get("connection")
if connection is None:  # `alembic` command line: build an engine from the configured URL
    from assay.settings import get_settings
    from assay.store.engine import make_engine

    engine = make_engine(context.config.get_main_option("sqlalchemy.url") or get_settings().effective_database_url)
    connection = engine.connect()

context.configure(connection=connection, target_metadata=metadata, render_as_batch=True)
with context.begin_transaction():
    context.run_migrations()
if connection.in_transaction():
    connection.commit()
