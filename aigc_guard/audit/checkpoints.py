"""Signed checkpoints: making them, storing them in the database and in a file outside
it, and reading them back.

A checkpoint signs (log id, row count, head hash, Merkle root). Before signing, the
rows added since the previous checkpoint are verified (links, hashes and, with the
hash key, row MACs), so a tampered tail is never signed. The checkpoint file is
append-only JSON lines (one checkpoint per line, appended under an exclusive lock
and fsynced); keep it, or a copy, on other storage than the database: it is what
shows a truncation or a rewrite of the whole database.
"""

from __future__ import annotations

import fcntl
import itertools
import json
import os
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

import sqlalchemy as sa

from aigc_guard.audit.engine import audit_errors, write_transaction
from aigc_guard.audit.models import AUDIT_TABLE, CHECKPOINT_TABLE
from aigc_guard.audit.records import EMPTY_HEAD, ChainHead, utc_now_text
from aigc_guard.audit.signing import Checkpoint, CheckpointKey
from aigc_guard.audit.tree_store import extend_tree, insert_ignoring_duplicates, root_at
from aigc_guard.errors import AuditError, InputError

if TYPE_CHECKING:
    from aigc_guard.audit.log import AuditLog

_CP = CHECKPOINT_TABLE.c


def default_checkpoint_file(log_id: str) -> Path:
    """$AIGC_GUARD_HOME/checkpoints/<log id>.jsonl: outside the database, one file per log."""
    from aigc_guard.credentials import home_dir

    return home_dir() / "checkpoints" / f"{log_id}.jsonl"


@dataclass(frozen=True)
class CheckpointSettings:
    """How a log checkpoints itself: with which key, every how many rows, into which file."""

    key: CheckpointKey | None = None
    every: int | None = None
    file: Path | None = None

    @classmethod
    def build(
        cls, key: CheckpointKey | None, every: int | None, file: str | Path | None
    ) -> CheckpointSettings:
        if key is not None and not isinstance(key, CheckpointKey):
            raise InputError(f"checkpoint_key must be a CheckpointKey, got {type(key).__name__}")
        if every is not None:
            if isinstance(every, bool) or not isinstance(every, int) or every < 1:
                raise InputError(f"checkpoint_every must be an int >= 1, got {every!r}")
            if key is None:
                raise InputError("checkpoint_every needs checkpoint_key (the key that signs)")
        return cls(key, every, Path(file) if file is not None else None)

    def file_for(self, log_id: str) -> Path:
        return self.file if self.file is not None else default_checkpoint_file(log_id)

    def after_append(self, log: AuditLog, first_seq: int, last_seq: int) -> None:
        """Checkpoint when rows first..last crossed a multiple of `every`."""
        if self.key is None or self.every is None:
            return
        if last_seq // self.every > (first_seq - 1) // self.every:
            try:
                create_checkpoint(log, self.key, file=self.file_for(log.log_id))
            except AuditError as exc:
                raise AuditError(
                    f"rows {first_seq}-{last_seq} were written, but the automatic "
                    f"checkpoint failed: {exc}"
                ) from exc


def db_checkpoints(conn: sa.Connection) -> list[Checkpoint]:
    """Every checkpoint stored in the database, by tree size (signatures not checked)."""
    query = sa.select(_CP.id, _CP.body, _CP.signature, _CP.tree_size).order_by(
        _CP.tree_size, _CP.id
    )
    found = []
    for row_id, body, signature, size in conn.execute(query):
        source = f"database checkpoint id {row_id}"
        try:
            data = json.loads(body)
        except ValueError as exc:
            raise AuditError(f"{source}: body is not JSON (edited?)") from exc
        try:
            checkpoint = Checkpoint.from_dict({**data, "signature": signature}, source=source)
        except InputError as exc:
            raise AuditError(f"{exc} (edited?)") from exc
        if checkpoint.tree_size != size:
            raise AuditError(f"{source}: tree_size column differs from the signed body (edited?)")
        found.append(checkpoint)
    return found


def read_checkpoint_file(path: str | Path) -> list[Checkpoint]:
    """The checkpoints in a checkpoint file, in file order; AuditError names a bad line."""
    path = Path(path)
    found = []
    try:
        lines = path.read_text(encoding="utf-8").splitlines()
    except (OSError, UnicodeDecodeError) as exc:
        raise AuditError(f"{path}: cannot read the checkpoint file ({exc})") from exc
    for number, line in enumerate(lines, start=1):
        if not line.strip():
            continue
        try:
            found.append(Checkpoint.from_dict(json.loads(line), source=f"{path}:{number}"))
        except ValueError as exc:
            raise AuditError(f"{path}:{number}: not a checkpoint line ({exc})") from exc
    return found


