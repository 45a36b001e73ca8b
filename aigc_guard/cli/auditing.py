"""`aigc-guard audit ...`: verify, checkpoint, prove, export, purge, migrate, init, keygen.

Registered on the `audit` group in cli/app.py. Exit codes as for
the whole CLI: 0 success, 1 a negative finding (tampered log, a proof that does not
hold), 2 a usage or configuration error.
"""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Any

import typer

from aigc_guard.cli.common import (
    DbOption,
    KeysOption,
    console,
    handles_errors,
    open_audit_log,
    print_json,
)

CheckpointsOption = Annotated[
    Path | None,
    typer.Option(
        "--checkpoints",
        help="Checkpoint file (default: $AIGC_GUARD_HOME/checkpoints/<log id>.jsonl).",
    ),
]
PublicKeyOption = Annotated[
    Path | None,
    typer.Option(
        "--public-key", help="The log's checkpoint public key (default: KEYS/audit-checkpoint.pub)."
    ),
]
JsonOption = Annotated[bool, typer.Option("--json", help="Print one JSON object.")]
ForceOption = Annotated[bool, typer.Option("--force", help="Replace an existing output file.")]


def _keys(keys: Path | None) -> Path:
    from aigc_guard.credentials import keys_dir

    return keys_dir(keys)


def _checkpoint_key(keys: Path | None, *, required: bool) -> Any:
    from aigc_guard.audit.signing import KEY_FILE, CheckpointKey

    path = _keys(keys) / KEY_FILE
    if not path.is_file() and not required:
        return None
    return CheckpointKey.load(path)


def _public_key(explicit: Path | None, keys: Path | None) -> Any:
    from aigc_guard.audit.signing import PUBLIC_FILE, PublicKey

    if explicit is not None:
        return PublicKey.load(explicit)
    default = _keys(keys) / PUBLIC_FILE
    return PublicKey.load(default) if default.is_file() else None


def _open(db: str | None, keys: Path | None, checkpoints: Path | None) -> Any:
    """The log for audit commands: read-only unless the hash key is in the keys folder."""
    from aigc_guard.audit import AuditLog, resolve_db_url
    from aigc_guard.credentials import HASH_KEY_FILE, load_hash_key

    key_file = _keys(keys) / HASH_KEY_FILE
    key = load_hash_key(keys, create=False) if key_file.is_file() else None
    return AuditLog(resolve_db_url(db), hash_key=key, create=False, checkpoint_file=checkpoints)


def _show(
    report: Any, json_output: bool, *, ok: str, bad: str, details: tuple[str, ...] = ()
) -> None:
    """Print a verification report as JSON or as lines, warnings last."""
    if json_output:
        print_json(report.to_dict())
        return
    out = console(stderr=False)
    if report.ok:
        out.print(f"{ok}: {report.rows_checked} rows verified")
        for line in details:
            out.print(line, highlight=False)
    else:
        out.print(f"[bold red]{bad}[/]: {report.problem}", highlight=False)
    for warning in report.warnings:
        out.print(f"[yellow]warning[/]: {warning}", highlight=False)


@handles_errors
def audit_verify(
    db: DbOption = None,
    keys: KeysOption = None,
    checkpoints: CheckpointsOption = None,
    public_key: PublicKeyOption = None,
    json_output: JsonOption = False,
    require_checkpoint: Annotated[
        bool, typer.Option(help="Fail when no signed checkpoint exists.")
    ] = False,
) -> None:
    """Check the chain, row MACs and signed checkpoints: exit 0 when intact, 1 when tampered
    (naming the first bad row).

    Example: aigc-guard audit verify --db audit.db --public-key audit-checkpoint.pub
    """
    from aigc_guard.audit.trail import verify_trail

    pub = _public_key(public_key, keys)
    with _open(db, keys, checkpoints) as log:
        report = verify_trail(log, public_key=pub, checkpoint_file=checkpoints)
    failed = not report.ok or (require_checkpoint and report.checkpoint is None)
    details = []
    if report.checkpoint:
        cp = report.checkpoint
        details.append(
            f"signed checkpoint: {cp['tree_size']} rows at {cp['created_at']} "
            f"(key {cp['key_id']}), {report.checkpoints_checked} checked"
        )
    _show(
        report, json_output, ok="audit log intact", bad="audit log TAMPERED", details=tuple(details)
    )
    if failed:
        raise typer.Exit(1)


@handles_errors
def audit_keygen(keys: KeysOption = None) -> None:
    """Create the Ed25519 checkpoint key (0600) and its public half in the keys folder.

    Example: aigc-guard audit keygen --keys ~/.aigc_guard/keys
    """
    from aigc_guard.audit.signing import KEY_FILE, CheckpointKey

    folder = _keys(keys)
    folder.mkdir(parents=True, exist_ok=True, mode=0o700)
    key = CheckpointKey.create(folder / KEY_FILE)
    console(stderr=False).print(
        f"checkpoint key {key.key_id} -> {key.path} (public: {key.path.with_suffix('.pub')})"  # type: ignore[union-attr]
    )


