"""Alembic environment: always run on the connection that `aigc_guard.audit.migrate` hands in."""

from __future__ import annotations

from alembic import context

from aigc_guard.audit.models import VERSION_TABLE, AuditBase

connection = context.config.attributes["connection"]
context.configure(
    connection=connection,
    target_metadata=AuditBase.metadata,
    version_table=VERSION_TABLE,
    render_as_batch=connection.dialect.name == "sqlite",
    transaction_per_migration=False,
)
with context.begin_transaction():
    context.run_migrations()
