"""Append-only in the database: UPDATE and DELETE are refused by triggers on SQLite and
PostgreSQL; on PostgreSQL a writer role gets INSERT and SELECT only."""

from __future__ import annotations

import uuid
from collections.abc import Iterator

import pytest
import sqlalchemy as sa

from aigc_guard.audit import AuditLog, AuditRecord, verify_chain
from aigc_guard.audit.appendonly import init_roles
from aigc_guard.audit.engine import write_transaction
from aigc_guard.errors import InputError

KEY = b"append-only-key-0123456789abcdef"


def _record(n: int) -> AuditRecord:
    return AuditRecord("output", decision="allow", request_id=f"r{n}")


@pytest.mark.parametrize(
    "statement",
    [
        "UPDATE audit_events SET decision = 'block' WHERE seq = 1",
        "DELETE FROM audit_events WHERE seq = 2",
        "UPDATE audit_meta SET value = 'x'",
        "DELETE FROM audit_meta",
    ],
)
def test_triggers_refuse_changes(db_url: str, statement: str) -> None:
    with AuditLog(db_url, hash_key=KEY) as log:
        log.append_many([_record(1), _record(2)])
    engine = sa.create_engine(db_url)
    refused = pytest.raises(sa.exc.DatabaseError, match=r"append-only: (UPDATE|DELETE) refused")
    with refused, engine.begin() as conn:
        conn.exec_driver_sql(statement)
    engine.dispose()
    with AuditLog(db_url, hash_key=KEY) as log:
        assert log.count() == 2 and verify_chain(log).ok


@pytest.fixture
def roles(pg_url: str) -> Iterator[tuple[str, str, str]]:
    """An owner and a LOGIN writer role (cluster-wide, so uniquely named and dropped)."""
    suffix = uuid.uuid4().hex[:8]
    owner, writer = f"audit_owner_{suffix}", f"audit_writer_{suffix}"
    admin = sa.create_engine(pg_url, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.exec_driver_sql(f"CREATE ROLE {writer} LOGIN")
    parsed = sa.make_url(pg_url)
    writer_url = parsed.set(username=writer).render_as_string(hide_password=False)
    try:
        yield owner, writer, writer_url
    finally:
        with admin.connect() as conn:
            schema = parsed.query["options"].split("search_path=")[-1]
            conn.exec_driver_sql(f'DROP SCHEMA IF EXISTS "{schema}" CASCADE')
            for role in (owner, writer):
                conn.exec_driver_sql(f"DROP OWNED BY {role} CASCADE") if _exists(
                    conn, role
                ) else None
                conn.exec_driver_sql(f"DROP ROLE IF EXISTS {role}")
        admin.dispose()


def _exists(conn: sa.Connection, role: str) -> bool:
    return (
        conn.execute(sa.text("SELECT 1 FROM pg_roles WHERE rolname = :r"), {"r": role}).first()
        is not None
    )


@pytest.mark.postgres
def test_writer_role_may_insert_but_not_change(pg_url: str, roles: tuple[str, str, str]) -> None:
    owner, writer, writer_url = roles
    with AuditLog(pg_url, hash_key=None) as setup, write_transaction(setup._engine) as conn:
        statements = init_roles(conn, owner=owner, writer=writer)
    assert f'CREATE ROLE "{owner}"' in statements  # the missing owner role was created
    with AuditLog(writer_url, hash_key=KEY) as log:  # the writer appends, queued by its lock
        log.append(_record(1))
        log.append_many([_record(2), _record(3)])
        assert verify_chain(log).ok
    engine = sa.create_engine(writer_url)
    for statement in (
        "UPDATE audit_events SET decision = 'block' WHERE seq = 1",
        "DELETE FROM audit_events",
        "TRUNCATE audit_events",
        "ALTER TABLE audit_events DISABLE TRIGGER audit_events_append_only",
        "DROP TABLE audit_events",
    ):
        denied = pytest.raises(sa.exc.DatabaseError, match=r"permission denied|must be owner")
        with denied, engine.begin() as conn:
            conn.exec_driver_sql(statement)
    engine.dispose()
    admin = sa.create_engine(pg_url)
    refused = pytest.raises(sa.exc.DatabaseError, match=r"append-only: TRUNCATE refused")
    with refused, admin.begin() as conn:  # even a superuser's TRUNCATE hits the trigger
        conn.exec_driver_sql("TRUNCATE audit_events")
    admin.dispose()
    with AuditLog(pg_url, hash_key=None, create=False) as log:
        assert log.count() == 3


def test_roles_need_postgresql_and_plain_names(sqlite_url: str) -> None:
    with (
        AuditLog(sqlite_url, hash_key=None) as log,
        write_transaction(log._engine) as conn,
        pytest.raises(InputError, match=r"needs PostgreSQL"),
    ):
        init_roles(conn, owner="a", writer="b")


@pytest.mark.postgres
def test_role_names_are_checked(pg_url: str) -> None:
    with AuditLog(pg_url, hash_key=None) as log:
        with (
            pytest.raises(InputError, match=r"plain identifier"),
            write_transaction(log._engine) as conn,
        ):
            init_roles(conn, owner='x"; DROP TABLE audit_events; --', writer="w")
        with (
            pytest.raises(InputError, match=r"different roles"),
            write_transaction(log._engine) as conn,
        ):
            init_roles(conn, owner="same", writer="same")
        assert log.count() == 0
