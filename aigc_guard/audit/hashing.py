"""Hashes of the audit log: keyed hashes for raw data, a plain SHA-256 chain for rows.

Two different jobs, two different hashes:

* `keyed_hash` (HMAC-SHA256) replaces raw prompts and outputs. Without the key a
  stored hash cannot be tested against guessed prompts, so the log holds no
  personal data; with the key, the owner can still find the row of a given file.
* `row_hash` (SHA-256, unkeyed) chains the rows so anyone, an auditor included,
  can verify the log without holding the key.

The chain is defined over the canonical JSON of the stored fields (sorted keys,
no whitespace, UTF-8, Python's shortest round-trip float repr, NaN refused), so a
row read back from SQLite or PostgreSQL hashes to the same value it was written with.
"""

from __future__ import annotations

import enum
import hashlib
import hmac
import json
from collections.abc import Mapping
from typing import Any

from aigc_guard.errors import InputError

GENESIS_HASH = "0" * 64

# Every stored column except `id` (assigned by the database) and `row_hash` (the result).
HASHED_FIELDS: tuple[str, ...] = (
    "seq",
    "created_at",
    "event",
    "request_id",
    "attempt",
    "decision",
    "policy_id",
    "policy_sha256",
    "model_id",
    "content_id",
    "content_kind",
    "content_hash",
    "prompt_hash",
    "key_id",
    "checks",
    "marks",
    "extra",
    "prev_hash",
)

_KEY_ID_LABEL = b"aigc_guard.audit.key-id.v1"
_ROW_MAC_LABEL = "aigc_guard.audit.row-mac.v1:"


def keyed_hash(key: bytes, data: bytes | str) -> str:
    """HMAC-SHA256 of `data` (str is UTF-8 encoded) under `key`, as 64 hex characters."""
    if not isinstance(key, bytes | bytearray) or not key:
        raise InputError("hash key must be non-empty bytes (e.g. secrets.token_bytes(32))")
    if isinstance(data, str):
        data = data.encode("utf-8")
    if not isinstance(data, bytes | bytearray | memoryview):
        raise InputError(f"can only hash bytes or str, got {type(data).__name__}")
    return hmac.new(bytes(key), bytes(data), hashlib.sha256).hexdigest()


def key_id(key: bytes) -> str:
    """A short public fingerprint of a hash key (16 hex), stored in each row.

    It tells which key produced a row's keyed hashes (after a key rotation, lookups
    with the new key cannot find old rows) without revealing the key.
    """
    return keyed_hash(key, _KEY_ID_LABEL)[:16]


def row_mac(key: bytes, row_hash: str) -> str:
    """HMAC of a row's hash under the hash key: only a holder of the key can append a row
    that verifies, so rows forged by someone with database access alone stand out."""
    return keyed_hash(key, _ROW_MAC_LABEL + row_hash)


def _json_default(value: Any) -> Any:
    """Turn numpy scalars/arrays and enums into plain JSON values; refuse the rest."""
    if isinstance(value, enum.Enum):
        return value.value
    for method in ("tolist", "item"):  # numpy arrays and scalars (both have tolist)
        convert = getattr(value, method, None)
        if callable(convert):
            return convert()
    raise TypeError(f"Object of type {type(value).__name__} is not JSON serializable")


def canonical_json(value: Any) -> str:
    """The one JSON text of `value` that every hash in the audit log is computed over.

    Raises ValueError/TypeError on NaN, infinity or values JSON cannot hold.
    """
    return json.dumps(
        value,
        sort_keys=True,
        separators=(",", ":"),
        ensure_ascii=False,
        allow_nan=False,
        default=_json_default,
    )


def normalize_json(value: Any, *, field: str) -> dict[str, Any]:
    """`value` as it will read back from the database (tuples become lists, keys strings).

    Hashing the normalized form, not the caller's object, is what makes a row
    verify after a round trip through either database.
    """
    if not isinstance(value, Mapping):
        raise InputError(f"AuditRecord.{field}: expected a dict, got {type(value).__name__}")
    try:
        text = canonical_json(dict(value))
        text.encode("utf-8")
    except (TypeError, ValueError) as exc:  # UnicodeEncodeError is a ValueError
        raise InputError(
            f"AuditRecord.{field}: not storable as JSON ({exc}); use str, int, float "
            "(finite), bool, None, lists and dicts with str keys"
        ) from exc
    return json.loads(text)


def compute_row_hash(fields: Mapping[str, Any]) -> str:
    """SHA-256 over `prev_hash` + canonical JSON of the hashed fields of one row."""
    payload = {name: fields.get(name) for name in HASHED_FIELDS}
    prev = payload["prev_hash"]
    try:
        body = canonical_json(payload)
    except (TypeError, ValueError):
        body = repr(payload)  # a tampered value that is not JSON: hash it anyway (it mismatches)
    data = f"{prev}{body}".encode("utf-8", "surrogatepass")
    return hashlib.sha256(data).hexdigest()


__all__ = [
    "GENESIS_HASH",
    "HASHED_FIELDS",
    "canonical_json",
    "compute_row_hash",
    "key_id",
    "keyed_hash",
    "normalize_json",
    "row_mac",
]
