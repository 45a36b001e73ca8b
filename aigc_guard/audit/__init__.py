"""The audit log: append-only, hash-chained, on SQLite or PostgreSQL (SQLAlchemy 2).

    from aigc_guard.audit import AuditLog, AuditRecord, CheckpointKey, verify_trail

    with AuditLog(resolve_db_url(None), hash_key=key, checkpoint_key=ck) as log:
        log.append(AuditRecord("output", decision="allow", content=png_bytes, prompt=p))
        assert verify_trail(log, public_key=ck.public).ok

Only keyed hashes of prompts and outputs are stored. Names are loaded lazily so
that importing this package does not import SQLAlchemy until it is used.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from aigc_guard.audit.urls import DEFAULT_URL, ENV_VAR, redact_url, resolve_db_url
from aigc_guard.lazy import lazy_exports

if TYPE_CHECKING:
    from aigc_guard.audit.chain import ChainReport, verify_chain, verify_jsonl, verify_rows
    from aigc_guard.audit.export import ExportResult, export_jsonl, export_trail
    from aigc_guard.audit.hashing import GENESIS_HASH, compute_row_hash, key_id, keyed_hash
    from aigc_guard.audit.log import AuditLog
    from aigc_guard.audit.proofs import (
        ProofReport,
        check_proof,
        consistency_proof,
        inclusion_proof,
        write_proof,
    )
    from aigc_guard.audit.query import Filters, QueryResult
    from aigc_guard.audit.records import (
        DECISIONS,
        EVENTS,
        AuditDecision,
        AuditEntry,
        AuditEvent,
        AuditRecord,
        ChainHead,
    )
    from aigc_guard.audit.retention import PurgeResult, purge
    from aigc_guard.audit.signing import Checkpoint, CheckpointKey, PublicKey
    from aigc_guard.audit.trail import verify_trail

_LAZY = {
    "AuditLog": "log",
    "AuditEntry": "records",
    "AuditRecord": "records",
    "ChainHead": "records",
    "DECISIONS": "records",
    "AuditDecision": "records",
    "AuditEvent": "records",
    "EVENTS": "records",
    "ChainReport": "chain",
    "verify_chain": "chain",
    "verify_jsonl": "chain",
    "verify_rows": "chain",
    "export_jsonl": "export",
    "export_trail": "export",
    "ExportResult": "export",
    "ProofReport": "proofs",
    "check_proof": "proofs",
    "consistency_proof": "proofs",
    "inclusion_proof": "proofs",
    "write_proof": "proofs",
    "Filters": "query",
    "QueryResult": "query",
    "PurgeResult": "retention",
    "purge": "retention",
    "Checkpoint": "signing",
    "CheckpointKey": "signing",
    "PublicKey": "signing",
    "verify_trail": "trail",
    "GENESIS_HASH": "hashing",
    "compute_row_hash": "hashing",
    "key_id": "hashing",
    "keyed_hash": "hashing",
}


__getattr__, __dir__ = lazy_exports(
    __name__, {name: f"{__name__}.{module}" for name, module in _LAZY.items()}
)

__all__ = [
    "DECISIONS",
    "DEFAULT_URL",
    "ENV_VAR",
    "EVENTS",
    "GENESIS_HASH",
    "AuditDecision",
    "AuditEntry",
    "AuditEvent",
    "AuditLog",
    "AuditRecord",
    "ChainHead",
    "ChainReport",
    "Checkpoint",
    "CheckpointKey",
    "ExportResult",
    "Filters",
    "ProofReport",
    "PublicKey",
    "PurgeResult",
    "QueryResult",
    "check_proof",
    "compute_row_hash",
    "consistency_proof",
    "export_jsonl",
    "export_trail",
    "inclusion_proof",
    "key_id",
    "keyed_hash",
    "purge",
    "redact_url",
    "resolve_db_url",
    "verify_chain",
    "verify_jsonl",
    "verify_rows",
    "verify_trail",
    "write_proof",
]
