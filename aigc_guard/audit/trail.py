"""Verify the whole trail: the hash chain, row MACs, and every signed checkpoint.

One pass over the rows recomputes the chain and the Merkle tree; at each signed
checkpoint's size the head hash and the root must be the signed ones. What that
catches, and names the first bad row of:

* truncation: the log ends before a signed checkpoint's size;
* a rewrite after a checkpoint (rows edited and every later hash recomputed): the
  head or root at the checkpoint differs. The first rewritten row is found by
  comparing with the stored Merkle leaves, once those are shown to hash to the
  signed root; if they were rewritten too, the report names the first row after
  the last checkpoint that still matches;
* forged appends after the latest checkpoint: rows without a valid MAC under the
  hash key (needs the key; without it they are reported as unauthenticated).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

import sqlalchemy as sa

from aigc_guard.audit.chain import ChainReport, row_problem
from aigc_guard.audit.checkpoints import db_checkpoints, read_checkpoint_file
from aigc_guard.audit.engine import audit_errors
from aigc_guard.audit.hashing import row_mac
from aigc_guard.audit.merkle import Frontier, leaf_hash
from aigc_guard.audit.models import NODE_TABLE
from aigc_guard.audit.records import EMPTY_HEAD, ChainHead
from aigc_guard.audit.signing import Checkpoint, PublicKey
from aigc_guard.audit.tree_store import frontier_at, root_at
from aigc_guard.errors import AuditError

if TYPE_CHECKING:
    from aigc_guard.audit.log import AuditLog


class RowChecker:
    """Feeds rows in seq order; checks links, hashes and MACs; keeps head and frontier."""

    def __init__(
        self,
        log: AuditLog,
        *,
        start: ChainHead | None = None,
        frontier: Frontier | None = None,
        mac_from: int = 0,
    ) -> None:
        self.head = start or EMPTY_HEAD
        self.frontier = frontier
        self._key = log._key
        self._legacy = log.legacy_rows
        self.mac_from = max(mac_from, self._legacy)
        self.unauthenticated = 0

    def feed(self, row: dict[str, Any]) -> str | None:
        seq, row_id = row.get("seq"), row.get("id")
        problem = row_problem(row, self.head.seq + 1, self.head) or self._mac_problem(row)
        if problem is not None:
            return f"row {seq} (id {row_id}): {problem}"
        self.head = ChainHead(self.head.seq + 1, str(row["row_hash"]))
        if self.frontier is not None:
            self.frontier.push(leaf_hash(bytes.fromhex(self.head.row_hash)))
        return None

    def _mac_problem(self, row: dict[str, Any]) -> str | None:
        mac, seq = row.get("row_mac"), int(row["seq"])
        if self._key is None:
            self.unauthenticated += seq > self.mac_from
            return None
        if mac is None:
            if seq > self.mac_from:
                return "no row_mac: not written by a holder of the hash key (forged append?)"
            return None
        if mac != row_mac(self._key, str(row["row_hash"])):
            return "row_mac does not verify under the hash key (forged or another key?)"
        return None


@dataclass
class _Trusted:
    checkpoints: list[Checkpoint] = field(default_factory=list)
    problem: str | None = None
    warnings: list[str] = field(default_factory=list)


def _gather(log: AuditLog, public_key: PublicKey | None, file: Path | None) -> _Trusted:
    """Signed checkpoints from the file and the database that verify under `public_key`."""
    trusted = _Trusted()
    explicit = file is not None
    path = file if file is not None else log.checkpointing.file_for(log.log_id)
    on_file: list[tuple[str, Checkpoint]] = []
    if path.is_file():
        parsed = read_checkpoint_file(path)
        if parsed and all(c.log_id != log.log_id for c in parsed):
            raise AuditError(
                f"{path}: checkpoints of log {parsed[0].log_id}, not of this log "
                f"{log.log_id}; another log's checkpoint file?"
            )
        on_file = [(f"{path}", c) for c in parsed if c.log_id == log.log_id]
    elif explicit:
        raise AuditError(f"{path}: no such checkpoint file")
    with audit_errors(log._url, "read checkpoints"), log._engine_for("verify").connect() as conn:
        in_db = [("the database", c) for c in db_checkpoints(conn)]
    candidates = on_file + in_db
    if public_key is None:
        if candidates:
            trusted.warnings.append(
                f"{len(candidates)} checkpoints not checked: no public key given "
                "(--public-key, or audit-checkpoint.pub in the keys folder)"
            )
        return trusted
    by_size: dict[int, Checkpoint] = {}
    for source, checkpoint in candidates:
        if checkpoint.log_id != log.log_id:
            trusted.problem = f"a checkpoint in {source} names log {checkpoint.log_id} (planted?)"
            return trusted
        if checkpoint.key_id != public_key.key_id:
            trusted.warnings.append(
                f"checkpoint in {source} signed by other key {checkpoint.key_id}: ignored"
            )
            continue
        if not checkpoint.verify(public_key):
            trusted.problem = (
                f"the checkpoint of {checkpoint.tree_size} rows in {source} has a bad "
                "signature (forged or edited?)"
            )
            return trusted
        seen = by_size.setdefault(checkpoint.tree_size, checkpoint)
        if (seen.head_hash, seen.merkle_root) != (checkpoint.head_hash, checkpoint.merkle_root):
            trusted.problem = (
                f"two signed checkpoints of {checkpoint.tree_size} rows disagree: the log forked"
            )
            return trusted
    missing = {c.signature for _, c in on_file} - {c.signature for _, c in in_db}
    if missing:
        trusted.warnings.append(
            f"the database lacks {len(missing)} checkpoints of {path} (deleted?)"
        )
    trusted.checkpoints = [by_size[size] for size in sorted(by_size)]
    return trusted


def _describe(checkpoint: Checkpoint) -> str:
    return f"the signed checkpoint of {checkpoint.tree_size} rows ({checkpoint.created_at})"


def _locate_rewrite(
    log: AuditLog,
    good: tuple[Frontier, ChainHead],
    bad: Checkpoint,
    checked: int,
    warnings: list[str],
) -> ChainReport:
    """Name the first row between the last matching checkpoint (`good`: its frontier and
    head) and `bad` that was rewritten."""
    (frontier, head), end = good, bad.tree_size
    start = frontier.size
    nodes = NODE_TABLE.c
    query = (
        sa.select(nodes.idx, nodes.hash)
        .where(nodes.level == 0, nodes.idx >= start, nodes.idx < end)
        .order_by(nodes.idx)
    )
    with log._engine_for("verify").connect() as conn:
        stored = [bytes(h) for _, h in conn.execute(query)]
    first_bad, row_id, how = start + 1, None, "the stored Merkle nodes were changed too"
    if len(stored) == end - start:
        replay = frontier.copy()
        for leaf in stored:
            replay.push(leaf)
        if replay.root().hex() == bad.merkle_root:  # the stored leaves are the signed ones
            for row in log.rows(after_seq=start):
                index = int(row["seq"]) - 1
                if (
                    index >= end
                    or leaf_hash(bytes.fromhex(str(row["row_hash"]))) != stored[index - start]
                ):
                    first_bad, row_id, how = (
                        index + 1,
                        row.get("id"),
                        "its hash differs from the signed leaf",
                    )
                    break
    problem = (
        f"row {first_bad} (id {row_id}): rows {start + 1}-{end} do not match {_describe(bad)}: "
        f"history was rewritten and the chain recomputed ({how})"
    )
    return ChainReport(
        ok=False,
        rows_checked=checked,
        first_bad_seq=first_bad,
        first_bad_id=row_id,
        problem=problem,
        head=head,
        warnings=tuple(warnings),
    )


def verify_trail(
    log: AuditLog,
    *,
    public_key: PublicKey | None = None,
    checkpoint_file: str | Path | None = None,
    batch: int = 1000,
) -> ChainReport:
    """Verify rows, MACs (if the log was opened with its hash key) and signed checkpoints."""
    trusted = _gather(log, public_key, Path(checkpoint_file) if checkpoint_file else None)
    warnings = trusted.warnings
    if trusted.problem is not None:
        return ChainReport(
            ok=False, rows_checked=0, problem=trusted.problem, warnings=tuple(warnings)
        )
    checkpoints = trusted.checkpoints
    first = log.first_seq()
    anchor = next((c for c in checkpoints if c.tree_size == first - 1), None) if first > 1 else None
    start, frontier = EMPTY_HEAD, Frontier()
    with log._engine_for("verify").connect() as conn:
        if anchor is not None:
            start, frontier = (
                ChainHead(anchor.tree_size, anchor.head_hash),
                frontier_at(conn, anchor.tree_size),
            )
        for old in (c for c in checkpoints if c.tree_size <= start.seq):
            if root_at(conn, old.tree_size).hex() != old.merkle_root:
                mismatch = (
                    f"the stored Merkle tree of the purged rows does not match {_describe(old)}"
                )
                return ChainReport(
                    ok=False, rows_checked=0, problem=mismatch, warnings=tuple(warnings)
                )
    latest = checkpoints[-1] if checkpoints else None
    checker = RowChecker(
        log, start=start, frontier=frontier, mac_from=latest.tree_size if latest else 0
    )
    pending = [c for c in checkpoints if c.tree_size > start.seq]
    good, checked = (frontier.copy(), checker.head), 0
    for row in log.rows(after_seq=start.seq, batch=batch):
        checked += 1
        problem = checker.feed(row)
        if problem is not None:
            seq, row_id = row.get("seq"), row.get("id")
            return ChainReport(
                ok=False,
                rows_checked=checked,
                first_bad_seq=seq if isinstance(seq, int) else checker.head.seq + 1,
                first_bad_id=row_id if isinstance(row_id, int) else None,
                problem=problem,
                head=checker.head,
                warnings=tuple(warnings),
            )
        while pending and pending[0].tree_size == checker.head.seq:
            checkpoint = pending.pop(0)
            root = frontier.root().hex()
            if (checker.head.row_hash, root) != (checkpoint.head_hash, checkpoint.merkle_root):
                return _locate_rewrite(log, good, checkpoint, checked, warnings)
            good = (frontier.copy(), checker.head)
    if pending:
        end, ends = pending[-1], checker.head.seq
        problem = (
            f"the log ends at row {ends} but {_describe(end)} covers {end.tree_size}: "
            f"rows {ends + 1}-{end.tree_size} missing (truncated?)"
        )
        return ChainReport(
            ok=False,
            rows_checked=checked,
            first_bad_seq=ends + 1,
            problem=problem,
            head=checker.head,
            warnings=tuple(warnings),
        )
    if not checkpoints:
        warnings.append(
            "no signed checkpoint: a truncation or a recomputed chain would go unnoticed"
        )
    if checker.unauthenticated:
        warnings.append(
            f"{checker.unauthenticated} rows after the latest checkpoint are not authenticated "
            "(no hash key to check their row MACs)"
        )
    return ChainReport(
        ok=True,
        rows_checked=checked,
        head=checker.head,
        checkpoint=_summary(latest) if latest else None,
        checkpoints_checked=len(checkpoints),
        warnings=tuple(warnings),
    )


def _summary(checkpoint: Checkpoint) -> dict[str, Any]:
    return {
        "tree_size": checkpoint.tree_size,
        "created_at": checkpoint.created_at,
        "key_id": checkpoint.key_id,
        "merkle_root": checkpoint.merkle_root,
    }


__all__ = ["RowChecker", "verify_trail"]
