"""AuditLog on SQLite and PostgreSQL: append, lookups, atomic batches, no raw data stored."""

from __future__ import annotations

import json
import secrets
from datetime import timezone
from pathlib import Path

import pytest
import sqlalchemy as sa

from aigc_guard.artifacts import ArtifactKind, Decision
from aigc_guard.audit import (
    GENESIS_HASH,
    AuditLog,
    AuditRecord,
    ChainHead,
    compute_row_hash,
    export_jsonl,
    keyed_hash,
    verify_chain,
)
from aigc_guard.errors import AuditError, InputError

KEY = b"k" * 32
PII_NAME = "Marguerite Okonkwo-Lindqvist"
PII_PROMPT = f"Write to {PII_NAME}, marguerite.ol@example.org, SSN 219-09-9999"
PII_CONTENT = f"Dear {PII_NAME}, your account 4929-1234-5678-0006 is overdue.".encode()


def _output(n: int = 0, **overrides: object) -> AuditRecord:
    fields: dict[str, object] = {
        "event": "output",
        "decision": "allow",
        "request_id": f"req-{n}",
        "attempt": 1,
        "policy_id": "default",
        "policy_sha256": "ab" * 32,
        "model_id": "dp-gan-mnist",
        "content_id": f"{n:012x}",
        "content_kind": "text",
        "content": f"output {n}".encode(),
        "prompt": f"prompt {n}",
        "checks": {"pii": {"passed": True, "score": 0.25, "entities": []}},
        "marks": {"watermark": {"method": "dwtDctSvd", "payload": f"{n:012x}"}},
    }
    fields.update(overrides)
    return AuditRecord(**fields)  # type: ignore[arg-type]


def test_append_and_read_back(db_url: str) -> None:
    with AuditLog(db_url, hash_key=KEY) as log:
        assert log.count() == 0
        assert log.head() == ChainHead(0, GENESIS_HASH)
        first = log.append(_output(1))
        second = log.append(_output(2, decision=Decision.BLOCK, content_kind=ArtifactKind.IMAGE))
        assert (first.seq, second.seq) == (1, 2)
        assert first.prev_hash == GENESIS_HASH
        assert second.prev_hash == first.row_hash
        assert second.decision == "block" and second.content_kind == "image"
        assert first.created_at.tzinfo is not None
        assert first.created_at.utcoffset() == timezone.utc.utcoffset(None)
        assert first.content_hash == keyed_hash(KEY, b"output 1")
        assert first.prompt_hash == keyed_hash(KEY, "prompt 1")
        assert first.key_id == log.key_id and len(first.key_id or "") == 16
        assert log.get(first.id) == first
        assert log.get(second.id + 1000) is None
        assert log.head() == (2, second.row_hash)
        assert compute_row_hash(first.to_dict()) == first.row_hash


def test_stored_row_round_trips_exactly(db_url: str) -> None:
    """Floats, unicode, nested lists and tuples read back equal, so the hash holds."""
    checks = {
        "memorization": {"distance": 0.1 + 0.2, "tiny": 1e-300, "big": 12345678901234567890},
        "pii": {"entities": [("EMAIL", 3, 20, 0.85)], "note": "naïve – ☃"},
        "flags": {"ok": True, "none": None, "one": 1.0},
    }
    with AuditLog(db_url, hash_key=KEY) as log:
        written = log.append(_output(1, checks=checks, extra={"card": {"epsilon": 7.999999}}))
        read = log.get(written.id)
    assert read == written
    assert read is not None and read.checks["memorization"]["distance"] == 0.1 + 0.2
    assert read.checks["pii"]["entities"] == [["EMAIL", 3, 20, 0.85]]
    assert isinstance(read.checks["flags"]["one"], float)
    assert read.to_dict()["created_at"].endswith("+00:00")
    json.dumps(read.to_dict())  # JSON-safe


def test_lookups(db_url: str) -> None:
    with AuditLog(db_url, hash_key=KEY) as log:
        entries = [log.append(_output(n)) for n in range(5)]
        log.append(_output(9, content=b"output 3", content_id=None, request_id="req-3"))
        assert [e.seq for e in log.find_by_content_hash(b"output 3")] == [4, 6]
        assert [e.seq for e in log.find_by_content_hash("output 3")] == [4, 6]
        assert log.find_by_content_hash(b"never delivered") == []
        assert log.find_by_content_id(f"{2:012x}") == [entries[2]]
        assert log.find_by_content_id(f"{2:012X}") == [entries[2]]
        assert [e.seq for e in log.find_by_request_id("req-3")] == [4, 6]
        assert [e.seq for e in log.entries()] == [1, 2, 3, 4, 5, 6]
        assert [e.seq for e in log.entries(after_seq=2, batch=2)] == [3, 4, 5, 6]
        assert list(log.entries(after_seq=6)) == []
        assert log.count() == 6


