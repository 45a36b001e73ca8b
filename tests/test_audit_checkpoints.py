"""Attacks by someone with write access to the database, on SQLite and PostgreSQL:
recompute the chain after an edit, truncate the newest rows, append forged rows,
forge or plant checkpoints. `verify_trail` must fail and name the first bad row."""

from __future__ import annotations

import json
import os
import time
from collections.abc import Iterator
from datetime import datetime, timezone
from pathlib import Path

import pytest
from audit_attack import forged_row, insert_row, rechain_from, tamper

from aigc_guard.audit import AuditLog, AuditRecord
from aigc_guard.audit.retention import purge
from aigc_guard.audit.signing import CheckpointKey
from aigc_guard.audit.trail import verify_trail
from aigc_guard.errors import AuditError, CredentialError, InputError

KEY = b"checkpoint-test-key-0123456789ab"
EVERY = 4


def _record(n: int) -> AuditRecord:
    return AuditRecord("output", decision="allow", request_id=f"r{n}", content=f"out {n}".encode())


@pytest.fixture
def key(tmp_path: Path) -> CheckpointKey:
    return CheckpointKey.create(tmp_path / "audit-checkpoint.key")


@pytest.fixture
def log(db_url: str, key: CheckpointKey, tmp_path: Path) -> Iterator[AuditLog]:
    """10 rows, checkpointed automatically at 4 and 8 rows."""
    with AuditLog(
        db_url,
        hash_key=KEY,
        checkpoint_key=key,
        checkpoint_every=EVERY,
        checkpoint_file=tmp_path / "checkpoints.jsonl",
    ) as audit:
        for n in range(1, 11):
            audit.append(_record(n))
        yield audit


def _auditor(log: AuditLog, tmp_path: Path) -> AuditLog:
    """The log as an auditor opens it: no hash key (so no MACs), the checkpoint file."""
    return AuditLog(
        log._url, hash_key=None, create=False, checkpoint_file=tmp_path / "checkpoints.jsonl"
    )


def test_intact_log_verifies_against_its_checkpoints(
    log: AuditLog, key: CheckpointKey, tmp_path: Path
) -> None:
    report = verify_trail(log, public_key=key.public)
    assert report.ok and report.rows_checked == 10 and report.checkpoints_checked == 2
    assert report.checkpoint is not None and report.checkpoint["tree_size"] == 8
    lines = (tmp_path / "checkpoints.jsonl").read_text().splitlines()
    assert [json.loads(line)["tree_size"] for line in lines] == [4, 8]
    without_key = verify_trail(log)
    assert without_key.ok and "not checked: no public key" in without_key.warnings[0]


def test_recomputed_chain_is_caught_at_the_first_rewritten_row(
    log: AuditLog, key: CheckpointKey, tmp_path: Path
) -> None:
    rechain_from(log._url, 6, decision="block")
    with _auditor(log, tmp_path) as auditor:
        from aigc_guard.audit import verify_chain

        assert verify_chain(auditor).ok  # the unkeyed chain alone cannot tell
        report = verify_trail(auditor, public_key=key.public)
    assert not report.ok and (report.first_bad_seq, report.first_bad_id) == (6, 6)
    assert "rows 5-8 do not match the signed checkpoint of 8 rows" in (report.problem or "")
    assert report.head.seq == 4  # the last row vouched for by a matching checkpoint
    keyed = verify_trail(log, public_key=key.public)  # with the hash key: the MAC breaks
    assert keyed.first_bad_seq == 6 and "row_mac does not verify" in (keyed.problem or "")


def test_recomputed_chain_and_merkle_nodes_still_fail(
    log: AuditLog, key: CheckpointKey, tmp_path: Path
) -> None:
    rechain_from(log._url, 2, decision="block")
    tamper(log._url, "DELETE FROM audit_merkle_nodes")
    with _auditor(log, tmp_path) as auditor:
        report = verify_trail(auditor, public_key=key.public)
    assert not report.ok and report.first_bad_seq == 1  # somewhere in rows 1-4
    assert "stored Merkle nodes were changed too" in (report.problem or "")


def test_truncated_newest_rows(log: AuditLog, key: CheckpointKey) -> None:
    tamper(log._url, "DELETE FROM audit_events WHERE seq > 6")
    report = verify_trail(log, public_key=key.public)
    assert not report.ok and report.first_bad_seq == 7
    assert "ends at row 6" in (report.problem or "") and "rows 7-8 missing" in (
        report.problem or ""
    )


def test_forged_appends_after_the_checkpoint(
    log: AuditLog, key: CheckpointKey, tmp_path: Path
) -> None:
    insert_row(log._url, forged_row(log, 11, log.head().row_hash))
    report = verify_trail(log, public_key=key.public)
    assert not report.ok and report.first_bad_seq == 11
    assert "no row_mac" in (report.problem or "")
    with _auditor(log, tmp_path) as auditor:  # without the hash key: reported, not proven
        unkeyed = verify_trail(auditor, public_key=key.public)
    assert unkeyed.ok and any("3 rows after the latest checkpoint" in w for w in unkeyed.warnings)
    with pytest.raises(AuditError, match=r"refusing to sign a checkpoint: row 11"):
        log.checkpoint(key)


