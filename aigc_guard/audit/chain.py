"""Verify the hash chain of an audit log, in the database or in an exported JSONL file.

Walking the rows in seq order, each row must (1) carry the next seq, (2) point with
`prev_hash` at the previous row's `row_hash` (64 zeros for the first row), and
(3) hash to its own `row_hash`. That detects a field edited in place, a row
deleted, inserted or moved, anywhere but at the very end.

Limits, stated plainly: deleting the *last* rows leaves a shorter chain that is
valid; and the chain hash is unkeyed, so someone who can write the database and
recompute every later hash can rewrite history. Both are caught against signed
checkpoints by `trail.verify_trail` (which also checks row MACs); a plain head
saved earlier (`AuditLog.head()`) can still be passed here as `checkpoint=`.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from aigc_guard.audit.hashing import GENESIS_HASH, compute_row_hash
from aigc_guard.audit.records import EMPTY_HEAD, ChainHead
from aigc_guard.errors import AuditError

if TYPE_CHECKING:
    from aigc_guard.audit.log import AuditLog
    from aigc_guard.audit.signing import PublicKey


@dataclass(frozen=True)
class ChainReport:
    """The outcome of a verification.

    `rows_checked` counts rows read up to and including the first bad one (the walk
    stops there); `head` is the last row that verified, usable as a new checkpoint.
    """

    ok: bool
    rows_checked: int
    first_bad_seq: int | None = None
    first_bad_id: int | None = None
    problem: str | None = None
    head: ChainHead = EMPTY_HEAD
    checkpoint: dict[str, Any] | None = None  # the latest signed checkpoint checked
    checkpoints_checked: int = 0
    warnings: tuple[str, ...] = ()

    def to_dict(self) -> dict[str, Any]:
        return {
            "ok": self.ok,
            "rows_checked": self.rows_checked,
            "first_bad_seq": self.first_bad_seq,
            "first_bad_id": self.first_bad_id,
            "problem": self.problem,
            "head": self.head.to_dict(),
            "checkpoint": self.checkpoint,
            "checkpoints_checked": self.checkpoints_checked,
            "warnings": list(self.warnings),
        }


def _span(first: int, last: int) -> str:
    return f"row {first}" if first == last else f"rows {first}-{last}"


def row_problem(row: Mapping[str, Any], expected_seq: int, prev: ChainHead) -> str | None:
    """What is wrong with `row` given the verified row before it, or None."""
    seq, prev_hash = row.get("seq"), row.get("prev_hash")
    if seq != expected_seq:
        if isinstance(seq, int) and seq > expected_seq:
            missing = _span(expected_seq, seq - 1)
            return f"seq jumps from {prev.seq} to {seq}: {missing} missing (deleted?)"
        return f"seq {seq!r} where {expected_seq} was expected (rows reordered or inserted?)"
    if prev_hash != prev.row_hash:
        before = "the genesis hash" if prev.seq == 0 else f"row {prev.seq}'s row_hash"
        return f"prev_hash does not match {before} (rows inserted, deleted or reordered?)"
    if compute_row_hash(row) != row.get("row_hash"):
        return "row_hash does not match its contents (edited?)"
    return None


def _contradicts(row: Mapping[str, Any], checkpoint: ChainHead | None) -> bool:
    """Whether `row` is the checkpoint's row but with another hash."""
    if checkpoint is None or row.get("seq") != checkpoint.seq:
        return False
    return row.get("row_hash") != checkpoint.row_hash


