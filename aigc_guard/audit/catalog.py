"""The log's catalogue: models with their privacy cards and policies by hash with their
text, so an auditor reads what each row's `model_id` and `policy_sha256` stood for.

Both tables are filled by the log itself (a `model` event registers its card in the
same transaction; a guard registers its policy when it opens) and are insert-only.
"""

from __future__ import annotations

import hashlib
import json
from typing import Any

import sqlalchemy as sa

from aigc_guard.audit.hashing import canonical_json
from aigc_guard.audit.models import MODEL_TABLE, POLICY_TABLE
from aigc_guard.audit.records import utc_now_text
from aigc_guard.audit.tree_store import insert_ignoring_duplicates
from aigc_guard.errors import InputError


def register_models(conn: sa.Connection, rows: list[dict[str, Any]]) -> None:
    """Record the privacy card of every `model` row among `rows` (already inserted)."""
    cards = []
    for row in rows:
        card = row.get("extra", {}).get("privacy_card")
        if row.get("event") != "model" or not isinstance(card, dict) or not row.get("model_id"):
            continue
        digest = hashlib.sha256(canonical_json(card).encode("utf-8")).hexdigest()
        cards.append(
            {
                "model_id": row["model_id"],
                "card_sha256": digest,
                "card": card,
                "seq": row["seq"],
                "created_at": row["created_at"],
            }
        )
    insert_ignoring_duplicates(conn, MODEL_TABLE, cards)


def policy_text(policy: Any) -> str:
    """The canonical text that `Policy.sha256` is computed over."""
    return json.dumps(policy.model_dump(mode="json"), sort_keys=True, separators=(",", ":"))


def register_policy(conn: sa.Connection, policy_id: str, sha256: str, text: str) -> None:
    """Store `text` under its SHA-256, which must be `sha256` (the hash rows name)."""
    actual = hashlib.sha256(text.encode("utf-8")).hexdigest()
    if actual != sha256:
        raise InputError(
            f"policy {policy_id!r}: its text hashes to {actual}, not to {sha256}; not registered"
        )
    row = {"sha256": sha256, "policy_id": policy_id, "text": text, "created_at": utc_now_text()}
    insert_ignoring_duplicates(conn, POLICY_TABLE, [row])


def read_models(conn: sa.Connection) -> list[dict[str, Any]]:
    query = sa.select(MODEL_TABLE).order_by(MODEL_TABLE.c.seq)
    return [dict(row._mapping) for row in conn.execute(query)]


def read_policies(conn: sa.Connection) -> list[dict[str, Any]]:
    query = sa.select(POLICY_TABLE).order_by(POLICY_TABLE.c.created_at)
    return [dict(row._mapping) for row in conn.execute(query)]


__all__ = ["policy_text", "read_models", "read_policies", "register_models", "register_policy"]