def append_checkpoint_file(path: Path, checkpoint: Checkpoint) -> None:
    """Append one line under an exclusive lock; never rewrites what is there."""
    if path.exists() and not path.is_file():
        raise AuditError(f"{path}: checkpoint file path is not a file")
    path.parent.mkdir(parents=True, exist_ok=True)
    line = json.dumps(checkpoint.to_dict(), sort_keys=True, separators=(",", ":")) + "\n"
    try:
        descriptor = os.open(path, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o644)
        with os.fdopen(descriptor, "a", encoding="utf-8") as handle:
            fcntl.flock(handle, fcntl.LOCK_EX)
            handle.write(line)
            handle.flush()
            os.fsync(handle.fileno())
    except OSError as exc:
        raise AuditError(f"{path}: cannot append the checkpoint ({exc})") from exc


def _check_new_rows(log: AuditLog, since: Checkpoint | None, head: ChainHead) -> None:
    """Refuse to sign rows that do not verify (see trail.RowChecker)."""
    from aigc_guard.audit.trail import RowChecker

    start = ChainHead(since.tree_size, since.head_hash) if since else None
    first = log.first_seq()
    if start is not None and start.seq < first - 1:
        start = None  # the previous checkpoint lies in a purged prefix
    checker = RowChecker(log, start=start, mac_from=0)
    rows = log.rows(after_seq=start.seq if start else 0)
    for row in itertools.takewhile(lambda r: r.get("seq", 0) <= head.seq, rows):
        problem = checker.feed(row)
        if problem is not None:
            raise AuditError(
                f"refusing to sign a checkpoint: {problem}; run aigc-guard audit verify"
            )
    if checker.head != head:
        raise AuditError(f"refusing to sign a checkpoint: row {head.seq} changed while checking")


def _sign_at(log: AuditLog, key: CheckpointKey, head: ChainHead) -> Checkpoint:
    """Build the tree to `head` and sign (log id, head, root); store it in the database."""
    engine = log._engine_for("checkpoint")
    with audit_errors(log._url, "build the Merkle tree"):
        extend_tree(engine, head.seq)
        with engine.connect() as conn:
            root = root_at(conn, head.seq)
    checkpoint = Checkpoint(
        log.log_id, head.seq, head.row_hash, root.hex(), utc_now_text(), key.key_id
    ).signed_by(key)
    row = {
        "tree_size": checkpoint.tree_size,
        "head_hash": checkpoint.head_hash,
        "merkle_root": checkpoint.merkle_root,
        "created_at": checkpoint.created_at,
        "key_id": checkpoint.key_id,
        "body": checkpoint.body().decode("utf-8"),
        "signature": checkpoint.signature,
    }
    with audit_errors(log._url, "store the checkpoint"), write_transaction(engine) as conn:
        insert_ignoring_duplicates(conn, CHECKPOINT_TABLE, [row])
    return checkpoint


def _row_head(log: AuditLog, seq: int) -> ChainHead:
    with audit_errors(log._url, f"read row {seq}"), log._engine_for("checkpoint").connect() as conn:
        found = conn.execute(
            sa.select(AUDIT_TABLE.c.row_hash).where(AUDIT_TABLE.c.seq == seq)
        ).scalar()
    if found is None:
        raise AuditError(f"cannot checkpoint at row {seq}: no such row")
    return ChainHead(seq, str(found))


def create_checkpoint(
    log: AuditLog,
    key: CheckpointKey,
    *,
    file: str | Path | None = None,
    size: int | None = None,
) -> Checkpoint:
    """Sign the log's head (or its first `size` rows) and Merkle root; store the checkpoint
    in the database and append it to `file`.

    The rows since the previous checkpoint are verified first; a checkpoint of an earlier
    size (retention needs one at the purge boundary) is made after the head is covered.
    """
    engine = log._engine_for("checkpoint")
    with audit_errors(log._url, "read checkpoints"), engine.connect() as conn:
        head = log._read_head(conn)
        mine = {c.tree_size: c for c in db_checkpoints(conn) if c.key_id == key.key_id}
    previous = mine[max(mine)] if mine else None
    if size is not None and not 0 <= size <= head.seq:
        raise InputError(f"cannot checkpoint at {size} rows: the log has {head.seq}")
    if previous is None or previous.tree_size < head.seq:
        _check_new_rows(log, previous, head)
        mine[head.seq] = _sign_at(log, key, head)
    target = head.seq if size is None else size
    if target not in mine:
        mine[target] = _sign_at(log, key, _row_head(log, target) if target else EMPTY_HEAD)
    checkpoint = mine[target]
    path = Path(file) if file is not None else default_checkpoint_file(log.log_id)
    on_file = {c.signature for c in read_checkpoint_file(path)} if path.is_file() else set()
    for made in sorted(mine.values(), key=lambda c: c.tree_size):
        if made.signature not in on_file and made.tree_size in (head.seq, target):
            append_checkpoint_file(path, made)
    return checkpoint


__all__ = [
    "CheckpointSettings",
    "append_checkpoint_file",
    "create_checkpoint",
    "db_checkpoints",
    "default_checkpoint_file",
    "read_checkpoint_file",
]
