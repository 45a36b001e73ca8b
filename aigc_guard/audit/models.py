"""The audit tables, declared once for SQLite and PostgreSQL.

`audit_events` is the hash-chained log itself: one row per generation event
(output candidate, model registration, generation error, retention purge).
Beside it: `audit_checkpoints` (signed heads), `audit_merkle_nodes` (the RFC 9162
tree over the rows, perfect subtrees only), `audit_models` (privacy cards by
model), `audit_policies` (policy text by hash), `audit_meta` (the log's id and
hash key id) and `audit_schema_version` (Alembic's version table).

Portability choices: `created_at` is an ISO-8601 UTC string with microseconds
(a string round-trips byte for byte on both databases, where timestamp types
differ in precision and time-zone handling); JSON columns hold dicts only; ids
are BIGINT on PostgreSQL and INTEGER (the rowid) on SQLite. The unique
constraints on `seq`, `prev_hash` and `row_hash` are what stop two concurrent
writers from forking the chain: the loser's insert fails and it retries.
"""

from __future__ import annotations

from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column

TABLE_NAME = "audit_events"
VERSION_TABLE = "audit_schema_version"

_BigInt = sa.BigInteger().with_variant(sa.Integer(), "sqlite")


class AuditBase(DeclarativeBase):
    """Declarative base of the audit tables (its own metadata, nothing else in it)."""


class AuditEventRow(AuditBase):
    """One row of the append-only log. See `AuditEntry` for the meaning of each field."""

    __tablename__ = TABLE_NAME
    __table_args__ = (
        sa.CheckConstraint("seq >= 1", name="ck_audit_events_seq_positive"),
        sa.Index("ix_audit_events_content_id", "content_id"),
        sa.Index("ix_audit_events_content_hash", "content_hash"),
        sa.Index("ix_audit_events_request_id", "request_id"),
        sa.Index("ix_audit_events_created_at", "created_at"),
        sa.Index("ix_audit_events_model_id", "model_id"),
        sa.Index("ix_audit_events_policy_sha256", "policy_sha256"),
    )

    id: Mapped[int] = mapped_column(_BigInt, primary_key=True, autoincrement=True)
    seq: Mapped[int] = mapped_column(_BigInt, nullable=False, unique=True)
    created_at: Mapped[str] = mapped_column(sa.String(32), nullable=False)
    event: Mapped[str] = mapped_column(sa.String(32), nullable=False)
    request_id: Mapped[str | None] = mapped_column(sa.String(), nullable=True)
    attempt: Mapped[int] = mapped_column(sa.Integer(), nullable=False, default=0)
    decision: Mapped[str | None] = mapped_column(sa.String(16), nullable=True)
    policy_id: Mapped[str | None] = mapped_column(sa.String(), nullable=True)
    policy_sha256: Mapped[str | None] = mapped_column(sa.String(64), nullable=True)
    model_id: Mapped[str | None] = mapped_column(sa.String(), nullable=True)
    content_id: Mapped[str | None] = mapped_column(sa.String(12), nullable=True)
    content_kind: Mapped[str | None] = mapped_column(sa.String(8), nullable=True)
    content_hash: Mapped[str | None] = mapped_column(sa.String(64), nullable=True)
    prompt_hash: Mapped[str | None] = mapped_column(sa.String(64), nullable=True)
    key_id: Mapped[str | None] = mapped_column(sa.String(16), nullable=True)
    checks: Mapped[dict[str, Any]] = mapped_column(sa.JSON(), nullable=False)
    marks: Mapped[dict[str, Any]] = mapped_column(sa.JSON(), nullable=False)
    extra: Mapped[dict[str, Any]] = mapped_column(sa.JSON(), nullable=False)
    prev_hash: Mapped[str] = mapped_column(sa.String(64), nullable=False, unique=True)
    row_hash: Mapped[str] = mapped_column(sa.String(64), nullable=False, unique=True)
    # HMAC-SHA256 of row_hash under the hash key: rows forged without the key show.
    row_mac: Mapped[str | None] = mapped_column(sa.String(64), nullable=True)


class CheckpointRow(AuditBase):
    """A signed head of the log: `body` is the exact signed text (canonical JSON)."""

    __tablename__ = "audit_checkpoints"
    __table_args__ = (sa.UniqueConstraint("tree_size", "key_id", name="uq_audit_checkpoints"),)

    id: Mapped[int] = mapped_column(_BigInt, primary_key=True, autoincrement=True)
    tree_size: Mapped[int] = mapped_column(_BigInt, nullable=False)
    head_hash: Mapped[str] = mapped_column(sa.String(64), nullable=False)
    merkle_root: Mapped[str] = mapped_column(sa.String(64), nullable=False)
    created_at: Mapped[str] = mapped_column(sa.String(32), nullable=False)
    key_id: Mapped[str] = mapped_column(sa.String(16), nullable=False)
    body: Mapped[str] = mapped_column(sa.Text(), nullable=False)
    signature: Mapped[str] = mapped_column(sa.String(128), nullable=False)


