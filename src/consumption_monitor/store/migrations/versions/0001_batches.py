"""Batch manifest of the Parquet lake.

Revision ID: 0001_batches
Revises:
Create Date: 2026-11-28
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0001_batches"
down_revision = None
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "batches",
        sa.Column("id", sa.Integer(), primary_key=True, autoincrement=True),
        sa.Column("dataset", sa.String(64), nullable=False),
        sa.Column("vintage", sa.Date(), nullable=False),
        sa.Column("content_hash", sa.String(128), nullable=False),
        sa.Column("active_hash", sa.String(128), nullable=True),
        sa.Column("source", sa.Text(), nullable=False),
        sa.Column("loaded_by", sa.String(128), nullable=False),
        sa.Column("loaded_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("status", sa.String(16), nullable=False),
        sa.Column("rows_loaded", sa.BigInteger(), nullable=False),
        sa.Column("rows_rejected", sa.BigInteger(), nullable=False),
        sa.Column("files", sa.JSON(), nullable=False),
        sa.Column("quarantine_file", sa.Text(), nullable=True),
        sa.Column("note", sa.Text(), nullable=False),
        sa.Column("staging_id", sa.String(64), nullable=True),
        sa.Column("reverted_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("reverted_by", sa.String(128), nullable=True),
        sa.Column("revert_reason", sa.Text(), nullable=True),
        sa.PrimaryKeyConstraint("id", name="pk_batches"),
        sa.UniqueConstraint("dataset", "active_hash", name="uq_batches_dataset_active_hash"),
    )
    op.create_index("ix_batches_dataset", "batches", ["dataset"])
    op.create_index("ix_batches_content_hash", "batches", ["content_hash"])
    op.create_index("ix_batches_status", "batches", ["status"])


def downgrade() -> None:
    op.drop_table("batches")
