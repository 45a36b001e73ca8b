"""Export the audit trail as JSONL for an auditor: one stored row per line, in seq order.

The rows are written exactly as stored (keyed hashes only), so `verify_jsonl` can
re-check the chain from the file alone. The file appears atomically: it is written
beside the target and renamed into place, so an interrupted export leaves no
partial file (and keeps any previous export intact).
"""

from __future__ import annotations

import contextlib
import json
from collections.abc import Iterator
from pathlib import Path
from typing import TYPE_CHECKING, Any

from aigc_guard.errors import AuditError
from aigc_guard.fileio import atomic_writer

if TYPE_CHECKING:
    from aigc_guard.audit.log import AuditLog


def _json_line(row: dict[str, Any]) -> str:
    return json.dumps(row, sort_keys=True, ensure_ascii=False, separators=(",", ":")) + "\n"


@contextlib.contextmanager
def _progress(enabled: bool, total: int, label: str) -> Iterator[Any]:
    """A rich progress bar on stderr, or a no-op; rich is imported only when asked for."""
    if not enabled:
        yield lambda: None
        return
    from rich.console import Console
    from rich.progress import Progress

    with Progress(console=Console(stderr=True), transient=True) as bar:
        task = bar.add_task(label, total=total)
        yield lambda: bar.advance(task)


def export_jsonl(
    log: AuditLog, path: str | Path, *, progress: bool = False, batch: int = 1000
) -> int:
    """Write every row of `log` to `path` as JSON lines; return the number of rows.

    Rows that fail verification are exported as stored too: the export is evidence,
    not a cleaned-up copy. Run `verify_chain` or `verify_jsonl` to judge it.
    """
    path = Path(path)
    if not path.parent.is_dir():
        raise AuditError(f"cannot export to {path}: directory {path.parent} does not exist")
    total = log.count() if progress else 0
    written = 0
    try:
        with (
            atomic_writer(path, text=True) as handle,
            _progress(progress, total, f"export {path.name}") as advance,
        ):
            for row in log.rows(batch=batch):
                handle.write(_json_line(row))
                written += 1
                advance()
    except OSError as exc:
        raise AuditError(f"cannot export to {path}: {exc}") from exc
    return written


__all__ = ["export_jsonl"]
