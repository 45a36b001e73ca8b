"""The manifest that closes a JSONL export: what was exported, and proof it is whole.

It is the file's last line, `{"aigc_guard_manifest": {...}}`: row count, first and last
seq, the last row's hash, the filters, the latest signed checkpoint of the log and,
when the exporter holds the checkpoint key, a signature over all of it. Rows lost
from the end take the manifest with them; rows lost or edited elsewhere break the
count, the chain, or the signed checkpoint's head and Merkle root.
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from typing import Any

from aigc_guard.audit.chain import ChainReport, row_problem
from aigc_guard.audit.hashing import compute_row_hash
from aigc_guard.audit.merkle import Frontier, leaf_hash, perfect_nodes
from aigc_guard.audit.records import EMPTY_HEAD, ChainHead
from aigc_guard.audit.signing import Checkpoint, CheckpointKey, PublicKey
from aigc_guard.errors import InputError

MANIFEST_KEY = "aigc_guard_manifest"
MANIFEST_FORMAT = "aigc_guard.audit.export-manifest.v1"


def manifest_line(manifest: dict[str, Any]) -> str:
    return json.dumps({MANIFEST_KEY: manifest}, sort_keys=True, separators=(",", ":")) + "\n"


def _body(manifest: dict[str, Any]) -> bytes:
    fields = {k: v for k, v in manifest.items() if k != "signature"}
    return json.dumps(fields, sort_keys=True, separators=(",", ":")).encode("utf-8")


def build_manifest(
    *,
    log_id: str,
    stats: dict[str, Any],
    filters: dict[str, Any],
    exported_at: str,
    anchor: list[bytes],
    checkpoint: Checkpoint | None,
    key: CheckpointKey | None,
) -> dict[str, Any]:
    manifest = {
        "format": MANIFEST_FORMAT,
        "log_id": log_id,
        **stats,
        "filters": filters,
        "exported_at": exported_at,
        "anchor": [h.hex() for h in anchor],
        "checkpoint": checkpoint.to_dict() if checkpoint else None,
        "key_id": key.key_id if key else None,
        "signature": None,
    }
    if key is not None:
        manifest["signature"] = key.sign(_body(manifest))
    return manifest


def _fail(
    problem: str, checked: int, head: ChainHead = EMPTY_HEAD, seq: int | None = None
) -> ChainReport:
    return ChainReport(
        ok=False, rows_checked=checked, first_bad_seq=seq, problem=problem, head=head
    )


def _signatures(
    manifest: dict[str, Any], checkpoint: Checkpoint | None, key: PublicKey | None
) -> tuple[str | None, list[str]]:
    if key is None:
        return None, ["signatures not checked: no public key given"]
    if checkpoint is None:
        return "the manifest names no signed checkpoint", []
    if not checkpoint.verify(key) or checkpoint.log_id != manifest.get("log_id"):
        return "the manifest's checkpoint does not verify under the public key (forged?)", []
    signature = manifest.get("signature")
    if signature is None:
        return None, ["the manifest is unsigned: rows after its checkpoint are not protected"]
    if manifest.get("key_id") != key.key_id or not key.verify(_body(manifest), str(signature)):
        return "the manifest's signature does not verify (edited or recomputed?)", []
    return None, []


def verify_export(
    rows: Iterable[dict[str, Any]], manifest: dict[str, Any] | None, *, public_key: PublicKey | None
) -> ChainReport:
    """Check exported rows against their manifest (see the module docstring)."""
    if manifest is None:
        return _fail(
            "no manifest line: the export was emptied or cut short (or predates manifests)", 0
        )
    if manifest.get("format") != MANIFEST_FORMAT:
        return _fail(f"unknown manifest format {manifest.get('format')!r}", 0)
    try:
        checkpoint = (
            Checkpoint.from_dict(manifest["checkpoint"], source="manifest")
            if manifest.get("checkpoint")
            else None
        )
    except InputError as exc:
        return _fail(str(exc), 0)
    problem, warnings = _signatures(manifest, checkpoint, public_key)
    if problem is not None:
        return _fail(problem, 0)
    report = _walk(rows, manifest, checkpoint)
    if report.ok and warnings:
        return ChainReport(
            ok=True,
            rows_checked=report.rows_checked,
            head=report.head,
            checkpoint=report.checkpoint,
            warnings=tuple(warnings),
        )
    return report


def _walk(
    rows: Iterable[dict[str, Any]], manifest: dict[str, Any], checkpoint: Checkpoint | None
) -> ChainReport:
    filtered = bool(manifest.get("filters"))
    first_seq = int(manifest.get("first_seq") or 1)
    head, frontier, checked = EMPTY_HEAD, None, 0
    try:
        anchor = [bytes.fromhex(h) for h in manifest.get("anchor", [])]
        if not filtered and first_seq > 1:
            frontier = Frontier(first_seq - 1, anchor)
        elif not filtered:
            frontier = Frontier()
    except ValueError as exc:
        return _fail(f"the manifest's anchor is malformed ({exc})", 0)
    for row in rows:
        checked += 1
        seq = row.get("seq")
        if filtered:
            problem = (
                None
                if compute_row_hash(row) == row.get("row_hash")
                else "row_hash does not match its contents (edited?)"
            )
        else:
            if checked == 1 and first_seq > 1:
                head = ChainHead(first_seq - 1, str(row.get("prev_hash")))
            problem = row_problem(row, head.seq + 1, head)
        if problem is not None:
            return _fail(
                f"row {seq} (id {row.get('id')}): {problem}",
                checked,
                head,
                seq if isinstance(seq, int) else None,
            )
        head = ChainHead(int(seq), str(row["row_hash"]))  # type: ignore[arg-type]
        if frontier is not None:
            frontier.push(leaf_hash(bytes.fromhex(head.row_hash)))
            at_checkpoint = checkpoint is not None and head.seq == checkpoint.tree_size
            if at_checkpoint and (head.row_hash, frontier.root().hex()) != (
                checkpoint.head_hash,  # type: ignore[union-attr]
                checkpoint.merkle_root,  # type: ignore[union-attr]
            ):
                return _fail(
                    f"rows up to {head.seq} do not match the signed checkpoint (recomputed?)",
                    checked,
                    head,
                    head.seq,
                )
    if checked != manifest.get("rows") or head.row_hash != (
        manifest.get("head_hash") or EMPTY_HEAD.row_hash
    ):
        return _fail(
            f"{checked} rows ending with hash {head.row_hash[:12]}..., the manifest says "
            f"{manifest.get('rows')} rows (truncated or edited?)",
            checked,
            head,
            head.seq + 1,
        )
    if frontier is not None and checkpoint is not None and checkpoint.tree_size > head.seq:
        return _fail(
            f"the export ends at row {head.seq}, before its checkpoint of "
            f"{checkpoint.tree_size} rows (truncated?)",
            checked,
            head,
            head.seq + 1,
        )
    summary = (
        {"tree_size": checkpoint.tree_size, "created_at": checkpoint.created_at}
        if checkpoint
        else None
    )
    return ChainReport(ok=True, rows_checked=checked, head=head, checkpoint=summary)


def anchor_for(first_seq: int, nodes: dict[tuple[int, int], bytes]) -> list[bytes]:
    return [nodes[n] for n in perfect_nodes(0, first_seq - 1)] if first_seq > 1 else []


__all__ = ["MANIFEST_KEY", "anchor_for", "build_manifest", "manifest_line", "verify_export"]