@handles_errors
def audit_checkpoint(
    db: DbOption = None, keys: KeysOption = None, checkpoints: CheckpointsOption = None
) -> None:
    """Sign the log's head and Merkle root now; store it in the database and the checkpoint file.

    Example: aigc-guard audit checkpoint --db audit.db
    """
    key = _checkpoint_key(keys, required=True)
    with _open(db, keys, checkpoints) as log:
        made = log.checkpoint(key)
        target = log.checkpointing.file_for(log.log_id)
    console(stderr=False).print(
        f"checkpoint: {made.tree_size} rows, root {made.merkle_root[:16]}... -> {target}"
    )


@handles_errors
def audit_prove(
    row_id: Annotated[int, typer.Argument(help="The row's id (as `verify` reports it).")],
    out: Annotated[Path, typer.Option("--out", help="Proof file to write.")],
    db: DbOption = None,
    keys: KeysOption = None,
    checkpoints: CheckpointsOption = None,
    force: ForceOption = False,
) -> None:
    """Write an inclusion proof for one row, checkable without the database.

    Example: aigc-guard audit prove 12 --out row12.proof.json --db audit.db
    """
    from aigc_guard.audit.proofs import inclusion_proof, write_proof

    key = _checkpoint_key(keys, required=False)
    public = key.public if key is not None else _public_key(None, keys)
    if public is None:
        raise typer.BadParameter(
            "no checkpoint key in the keys folder: run aigc-guard audit keygen"
        )
    with _open(db, keys, checkpoints) as log:
        entry = log.get(row_id)
        if key is not None and entry is not None:
            log.checkpoint(key) if not _covered(log, entry.seq, key.key_id) else None
        proof = inclusion_proof(log, row_id, public)
    write_proof(proof, out, force=force)
    console(stderr=False).print(
        f"inclusion proof for row {row_id} (tree of {proof['tree_size']}) -> {out}"
    )


def _covered(log: Any, seq: int, key_id: str) -> bool:
    from aigc_guard.audit.checkpoints import db_checkpoints

    with log._engine_for("prove").connect() as conn:
        return any(c.tree_size >= seq and c.key_id == key_id for c in db_checkpoints(conn))


@handles_errors
def audit_prove_consistency(
    old: Annotated[int, typer.Option("--old", help="Row count of the older checkpoint.")],
    out: Annotated[Path, typer.Option("--out", help="Proof file to write.")],
    new: Annotated[
        int | None, typer.Option("--new", help="Row count of the newer one (default: newest).")
    ] = None,
    db: DbOption = None,
    keys: KeysOption = None,
    force: ForceOption = False,
) -> None:
    """Write a consistency proof: the newer checkpoint's log extends the older one's.

    Example: aigc-guard audit prove-consistency --old 1000 --out grew.json --db audit.db
    """
    from aigc_guard.audit.proofs import consistency_proof, write_proof

    public = _public_key(None, keys)
    if public is None:
        raise typer.BadParameter("no audit-checkpoint.pub in the keys folder")
    with _open(db, keys, None) as log:
        proof = consistency_proof(log, old, new, public)
    write_proof(proof, out, force=force)
    console(stderr=False).print(
        f"consistency proof {old} -> {proof['new']['tree_size']} rows -> {out}"
    )


@handles_errors
def audit_check_proof(
    proof: Annotated[
        Path, typer.Argument(help="A file from `audit prove` or `audit prove-consistency`.")
    ],
    public_key: PublicKeyOption = None,
    keys: KeysOption = None,
    log_id: Annotated[str | None, typer.Option("--log-id", help="Require this log id.")] = None,
    json_output: JsonOption = False,
) -> None:
    """Check a proof file alone (no database): exit 0 when it holds, 1 when it does not.

    Example: aigc-guard audit check-proof row12.proof.json --public-key audit-checkpoint.pub
    """
    from aigc_guard.audit.proofs import check_proof

    report = check_proof(proof, public_key=_public_key(public_key, keys), log_id=log_id)
    if json_output:
        print_json(report.to_dict())
    else:
        trust = (
            "trusted key"
            if report.trusted
            else "the proof's own key (UNTRUSTED: pass --public-key)"
        )
        verdict = "holds" if report.ok else f"FAILS: {report.problem}"
        console(stderr=False).print(
            f"{report.kind} proof {verdict} (key {report.key_id}, {trust})", highlight=False
        )
    if not report.ok:
        raise typer.Exit(1)


