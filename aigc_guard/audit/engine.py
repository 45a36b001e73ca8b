"""Engine set-up per database, and turning driver errors into `AuditError`.

SQLite: the driver's own transaction handling is switched off so that write
transactions start with `BEGIN IMMEDIATE` (the write lock is taken before the
chain head is read; a plain deferred BEGIN would make two writers deadlock and
fail with "database is locked" instead of queueing). The busy timeout is the
lock timeout.

PostgreSQL: `pool_pre_ping` replaces connections the server dropped; a write
transaction takes an advisory lock that queues writers but not readers, with
`lock_timeout` so a stuck writer cannot hang the others forever.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import sqlalchemy as sa
from sqlalchemy import event
from sqlalchemy import exc as sa_exc

from aigc_guard.audit.hashing import canonical_json
from aigc_guard.audit.models import TABLE_NAME
from aigc_guard.audit.urls import redact_url, scrub_secrets, sqlite_path
from aigc_guard.errors import AuditError

WRITE_OPTION = "aigc_guard_write"


def make_engine(url: str, *, lock_timeout: float) -> sa.Engine:
    """An engine for `url`, configured for the audit log (see the module docstring)."""
    try:
        parsed = sa.make_url(url)
    except (sa_exc.ArgumentError, ValueError) as exc:
        raise AuditError(
            f"audit database URL {redact_url(url)!r} is not a database URL ({exc}); "
            "expected e.g. sqlite:///audit.db or postgresql+psycopg://user@host/db"
        ) from exc
    connect_args: dict[str, Any] = {}
    backend = parsed.get_backend_name()
    if backend == "sqlite":
        connect_args["timeout"] = lock_timeout
    elif backend == "postgresql" and "connect_timeout" not in parsed.query:
        connect_args["connect_timeout"] = max(1, round(lock_timeout))
    try:
        engine = sa.create_engine(
            parsed,
            pool_pre_ping=True,
            connect_args=connect_args,
            json_serializer=canonical_json,
        )
    except (sa_exc.ArgumentError, sa_exc.NoSuchModuleError, ImportError) as exc:
        advice = (
            "install psycopg: pip install 'aigc_guard[postgres]'"
            if "psycopg" in str(exc)
            else "use sqlite:///PATH or postgresql+psycopg://USER@HOST/DB"
        )
        raise AuditError(
            f"audit database {redact_url(url)}: cannot create an engine ({exc}); {advice}"
        ) from exc
    if backend == "sqlite":
        _install_sqlite_begin(engine, wal=parsed.database not in (None, "", ":memory:"))
    return engine


def _install_sqlite_begin(engine: sa.Engine, *, wal: bool) -> None:
    """Emit our own BEGIN (IMMEDIATE for writes), as SQLAlchemy's SQLite docs describe."""

    @event.listens_for(engine, "connect")
    def _no_driver_transactions(dbapi_connection: Any, _record: Any) -> None:
        dbapi_connection.isolation_level = None
        if wal:
            dbapi_connection.execute("PRAGMA journal_mode=WAL")
            dbapi_connection.execute("PRAGMA synchronous=FULL")

    @event.listens_for(engine, "begin")
    def _begin(connection: sa.Connection) -> None:
        write = connection.get_execution_options().get(WRITE_OPTION, False)
        connection.exec_driver_sql("BEGIN IMMEDIATE" if write else "BEGIN")


@contextmanager
def write_transaction(engine: sa.Engine) -> Iterator[sa.Connection]:
    """A transaction that takes SQLite's write lock at BEGIN (see the module docstring)."""
    with engine.connect() as conn:
        conn.execution_options(**{WRITE_OPTION: True})
        with conn.begin():
            yield conn


def lock_for_write(connection: sa.Connection, *, lock_timeout: float) -> None:
    """Queue concurrent writers on PostgreSQL (SQLite already holds its write lock).

    A transaction-scoped advisory lock named after the schema's log: it needs no
    privilege on the table, so a writer role with INSERT and SELECT only can take it
    (LOCK TABLE in a mode that queues inserters would need UPDATE or DELETE).
    Readers never take it.
    """
    if connection.dialect.name != "postgresql":
        return
    millis = max(1, int(lock_timeout * 1000))
    connection.exec_driver_sql(  # one round trip; no parameters, so two statements are fine
        f"SET LOCAL lock_timeout = {millis}; "
        f"SELECT pg_advisory_xact_lock(hashtext(current_schema() || '.{TABLE_NAME}'))"
    )


def describe(exc: BaseException) -> str:
    """A one-line, password-free description of a database error."""
    original = getattr(exc, "orig", None)
    text = str(original if original is not None else exc).strip()
    first = text.splitlines()[0] if text else type(exc).__name__
    return scrub_secrets(f"{type(original or exc).__name__}: {first}")


def hint(exc: BaseException, url: str) -> str:
    """What to try next, for the errors users actually hit."""
    text = str(getattr(exc, "orig", exc)).lower()
    path = sqlite_path(url)
    if path is not None and not path.parent.exists():
        return f"; the directory {path.parent} does not exist, create it or choose another path"
    if "locked" in text or "lock timeout" in text:
        return "; another writer holds the lock, retry later or raise lock_timeout"
    if isinstance(exc, sa_exc.OperationalError | sa_exc.InterfaceError):
        return "; check that the server is running and that the URL (or $AIGC_GUARD_DB) is right"
    return ""


def audit_error(url: str, operation: str, exc: BaseException, note: str = "") -> AuditError:
    """An AuditError naming the (masked) URL, the operation, the cause and a hint."""
    return AuditError(
        f"audit database {redact_url(url)}: {operation} failed: {describe(exc)}"
        f"{note}{hint(exc, url)}"
    )


@contextmanager
def audit_errors(url: str, operation: str) -> Iterator[None]:
    """Re-raise SQLAlchemy errors as AuditError (see `audit_error`).

    The transaction inside has already been rolled back by its context manager.
    """
    try:
        yield
    except sa_exc.SQLAlchemyError as exc:
        raise audit_error(url, operation, exc) from exc


__all__ = [
    "WRITE_OPTION",
    "audit_error",
    "audit_errors",
    "describe",
    "lock_for_write",
    "make_engine",
    "write_transaction",
]