def test_forged_row_with_a_copied_mac(log: AuditLog, key: CheckpointKey) -> None:
    mac = log.get(3).row_mac  # type: ignore[union-attr]
    insert_row(log._url, forged_row(log, 11, log.head().row_hash, row_mac=mac))
    report = verify_trail(log, public_key=key.public)
    assert report.first_bad_seq == 11 and "row_mac does not verify" in (report.problem or "")


def test_forged_checkpoint_in_the_database(
    log: AuditLog, key: CheckpointKey, tmp_path: Path
) -> None:
    """A checkpoint signed by the attacker's own key is ignored; one with the log's key id
    and a bad signature fails."""
    other = CheckpointKey.create(tmp_path / "attacker.key")
    tamper(log._url, "DELETE FROM audit_events WHERE seq > 5", "DELETE FROM audit_checkpoints")
    (tmp_path / "checkpoints.jsonl").unlink()
    log.checkpoint(other, file=tmp_path / "attacker.jsonl")
    report = verify_trail(log, public_key=key.public)
    assert report.ok and report.checkpoints_checked == 0
    assert any("signed by other key" in w for w in report.warnings)
    tamper(
        log._url,
        f"UPDATE audit_checkpoints SET key_id = '{key.key_id}', "
        f"body = replace(body, '{other.key_id}', '{key.key_id}')",
    )
    forged = verify_trail(log, public_key=key.public)
    assert not forged.ok and "bad signature" in (forged.problem or "")


def test_checkpoint_file_of_another_log(
    log: AuditLog, key: CheckpointKey, tmp_path: Path, sqlite_url: str
) -> None:
    other_url = sqlite_url.replace("audit.db", "other.db")
    with AuditLog(other_url, hash_key=KEY) as other:
        other.append(_record(1))
        other.checkpoint(key, file=tmp_path / "other.jsonl")
    with pytest.raises(AuditError, match=r"not of this log .*another log's checkpoint file"):
        verify_trail(log, public_key=key.public, checkpoint_file=tmp_path / "other.jsonl")
    with pytest.raises(AuditError, match=r"no such checkpoint file"):
        verify_trail(log, public_key=key.public, checkpoint_file=tmp_path / "missing.jsonl")
    before = (tmp_path / "checkpoints.jsonl").read_bytes()
    assert verify_trail(log, public_key=key.public).ok
    assert (tmp_path / "checkpoints.jsonl").read_bytes() == before  # verify never writes


def test_key_files(tmp_path: Path, key: CheckpointKey) -> None:
    assert os.stat(tmp_path / "audit-checkpoint.key").st_mode & 0o777 == 0o600
    assert CheckpointKey.load(tmp_path / "audit-checkpoint.key").key_id == key.key_id
    with pytest.raises(CredentialError, match=r"refusing to overwrite"):
        CheckpointKey.create(tmp_path / "audit-checkpoint.key")
    os.chmod(tmp_path / "audit-checkpoint.key", 0o644)
    with pytest.raises(CredentialError, match=r"mode 644 lets others read"):
        CheckpointKey.load(tmp_path / "audit-checkpoint.key")
    with pytest.raises(CredentialError, match=r"aigc-guard audit keygen"):
        CheckpointKey.load(tmp_path / "none.key")
    with pytest.raises(InputError, match=r"checkpoint_every needs checkpoint_key"):
        AuditLog(f"sqlite:///{tmp_path / 'x.db'}", hash_key=KEY, checkpoint_every=3)


def test_purge_keeps_the_rest_verifiable(log: AuditLog, key: CheckpointKey, tmp_path: Path) -> None:
    cut = datetime.now(timezone.utc)
    time.sleep(0.01)
    log.append_many([_record(n) for n in range(11, 14)])
    result = purge(log, before=cut, key=key)
    assert result.removed == 10 and result.through_seq == 10 and log.first_seq() == 11
    report = verify_trail(log, public_key=key.public)
    assert report.ok, report.problem
    assert [e.event for e in log.entries()][-1] == "purge"
    with _auditor(log, tmp_path) as auditor:
        assert verify_trail(auditor, public_key=key.public).ok
    rechain_from(log._url, 11, decision="block")  # rewrite the first kept row
    with _auditor(log, tmp_path) as auditor:
        bad = verify_trail(auditor, public_key=key.public)
    assert not bad.ok and bad.first_bad_seq == 11
    assert purge(log, before="2000-01-01", key=key).removed == 0
    with pytest.raises(InputError, match=r"not an ISO-8601"):
        purge(log, before="last tuesday", key=key)
