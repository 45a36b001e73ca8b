"""Append-only in the database itself: triggers that refuse UPDATE and DELETE (and, on
PostgreSQL, TRUNCATE) on every audit table, and roles that may only INSERT and SELECT.

What each layer stops. The triggers stop mistakes and any client that cannot change
the schema; the owner of a PostgreSQL table (or anyone who can write a SQLite file)
can drop them, which is why the writer role must not own the tables
(`init_roles`) and why the chain is also signed (checkpoints.py). Retention
(`suspended`) is the one sanctioned removal: it lifts the triggers inside its own
transaction, so they are back in place when it commits or rolls back.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from contextlib import contextmanager

import sqlalchemy as sa

from aigc_guard.audit.models import APPEND_ONLY_TABLES, VERSION_TABLE
from aigc_guard.errors import InputError

PG_FUNCTION = "aigc_guard_refuse_change"
_ROLE = re.compile(r"[A-Za-z_][A-Za-z0-9_]{0,62}")
_SEQUENCES = ("audit_events_id_seq", "audit_checkpoints_id_seq")


def _sqlite_statements(table: str) -> list[str]:
    return [
        f"CREATE TRIGGER IF NOT EXISTS {table}_no_{op.lower()} BEFORE {op} ON {table} "
        f"BEGIN SELECT RAISE(ABORT, '{table} is append-only: {op} refused'); END"
        for op in ("UPDATE", "DELETE")
    ]


def _pg_statements(table: str) -> list[str]:
    return [
        f"DROP TRIGGER IF EXISTS {table}_append_only ON {table}",
        f"CREATE TRIGGER {table}_append_only BEFORE UPDATE OR DELETE ON {table} "
        f"FOR EACH ROW EXECUTE FUNCTION {PG_FUNCTION}()",
        f"DROP TRIGGER IF EXISTS {table}_no_truncate ON {table}",
        f"CREATE TRIGGER {table}_no_truncate BEFORE TRUNCATE ON {table} "
        f"FOR EACH STATEMENT EXECUTE FUNCTION {PG_FUNCTION}()",
    ]


_PG_FUNCTION_SQL = f"""
CREATE OR REPLACE FUNCTION {PG_FUNCTION}() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  RAISE EXCEPTION USING
    MESSAGE = TG_TABLE_NAME || ' is append-only: ' || TG_OP || ' refused',
    ERRCODE = 'insufficient_privilege';
END
$$"""


def install_guards(conn: sa.Connection, tables: tuple[str, ...] = APPEND_ONLY_TABLES) -> None:
    """Create (or re-create) the refusing triggers on `tables`; idempotent."""
    dialect = conn.dialect.name
    if dialect == "postgresql":
        conn.exec_driver_sql(_PG_FUNCTION_SQL)
        statements = [s for table in tables for s in _pg_statements(table)]
    elif dialect == "sqlite":
        statements = [s for table in tables for s in _sqlite_statements(table)]
    else:  # pragma: no cover - only SQLite and PostgreSQL are supported
        return
    for statement in statements:
        conn.exec_driver_sql(statement)


@contextmanager
def suspended(conn: sa.Connection, tables: tuple[str, ...]) -> Iterator[None]:
    """Lift the triggers on `tables` for the rest of the transaction on `conn`.

    Needs the table owner on PostgreSQL. DDL is transactional on both databases, so
    a rollback restores the triggers too.
    """
    if conn.dialect.name == "postgresql":
        for table in tables:
            conn.exec_driver_sql(f"ALTER TABLE {table} DISABLE TRIGGER {table}_append_only")
        yield
        for table in tables:
            conn.exec_driver_sql(f"ALTER TABLE {table} ENABLE TRIGGER {table}_append_only")
        return
    for table in tables:
        for op in ("update", "delete"):
            conn.exec_driver_sql(f"DROP TRIGGER IF EXISTS {table}_no_{op}")
    yield
    install_guards(conn, tables)


def _role(name: str, what: str) -> str:
    if not isinstance(name, str) or not _ROLE.fullmatch(name):
        raise InputError(
            f"{what} role {name!r}: expected a plain identifier ([A-Za-z_][A-Za-z0-9_]*)"
        )
    return f'"{name}"'


def init_roles(conn: sa.Connection, *, owner: str, writer: str) -> list[str]:
    """PostgreSQL: `owner` owns the audit tables, `writer` may only INSERT and SELECT.

    Missing roles are created NOLOGIN (grant LOGIN and a password yourself). Returns
    the statements run, for the CLI to show.
    """
    if conn.dialect.name != "postgresql":
        raise InputError("audit init --owner/--writer needs PostgreSQL; SQLite has no roles")
    owner_q, writer_q = _role(owner, "owner"), _role(writer, "writer")
    if owner == writer:
        raise InputError(f"owner and writer must be different roles, got {owner!r} twice")
    statements: list[str] = []
    for name, quoted in ((owner, owner_q), (writer, writer_q)):
        exists = conn.execute(
            sa.text("SELECT 1 FROM pg_roles WHERE rolname = :n"), {"n": name}
        ).first()
        if exists is None:
            statements.append(f"CREATE ROLE {quoted}")
    schema = conn.execute(sa.text("SELECT current_schema()")).scalar_one()
    statements.append(f'GRANT USAGE ON SCHEMA "{schema}" TO {owner_q}, {writer_q}')
    for table in (*APPEND_ONLY_TABLES, VERSION_TABLE):
        statements += [
            f"ALTER TABLE {table} OWNER TO {owner_q}",
            f"REVOKE ALL ON {table} FROM PUBLIC, {writer_q}",
        ]
    statements.append(f"GRANT SELECT ON {VERSION_TABLE} TO {writer_q}")
    statements += [f"GRANT SELECT, INSERT ON {table} TO {writer_q}" for table in APPEND_ONLY_TABLES]
    statements += [f"GRANT USAGE ON SEQUENCE {seq} TO {writer_q}" for seq in _SEQUENCES]
    statements.append(f"ALTER FUNCTION {PG_FUNCTION}() OWNER TO {owner_q}")
    for statement in statements:
        conn.exec_driver_sql(statement)
    install_guards(conn)
    return statements


__all__ = ["PG_FUNCTION", "init_roles", "install_guards", "suspended"]
