"""`aigc-guard audit ...`: verify and export the tamper-evident audit log."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from aigc_guard.cli.common import DbOption, KeysOption, console, handles_errors, open_audit_log


@handles_errors
def audit_verify(db: DbOption = None, keys: KeysOption = None) -> None:
    """Check the hash chain: exit 0 when intact, 1 when tampered (naming the first bad row).

    Example: aigc-guard audit verify --db audit.db
    """
    from aigc_guard.audit import verify_chain

    with open_audit_log(db, keys, writer=False) as log:
        report = verify_chain(log)
    out = console(stderr=False)
    if report.ok:
        out.print(f"audit log intact: {report.rows_checked} rows verified")
        return
    out.print(f"[bold red]audit log TAMPERED[/]: {report.problem}")
    raise typer.Exit(1)


@handles_errors
def audit_export(
    out: Annotated[Path, typer.Option("--out", help="File to write (atomically).")],
    export_format: Annotated[str, typer.Option("--format", help="Export format: jsonl.")] = "jsonl",
    db: DbOption = None,
    keys: KeysOption = None,
) -> None:
    """Export the audit trail for an auditor (written atomically).

    Example: aigc-guard audit export --format jsonl --out trail.jsonl --db audit.db
    """
    from aigc_guard.audit import export_jsonl
    from aigc_guard.errors import InputError

    if export_format != "jsonl":
        raise InputError(f"unknown export format {export_format!r}; available: jsonl")
    with open_audit_log(db, keys, writer=False) as log:
        rows = export_jsonl(log, out, progress=True)
    console(stderr=False).print(f"exported {rows} rows -> {out}")