class MerkleNodeRow(AuditBase):
    """The hash of the perfect subtree over leaves [idx * 2**level, (idx + 1) * 2**level)."""

    __tablename__ = "audit_merkle_nodes"

    level: Mapped[int] = mapped_column(sa.SmallInteger(), primary_key=True, autoincrement=False)
    idx: Mapped[int] = mapped_column(sa.BigInteger(), primary_key=True, autoincrement=False)
    hash: Mapped[bytes] = mapped_column(sa.LargeBinary(32), nullable=False)


class ModelRow(AuditBase):
    """A registered model and its privacy card (one row per distinct card)."""

    __tablename__ = "audit_models"

    model_id: Mapped[str] = mapped_column(sa.String(), primary_key=True)
    card_sha256: Mapped[str] = mapped_column(sa.String(64), primary_key=True)
    card: Mapped[dict[str, Any]] = mapped_column(sa.JSON(), nullable=False)
    seq: Mapped[int] = mapped_column(_BigInt, nullable=False)
    created_at: Mapped[str] = mapped_column(sa.String(32), nullable=False)


class PolicyRow(AuditBase):
    """A policy by the SHA-256 of its canonical text, as rows name it in `policy_sha256`."""

    __tablename__ = "audit_policies"

    sha256: Mapped[str] = mapped_column(sa.String(64), primary_key=True)
    policy_id: Mapped[str] = mapped_column(sa.String(), nullable=False)
    text: Mapped[str] = mapped_column(sa.Text(), nullable=False)
    created_at: Mapped[str] = mapped_column(sa.String(32), nullable=False)


class MetaRow(AuditBase):
    """Facts about the log set once: `log_id`, `hash_key_id`."""

    __tablename__ = "audit_meta"

    name: Mapped[str] = mapped_column(sa.String(64), primary_key=True)
    value: Mapped[str] = mapped_column(sa.String(), nullable=False)


# Alembic's version table, declared so `create_all` makes it exactly as Alembic would.
VERSION_TABLE_DEF = sa.Table(
    VERSION_TABLE,
    AuditBase.metadata,
    sa.Column("version_num", sa.String(32), nullable=False),
    sa.PrimaryKeyConstraint("version_num", name=f"{VERSION_TABLE}_pkc"),
)

AUDIT_TABLE: sa.Table = AuditEventRow.__table__  # type: ignore[assignment]
CHECKPOINT_TABLE: sa.Table = CheckpointRow.__table__  # type: ignore[assignment]
NODE_TABLE: sa.Table = MerkleNodeRow.__table__  # type: ignore[assignment]
MODEL_TABLE: sa.Table = ModelRow.__table__  # type: ignore[assignment]
POLICY_TABLE: sa.Table = PolicyRow.__table__  # type: ignore[assignment]
META_TABLE: sa.Table = MetaRow.__table__  # type: ignore[assignment]
# Tables whose rows are never updated or deleted (the triggers of appendonly.py).
APPEND_ONLY_TABLES: tuple[str, ...] = (
    TABLE_NAME,
    "audit_checkpoints",
    "audit_merkle_nodes",
    "audit_models",
    "audit_policies",
    "audit_meta",
)
JSON_COLUMNS: tuple[str, ...] = ("checks", "marks", "extra")


def raw_columns() -> list[sa.ColumnElement[Any]]:
    """Every column of audit_events, JSON ones read as their stored text.

    Verification must see what is stored, even text that is no longer valid JSON
    after tampering, instead of failing inside the driver's JSON decoder.
    """
    return [
        sa.cast(column, sa.Text()).label(column.name) if column.name in JSON_COLUMNS else column
        for column in AUDIT_TABLE.columns
    ]


__all__ = [
    "APPEND_ONLY_TABLES",
    "AUDIT_TABLE",
    "CHECKPOINT_TABLE",
    "JSON_COLUMNS",
    "META_TABLE",
    "MODEL_TABLE",
    "NODE_TABLE",
    "POLICY_TABLE",
    "TABLE_NAME",
    "VERSION_TABLE",
    "AuditBase",
    "AuditEventRow",
    "raw_columns",
]
