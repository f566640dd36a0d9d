"""Tables of the batch manifest: one row per load of a dataset into the lake."""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import (
    JSON,
    BigInteger,
    Boolean,
    Date,
    DateTime,
    Integer,
    String,
    Text,
    UniqueConstraint,
    true,
)
from sqlalchemy.orm import Mapped, mapped_column

from consumption_monitor.store.db import Base

#: Batch lifecycle. ``pending`` rows are loads in flight (or killed mid-way): never visible,
#: removed by garbage collection once their writer is gone.
PENDING = "pending"
COMMITTED = "committed"
REVERTED = "reverted"


class Batch(Base):
    """One load of one dataset.

    ``active_hash`` equals ``content_hash`` while the batch is committed and is NULL otherwise;
    the unique constraint on ``(dataset, active_hash)`` makes the database itself refuse a
    second active batch with the same content (NULLs never collide on SQLite or PostgreSQL), so
    two concurrent loads of one file cannot both commit.

    ``published`` is false for a department's or district's submission until its unit or the
    office publishes it (``owner_unit`` is the submitting user's unit); until then its rows are
    read only by that unit, the office and administrators (:class:`.manifest.Viewer`).
    """

    __tablename__ = "batches"
    __table_args__ = (UniqueConstraint("dataset", "active_hash"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    dataset: Mapped[str] = mapped_column(String(64), index=True)
    vintage: Mapped[date] = mapped_column(Date)
    content_hash: Mapped[str] = mapped_column(String(128), index=True)
    active_hash: Mapped[str | None] = mapped_column(String(128), nullable=True)
    source: Mapped[str] = mapped_column(Text, default="")
    loaded_by: Mapped[str] = mapped_column(String(128), default="system")
    loaded_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    status: Mapped[str] = mapped_column(String(16), index=True)
    rows_loaded: Mapped[int] = mapped_column(BigInteger, default=0)
    rows_rejected: Mapped[int] = mapped_column(BigInteger, default=0)
    files: Mapped[list[str]] = mapped_column(JSON, default=list)
    quarantine_file: Mapped[str | None] = mapped_column(Text, nullable=True)
    note: Mapped[str] = mapped_column(Text, default="")
    staging_id: Mapped[str | None] = mapped_column(String(64), nullable=True)
    reverted_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True), nullable=True)
    reverted_by: Mapped[str | None] = mapped_column(String(128), nullable=True)
    revert_reason: Mapped[str | None] = mapped_column(Text, nullable=True)
    published: Mapped[bool] = mapped_column(Boolean, default=True, server_default=true())
    owner_unit: Mapped[str | None] = mapped_column(String(64), nullable=True)
    published_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True), nullable=True)
    published_by: Mapped[str | None] = mapped_column(String(128), nullable=True)
