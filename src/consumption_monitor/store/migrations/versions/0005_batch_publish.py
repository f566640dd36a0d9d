"""Batches: a published/unpublished state and the owner unit, for row-level visibility (#21).

Every batch that exists already was loaded by the office, the CLI, the simulator or a data
provider, or submitted before publishing existed: it stays what it was in practice, published
(``server_default`` true). New submissions of departments and districts start unpublished.

Revision ID: 0005_batch_publish
Revises: 0004_session_gen
Create Date: 2026-12-08
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0005_batch_publish"
down_revision = "0004_session_gen"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("batches") as batch:
        batch.add_column(
            sa.Column("published", sa.Boolean(), nullable=False, server_default=sa.true())
        )
        batch.add_column(sa.Column("owner_unit", sa.String(64), nullable=True))
        batch.add_column(sa.Column("published_at", sa.DateTime(timezone=True), nullable=True))
        batch.add_column(sa.Column("published_by", sa.String(128), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("batches") as batch:
        batch.drop_column("published_by")
        batch.drop_column("published_at")
        batch.drop_column("owner_unit")
        batch.drop_column("published")
