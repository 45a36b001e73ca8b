"""Tamper evidence: every kind of edit made with raw SQL is found at the right row.

The log is built through AuditLog, then altered behind its back with plain SQL,
as someone with write access to the database would do.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import sqlalchemy as sa
from audit_attack import forged_row, insert_row, tamper

from aigc_guard.audit import (
    AuditLog,
    AuditRecord,
    ChainHead,
    export_jsonl,
    verify_chain,
    verify_jsonl,
)
from aigc_guard.errors import AuditError

KEY = b"chain-test-key-0123456789abcdef!"
ROWS = 10


def _record(n: int) -> AuditRecord:
    return AuditRecord(
        "output",
        decision="block" if n == 7 else "allow",
        request_id=f"req-{n}",
        content_id=f"{n:012x}",
        content_kind="image",
        content=f"image bytes {n}".encode(),
        checks={"memorization": {"passed": n != 7, "distance": n / 3}},
    )


@pytest.fixture
def log(db_url: str) -> Iterator[AuditLog]:
    """A log of ROWS rows where seq == id (1..ROWS)."""
    with AuditLog(db_url, hash_key=KEY) as audit:
        for n in range(1, 4):
            audit.append(_record(n))
        audit.append_many([_record(n) for n in range(4, ROWS + 1)])
        assert [e.id for e in audit.entries()] == list(range(1, ROWS + 1))
        yield audit


def _sql(log: AuditLog, *statements: str, params: dict[str, Any] | None = None) -> None:
    """Run raw SQL on the log's database in one transaction, outside AuditLog, with the
    append-only triggers lifted (as an attacker with write access can)."""
    tamper(log._url, *statements, params=params)  # the unmasked URL, as an attacker would have


def _assert_bad(log: AuditLog, seq: int, row_id: int | None, problem: str) -> None:
    report = verify_chain(log)
    assert not report.ok
    assert (report.first_bad_seq, report.first_bad_id) == (seq, row_id)
    assert report.problem is not None and problem in report.problem, report.problem
    assert report.head.seq < seq


def test_untouched_log_verifies(log: AuditLog) -> None:
    report = verify_chain(log, batch=3)
    assert report.ok and report.rows_checked == ROWS and report.problem is None
    assert report.head == log.head()
    assert verify_chain(log, checkpoint=ChainHead(4, log.get(4).row_hash)).ok  # type: ignore[union-attr]


def test_empty_log_verifies(db_url: str) -> None:
    with AuditLog(db_url, hash_key=KEY) as empty:
        report = verify_chain(empty)
        assert report.ok and report.rows_checked == 0 and report.head.seq == 0


def test_edited_field(log: AuditLog) -> None:
    _sql(log, "UPDATE audit_events SET decision = 'allow' WHERE seq = 7")
    _assert_bad(log, 7, 7, "row 7 (id 7): row_hash does not match its contents (edited?)")


def test_edited_json_field(log: AuditLog) -> None:
    checks = json.dumps({"memorization": {"passed": True}})
    _sql(log, "UPDATE audit_events SET checks = :c WHERE seq = 7", params={"c": checks})
    _assert_bad(log, 7, 7, "row 7 (id 7): row_hash does not match its contents")


def test_edited_row_hash(log: AuditLog) -> None:
    _sql(log, "UPDATE audit_events SET row_hash = :h WHERE seq = 5", params={"h": "e" * 64})
    _assert_bad(log, 5, 5, "row 5 (id 5): row_hash does not match its contents")


def test_deleted_row(log: AuditLog) -> None:
    _sql(log, "DELETE FROM audit_events WHERE seq = 4")
    _assert_bad(log, 5, 5, "row 5 (id 5): seq jumps from 3 to 5: row 4 missing (deleted?)")


def test_deleted_first_rows(log: AuditLog) -> None:
    _sql(log, "DELETE FROM audit_events WHERE seq <= 2")
    _assert_bad(log, 3, 3, "seq jumps from 0 to 3: rows 1-2 missing (deleted?)")


def test_deleted_row_with_renumbering(log: AuditLog) -> None:
    _sql(
        log,
        "DELETE FROM audit_events WHERE seq = 4",
        "UPDATE audit_events SET seq = seq + 1000 WHERE seq > 4",
        "UPDATE audit_events SET seq = seq - 1001 WHERE seq > 1000",
    )
    _assert_bad(log, 4, 5, "row 4 (id 5): prev_hash does not match row 3's row_hash")


def test_rows_reordered(log: AuditLog) -> None:
    _sql(
        log,
        "UPDATE audit_events SET seq = 1003 WHERE seq = 3",
        "UPDATE audit_events SET seq = 3 WHERE seq = 4",
        "UPDATE audit_events SET seq = 4 WHERE seq = 1003",
    )
    _assert_bad(log, 3, 4, "row 3 (id 4): prev_hash does not match row 2's row_hash")


def _forged_row(log: AuditLog, seq: int, prev_hash: str) -> dict[str, Any]:
    return forged_row(log, seq, prev_hash)


def _insert(log: AuditLog, row: dict[str, Any]) -> None:
    insert_row(log._url, row)


def test_inserted_row_in_the_middle(log: AuditLog) -> None:
    """A forged row with a valid hash of its own still breaks the row after it."""
    forged = _forged_row(log, 6, log.get(5).row_hash)  # type: ignore[union-attr]
    _sql(
        log,
        "UPDATE audit_events SET seq = seq + 1000 WHERE seq > 5",
        # prev_hash is unique: the old row 6 must let go of row 5's hash first
        "UPDATE audit_events SET prev_hash = :h WHERE seq = 1006",
        params={"h": forged["row_hash"]},
    )
    _insert(log, forged)
    _sql(log, "UPDATE audit_events SET seq = seq - 999 WHERE seq > 1000")
    _assert_bad(log, 7, 6, "row 7 (id 6): row_hash does not match its contents")


def test_inserted_garbage_row_at_the_end(log: AuditLog) -> None:
    forged = _forged_row(log, ROWS + 1, "f" * 64)
    _insert(log, forged)
    report = verify_chain(log)
    assert report.first_bad_seq == ROWS + 1 and report.first_bad_id == ROWS + 1
    assert f"prev_hash does not match row {ROWS}'s row_hash" in (report.problem or "")


def test_the_unique_constraints_refuse_a_fork(log: AuditLog) -> None:
    """A second row after the same predecessor, or a reused seq, cannot even be stored."""
    fork = _forged_row(log, ROWS + 1, log.get(5).row_hash)  # type: ignore[union-attr]
    with pytest.raises(sa.exc.IntegrityError):
        _insert(log, fork)
    duplicate_seq = _forged_row(log, 5, "d" * 64)
    with pytest.raises(sa.exc.IntegrityError):
        _insert(log, duplicate_seq)
    assert verify_chain(log).ok


def test_deleted_last_row_needs_a_checkpoint(log: AuditLog) -> None:
    checkpoint = log.head()
    _sql(log, f"DELETE FROM audit_events WHERE seq = {ROWS}")
    assert verify_chain(log).ok  # undetectable from the rows alone: documented
    report = verify_chain(log, checkpoint=checkpoint)
    assert not report.ok and report.first_bad_seq == ROWS and report.first_bad_id is None
    assert f"ends at row {ROWS - 1} but the checkpoint names row {ROWS}" in (report.problem or "")


def test_forged_tail_with_valid_hashes_passes_without_a_signed_checkpoint(log: AuditLog) -> None:
    """The documented limit of an unkeyed chain: a correctly hashed row appended by
    someone with write access verifies. Signed checkpoints (a later issue) bound it."""
    _insert(log, _forged_row(log, ROWS + 1, log.head().row_hash))
    assert verify_chain(log).ok
    assert verify_chain(log, checkpoint=ChainHead(ROWS, log.get(ROWS).row_hash)).ok  # type: ignore[union-attr]


def test_checkpoint_mismatch(log: AuditLog) -> None:
    report = verify_chain(log, checkpoint=ChainHead(6, "0" * 63 + "1"))
    assert not report.ok and report.first_bad_seq == 6
    assert "differs from the checkpoint" in (report.problem or "")


def test_corrupt_text_is_reported_not_raised(sqlite_url: str) -> None:
    """SQLite accepts anything: broken JSON or timestamps must not crash verification."""
    with AuditLog(sqlite_url, hash_key=KEY) as audit:
        audit.append_many([_record(n) for n in range(1, 5)])
        _sql(audit, "UPDATE audit_events SET checks = 'not json', created_at = 'x' WHERE seq = 3")
        report = verify_chain(audit)
        assert (report.first_bad_seq, report.first_bad_id) == (3, 3)
        with pytest.raises(AuditError, match=r"row 3 \(id 3\): column checks is not a JSON"):
            list(audit.entries())
        assert audit.get(2) is not None
        export_jsonl(audit, Path(sqlite_url.removeprefix("sqlite:///")).with_suffix(".jsonl"))


def test_export_round_trip(log: AuditLog, tmp_path: Path) -> None:
    path = tmp_path / "trail.jsonl"
    assert export_jsonl(log, path, progress=True) == ROWS
    lines = path.read_text(encoding="utf-8").splitlines()
    rows = [json.loads(line) for line in lines[:-1]]  # the last line is the manifest
    assert json.loads(lines[-1])["aigc_guard_manifest"]["rows"] == ROWS
    assert [row["seq"] for row in rows] == list(range(1, ROWS + 1))
    assert rows[6] == log.get(7).to_dict()  # type: ignore[union-attr]
    assert verify_jsonl(path).ok
    assert verify_jsonl(path, checkpoint=log.head()).ok
    rows[6]["decision"] = "allow"
    del rows[2]
    path.write_text("".join(json.dumps(r) + "\n" for r in rows), encoding="utf-8")
    assert "no manifest line" in (verify_jsonl(path).problem or "")
    report = verify_jsonl(path, require_manifest=False)  # an export of aigc_guard 0.1
    assert report.first_bad_seq == 4 and "row 3 missing" in (report.problem or "")
    with pytest.raises(AuditError, match=r"no such file"):
        verify_jsonl(tmp_path / "missing.jsonl")


def test_export_is_atomic(log: AuditLog, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    path = tmp_path / "trail.jsonl"
    assert export_jsonl(log, path) == ROWS
    before = path.read_bytes()
    real_rows = log.rows

    def interrupted(**kwargs: Any) -> Iterator[dict[str, Any]]:
        for n, row in enumerate(real_rows(**kwargs)):
            if n == 3:
                raise KeyboardInterrupt
            yield row

    monkeypatch.setattr(log, "rows", interrupted)
    with pytest.raises(KeyboardInterrupt):
        export_jsonl(log, path)
    assert path.read_bytes() == before  # the previous export is untouched
    assert not [p.name for p in tmp_path.iterdir() if "trail.jsonl." in p.name]  # no temp file
    with pytest.raises(AuditError, match=r"does not exist"):
        export_jsonl(log, tmp_path / "nope" / "trail.jsonl")
