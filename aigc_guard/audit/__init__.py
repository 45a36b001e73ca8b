"""The audit log: append-only, hash-chained, on SQLite or PostgreSQL (SQLAlchemy 2).

    from aigc_guard.audit import AuditLog, AuditRecord, verify_chain, export_jsonl

    with AuditLog(resolve_db_url(None), hash_key=key) as log:
        log.append(AuditRecord("output", decision="allow", content=png_bytes, prompt=p))
        assert verify_chain(log).ok

Only keyed hashes of prompts and outputs are stored. Names are loaded lazily so
that importing this package does not import SQLAlchemy until it is used.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from aigc_guard.audit.urls import DEFAULT_URL, ENV_VAR, redact_url, resolve_db_url
from aigc_guard.lazy import lazy_exports

if TYPE_CHECKING:
    from aigc_guard.audit.chain import ChainReport, verify_chain, verify_jsonl, verify_rows
    from aigc_guard.audit.export import export_jsonl
    from aigc_guard.audit.hashing import GENESIS_HASH, compute_row_hash, key_id, keyed_hash
    from aigc_guard.audit.log import AuditLog
    from aigc_guard.audit.records import (
        DECISIONS,
        EVENTS,
        AuditEntry,
        AuditRecord,
        ChainHead,
    )

_LAZY = {
    "AuditLog": "log",
    "AuditEntry": "records",
    "AuditRecord": "records",
    "ChainHead": "records",
    "DECISIONS": "records",
    "EVENTS": "records",
    "ChainReport": "chain",
    "verify_chain": "chain",
    "verify_jsonl": "chain",
    "verify_rows": "chain",
    "export_jsonl": "export",
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
    "AuditEntry",
    "AuditLog",
    "AuditRecord",
    "ChainHead",
    "ChainReport",
    "compute_row_hash",
    "export_jsonl",
    "key_id",
    "keyed_hash",
    "redact_url",
    "resolve_db_url",
    "verify_chain",
    "verify_jsonl",
    "verify_rows",
]
