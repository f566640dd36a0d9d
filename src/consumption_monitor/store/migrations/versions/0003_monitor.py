"""Monitor: alerts, alert deliveries and policy/event annotations (consumption_monitor.monitor).

Revision ID: 0003_monitor
Revises: 0002_auth
Create Date: 2026-11-28
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0003_monitor"
down_revision = "0002_auth"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "monitor_alerts",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("rule", sa.String(128), nullable=False),
        sa.Column("fingerprint", sa.String(256), nullable=False),
        sa.Column("indicator", sa.String(64), nullable=False),
        sa.Column("region", sa.String(64), nullable=False),
        sa.Column("dim", sa.String(64), nullable=False),
        sa.Column("dim_value", sa.String(128), nullable=False),
        sa.Column("condition", sa.String(128), nullable=False),
        sa.Column("severity", sa.String(16), nullable=False),
        sa.Column("status", sa.String(16), nullable=False),
        sa.Column("first_date", sa.Date(), nullable=False),
        sa.Column("last_date", sa.Date(), nullable=False),
        sa.Column("value", sa.Float(), nullable=True),
        sa.Column("message_zh", sa.Text(), nullable=False),
        sa.Column("message_en", sa.Text(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("acknowledged_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("acknowledged_by", sa.String(64), nullable=True),
        sa.Column("resolved_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("resolved_by", sa.String(64), nullable=True),
        sa.Column("note", sa.Text(), nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_monitor_alerts"),
    )
    op.create_index("ix_monitor_alerts_rule", "monitor_alerts", ["rule"])
    op.create_index("ix_monitor_alerts_fingerprint", "monitor_alerts", ["fingerprint"])
    op.create_index("ix_monitor_alerts_status", "monitor_alerts", ["status"])
    op.create_table(
        "monitor_alert_deliveries",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("alert_id", sa.Integer(), nullable=False),
        sa.Column("channel", sa.String(64), nullable=False),
        sa.Column("ok", sa.Boolean(), nullable=False),
        sa.Column("error", sa.Text(), nullable=False),
        sa.Column("at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["alert_id"],
            ["monitor_alerts.id"],
            name="fk_monitor_alert_deliveries_alert_id_monitor_alerts",
        ),
        sa.PrimaryKeyConstraint("id", name="pk_monitor_alert_deliveries"),
    )
    op.create_index(
        "ix_monitor_alert_deliveries_alert_id", "monitor_alert_deliveries", ["alert_id"]
    )
    op.create_table(
        "monitor_annotations",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("name", sa.String(256), nullable=False),
        sa.Column("kind", sa.String(32), nullable=False),
        sa.Column("region", sa.String(64), nullable=False),
        sa.Column("start", sa.Date(), nullable=False),
        sa.Column("end", sa.Date(), nullable=False),
        sa.Column("note", sa.Text(), nullable=False),
        sa.Column("extra", sa.JSON(), nullable=False),
        sa.Column("created_by", sa.String(64), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_monitor_annotations"),
    )
    op.create_index("ix_monitor_annotations_kind", "monitor_annotations", ["kind"])
    op.create_index("ix_monitor_annotations_start", "monitor_annotations", ["start"])


def downgrade() -> None:
    op.drop_index("ix_monitor_annotations_start", table_name="monitor_annotations")
    op.drop_index("ix_monitor_annotations_kind", table_name="monitor_annotations")
    op.drop_table("monitor_annotations")
    op.drop_index("ix_monitor_alert_deliveries_alert_id", table_name="monitor_alert_deliveries")
    op.drop_table("monitor_alert_deliveries")
    op.drop_index("ix_monitor_alerts_status", table_name="monitor_alerts")
    op.drop_index("ix_monitor_alerts_fingerprint", table_name="monitor_alerts")
    op.drop_index("ix_monitor_alerts_rule", table_name="monitor_alerts")
    op.drop_table("monitor_alerts")
