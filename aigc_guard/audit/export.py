"""Export the audit trail for an auditor: JSONL (with a manifest), CSV, Parquet, HTML.

JSONL rows are written exactly as stored (keyed hashes only), one per line in seq
order, followed by the manifest line (manifest.py), so `verify_jsonl` can re-check
the chain, the count and the signed checkpoint from the file alone. Every format
appears atomically (written beside the target, renamed into place), never replaces
an existing file unless asked, and never touches the database file.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from aigc_guard.audit.checkpoints import db_checkpoints
from aigc_guard.audit.engine import audit_errors
from aigc_guard.audit.manifest import anchor_for, build_manifest, manifest_line
from aigc_guard.audit.merkle import perfect_nodes
from aigc_guard.audit.query import Filters, iter_filtered
from aigc_guard.audit.records import utc_now_text
from aigc_guard.audit.tree_store import fetch_nodes
from aigc_guard.audit.urls import sqlite_path
from aigc_guard.errors import AuditError, InputError
from aigc_guard.fileio import atomic_writer
from aigc_guard.progress import progress as progress_display

if TYPE_CHECKING:
    from aigc_guard.audit.log import AuditLog
    from aigc_guard.audit.signing import CheckpointKey

FORMATS = ("jsonl", "csv", "parquet", "html")


@dataclass(frozen=True)
class ExportResult:
    path: Path
    format: str
    rows: int


def _json_line(row: dict[str, Any]) -> str:
    return json.dumps(row, sort_keys=True, ensure_ascii=False, separators=(",", ":")) + "\n"


def check_target(log: AuditLog, path: Path, *, overwrite: bool) -> None:
    """Refuse the database file (and its journals), a folder, a missing folder, and an
    existing file unless `overwrite`."""
    database = sqlite_path(log._url)
    if database is not None:
        base = database.resolve()
        guarded = {base, *(base.with_name(base.name + s) for s in ("-wal", "-shm", "-journal"))}
        if path.resolve() in guarded:
            raise InputError(f"refusing to export to {path}: it is the audit database itself")
    if not path.parent.is_dir():
        raise AuditError(f"cannot export to {path}: directory {path.parent} does not exist")
    if path.is_dir():
        raise InputError(f"cannot export to {path}: it is a directory")
    if path.exists() and not overwrite:
        raise InputError(f"{path} exists; refusing to replace it (pass --force / overwrite=True)")


def _checkpoint_for_manifest(log: AuditLog, key: CheckpointKey | None) -> Any:
    """A fresh checkpoint when the key is at hand, else the newest stored one."""
    if key is not None:
        return log.checkpoint(key)
    with audit_errors(log._url, "read checkpoints"), log._engine_for("export").connect() as conn:
        stored = db_checkpoints(conn)
    return stored[-1] if stored else None


def _anchor(log: AuditLog, first_seq: int) -> list[bytes]:
    if first_seq <= 1:
        return []
    with (
        audit_errors(log._url, "read the Merkle anchor"),
        log._engine_for("export").connect() as conn,
    ):
        return anchor_for(first_seq, fetch_nodes(conn, perfect_nodes(0, first_seq - 1)))


def export_jsonl(
    log: AuditLog,
    path: str | Path,
    *,
    progress: bool = False,
    batch: int = 1000,
    filters: Filters | None = None,
    overwrite: bool = True,
    checkpoint_key: CheckpointKey | None = None,
) -> int:
    """Write the rows of `log` (all, or those matching `filters`) and a manifest line to
    `path`; return the number of rows.

    Rows that fail verification are exported as stored too: the export is evidence,
    not a cleaned-up copy. Run `verify_chain` or `verify_jsonl` to judge it. With
    `checkpoint_key`, a fresh checkpoint covers every row and the manifest is signed.
    """
    path, filters = Path(path), filters or Filters()
    check_target(log, path, overwrite=overwrite)
    checkpoint = _checkpoint_for_manifest(log, checkpoint_key)
    total = log.count() if progress else 0
    label = f"export {path.name}"
    stats: dict[str, Any] = {"rows": 0, "first_seq": None, "last_seq": None, "head_hash": None}
    try:
        with (
            atomic_writer(path, text=True) as handle,
            progress_display(label, total, enabled=progress, transient=True) as advance,
        ):
            for row in iter_filtered(log, filters, batch=batch):
                handle.write(_json_line(row))
                stats["rows"] += 1
                stats["first_seq"] = stats["first_seq"] or row["seq"]
                stats["last_seq"], stats["head_hash"] = row["seq"], row["row_hash"]
                advance()
            anchor = _anchor(log, int(stats["first_seq"] or 1)) if filters.empty else []
            handle.write(
                manifest_line(
                    build_manifest(
                        log_id=log.log_id,
                        stats=stats,
                        filters=filters.to_dict(),
                        exported_at=utc_now_text(),
                        anchor=anchor,
                        checkpoint=checkpoint,
                        key=checkpoint_key,
                    )
                )
            )
    except OSError as exc:
        raise AuditError(f"cannot export to {path}: {exc}") from exc
    return int(stats["rows"])


def export_trail(
    log: AuditLog,
    path: str | Path,
    *,
    format: str = "jsonl",
    filters: Filters | None = None,
    overwrite: bool = False,
    progress: bool = False,
    checkpoint_key: CheckpointKey | None = None,
    report_status: dict[str, Any] | None = None,
) -> ExportResult:
    """Export in one of FORMATS; refuses an existing file unless `overwrite`.

    `report_status` (HTML only): the verification outcome to show in the report.
    """
    if format not in FORMATS:
        raise InputError(f"unknown export format {format!r}; available: {', '.join(FORMATS)}")
    path, filters = Path(path), filters or Filters()
    check_target(log, path, overwrite=overwrite)
    if format == "jsonl":
        rows = export_jsonl(
            log,
            path,
            progress=progress,
            filters=filters,
            overwrite=overwrite,
            checkpoint_key=checkpoint_key,
        )
    elif format in ("csv", "parquet"):
        from aigc_guard.audit.export_tables import export_table

        rows = export_table(log, path, format=format, filters=filters)
    else:
        from aigc_guard.audit.report import export_html

        rows = export_html(log, path, filters=filters, status=report_status or {})
    return ExportResult(path, format, rows)


__all__ = [
    "FORMATS",
    "ExportResult",
    "check_target",
    "export_jsonl",
    "export_trail",
]
