"""Alembic migrations: a log made by aigc_guard 0.1 (tests/data/audit-v0.1.db, written by
that version's code) upgrades on SQLite and PostgreSQL without losing a row or breaking
the chain, ends with exactly the schema a new log gets, and other versions are refused."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
import sqlalchemy as sa

from aigc_guard.audit import AuditLog, AuditRecord, verify_chain
from aigc_guard.audit.engine import make_engine, write_transaction
from aigc_guard.audit.models import AuditBase
from aigc_guard.audit.schema import BASELINE, HEAD, _alembic_config, migrate
from aigc_guard.audit.signing import CheckpointKey
from aigc_guard.audit.trail import verify_trail
from aigc_guard.errors import AuditError

LEGACY = Path(__file__).parent / "data" / "audit-v0.1.db"
LEGACY_KEY = b"legacy-key-0123456789abcdef0123"


def _rows(url: str) -> list[dict[str, object]]:
    engine = sa.create_engine(url)
    with engine.connect() as conn:
        found = conn.execute(sa.text("SELECT * FROM audit_events ORDER BY seq")).mappings().all()
    engine.dispose()
    return [{k: v for k, v in row.items() if k != "row_mac"} for row in found]


def _legacy_on(db_url: str, tmp_path: Path) -> str:
    """The 0.1 log at `db_url`: a copy of the file on SQLite; the baseline DDL and the
    same rows on PostgreSQL."""
    if db_url.startswith("sqlite"):
        target = tmp_path / "legacy.db"
        shutil.copy(LEGACY, target)
        return f"sqlite:///{target}"
    rows = _rows(f"sqlite:///{LEGACY}")
    from alembic import command

    engine = sa.create_engine(db_url)
    with engine.begin() as conn:
        command.upgrade(_alembic_config(conn), BASELINE)  # type: ignore[arg-type]
        conn.exec_driver_sql("DROP TABLE audit_schema_version")
        conn.execute(sa.table("audit_events", *(sa.column(c) for c in rows[0])).insert(), rows)
        conn.exec_driver_sql(
            "SELECT setval('audit_events_id_seq', (SELECT max(id) FROM audit_events))"
        )
    engine.dispose()
    return db_url


def test_legacy_log_migrates_without_losing_a_row(db_url: str, tmp_path: Path) -> None:
    url = _legacy_on(db_url, tmp_path)
    before = _rows(url)
    with pytest.raises(AuditError, match=r"schema aigc_guard 0.1 .*audit migrate"):
        AuditLog(url, hash_key=LEGACY_KEY)
    engine = make_engine(url, lock_timeout=10)
    assert migrate(engine, url) == ("legacy", HEAD)
    assert migrate(engine, url) == (HEAD, HEAD)  # a second run changes nothing
    with engine.connect() as conn:
        from alembic.autogenerate import compare_metadata
        from alembic.migration import MigrationContext

        context = MigrationContext.configure(conn, opts={"version_table": "audit_schema_version"})
        assert compare_metadata(context, AuditBase.metadata) == []  # same as a new log
    engine.dispose()
    assert _rows(url) == before
    key = CheckpointKey.create(tmp_path / "cp.key")
    with pytest.raises(AuditError, match=r"wrong --keys folder"):
        AuditLog(url, hash_key=b"n" * 32)
    with AuditLog(url, hash_key=LEGACY_KEY, checkpoint_file=tmp_path / "cp.jsonl") as log:
        assert verify_chain(log).ok and log.count() == len(before)
        log.append(AuditRecord("output", decision="allow", request_id="after-migration"))
        log.checkpoint(key)
        report = verify_trail(log, public_key=key.public)
        assert report.ok and report.rows_checked == len(before) + 1, report.problem
        assert log.query(model="dp-gan-legacy", decision="block")[0].request_id == "legacy-4"


def test_other_schema_versions_are_refused(db_url: str) -> None:
    AuditLog(db_url, hash_key=None).close()
    engine = sa.create_engine(db_url)
    with engine.begin() as conn:
        conn.exec_driver_sql("UPDATE audit_schema_version SET version_num = '0099_future'")
    engine.dispose()
    with pytest.raises(AuditError, match=r"unknown schema version '0099_future'.*newer"):
        AuditLog(db_url, hash_key=None, create=False)
    engine = make_engine(db_url, lock_timeout=10)
    with pytest.raises(AuditError, match=r"unknown schema version"):
        migrate(engine, db_url)
    engine.dispose()


def test_a_foreign_table_is_not_migrated(sqlite_url: str) -> None:
    engine = make_engine(sqlite_url, lock_timeout=10)
    with write_transaction(engine) as conn:
        conn.exec_driver_sql("CREATE TABLE audit_events (id INTEGER PRIMARY KEY, seq INTEGER)")
    with pytest.raises(AuditError, match=r"lacks columns .*not an aigc_guard audit log"):
        migrate(engine, sqlite_url)
    with engine.connect() as conn:  # rolled back: nothing was added
        assert not sa.inspect(conn).has_table("audit_meta")
    engine.dispose()
