"""The invariants every fault-injection test checks after the fault.

1. the audit chain verifies;
2. every output handed back (or printed) has its row, with the same content id;
3. every row of a delivered decision (allow, redact) has its file in the output
   folder, or a `delivery_failed` row for its content id;
4. no half-written output looks complete: every visible file decodes in full, no
   temp file is left, and no file exists without its row.
"""

from __future__ import annotations

from collections.abc import Iterable
from pathlib import Path

from aigc_guard.artifacts import Artifact
from aigc_guard.audit import AuditEntry, AuditLog, verify_chain

DELIVERED = ("allow", "redact")
KEY = b"hardening-test-key-0123456789abc"


def assert_trail_consistent(
    log: AuditLog, out: Path | None, returned: Iterable[tuple[int, str]] = ()
) -> list[AuditEntry]:
    """Check the four invariants; `returned` lists (audit_id, content_id) handed back."""
    report = verify_chain(log)
    assert report.ok, f"audit chain broken: {report}"
    entries = list(log.entries())
    by_id = {entry.id: entry for entry in entries}
    for audit_id, content_id in returned:
        assert audit_id in by_id, f"output {content_id} was returned without its row"
        assert by_id[audit_id].content_id == content_id
    failed = {e.content_id for e in entries if e.event == "delivery_failed"}
    rows = {e.content_id for e in entries if e.event == "output" and e.decision in DELIVERED}
    files = _output_files(out)
    for content_id in rows:
        assert content_id in files or content_id in failed, (
            f"row of delivered output {content_id} has neither its file nor a delivery_failed row"
        )
    for content_id, path in files.items():
        assert content_id in rows, f"{path.name} exists without an audit row"
        assert content_id not in failed, f"{path.name} exists but its row says delivery_failed"
        Artifact.from_file(path)  # decodes in full: not a partial file
    return entries


def _output_files(out: Path | None) -> dict[str, Path]:
    if out is None or not out.is_dir():
        return {}
    leftovers = [p.name for p in out.iterdir() if p.name.endswith(".tmp")]
    assert not leftovers, f"temp files left behind: {leftovers}"
    return {
        path.stem: path
        for path in out.iterdir()
        if path.suffix in (".png", ".txt") and not path.name.startswith(".")
    }