def test_a_writer_with_another_hash_key_is_refused(db_url: str) -> None:
    """A mistyped keys folder must not mix two key ids in one log (lookups would miss)."""
    with AuditLog(db_url, hash_key=KEY) as log:
        log.append(_output(1))
        first_id = log.key_id
    with pytest.raises(AuditError, match=rf"hashed with key id {first_id}.*wrong --keys folder"):
        AuditLog(db_url, hash_key=b"z" * 32)
    with AuditLog(db_url, hash_key=None, create=False) as reader:  # readers need no key
        assert reader.count() == 1
        assert reader.find_by_content_id(f"{1:012x}")[0].key_id == first_id
    with AuditLog(db_url, hash_key=KEY) as again:
        assert again.append(_output(2)).seq == 2


def test_an_empty_log_is_claimed_by_its_first_writer(db_url: str) -> None:
    AuditLog(db_url, hash_key=KEY).close()
    with pytest.raises(AuditError, match=r"wrong --keys folder"):
        AuditLog(db_url, hash_key=b"z" * 32)


def test_append_many_is_one_chained_transaction(db_url: str) -> None:
    with AuditLog(db_url, hash_key=KEY) as log:
        log.append(_output(0))
        batch = log.append_many([_output(n) for n in range(1, 4)])
        assert [e.seq for e in batch] == [2, 3, 4]
        assert batch[1].prev_hash == batch[0].row_hash
        assert log.append_many([]) == []
        assert verify_chain(log).ok


def _install_refusing_trigger(url: str) -> None:
    """A database trigger that refuses rows with attempt == 99: a failure inside a batch."""
    engine = sa.create_engine(url)
    with engine.begin() as conn:
        if conn.dialect.name == "sqlite":
            conn.exec_driver_sql(
                "CREATE TRIGGER refuse BEFORE INSERT ON audit_events WHEN NEW.attempt = 99 "
                "BEGIN SELECT RAISE(ABORT, 'refused by trigger'); END"
            )
        else:
            conn.exec_driver_sql(
                "CREATE FUNCTION refuse() RETURNS trigger AS $$ BEGIN IF NEW.attempt = 99 "
                "THEN RAISE EXCEPTION 'refused by trigger'; END IF; RETURN NEW; END $$ "
                "LANGUAGE plpgsql"
            )
            conn.exec_driver_sql(
                "CREATE TRIGGER refuse BEFORE INSERT ON audit_events FOR EACH ROW "
                "EXECUTE FUNCTION refuse()"
            )
    engine.dispose()


def test_append_many_is_all_or_nothing(db_url: str) -> None:
    with AuditLog(db_url, hash_key=KEY) as log:
        log.append(_output(0))
        _install_refusing_trigger(db_url)
        batch = [_output(1), _output(2, attempt=99), _output(3)]
        with pytest.raises(AuditError, match=r"append failed.*refused by trigger"):
            log.append_many(batch)
        assert log.count() == 1
        assert verify_chain(log).ok
        assert [e.seq for e in log.append_many([_output(4), _output(5)])] == [2, 3]
        assert verify_chain(log).ok


def _dump_database(url: str) -> str:
    """Everything the database holds for the log, as text (plus the raw file for SQLite)."""
    engine = sa.create_engine(url)
    with engine.connect() as conn:
        if conn.dialect.name == "sqlite":
            text = "\n".join(conn.connection.dbapi_connection.iterdump())  # type: ignore[union-attr]
        else:
            rows = conn.exec_driver_sql("SELECT t::text FROM audit_events t").scalars()
            text = "\n".join(rows)
    engine.dispose()
    if url.startswith("sqlite:///"):
        path = Path(url.removeprefix("sqlite:///"))
        for candidate in path.parent.glob(path.name + "*"):
            text += candidate.read_bytes().decode("latin-1")
    return text


def test_no_raw_prompt_or_content_is_stored(db_url: str, tmp_path: Path) -> None:
    record = _output(1, prompt=PII_PROMPT, content=PII_CONTENT)
    assert PII_NAME not in repr(record)
    with AuditLog(db_url, hash_key=KEY) as log:
        entry = log.append(record)
        log.append_many([_output(2, prompt=PII_PROMPT), _output(3, content=PII_CONTENT)])
        assert log.find_by_content_hash(PII_CONTENT)[0] == entry
        export_path = tmp_path / "trail.jsonl"
        assert export_jsonl(log, export_path) == 3
    dump = _dump_database(db_url)
    assert entry.row_hash in dump  # the dump really holds the rows
    exported = export_path.read_text(encoding="utf-8")
    for secret in (PII_NAME, "219-09-9999", "marguerite.ol", "4929-1234"):
        assert secret not in dump
        assert secret not in exported
        assert secret not in json.dumps(entry.to_dict())


