"""Signed trail: row MACs, checkpoints, Merkle nodes, models, policies, meta, query
indexes, append-only triggers. Existing rows are kept byte for byte (the chain is
over the old columns; `row_mac` is outside it), so the chain still verifies.

Revision ID: 0002_signed_trail
"""

from __future__ import annotations

import uuid

import sqlalchemy as sa
from alembic import op

from aigc_guard.audit.appendonly import install_guards
from aigc_guard.audit.records import utc_now_text

revision = "0002_signed_trail"
down_revision = "0001_baseline"
branch_labels = None
depends_on = None

_BigInt = sa.BigInteger().with_variant(sa.Integer(), "sqlite")


def _tables() -> None:
    op.create_table(
        "audit_checkpoints",
        sa.Column("id", _BigInt, primary_key=True, autoincrement=True),
        sa.Column("tree_size", _BigInt, nullable=False),
        sa.Column("head_hash", sa.String(64), nullable=False),
        sa.Column("merkle_root", sa.String(64), nullable=False),
        sa.Column("created_at", sa.String(32), nullable=False),
        sa.Column("key_id", sa.String(16), nullable=False),
        sa.Column("body", sa.Text(), nullable=False),
        sa.Column("signature", sa.String(128), nullable=False),
        sa.UniqueConstraint("tree_size", "key_id", name="uq_audit_checkpoints"),
    )
    op.create_table(
        "audit_merkle_nodes",
        sa.Column("level", sa.SmallInteger(), primary_key=True, autoincrement=False),
        sa.Column("idx", sa.BigInteger(), primary_key=True, autoincrement=False),
        sa.Column("hash", sa.LargeBinary(32), nullable=False),
    )
    op.create_table(
        "audit_models",
        sa.Column("model_id", sa.String(), primary_key=True),
        sa.Column("card_sha256", sa.String(64), primary_key=True),
        sa.Column("card", sa.JSON(), nullable=False),
        sa.Column("seq", _BigInt, nullable=False),
        sa.Column("created_at", sa.String(32), nullable=False),
    )
    op.create_table(
        "audit_policies",
        sa.Column("sha256", sa.String(64), primary_key=True),
        sa.Column("policy_id", sa.String(), nullable=False),
        sa.Column("text", sa.Text(), nullable=False),
        sa.Column("created_at", sa.String(32), nullable=False),
    )
    meta = op.create_table(
        "audit_meta",
        sa.Column("name", sa.String(64), primary_key=True),
        sa.Column("value", sa.String(), nullable=False),
    )
    op.bulk_insert(meta, [{"name": "log_id", "value": uuid.uuid4().hex}])


def upgrade() -> None:
    with op.batch_alter_table("audit_events") as batch:
        batch.add_column(sa.Column("row_mac", sa.String(64), nullable=True))
    for column in ("created_at", "model_id", "policy_sha256"):
        op.create_index(f"ix_audit_events_{column}", "audit_events", [column])
    _tables()
    legacy_rows = op.get_bind().execute(sa.text("SELECT max(seq) FROM audit_events")).scalar()
    op.bulk_insert(
        sa.table("audit_meta", sa.column("name"), sa.column("value")),
        [
            {"name": "migrated_at", "value": utc_now_text()},
            # rows up to here were written before row MACs existed
            {"name": "legacy_rows", "value": str(int(legacy_rows or 0))},
        ],
    )
    install_guards(op.get_bind())


def downgrade() -> None:  # pragma: no cover - evidence stores are not downgraded
    raise NotImplementedError("the audit schema is not downgraded: restore a backup instead")
