"""Baseline: `audit_events` exactly as aigc_guard 0.1 created it (before migrations).

Revision ID: 0001_baseline
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0001_baseline"
down_revision = None
branch_labels = None
depends_on = None

_BigInt = sa.BigInteger().with_variant(sa.Integer(), "sqlite")


def upgrade() -> None:
    op.create_table(
        "audit_events",
        sa.Column("id", _BigInt, primary_key=True, autoincrement=True),
        sa.Column("seq", _BigInt, nullable=False, unique=True),
        sa.Column("created_at", sa.String(32), nullable=False),
        sa.Column("event", sa.String(32), nullable=False),
        sa.Column("request_id", sa.String(), nullable=True),
        sa.Column("attempt", sa.Integer(), nullable=False),
        sa.Column("decision", sa.String(16), nullable=True),
        sa.Column("policy_id", sa.String(), nullable=True),
        sa.Column("policy_sha256", sa.String(64), nullable=True),
        sa.Column("model_id", sa.String(), nullable=True),
        sa.Column("content_id", sa.String(12), nullable=True),
        sa.Column("content_kind", sa.String(8), nullable=True),
        sa.Column("content_hash", sa.String(64), nullable=True),
        sa.Column("prompt_hash", sa.String(64), nullable=True),
        sa.Column("key_id", sa.String(16), nullable=True),
        sa.Column("checks", sa.JSON(), nullable=False),
        sa.Column("marks", sa.JSON(), nullable=False),
        sa.Column("extra", sa.JSON(), nullable=False),
        sa.Column("prev_hash", sa.String(64), nullable=False, unique=True),
        sa.Column("row_hash", sa.String(64), nullable=False, unique=True),
        sa.CheckConstraint("seq >= 1", name="ck_audit_events_seq_positive"),
    )
    for column in ("content_id", "content_hash", "request_id"):
        op.create_index(f"ix_audit_events_{column}", "audit_events", [column])


def downgrade() -> None:
    op.drop_table("audit_events")