@handles_errors
def audit_export(
    out: Annotated[Path, typer.Option("--out", help="File to write.")],
    export_format: Annotated[
        str, typer.Option("--format", help="jsonl, csv, parquet or html.")
    ] = "jsonl",
    since: Annotated[
        str | None, typer.Option(help="Rows at or after this ISO date/time (UTC).")
    ] = None,
    until: Annotated[str | None, typer.Option(help="Rows before this ISO date/time (UTC).")] = None,
    model: Annotated[str | None, typer.Option(help="Only this model id.")] = None,
    policy: Annotated[str | None, typer.Option(help="Only this policy id or SHA-256.")] = None,
    decision: Annotated[str | None, typer.Option(help="Only this decision.")] = None,
    force: ForceOption = False,
    db: DbOption = None,
    keys: KeysOption = None,
    checkpoints: CheckpointsOption = None,
) -> None:
    """Export the audit trail for an auditor (atomically; never over an existing file
    without --force, never over the database).

    Example: aigc-guard audit export --format html --out report.html --since 2026-01-01
    """
    from aigc_guard.audit.export import FORMATS, export_trail
    from aigc_guard.audit.query import Filters
    from aigc_guard.audit.trail import verify_trail
    from aigc_guard.errors import InputError

    if export_format not in FORMATS:
        raise InputError(
            f"unknown export format {export_format!r}; available: {', '.join(FORMATS)}"
        )
    filters = Filters.build(since=since, until=until, model=model, policy=policy, decision=decision)
    key = _checkpoint_key(keys, required=False)
    with _open(db, keys, checkpoints) as log:
        status = {}
        if export_format == "html":
            status = verify_trail(log, public_key=_public_key(None, keys)).to_dict()
        result = export_trail(
            log,
            out,
            format=export_format,
            filters=filters,
            overwrite=force,
            progress=True,
            checkpoint_key=key,
            report_status=status,
        )
    console(stderr=False).print(f"exported {result.rows} rows -> {out}")


@handles_errors
def audit_verify_export(
    file: Annotated[Path, typer.Argument(help="A JSONL export.")],
    public_key: PublicKeyOption = None,
    keys: KeysOption = None,
    json_output: JsonOption = False,
) -> None:
    """Check a JSONL export alone: chain, manifest, signed checkpoint. Exit 1 when it fails.

    Example: aigc-guard audit verify-export trail.jsonl --public-key audit-checkpoint.pub
    """
    from aigc_guard.audit import verify_jsonl

    report = verify_jsonl(file, public_key=_public_key(public_key, keys))
    _show(report, json_output, ok="export intact", bad="export FAILED")
    if not report.ok:
        raise typer.Exit(1)


@handles_errors
def audit_purge(
    before: Annotated[
        str, typer.Option("--before", help="Remove rows written before this ISO date/time (UTC).")
    ],
    db: DbOption = None,
    keys: KeysOption = None,
    checkpoints: CheckpointsOption = None,
) -> None:
    """Retention: remove old rows; a signed checkpoint at the boundary keeps the rest verifiable.

    Example: aigc-guard audit purge --before 2026-01-01 --db audit.db
    """
    from aigc_guard.audit import AuditLog, resolve_db_url
    from aigc_guard.audit.retention import purge
    from aigc_guard.credentials import load_hash_key

    key = _checkpoint_key(keys, required=True)
    hash_key = load_hash_key(keys, create=False)
    with AuditLog(
        resolve_db_url(db), hash_key=hash_key, create=False, checkpoint_file=checkpoints
    ) as log:
        result = purge(log, before=before, key=key)
    console(stderr=False).print(f"purged {result.removed} rows (through row {result.through_seq})")


@handles_errors
def audit_migrate(db: DbOption = None) -> None:
    """Upgrade the audit schema (Alembic) in one transaction; rows are kept as they are.

    Example: aigc-guard audit migrate --db audit.db
    """
    from aigc_guard.audit import resolve_db_url, verify_chain
    from aigc_guard.audit.engine import make_engine
    from aigc_guard.audit.schema import migrate
    from aigc_guard.audit.urls import redact_url

    url = resolve_db_url(db)
    engine = make_engine(url, lock_timeout=30.0)
    try:
        before, after = migrate(engine, redact_url(url))
    finally:
        engine.dispose()
    with open_audit_log(db, None, writer=False) as log:
        report = verify_chain(log)
    state = "intact" if report.ok else f"NOT intact: {report.problem}"
    console(stderr=False).print(
        f"schema {before or 'none'} -> {after}; {report.rows_checked} rows, chain {state}"
    )
    if not report.ok:
        raise typer.Exit(1)


@handles_errors
def audit_init(
    db: DbOption = None,
    owner: Annotated[str | None, typer.Option(help="PostgreSQL role that owns the tables.")] = None,
    writer: Annotated[
        str | None, typer.Option(help="PostgreSQL role that may only INSERT and SELECT.")
    ] = None,
) -> None:
    """Create the audit tables and triggers; on PostgreSQL, set up owner and writer roles.

    Example: aigc-guard audit init --db postgresql+psycopg://admin@db/audit --owner o --writer w
    """
    from aigc_guard.audit import AuditLog, resolve_db_url
    from aigc_guard.audit.appendonly import init_roles
    from aigc_guard.audit.engine import write_transaction
    from aigc_guard.errors import InputError

    if (owner is None) != (writer is None):
        raise InputError("pass both --owner and --writer, or neither")
    with AuditLog(resolve_db_url(db), hash_key=None, create=True) as log:
        if owner and writer:
            with write_transaction(log._engine) as conn:
                statements = init_roles(conn, owner=owner, writer=writer)
            console(stderr=False).print(
                f"roles: {owner} owns the audit tables, {writer} may INSERT and SELECT "
                f"({len(statements)} statements)"
            )
        console(stderr=False).print(f"audit log {log.log_id} ready at {log.url}")
