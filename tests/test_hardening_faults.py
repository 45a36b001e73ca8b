"""Fault injection at every stage of a guarded batch: the generator, the database, the
signer, the process itself. After each fault the trail is checked (tests/trail.py):
the chain verifies, every output handed back has its row, every delivered row has
its file or a `delivery_failed` row, and no partial output looks complete."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import threading
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np
import pytest
import sqlalchemy as sa
from disks import FullDiskOs
from guarded import no_checks_policy
from PIL import Image
from test_audit_failures import _tagged, _terminate
from trail import KEY, assert_trail_consistent

from aigc_guard import Guard
from aigc_guard.artifacts import Artifact
from aigc_guard.audit import AuditLog
from aigc_guard.credentials import SigningCredentials, ensure_dev_keys
from aigc_guard.delivery import OutputFolder, generate_into
from aigc_guard.errors import AigcGuardError, AuditError, DeliveryError, GeneratorError
from aigc_guard.policy import parse_policy

NO_CHECKS = no_checks_policy("limits: {max_image_pixels: 250000}\n")


@pytest.fixture(scope="module")
def keys(tmp_path_factory: pytest.TempPathFactory) -> Path:
    folder = tmp_path_factory.mktemp("keys")
    ensure_dev_keys(folder)
    return folder


@pytest.fixture
def guard_parts(keys: Path) -> dict[str, Any]:
    return {"policy": parse_policy(NO_CHECKS), "keys": keys, "dev_credentials": True}


def painter(fail_on_call: int | None = None, garbage: Any = None) -> Callable[..., Any]:
    """A batched image 'model': its call number `fail_on_call` raises, or returns `garbage`."""
    calls = {"n": 0}

    def paint(n: int) -> list[Any]:
        calls["n"] += 1
        if calls["n"] == fail_on_call:
            if garbage is None:
                raise RuntimeError("model server went away")
            return [garbage] * n
        return [Image.new("RGB", (64, 64), (30 * calls["n"], 60, 9 * i)) for i in range(n)]

    return paint


def _returned(results: list[Any]) -> list[tuple[int, str]]:
    return [(result.audit_id, result.content_id) for result in results]


@pytest.mark.hardening(
    "fault",
    "the generator raises in the 2nd of 3 batches",
    "batch 1 delivered; generation_error row",
)
def test_generator_raising_midway(db_url: str, guard_parts: dict, tmp_path: Path) -> None:
    folder = OutputFolder.prepare(tmp_path / "out")
    done: list[Any] = []
    with Guard(db=db_url, hash_key=KEY, **guard_parts) as guard:
        with pytest.raises(GeneratorError, match="model server went away"):
            generate_into(guard, painter(fail_on_call=2), folder, n=6, batch=2,
                          on_batch=done.extend)  # fmt: skip
        entries = assert_trail_consistent(guard.audit, folder.path, _returned(done))
    assert len(done) == 2 and len(list(folder.path.iterdir())) == 2
    assert [e.event for e in entries] == ["output", "output", "generation_error"]


GARBAGE = {
    "None": None,
    "an int": 42,
    "a NaN float image": Image.fromarray(np.full((64, 64), np.nan, np.float32), mode="F"),
    "an image over limits.max_image_pixels": Image.new("RGB", (600, 600)),
    "a 0x0 image": Image.new("RGB", (0, 0)),
}


@pytest.mark.hardening(
    "fault", "the generator returns garbage midway (None, an int, NaN pixels, over budget, 0x0)",
    "GeneratorError and a generation_error row; earlier outputs kept",
)  # fmt: skip
@pytest.mark.parametrize("garbage", list(GARBAGE))
def test_generator_returning_garbage_midway(
    sqlite_url: str, guard_parts: dict, tmp_path: Path, garbage: str
) -> None:
    folder = OutputFolder.prepare(tmp_path / "out")
    done: list[Any] = []
    with Guard(db=sqlite_url, hash_key=KEY, **guard_parts) as guard:
        with pytest.raises(GeneratorError):
            generate_into(guard, painter(fail_on_call=2, garbage=GARBAGE[garbage]), folder,
                          n=4, batch=2, on_batch=done.extend)  # fmt: skip
        entries = assert_trail_consistent(guard.audit, folder.path, _returned(done))
    assert [e.event for e in entries][-1] == "generation_error" and len(done) == 2


def _image(seed: int) -> Artifact:
    rng = np.random.default_rng(seed)
    return Artifact.from_image(Image.fromarray(rng.integers(0, 256, (64, 64, 3), dtype=np.uint8)))


@pytest.mark.hardening(
    "fault", "PostgreSQL connection killed between outputs and inside a commit",
    "AuditError for the output in the commit, nothing delivered for it; the next one works",
)  # fmt: skip
@pytest.mark.postgres
def test_database_drops_between_outputs_and_mid_transaction(
    pg_url: str, guard_parts: dict, tmp_path: Path
) -> None:
    admin_engine = sa.create_engine(pg_url, isolation_level="AUTOCOMMIT", poolclass=sa.NullPool)
    with admin_engine.connect() as pg_admin:
        _drop_and_recover(pg_url, pg_admin, guard_parts, tmp_path)
    admin_engine.dispose()


def _drop_and_recover(
    pg_url: str, pg_admin: sa.Connection, guard_parts: dict, tmp_path: Path
) -> None:
    url, tag = _tagged(pg_url)
    folder = OutputFolder.prepare(tmp_path / "out")
    returned = []
    with AuditLog(url, hash_key=KEY) as log, Guard(db=log, **guard_parts) as guard:

        def deliver(seed: int) -> None:
            result = guard.guard_artifact(_image(seed))
            folder.deliver(result, audit=log, policy=guard.policy)
            returned.append((result.audit_id, result.content_id))

        deliver(1)
        assert _terminate(pg_admin, tag) >= 1  # between outputs: the pool reconnects
        deliver(2)
        failure: list[BaseException] = []
        locker = sa.create_engine(pg_url, poolclass=sa.NullPool)
        holder = locker.connect()
        holder.begin()
        holder.exec_driver_sql("LOCK TABLE audit_events IN ACCESS EXCLUSIVE MODE")

        def blocked() -> None:
            try:
                deliver(3)
            except AigcGuardError as exc:
                failure.append(exc)

        worker = threading.Thread(target=blocked)
        worker.start()
        _wait_for_lock_wait(pg_admin, tag)
        assert _terminate(pg_admin, tag) >= 1  # dies inside its transaction
        worker.join(timeout=30)
        holder.rollback()
        holder.close()
        locker.dispose()
        assert isinstance(failure[0], AuditError)
        deliver(4)
        assert_trail_consistent(log, folder.path, returned)
        assert len(returned) == 3 and log.count() == 3


def _wait_for_lock_wait(admin: sa.Connection, tag: str) -> None:
    waiting = sa.text(
        "SELECT count(*) FROM pg_stat_activity WHERE application_name = :tag "
        "AND wait_event_type = 'Lock'"
    )
    deadline = time.monotonic() + 20
    while not admin.execute(waiting, {"tag": tag}).scalar_one():
        assert time.monotonic() < deadline, "the append never reached the lock"
        time.sleep(0.02)


@pytest.mark.hardening(
    "fault", "SQLite database locked by another writer during a commit",
    "AuditError after lock_timeout; nothing delivered for it",
)  # fmt: skip
def test_sqlite_locked_during_a_commit(sqlite_url: str, guard_parts: dict, tmp_path: Path) -> None:
    import sqlite3

    folder = OutputFolder.prepare(tmp_path / "out")
    with (
        AuditLog(sqlite_url, hash_key=KEY, lock_timeout=0.3) as log,
        Guard(db=log, **guard_parts) as guard,
    ):
        first = guard.guard_artifact(_image(1))
        folder.deliver(first, audit=log, policy=guard.policy)
        other = sqlite3.connect(sqlite_url.removeprefix("sqlite:///"), isolation_level=None)
        other.execute("BEGIN EXCLUSIVE")
        with pytest.raises(AuditError, match="another writer holds the lock"):
            guard.guard_artifact(_image(2))
        other.execute("ROLLBACK")
        other.close()
        assert_trail_consistent(log, folder.path, [(first.audit_id, first.content_id)])


@pytest.mark.hardening(
    "fault", "the C2PA signer (a KMS callback) fails on one output",
    "no row and no file for it; the outputs around it are delivered",
)  # fmt: skip
def test_signer_failing_midway(sqlite_url: str, keys: Path, tmp_path: Path) -> None:
    from cryptography.hazmat.primitives import hashes, serialization
    from cryptography.hazmat.primitives.asymmetric import ec

    dev = ensure_dev_keys(keys)
    key = serialization.load_pem_private_key(dev.key_path.read_bytes(), password=None)
    calls = {"n": 0}

    def kms(data: bytes) -> bytes:
        calls["n"] += 1
        if calls["n"] == 3:  # call 1 is the guard's probe signature
            raise ConnectionError("KMS unreachable")
        return key.sign(data, ec.ECDSA(hashes.SHA256()))  # type: ignore[union-attr]

    signer = SigningCredentials.from_callback(cert_chain_pem=dev.cert_chain_path.read_bytes(),
                                              sign_callback=kms)  # fmt: skip
    folder = OutputFolder.prepare(tmp_path / "out")
    returned, errors = [], []
    with Guard(policy=parse_policy(NO_CHECKS), db=sqlite_url, hash_key=KEY, signer=signer) as guard:
        for seed in range(3):
            try:
                result = guard.guard_artifact(_image(seed))
            except AigcGuardError as exc:
                errors.append(exc)
                continue
            folder.deliver(result, audit=guard.audit, policy=guard.policy)
            returned.append((result.audit_id, result.content_id))
        assert_trail_consistent(guard.audit, folder.path, returned)
    assert len(returned) == 2 and len(errors) == 1


@pytest.mark.hardening(
    "fault", "write hook: disk full on the 2nd output of a committed batch",
    "delivery_failed rows for it and the rest of the batch; DeliveryError",
)  # fmt: skip
def test_disk_full_inside_a_batch(
    db_url: str, guard_parts: dict, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    import aigc_guard.fileio as fileio

    folder = OutputFolder.prepare(tmp_path / "out")
    with Guard(db=db_url, hash_key=KEY, **guard_parts) as guard:
        results = guard.generate(painter(), n=3)
        monkeypatch.setattr(fileio, "os", FullDiskOs(len(results[0].data or b"")))
        with pytest.raises(DeliveryError, match="No space left"):
            folder.deliver_all([(r, None) for r in results], audit=guard.audit,
                               policy=guard.policy)  # fmt: skip
        monkeypatch.undo()
        entries = assert_trail_consistent(guard.audit, folder.path, _returned(results))
    assert [e.extra.get("error_type") for e in entries if e.event == "delivery_failed"] == [
        "OSError", "NotAttempted"
    ]  # fmt: skip


def _start_guard_batch(
    tmp_path: Path, keys: Path, count: int
) -> tuple[subprocess.Popen, str, Path]:
    policy = tmp_path / "no-checks.yaml"
    policy.write_text(NO_CHECKS, encoding="utf-8")
    inputs = []
    for index in range(count):
        path = tmp_path / "in" / f"in{index:02d}.png"
        path.parent.mkdir(exist_ok=True)
        _image(index).image.save(path)  # type: ignore[union-attr]
        inputs.append(str(path))
    db = f"sqlite:///{tmp_path / 'audit.db'}"
    out = tmp_path / "out"
    cli = [sys.executable, "-c", "from aigc_guard.cli import main; main()"]
    command = [*cli, "guard", *inputs, "--out", str(out), "--policy", str(policy),
               "--db", db, "--keys", str(keys)]  # fmt: skip
    process = subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                               env={**os.environ, "PYTHONUNBUFFERED": "1"})  # fmt: skip
    return process, db, out


@pytest.mark.hardening(
    "fault", "SIGTERM in the middle of a 40-file `guard` batch (a subprocess)",
    "the output in hand is finished, exit 143, trail consistent",
)  # fmt: skip
def test_sigterm_mid_batch(tmp_path: Path, keys: Path) -> None:
    process, db, out = _start_guard_batch(tmp_path, keys, count=40)
    assert process.stdout is not None
    lines = [json.loads(process.stdout.readline()) for _ in range(2)]
    process.send_signal(signal.SIGTERM)
    rest, errors = process.communicate(timeout=60)
    lines += [json.loads(line) for line in rest.splitlines() if line.startswith("{")]
    assert process.returncode == 143, errors
    assert "SIGTERM: finishing the output in hand" in errors
    assert 2 <= len(lines) < 40
    with AuditLog(db, hash_key=None, create=False) as log:
        assert_trail_consistent(
            log, out, [(line["audit_id"], line["content_id"]) for line in lines]
        )
        assert log.count() == len(lines)
