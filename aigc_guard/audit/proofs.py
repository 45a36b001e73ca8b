"""Proofs that stand alone (RFC 9162 style): one row is in the log, and the log only grew.

An inclusion proof file holds the row as stored, its audit path and the signed
checkpoint it leads to; a consistency proof file holds two signed checkpoints and
the hashes that show the older tree is a prefix of the newer. `check_proof` needs
neither the database nor the hash key: only the file and, to trust the signature,
the log's public checkpoint key (a proof also carries the key it was signed with,
but a key that comes with the evidence proves nothing about who signed it).
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from aigc_guard.audit.checkpoints import db_checkpoints
from aigc_guard.audit.engine import audit_errors
from aigc_guard.audit.hashing import compute_row_hash
from aigc_guard.audit.merkle import leaf_hash, verify_consistency, verify_inclusion
from aigc_guard.audit.signing import Checkpoint, PublicKey
from aigc_guard.audit.tree_store import consistency_path, inclusion_path
from aigc_guard.errors import AuditError, CredentialError, InputError

if TYPE_CHECKING:
    from aigc_guard.audit.log import AuditLog

INCLUSION_FORMAT = "aigc_guard.audit.inclusion-proof.v1"
CONSISTENCY_FORMAT = "aigc_guard.audit.consistency-proof.v1"


def _checkpoints(log: AuditLog) -> list[Checkpoint]:
    with audit_errors(log._url, "read checkpoints"), log._engine_for("prove").connect() as conn:
        return db_checkpoints(conn)


def inclusion_proof(log: AuditLog, row_id: int, public_key: PublicKey) -> dict[str, Any]:
    """The proof that row `row_id` is in the log, against the newest checkpoint covering it."""
    entry = log.get(row_id)
    if entry is None:
        raise InputError(f"audit database {log.url}: no row with id {row_id}")
    mine = [c for c in _checkpoints(log) if c.key_id == public_key.key_id]
    covering = [c for c in mine if c.tree_size >= entry.seq]
    if not covering:
        newest = mine[-1].tree_size if mine else 0
        raise AuditError(
            f"row {row_id} (seq {entry.seq}) is after the newest checkpoint ({newest} rows); "
            "make one first: aigc-guard audit checkpoint"
        )
    checkpoint = covering[-1]
    with audit_errors(log._url, "read the audit path"), log._engine_for("prove").connect() as conn:
        path = inclusion_path(conn, entry.seq - 1, checkpoint.tree_size)
    return {
        "format": INCLUSION_FORMAT,
        "log_id": log.log_id,
        "row": entry.to_dict(),
        "leaf_index": entry.seq - 1,
        "tree_size": checkpoint.tree_size,
        "audit_path": [h.hex() for h in path],
        "checkpoint": checkpoint.to_dict(),
        "public_key": public_key.pem(),
    }


def consistency_proof(
    log: AuditLog, old_size: int, new_size: int | None, public_key: PublicKey
) -> dict[str, Any]:
    """The proof that the checkpoint of `new_size` rows extends that of `old_size`."""
    mine = {c.tree_size: c for c in _checkpoints(log) if c.key_id == public_key.key_id}
    if not mine:
        raise AuditError(f"audit database {log.url}: no checkpoint signed by {public_key.key_id}")
    new_size = max(mine) if new_size is None else new_size
    for size in (old_size, new_size):
        if size not in mine:
            sizes = ", ".join(str(s) for s in sorted(mine))
            raise InputError(f"no checkpoint of {size} rows; checkpoints exist for: {sizes}")
    if old_size > new_size:
        raise InputError(f"--old {old_size} is after --new {new_size}")
    with audit_errors(log._url, "read the proof"), log._engine_for("prove").connect() as conn:
        path = consistency_path(conn, old_size, new_size) if old_size else []
    return {
        "format": CONSISTENCY_FORMAT,
        "log_id": log.log_id,
        "old": mine[old_size].to_dict(),
        "new": mine[new_size].to_dict(),
        "proof": [h.hex() for h in path],
        "public_key": public_key.pem(),
    }


@dataclass(frozen=True)
class ProofReport:
    """The outcome of `check_proof`. `trusted` is False when only the proof's own key
    vouched for the signature."""

    ok: bool
    kind: str
    problem: str | None
    log_id: str | None
    key_id: str | None
    trusted: bool
    details: dict[str, Any]

    def to_dict(self) -> dict[str, Any]:
        return {
            "ok": self.ok,
            "kind": self.kind,
            "problem": self.problem,
            "log_id": self.log_id,
            "key_id": self.key_id,
            "trusted": self.trusted,
            **self.details,
        }


def _load(path: Path) -> dict[str, Any]:
    if not path.is_file():
        raise InputError(f"{path}: no such proof file")
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (ValueError, UnicodeDecodeError) as exc:
        raise InputError(f"{path}: not a JSON proof file ({exc})") from exc
    if not isinstance(data, dict) or data.get("format") not in (
        INCLUSION_FORMAT,
        CONSISTENCY_FORMAT,
    ):
        raise InputError(
            f"{path}: not an aigc_guard proof (format {INCLUSION_FORMAT} or {CONSISTENCY_FORMAT})"
        )
    return data


def _signer(data: dict[str, Any], trusted: PublicKey | None, source: str) -> tuple[PublicKey, bool]:
    if trusted is not None:
        return trusted, True
    try:
        return PublicKey.from_pem(
            str(data.get("public_key", "")).encode("ascii"), source=source
        ), False
    except (CredentialError, UnicodeEncodeError) as exc:
        raise InputError(f"{source}: no usable public key in the proof ({exc})") from exc


def _hexes(values: Any, source: str) -> list[bytes]:
    try:
        return [bytes.fromhex(v) for v in values]
    except (TypeError, ValueError) as exc:
        raise InputError(f"{source}: hashes must be hex strings ({exc})") from exc


def check_proof(
    path: str | Path, *, public_key: PublicKey | None = None, log_id: str | None = None
) -> ProofReport:
    """Check a proof file alone. Malformed files raise InputError; a proof that does not
    hold gives ok=False with the reason."""
    path = Path(path)
    data = _load(path)
    source = str(path)
    key, trusted = _signer(data, public_key, source)
    kind = "inclusion" if data["format"] == INCLUSION_FORMAT else "consistency"
    check = _check_inclusion if kind == "inclusion" else _check_consistency
    problem, details = check(data, key, source)
    if problem is None and log_id is not None and data.get("log_id") != log_id:
        problem = f"the proof is for log {data.get('log_id')}, not for log {log_id}"
    return ProofReport(
        problem is None, kind, problem, data.get("log_id"), key.key_id, trusted, details
    )


def _signed(checkpoint: Checkpoint, key: PublicKey, log_id: Any, what: str) -> str | None:
    if checkpoint.log_id != log_id:
        return f"the {what} checkpoint is of log {checkpoint.log_id}, the proof says {log_id}"
    if checkpoint.key_id != key.key_id:
        return (
            f"the {what} checkpoint is signed by key {checkpoint.key_id}, not by {key.key_id} "
            "(another log's proof?)"
        )
    if not checkpoint.verify(key):
        return f"the {what} checkpoint's signature does not verify (forged or edited?)"
    return None


def _check_inclusion(
    data: dict[str, Any], key: PublicKey, source: str
) -> tuple[str | None, dict[str, Any]]:
    checkpoint = Checkpoint.from_dict(data.get("checkpoint"), source=f"{source}: checkpoint")
    row = data.get("row")
    if not isinstance(row, dict):
        raise InputError(f"{source}: no row in the proof")
    details = {
        "row_id": row.get("id"),
        "seq": row.get("seq"),
        "tree_size": checkpoint.tree_size,
        "checkpoint_created_at": checkpoint.created_at,
    }
    problem = _signed(checkpoint, key, data.get("log_id"), "")
    if problem is not None:
        return problem, details
    if compute_row_hash(row) != row.get("row_hash"):
        return "the row's contents do not hash to its row_hash (edited?)", details
    seq = row.get("seq")
    if not isinstance(seq, int) or data.get("leaf_index") != seq - 1:
        return "leaf_index does not match the row's seq", details
    path = _hexes(data.get("audit_path", []), source)
    leaf = leaf_hash(bytes.fromhex(str(row["row_hash"])))
    if not verify_inclusion(
        seq - 1, checkpoint.tree_size, leaf, path, bytes.fromhex(checkpoint.merkle_root)
    ):
        return "the audit path does not lead from the row to the signed Merkle root", details
    return None, details


def _check_consistency(
    data: dict[str, Any], key: PublicKey, source: str
) -> tuple[str | None, dict[str, Any]]:
    old = Checkpoint.from_dict(data.get("old"), source=f"{source}: old")
    new = Checkpoint.from_dict(data.get("new"), source=f"{source}: new")
    details = {"old_size": old.tree_size, "new_size": new.tree_size}
    for checkpoint, what in ((old, "old"), (new, "new")):
        problem = _signed(checkpoint, key, data.get("log_id"), what)
        if problem is not None:
            return problem, details
    proof = _hexes(data.get("proof", []), source)
    if old.tree_size == 0:
        return (None if not proof else "a proof from the empty log must be empty"), details
    holds = verify_consistency(
        old.tree_size,
        new.tree_size,
        bytes.fromhex(old.merkle_root),
        bytes.fromhex(new.merkle_root),
        proof,
    )
    return (
        None if holds else "the newer checkpoint does not extend the older one (history rewritten?)"
    ), details


def write_proof(proof: dict[str, Any], out: str | Path, *, force: bool = False) -> Path:
    from aigc_guard.fileio import write_json_atomic

    out = Path(out)
    if out.exists() and not force:
        raise InputError(f"{out} exists; pass --force to replace it")
    write_json_atomic(out, proof)
    return out


__all__ = [
    "CONSISTENCY_FORMAT",
    "INCLUSION_FORMAT",
    "ProofReport",
    "check_proof",
    "consistency_proof",
    "inclusion_proof",
    "write_proof",
]