def test_records_are_validated() -> None:
    with pytest.raises(InputError, match=r"AuditRecord.event: 'outputs' is not one of"):
        AuditRecord("outputs")
    with pytest.raises(InputError, match=r"AuditRecord.decision"):
        AuditRecord("output", decision="maybe")
    with pytest.raises(InputError, match=r"AuditRecord.content_id"):
        AuditRecord("output", content_id="xyz")
    with pytest.raises(InputError, match=r"AuditRecord.attempt"):
        AuditRecord("output", attempt=-1)
    with pytest.raises(InputError, match=r"AuditRecord.content"):
        AuditRecord("output", content=123)  # type: ignore[arg-type]


def test_unstorable_json_is_refused_before_any_write(sqlite_url: str) -> None:
    with AuditLog(sqlite_url, hash_key=KEY) as log:
        with pytest.raises(InputError, match=r"AuditRecord.checks: not storable as JSON"):
            log.append(_output(1, checks={"x": float("nan")}))
        with pytest.raises(InputError, match=r"AuditRecord.extra: not storable as JSON"):
            log.append(_output(1, extra={"when": object()}))
        assert log.count() == 0


def test_numpy_values_are_stored_as_plain_numbers(sqlite_url: str) -> None:
    np = pytest.importorskip("numpy")
    with AuditLog(sqlite_url, hash_key=KEY) as log:
        entry = log.append(_output(1, checks={"d": np.float32(0.5), "v": np.arange(3)}))
        assert entry.checks == {"d": 0.5, "v": [0, 1, 2]}
        assert verify_chain(log).ok


def test_key_rules_and_read_only_use(sqlite_url: str) -> None:
    with pytest.raises(InputError, match=r"hash_key must be bytes of length >= 16"):
        AuditLog(sqlite_url, hash_key=b"short")
    with pytest.raises(InputError, match=r"hash_key"):
        AuditLog(sqlite_url, hash_key="a string key of some length")  # type: ignore[arg-type]
    with AuditLog(sqlite_url, hash_key=secrets.token_bytes(32)) as log:
        log.append(_output(1))
    with AuditLog(sqlite_url, hash_key=None, create=False) as reader:
        assert reader.count() == 1 and verify_chain(reader).ok
        with pytest.raises(AuditError, match=r"without hash_key"):
            reader.append(AuditRecord("model", extra={"card": {}}))
        with pytest.raises(AuditError, match=r"without hash_key"):
            reader.find_by_content_hash(b"output 1")


def test_create_false_refuses_a_missing_log(db_url: str, tmp_path: Path) -> None:
    with pytest.raises(AuditError, match=r"no such file"):
        AuditLog(f"sqlite:///{tmp_path / 'typo.db'}", hash_key=None, create=False)
    assert not (tmp_path / "typo.db").exists()
    with pytest.raises(AuditError, match=r"no table audit_events"):
        AuditLog(
            db_url if "postgresql" in db_url else _empty_sqlite(tmp_path),
            hash_key=None,
            create=False,
        )


def _empty_sqlite(tmp_path: Path) -> str:
    import sqlite3

    sqlite3.connect(tmp_path / "empty.db").close()
    return f"sqlite:///{tmp_path / 'empty.db'}"


def test_close_is_idempotent_and_final(db_url: str) -> None:
    log = AuditLog(db_url, hash_key=KEY)
    log.append(_output(1))
    log.close()
    log.close()
    assert "closed" in repr(log)
    with pytest.raises(AuditError, match=r"is closed; cannot append"):
        log.append(_output(2))
    with pytest.raises(AuditError, match=r"is closed"):
        log.count()


def test_reopening_continues_the_chain(db_url: str) -> None:
    with AuditLog(db_url, hash_key=KEY) as log:
        last = log.append(_output(1))
    with AuditLog(db_url, hash_key=KEY) as log:
        nxt = log.append(_output(2))
        assert nxt.seq == 2 and nxt.prev_hash == last.row_hash
        assert verify_chain(log).ok


def test_outdated_table_is_named(sqlite_url: str) -> None:
    engine = sa.create_engine(sqlite_url)
    with engine.begin() as conn:
        conn.exec_driver_sql("CREATE TABLE audit_events (id INTEGER PRIMARY KEY, seq INTEGER)")
    engine.dispose()
    with pytest.raises(AuditError, match=r"schema aigc_guard 0.1 .*run: aigc-guard audit migrate"):
        AuditLog(sqlite_url, hash_key=KEY)


def test_a_bare_path_opens_a_sqlite_file(tmp_path: Path) -> None:
    path = tmp_path / "plain.db"
    with AuditLog(str(path), hash_key=KEY) as log:
        log.append(_output(1))
        assert log.url == f"sqlite:///{path.as_posix()}"
    assert path.is_file()
    with pytest.raises(InputError, match=r"url must be"):
        AuditLog("  ", hash_key=KEY)
