"""Retention: remove the oldest rows and keep the rest verifiable.

`purge(log, before=...)` removes every row of the longest prefix written before
`before`. First it signs a checkpoint of the current head and one exactly at the
purge boundary (their Merkle trees stay in `audit_merkle_nodes`: hashes only, no
personal data), then appends a `purge` event naming both, then deletes the prefix
in one transaction with the append-only triggers lifted for that transaction only.
`verify_trail` starts from the boundary checkpoint: the first kept row must link
to its signed head, and the stored tree must hash to its signed root.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timezone
from pathlib import Path
from typing import TYPE_CHECKING, Any

import sqlalchemy as sa

from aigc_guard.audit.appendonly import suspended
from aigc_guard.audit.checkpoints import create_checkpoint
from aigc_guard.audit.engine import audit_errors, write_transaction
from aigc_guard.audit.models import AUDIT_TABLE, TABLE_NAME
from aigc_guard.audit.records import AuditRecord, format_timestamp
from aigc_guard.errors import InputError

if TYPE_CHECKING:
    from aigc_guard.audit.log import AuditLog
    from aigc_guard.audit.signing import CheckpointKey

_C = AUDIT_TABLE.c


@dataclass(frozen=True)
class PurgeResult:
    removed: int
    through_seq: int
    boundary_checkpoint: dict[str, Any] | None

    def to_dict(self) -> dict[str, Any]:
        return {
            "removed": self.removed,
            "through_seq": self.through_seq,
            "boundary_checkpoint": self.boundary_checkpoint,
        }


def parse_moment(value: Any, *, what: str) -> datetime:
    """A datetime or ISO-8601 text (a bare date is midnight); naive values are UTC."""
    if isinstance(value, datetime):
        moment = value
    elif isinstance(value, str):
        try:
            moment = datetime.fromisoformat(value.strip())
        except ValueError as exc:
            raise InputError(f"{what}: {value!r} is not an ISO-8601 date or time") from exc
    else:
        raise InputError(f"{what}: expected a datetime or ISO-8601 text, got {value!r}")
    return moment if moment.tzinfo else moment.replace(tzinfo=timezone.utc)


def _boundary(log: AuditLog, before: str) -> tuple[int, int]:
    """(first kept seq - 1, first seq): the longest prefix entirely older than `before`."""
    with audit_errors(log._url, "find rows to purge"), log._engine_for("purge").connect() as conn:
        newer = conn.execute(sa.select(sa.func.min(_C.seq)).where(_C.created_at >= before)).scalar()
        low, high = conn.execute(sa.select(sa.func.min(_C.seq), sa.func.max(_C.seq))).one()
    if low is None:
        return 0, 1
    through = int(high) if newer is None else int(newer) - 1
    return through, int(low)


def purge(
    log: AuditLog,
    *,
    before: Any,
    key: CheckpointKey,
    checkpoint_file: str | Path | None = None,
) -> PurgeResult:
    """Remove rows older than `before`, anchored by a signed checkpoint (see module doc)."""
    cutoff = format_timestamp(parse_moment(before, what="purge --before"))
    through, first = _boundary(log, cutoff)
    if through < first:
        return PurgeResult(0, first - 1, None)
    file = checkpoint_file or log.checkpointing.file_for(log.log_id)
    anchor = create_checkpoint(log, key, file=file, size=through)
    log.append(
        AuditRecord(
            "purge",
            extra={
                "before": cutoff,
                "through_seq": through,
                "rows": through - first + 1,
                "anchor": {
                    "tree_size": anchor.tree_size,
                    "merkle_root": anchor.merkle_root,
                    "signature": anchor.signature,
                },
            },
        )
    )
    create_checkpoint(log, key, file=file)
    engine = log._engine_for("purge")
    with (
        audit_errors(log._url, f"purge rows {first}-{through}"),
        write_transaction(engine) as conn,
        suspended(conn, (TABLE_NAME,)),
    ):
        removed = conn.execute(sa.delete(AUDIT_TABLE).where(_C.seq <= through)).rowcount
    summary = {"tree_size": anchor.tree_size, "created_at": anchor.created_at}
    return PurgeResult(int(removed), through, summary)


__all__ = ["PurgeResult", "parse_moment", "purge"]
