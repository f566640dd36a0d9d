"""Tables of the monitor in the metadata database: alerts, their deliveries, and annotations.

Declared on the store's :class:`~consumption_monitor.store.db.Base`; the Alembic revision
``store/migrations/versions/0003_monitor.py`` creates them on SQLite and PostgreSQL alike.
Timestamps are timezone-aware UTC (SQLite hands them back naive: see ``auth.models.as_utc``).
"""

from __future__ import annotations

from datetime import UTC, date, datetime

from sqlalchemy import JSON, Date, DateTime, Float, ForeignKey, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from consumption_monitor.store.db import Base

#: Alert lifecycle: open → acknowledged → resolved (resolving an open alert is allowed).
OPEN, ACKNOWLEDGED, RESOLVED = "open", "acknowledged", "resolved"


def _now() -> datetime:
    return datetime.now(UTC)


class Alert(Base):
    """One alert raised by a rule on one series.

    ``fingerprint`` (rule + series) identifies "the same problem": while an alert with that
    fingerprint is open or acknowledged, a new hit updates ``last_date`` instead of adding a row.
    """

    __tablename__ = "monitor_alerts"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    rule: Mapped[str] = mapped_column(String(128), index=True)
    fingerprint: Mapped[str] = mapped_column(String(256), index=True)
    indicator: Mapped[str] = mapped_column(String(64))
    region: Mapped[str] = mapped_column(String(64))
    dim: Mapped[str] = mapped_column(String(64), default="")
    dim_value: Mapped[str] = mapped_column(String(128), default="")
    condition: Mapped[str] = mapped_column(String(128))
    severity: Mapped[str] = mapped_column(String(16))
    status: Mapped[str] = mapped_column(String(16), index=True, default=OPEN)
    first_date: Mapped[date] = mapped_column(Date)
    last_date: Mapped[date] = mapped_column(Date)
    value: Mapped[float | None] = mapped_column(Float, nullable=True)
    message_zh: Mapped[str] = mapped_column(Text, default="")
    message_en: Mapped[str] = mapped_column(Text, default="")
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=_now)
    acknowledged_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True), nullable=True)
    acknowledged_by: Mapped[str | None] = mapped_column(String(64), nullable=True)
    resolved_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True), nullable=True)
    resolved_by: Mapped[str | None] = mapped_column(String(64), nullable=True)
    note: Mapped[str] = mapped_column(Text, default="")


class AlertDelivery(Base):
    """One attempt to send an alert through one channel (kept for the audit of who was told)."""

    __tablename__ = "monitor_alert_deliveries"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    alert_id: Mapped[int] = mapped_column(ForeignKey("monitor_alerts.id"), index=True)
    channel: Mapped[str] = mapped_column(String(64))
    ok: Mapped[bool] = mapped_column(default=False)
    error: Mapped[str] = mapped_column(Text, default="")
    at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=_now)


class Annotation(Base):
    """A policy or event period drawn on charts (海河国际消费季, a voucher round…)."""

    __tablename__ = "monitor_annotations"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    name: Mapped[str] = mapped_column(String(256))
    kind: Mapped[str] = mapped_column(String(32), index=True)
    region: Mapped[str] = mapped_column(String(64), default="")
    start: Mapped[date] = mapped_column(Date, index=True)
    end: Mapped[date] = mapped_column(Date)
    note: Mapped[str] = mapped_column(Text, default="")
    extra: Mapped[dict[str, object]] = mapped_column(JSON, default=dict)
    created_by: Mapped[str] = mapped_column(String(64), default="system")
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=_now)
