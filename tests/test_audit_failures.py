"""A database that is missing, locked, unreachable or drops the connection: a clear
AuditError naming the masked URL and the operation, no half-written row, and a log
that still verifies and keeps working once the database is back."""

from __future__ import annotations

import socket
import sqlite3
import threading
import time
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest
import sqlalchemy as sa

from aigc_guard.audit import AuditLog, AuditRecord, verify_chain
from aigc_guard.errors import AuditError

KEY = b"failure-test-key-0123456789abcde"


def _record(n: int) -> AuditRecord:
    return AuditRecord("output", decision="allow", request_id=f"r{n}", content=f"c{n}".encode())


def _closed_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def test_unreachable_server_names_masked_url_and_operation() -> None:
    port = _closed_port()
    url = f"postgresql+psycopg://auditor:hunter2@127.0.0.1:{port}/test"
    started = time.monotonic()
    with pytest.raises(AuditError) as caught:
        AuditLog(url, hash_key=KEY, lock_timeout=2)
    message = str(caught.value)
    assert f"auditor:***@127.0.0.1:{port}/test" in message
    assert "open (create tables) failed" in message
    assert "check that the server is running" in message
    assert "hunter2" not in message
    assert time.monotonic() - started < 10


def test_missing_directory(tmp_path: Path) -> None:
    with pytest.raises(AuditError, match=r"directory .*nope does not exist"):
        AuditLog(f"sqlite:///{tmp_path / 'nope' / 'audit.db'}", hash_key=KEY)


def test_not_a_database_url() -> None:
    with pytest.raises(AuditError, match=r"nosuchdb://u:\*\*\*@h/x"):
        AuditLog("nosuchdb://u:pw@h/x", hash_key=KEY)


class _TableLock:
    """Another session holding an exclusive lock on the log (SQLite file or PG table)."""

    def __init__(self, url: str) -> None:
        self.url = url
        self._sqlite: sqlite3.Connection | None = None
        self._pg: sa.Connection | None = None
        self._engine: sa.Engine | None = None

    def __enter__(self) -> _TableLock:
        if self.url.startswith("sqlite:///"):
            self._sqlite = sqlite3.connect(
                self.url.removeprefix("sqlite:///"), isolation_level=None
            )
            self._sqlite.execute("BEGIN EXCLUSIVE")
        else:
            self._engine = sa.create_engine(self.url)
            self._pg = self._engine.connect()
            self._pg.begin()
            self._pg.exec_driver_sql("LOCK TABLE audit_events IN ACCESS EXCLUSIVE MODE")
        return self

    def __exit__(self, *exc: object) -> None:
        if self._sqlite is not None:
            self._sqlite.execute("ROLLBACK")
            self._sqlite.close()
        if self._pg is not None and self._engine is not None:
            self._pg.rollback()
            self._pg.close()
            self._engine.dispose()


def test_locked_database_times_out_cleanly(db_url: str) -> None:
    with AuditLog(db_url, hash_key=KEY, lock_timeout=0.3) as log:
        log.append(_record(1))
        with _TableLock(db_url), pytest.raises(AuditError) as caught:
            log.append_many([_record(2), _record(3)])
        assert "append failed" in str(caught.value)
        assert "another writer holds the lock" in str(caught.value)
        assert log.count() == 1
        assert verify_chain(log).ok
        assert log.append(_record(4)).seq == 2


def _tagged(url: str) -> tuple[str, str]:
    """`url` with a unique application_name, so the test can find its server process."""
    tag = f"aigc-audit-{uuid.uuid4().hex[:10]}"
    tagged = sa.make_url(url).update_query_dict({"application_name": tag})
    return tagged.render_as_string(hide_password=False), tag


@pytest.fixture
def pg_admin(pg_url: str) -> Iterator[sa.Connection]:
    engine = sa.create_engine(pg_url, isolation_level="AUTOCOMMIT")
    with engine.connect() as conn:
        yield conn
    engine.dispose()


def _terminate(admin: sa.Connection, tag: str) -> int:
    query = sa.text(
        "SELECT count(pg_terminate_backend(pid)) FROM pg_stat_activity "
        "WHERE application_name = :tag AND pid <> pg_backend_pid()"
    )
    return int(admin.execute(query, {"tag": tag}).scalar_one())


@pytest.mark.postgres
def test_connection_killed_between_appends(pg_url: str, pg_admin: sa.Connection) -> None:
    url, tag = _tagged(pg_url)
    with AuditLog(url, hash_key=KEY) as log:
        log.append(_record(1))
        assert _terminate(pg_admin, tag) >= 1
        entry = log.append(_record(2))  # the pool's pre-ping replaced the dead connection
        assert entry.seq == 2
        assert verify_chain(log).ok and log.count() == 2


@pytest.mark.postgres
def test_connection_killed_inside_an_append(pg_url: str, pg_admin: sa.Connection) -> None:
    url, tag = _tagged(pg_url)
    with AuditLog(url, hash_key=KEY) as log:
        log.append(_record(1))
        outcome: list[BaseException | object] = []

        def append() -> None:
            try:
                outcome.append(log.append_many([_record(2), _record(3)]))
            except BaseException as exc:  # inspected below
                outcome.append(exc)

        with _TableLock(pg_url):
            worker = threading.Thread(target=append)
            worker.start()
            waiting = sa.text(
                "SELECT count(*) FROM pg_stat_activity WHERE application_name = :tag "
                "AND wait_event_type = 'Lock'"
            )
            deadline = time.monotonic() + 10
            while not pg_admin.execute(waiting, {"tag": tag}).scalar_one():
                assert time.monotonic() < deadline, "the append never reached the lock"
                time.sleep(0.02)
            assert _terminate(pg_admin, tag) >= 1  # dies inside its open transaction
            worker.join(timeout=10)
        error = outcome[0]
        assert isinstance(error, AuditError), error
        assert "append failed" in str(error) and "***" not in tag
        assert log.count() == 1
        assert verify_chain(log).ok
        assert log.append(_record(4)).seq == 2
        assert verify_chain(log).ok
