"""The batch manifest: what was loaded, when, by whom, and whether it is visible.

Only ``committed`` batches are visible to readers; ``reverted`` batches stay listed (and their
files stay on disk) for audit; ``pending`` rows are loads in flight and are never shown.

Row-level visibility: a committed batch is read by everyone once it is ``published``; before
that only by its ``owner_unit`` and by readers that see every unit (:class:`Viewer`). Who a
signed-in user is as a :class:`Viewer` is decided by ``auth.roles.data_viewer``.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime
from typing import Literal

from pydantic import BaseModel, ConfigDict
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session, sessionmaker

from consumption_monitor.errors import ConflictError, NotFoundError
from consumption_monitor.store.db import transaction
from consumption_monitor.store.models import COMMITTED, PENDING, REVERTED, Batch


class BatchInfo(BaseModel):
    """A batch as callers see it (output schema of the manifest)."""

    model_config = ConfigDict(frozen=True)

    id: int
    dataset: str
    vintage: date
    content_hash: str
    source: str
    loaded_by: str
    loaded_at: datetime
    status: Literal["committed", "reverted"]
    rows_loaded: int
    rows_rejected: int
    files: list[str]
    quarantine_file: str | None = None
    note: str = ""
    reverted_at: datetime | None = None
    reverted_by: str | None = None
    revert_reason: str | None = None
    #: False for a unit's submission nobody has published yet (only its unit and the office
    #: read its rows).
    published: bool = True
    owner_unit: str | None = None
    published_at: datetime | None = None
    published_by: str | None = None
    #: True when ``write_batch`` found this content already loaded and wrote nothing.
    duplicate: bool = False

    @classmethod
    def from_row(cls, row: Batch, *, duplicate: bool = False) -> BatchInfo:
        """Build from an ORM row (``pending`` rows are never exposed)."""
        status: Literal["committed", "reverted"] = (
            "reverted" if row.status == REVERTED else "committed"
        )
        return cls(
            id=row.id,
            dataset=row.dataset,
            vintage=row.vintage,
            content_hash=row.content_hash,
            source=row.source,
            loaded_by=row.loaded_by,
            loaded_at=_aware(row.loaded_at),
            status=status,
            rows_loaded=row.rows_loaded,
            rows_rejected=row.rows_rejected,
            files=list(row.files or []),
            quarantine_file=row.quarantine_file,
            note=row.note,
            reverted_at=_aware(row.reverted_at) if row.reverted_at else None,
            reverted_by=row.reverted_by,
            revert_reason=row.revert_reason,
            published=bool(row.published) if row.published is not None else True,
            owner_unit=row.owner_unit,
            published_at=_aware(row.published_at) if row.published_at else None,
            published_by=row.published_by,
            duplicate=duplicate,
        )


@dataclass(frozen=True)
class Viewer:
    """Whose unpublished batches a read includes: every unit's, some units', or none.

    >>> b = BatchInfo(id=1, dataset="projects", vintage=date(2026, 1, 5), content_hash="h",
    ...               source="s", loaded_by="binhai", loaded_at=datetime(2026, 1, 5, tzinfo=UTC),
    ...               status="committed", rows_loaded=1, rows_rejected=0, files=[],
    ...               published=False, owner_unit="120116")
    >>> PUBLISHED_ONLY.sees(b), Viewer(units=frozenset({"120116"})).sees(b), EVERY_BATCH.sees(b)
    (False, True, True)
    """

    units: frozenset[str] = frozenset()
    all_units: bool = False

    def sees(self, batch: BatchInfo) -> bool:
        """True when the rows of ``batch`` are readable by this viewer.

        An unpublished batch without an owner unit is read only with ``all_units``.
        """
        if batch.published or self.all_units:
            return True
        return batch.owner_unit is not None and batch.owner_unit in self.units


#: Published batches only: the city's figures (compute, reports, targets, viewers).
PUBLISHED_ONLY = Viewer()
#: Every committed batch (the loader's own checks, the office, administrators, the CLI).
EVERY_BATCH = Viewer(all_units=True)


def _aware(ts: datetime) -> datetime:
    # SQLite drops the zone of DateTime(timezone=True); every stored time is UTC.
    return ts if ts.tzinfo else ts.replace(tzinfo=UTC)


def _not_found(batch_id: int) -> NotFoundError:
    return NotFoundError(
        f"batch {batch_id} does not exist",
        f"批次 {batch_id} 不存在",
        hint_en="list batches with `cmon batches list`",
        hint_zh="可用 `cmon batches list` 查看批次",
    )


class Manifest:
    """Reads and writes the ``batches`` table."""

    def __init__(self, factory: sessionmaker[Session]) -> None:
        self._factory = factory

    def find_active(self, dataset: str, content_hash: str) -> BatchInfo | None:
        """The committed batch of ``dataset`` with this content hash, if any."""
        with self._factory() as s:
            row = s.scalars(
                select(Batch).where(Batch.dataset == dataset, Batch.active_hash == content_hash)
            ).first()
            return BatchInfo.from_row(row) if row else None

    def batches(self, dataset: str | None = None) -> list[BatchInfo]:
        """Committed and reverted batches, oldest first."""
        with self._factory() as s:
            q = select(Batch).where(Batch.status.in_([COMMITTED, REVERTED]))
            if dataset is not None:
                q = q.where(Batch.dataset == dataset)
            return [BatchInfo.from_row(r) for r in s.scalars(q.order_by(Batch.id))]

    def get(self, batch_id: int) -> BatchInfo:
        """One batch; :class:`NotFoundError` if absent or still pending."""
        with self._factory() as s:
            row = s.get(Batch, batch_id)
            if row is None or row.status == PENDING:
                raise _not_found(batch_id)
            return BatchInfo.from_row(row)

    def visible(
        self, dataset: str, as_of: date | None = None, viewer: Viewer = EVERY_BATCH
    ) -> list[BatchInfo]:
        """Committed batches of ``dataset`` with ``vintage <= as_of`` (all when None) that
        ``viewer`` may read."""
        with self._factory() as s:
            q = select(Batch).where(Batch.dataset == dataset, Batch.status == COMMITTED)
            if as_of is not None:
                q = q.where(Batch.vintage <= as_of)
            rows = [BatchInfo.from_row(r) for r in s.scalars(q.order_by(Batch.id))]
        return [b for b in rows if viewer.sees(b)]

    def publish(self, batch_id: int, *, by: str) -> BatchInfo:
        """Mark a committed batch published: its rows become readable by everyone.

        Publishing a published batch is a :class:`ConflictError`, a reverted or unknown one a
        :class:`ConflictError` / :class:`NotFoundError`.
        """
        with transaction(self._factory) as s:
            row = s.get(Batch, batch_id, with_for_update=True)
            if row is None or row.status == PENDING:
                raise _not_found(batch_id)
            if row.status == REVERTED:
                raise ConflictError(
                    f"batch {batch_id} is reverted; load the file again to publish it",
                    f"批次 {batch_id} 已撤销，请重新导入后再发布",
                )
            if row.published:
                raise ConflictError(
                    f"batch {batch_id} is already published", f"批次 {batch_id} 已发布"
                )
            row.published = True
            row.published_at = datetime.now(UTC)
            row.published_by = by
            s.flush()
            return BatchInfo.from_row(row)

    # -- the load protocol ---------------------------------------------------------------------
    def open_pending(
        self,
        dataset: str,
        *,
        vintage: date,
        content_hash: str,
        source: str,
        loaded_by: str,
        note: str,
        staging_id: str,
        published: bool = True,
        owner_unit: str | None = None,
    ) -> int:
        """Reserve a batch id with an invisible ``pending`` row (its own short transaction)."""
        with transaction(self._factory) as s:
            row = Batch(
                dataset=dataset,
                vintage=vintage,
                content_hash=content_hash,
                active_hash=None,
                source=source,
                loaded_by=loaded_by,
                loaded_at=datetime.now(UTC),
                status=PENDING,
                rows_loaded=0,
                rows_rejected=0,
                files=[],
                note=note,
                staging_id=staging_id,
                published=published,
                owner_unit=owner_unit,
            )
            s.add(row)
            s.flush()
            return row.id

    def commit_pending(
        self,
        batch_id: int,
        *,
        files: list[str],
        rows_loaded: int,
        rows_rejected: int,
        quarantine_file: str | None,
    ) -> BatchInfo | None:
        """Make the batch visible in ONE transaction; None if the same content won the race.

        Setting ``active_hash`` trips the unique constraint when another load of the same content
        committed first; the transaction then rolls back and nothing of this batch is visible.
        """
        try:
            with transaction(self._factory) as s:
                row = s.get(Batch, batch_id)
                if row is None or row.status != PENDING:
                    raise ConflictError(
                        f"batch {batch_id} is no longer pending (removed by gc?)",
                        f"批次 {batch_id} 已不处于待提交状态（可能被清理）",
                        hint_en="load the file again",
                        hint_zh="请重新导入该文件",
                    )
                row.status = COMMITTED
                row.active_hash = row.content_hash
                row.files = files
                row.rows_loaded = rows_loaded
                row.rows_rejected = rows_rejected
                row.quarantine_file = quarantine_file
                row.staging_id = None
                row.loaded_at = datetime.now(UTC)
                s.flush()
                return BatchInfo.from_row(row)
        except IntegrityError:
            return None

    def drop_pending(self, batch_id: int) -> None:
        """Forget a pending row (failed, duplicate or crashed load)."""
        with transaction(self._factory) as s:
            row = s.get(Batch, batch_id)
            if row is not None and row.status == PENDING:
                s.delete(row)

    def pending(self) -> list[tuple[int, str | None]]:
        """Pending rows as (batch id, staging id)."""
        with self._factory() as s:
            rows = s.execute(select(Batch.id, Batch.staging_id).where(Batch.status == PENDING))
            return [(r[0], r[1]) for r in rows]

    def listed_files(self) -> set[str]:
        """Every data and quarantine file named by a committed or reverted batch."""
        out: set[str] = set()
        with self._factory() as s:
            rows = s.execute(
                select(Batch.files, Batch.quarantine_file).where(
                    Batch.status.in_([COMMITTED, REVERTED])
                )
            )
            for files, quarantine in rows:
                out.update(files or [])
                if quarantine:
                    out.add(quarantine)
        return out

    def revert(self, batch_id: int, *, by: str, reason: str) -> BatchInfo:
        """Mark a batch reverted: hidden from readers, files kept, content loadable again."""
        with transaction(self._factory) as s:
            row = s.get(Batch, batch_id, with_for_update=True)
            if row is None or row.status == PENDING:
                raise _not_found(batch_id)
            if row.status == REVERTED:
                raise ConflictError(
                    f"batch {batch_id} is already reverted",
                    f"批次 {batch_id} 已撤销",
                )
            row.status = REVERTED
            row.active_hash = None
            row.reverted_at = datetime.now(UTC)
            row.reverted_by = by
            row.revert_reason = reason
            s.flush()
            return BatchInfo.from_row(row)