def verify_rows(
    rows: Iterable[Mapping[str, Any]], *, checkpoint: ChainHead | None = None
) -> ChainReport:
    """Verify stored rows given in seq order (dicts with the column names as keys)."""
    head, checked = EMPTY_HEAD, 0
    for row in rows:
        checked += 1
        problem = row_problem(row, head.seq + 1, head)
        if problem is None and _contradicts(row, checkpoint):
            problem = "row_hash differs from the checkpoint (log rewritten?)"
        if problem is not None:
            seq, row_id = row.get("seq"), row.get("id")
            return ChainReport(
                ok=False,
                rows_checked=checked,
                first_bad_seq=seq if isinstance(seq, int) else head.seq + 1,
                first_bad_id=row_id if isinstance(row_id, int) else None,
                problem=f"row {seq} (id {row_id}): {problem}",
                head=head,
            )
        head = ChainHead(head.seq + 1, str(row.get("row_hash")))
    if checkpoint is not None and head.seq < checkpoint.seq:
        return ChainReport(
            ok=False,
            rows_checked=checked,
            first_bad_seq=head.seq + 1,
            problem=(
                f"the log ends at row {head.seq} but the checkpoint names row "
                f"{checkpoint.seq}: {_span(head.seq + 1, checkpoint.seq)} missing (deleted?)"
            ),
            head=head,
        )
    return ChainReport(ok=True, rows_checked=checked, head=head)


def verify_chain(
    log: AuditLog, *, checkpoint: ChainHead | None = None, batch: int = 1000
) -> ChainReport:
    """Verify the whole log in the database, reading `batch` rows at a time.

    Without `checkpoint`, rows deleted from the end go unnoticed (see the module doc).
    Database errors raise AuditError; tampered rows never raise, they are reported.
    """
    return verify_rows(log.rows(batch=batch), checkpoint=checkpoint)


def _jsonl_objects(path: Path) -> Iterable[tuple[int, dict[str, Any]]]:
    with path.open(encoding="utf-8") as handle:
        for number, line in enumerate(handle, start=1):
            if not line.strip():
                continue
            try:
                row = json.loads(line)
            except ValueError as exc:
                raise AuditError(f"{path}:{number}: not a JSON line ({exc})") from exc
            if not isinstance(row, dict):
                raise AuditError(f"{path}:{number}: expected a JSON object per line")
            yield number, row


def _manifest(path: Path) -> tuple[dict[str, Any] | None, int | None]:
    """The manifest and its line number, if the last object of the file is one."""
    from aigc_guard.audit.manifest import MANIFEST_KEY

    last: tuple[int, dict[str, Any]] | None = None
    for last in _jsonl_objects(path):  # noqa: B007 - only the last one matters
        pass
    if last is None or MANIFEST_KEY not in last[1]:
        return None, None
    manifest = last[1][MANIFEST_KEY]
    if not isinstance(manifest, dict):
        raise AuditError(f"{path}:{last[0]}: the manifest is not a JSON object")
    return manifest, last[0]


def _rows_before(path: Path, stop: int | None) -> Iterable[dict[str, Any]]:
    from aigc_guard.audit.manifest import MANIFEST_KEY

    for number, row in _jsonl_objects(path):
        if stop is not None and number >= stop:
            return
        if MANIFEST_KEY in row:
            raise AuditError(f"{path}:{number}: a manifest line before the last line (edited?)")
        yield row


def verify_jsonl(
    path: str | Path,
    *,
    checkpoint: ChainHead | None = None,
    public_key: PublicKey | None = None,
    require_manifest: bool = True,
) -> ChainReport:
    """Verify a file written by `export_jsonl`, without the database or the hash key.

    The manifest (last line) must match the rows; with `public_key` (the log's
    audit-checkpoint.pub) its signed checkpoint and signature are checked too, which
    is what catches an export whose rows and manifest were recomputed. An export
    without a manifest (aigc_guard 0.1) verifies only with `require_manifest=False`.
    """
    from aigc_guard.audit.manifest import verify_export

    path = Path(path)
    if not path.is_file():
        raise AuditError(f"{path}: no such file")
    manifest, line = _manifest(path)
    if manifest is None and not require_manifest:
        return verify_rows(_rows_before(path, None), checkpoint=checkpoint)
    report = verify_export(_rows_before(path, line), manifest, public_key=public_key)
    if report.ok and checkpoint is not None and not (manifest or {}).get("filters"):
        chained = verify_rows(_rows_before(path, line), checkpoint=checkpoint)
        if not chained.ok:
            return chained
    return report


__all__ = ["GENESIS_HASH", "ChainReport", "verify_chain", "verify_jsonl", "verify_rows"]
