"""Concurrent writers (threads and processes) never fork the chain or lose a row."""

from __future__ import annotations

import os
import subprocess
import sys
import textwrap
import threading
from pathlib import Path

import pytest
import sqlalchemy as sa

from aigc_guard.audit import AuditLog, AuditRecord, verify_chain

KEY = b"concurrency-key-0123456789abcdef"
REPO = Path(__file__).resolve().parents[1]


def _record(writer: int, n: int) -> AuditRecord:
    return AuditRecord(
        "output",
        decision="allow",
        request_id=f"w{writer}-{n}",
        content=f"{writer}/{n}".encode(),
        checks={"writer": writer, "n": n},
    )


def _run_threads(target: object, writers: int) -> None:
    errors: list[BaseException] = []
    barrier = threading.Barrier(writers)

    def run(writer: int) -> None:
        try:
            barrier.wait()
            target(writer)  # type: ignore[operator]
        except BaseException as exc:  # collected and re-raised in the main thread
            errors.append(exc)

    threads = [threading.Thread(target=run, args=(w,)) for w in range(writers)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    assert not errors, errors


def _assert_complete(url: str, writers: int, per_writer: int) -> None:
    with AuditLog(url, hash_key=KEY) as log:
        report = verify_chain(log)
        assert report.ok, report.problem
        assert report.rows_checked == writers * per_writer == log.count()
        seen = sorted(e.request_id or "" for e in log.entries())
    expected = sorted(f"w{w}-{n}" for w in range(writers) for n in range(per_writer))
    assert seen == expected  # every append landed exactly once


def test_threads_with_their_own_logs(db_url: str) -> None:
    """Like separate processes: one engine per writer."""
    writers, per_writer = 4, 15
    AuditLog(db_url, hash_key=KEY).close()  # create the table once

    def write(writer: int) -> None:
        with AuditLog(db_url, hash_key=KEY) as log:
            for n in range(0, per_writer, 3):
                log.append(_record(writer, n))
                log.append_many([_record(writer, n + 1), _record(writer, n + 2)])

    _run_threads(write, writers)
    _assert_complete(db_url, writers, per_writer)


def test_threads_sharing_one_log(db_url: str) -> None:
    writers, per_writer = 4, 15
    with AuditLog(db_url, hash_key=KEY) as log:
        _run_threads(lambda w: [log.append(_record(w, n)) for n in range(per_writer)], writers)
    _assert_complete(db_url, writers, per_writer)


class _UnlockedLog(AuditLog):
    """Writers that skip the PostgreSQL table lock: only the unique constraints and the
    retry loop stand between them and a forked chain."""

    _lock_writers = False
    _max_attempts = 60


@pytest.mark.postgres
def test_unique_constraints_alone_prevent_a_fork(pg_url: str) -> None:
    writers, per_writer = 4, 15
    AuditLog(pg_url, hash_key=KEY).close()

    def write(writer: int) -> None:
        with _UnlockedLog(pg_url, hash_key=KEY) as log:
            for n in range(per_writer):
                log.append(_record(writer, n))

    _run_threads(write, writers)
    _assert_complete(pg_url, writers, per_writer)
    engine = sa.create_engine(pg_url)
    with engine.connect() as conn:
        max_id = conn.execute(sa.text("SELECT max(id) FROM audit_events")).scalar_one()
    engine.dispose()
    # Inserts that lost a race consumed ids: proof that races happened and were retried.
    assert max_id > writers * per_writer


_CHILD = textwrap.dedent(
    """
    import sys
    from aigc_guard.audit import AuditLog, AuditRecord
    url, writer, count = sys.argv[1], int(sys.argv[2]), int(sys.argv[3])
    with AuditLog(url, hash_key=b"concurrency-key-0123456789abcdef") as log:
        for n in range(count):
            log.append(AuditRecord("output", decision="allow", request_id=f"w{writer}-{n}"))
    """
)


def test_processes(db_url: str) -> None:
    """Separate processes that also race to create the table in a fresh database."""
    writers, per_writer = 3, 20
    env = {
        **os.environ,
        "PYTHONPATH": os.pathsep.join([str(REPO), os.environ.get("PYTHONPATH", "")]),
    }
    children = [
        subprocess.Popen(
            [sys.executable, "-c", _CHILD, db_url, str(w), str(per_writer)],
            env=env,
            stderr=subprocess.PIPE,
            text=True,
        )
        for w in range(writers)
    ]
    for child in children:
        _, stderr = child.communicate(timeout=120)
        assert child.returncode == 0, stderr
    _assert_complete(db_url, writers, per_writer)
