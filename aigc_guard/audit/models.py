"""The one table of the audit log, `audit_events`, declared once for SQLite and PostgreSQL.

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


AUDIT_TABLE: sa.Table = AuditEventRow.__table__  # type: ignore[assignment]
JSON_COLUMNS: tuple[str, ...] = ("checks", "marks", "extra")


def raw_columns() -> list[sa.ColumnElement[Any]]:
    """Every column, JSON ones read as their stored text.

    Verification must see what is stored, even text that is no longer valid JSON
    after tampering, instead of failing inside the driver's JSON decoder.
    """
    return [
        sa.cast(column, sa.Text()).label(column.name) if column.name in JSON_COLUMNS else column
        for column in AUDIT_TABLE.columns
    ]


__all__ = ["AUDIT_TABLE", "JSON_COLUMNS", "TABLE_NAME", "AuditBase", "AuditEventRow", "raw_columns"]
