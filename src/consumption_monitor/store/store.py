"""The :class:`Store`: write batches to the Parquet lake, read them back through the manifest.

A load is all-or-nothing. Files are written under ``lake/_staging/<uuid>/`` with temp names,
fsync'ed, renamed into their partition folders, and only then does one metadata transaction mark
the batch committed with its file list. Readers list files from the manifest only, so a crash
at any point leaves nothing half-visible; :meth:`Store.gc` removes what a crash left behind.
On an object store (``CMON_LAKE_URL``) files go straight to their final names and the manifest
commit alone makes them visible (:mod:`.fs` describes that protocol).
"""

from __future__ import annotations

import contextlib
import shutil
from collections.abc import Callable, Generator, Iterable
from datetime import UTC, date, datetime, timedelta
from pathlib import Path, PurePath
from types import TracebackType
from typing import Any

import ibis
import pyarrow as pa
from pydantic import BaseModel
from sqlalchemy import func, select

from consumption_monitor import clock
from consumption_monitor.catalog import Catalog, Dataset, load_catalog
from consumption_monitor.config import Settings, get_settings
from consumption_monitor.errors import (
    ConflictError,
    ConsumptionMonitorError,
    DataValidationError,
    EngineError,
)
from consumption_monitor.store import lake as lk
from consumption_monitor.store.db import make_engine, session_factory, upgrade
from consumption_monitor.store.fs import PENDING_GRACE, LakeRoot, lake_root
from consumption_monitor.store.manifest import PUBLISHED_ONLY, BatchInfo, Manifest, Viewer
from consumption_monitor.store.models import PENDING, Batch

_MIGRATED: set[str] = set()

#: Rows handed to the partition writer at once when a whole table is written.
_SLICE_ROWS = 1_000_000


class GcReport(BaseModel):
    """What :meth:`Store.gc` removed (or would remove, with ``dry_run``)."""

    removed_files: list[str]
    removed_staging: list[str]
    dropped_pending: list[int]
    dry_run: bool = False


def _chunks(
    data: pa.Table | pa.RecordBatch | Iterable[pa.RecordBatch | pa.Table],
) -> Generator[Any, None, None]:
    if isinstance(data, pa.Table):
        for offset in range(0, max(data.num_rows, 1), _SLICE_ROWS):
            yield data.slice(offset, _SLICE_ROWS)
    elif isinstance(data, pa.RecordBatch):
        yield data
    else:
        yield from data


def _dictionary_columns(ds: Dataset, schema: pa.Schema) -> list[str]:
    """Columns worth Parquet dictionary encoding: catalog codes, labels, periods and dates.

    Free text, ids, measures and timestamps are (near) unique, where a dictionary only costs
    time: on card transactions, dropping it for ``txn_ts`` made encoding ~11 % faster and the
    file ~9 % smaller (Parquet gave up on the overflowing dictionary and fell back anyway).
    """
    low = {c.name for c in ds.columns if c.check or c.type in ("period", "date")}
    return [
        f.name
        for f in schema
        if (f.name in low or f.name == ds.period_column) and not pa.types.is_timestamp(f.type)
    ]


class Store:
    """The lake plus its manifest, for one settings object.

    ``Store(settings)`` migrates the metadata database to the latest revision, creates the lake
    folder and removes staging folders of dead loads (cheap; :meth:`gc` does the full sweep).
    Use it as a context manager, or call :meth:`close`, to release database connections.

    ``root`` is where the lake lives (:func:`.fs.lake_root`); ``lake`` its root as a path
    object: a :class:`~pathlib.Path` for a local lake, a ``PurePosixPath`` inside the
    filesystem for an object store (read those with :attr:`arrow_filesystem`).

    ``viewer`` is whose rows every read of this store includes: published batches only by
    default (the city's figures, what compute, reports and targets read); the web passes the
    signed-in user's (``auth.roles.data_viewer``), so a unit's unpublished submission is read
    only by that unit, the office and administrators; loaders and the CLI pass
    :data:`.manifest.EVERY_BATCH`. Listing batches (:meth:`list_batches`) is not filtered.
    """

    def __init__(
        self,
        settings: Settings | None = None,
        *,
        roll_rows: int = lk.DEFAULT_ROLL_ROWS,
        catalog: Catalog | None = None,
        viewer: Viewer = PUBLISHED_ONLY,
    ) -> None:
        self.settings = settings or get_settings()
        self.viewer = viewer
        self.root: LakeRoot = lake_root(self.settings)
        self.lake: PurePath = self.root.pure()
        if self.root.is_local:
            self.root.local_dir.mkdir(parents=True, exist_ok=True)
        self.roll_rows = roll_rows
        url = self.settings.metadata_url
        if url not in _MIGRATED:
            upgrade(url)
            _MIGRATED.add(url)
        self.engine = make_engine(url)
        self.sessions = session_factory(self.engine)
        self.manifest = Manifest(self.sessions)
        self.catalog = catalog or load_catalog(self.settings.city)
        self._sweep_staging(dry_run=False)

    # -- lifecycle -------------------------------------------------------------------------------
    def close(self) -> None:
        """Release the database connections."""
        self.engine.dispose()

    def __enter__(self) -> Store:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.close()

    @property
    def arrow_filesystem(self) -> Any:
        """The ``pyarrow.fs.FileSystem`` to read :meth:`files` with (None for a local lake).

        ``pq.read_metadata(str(path), filesystem=store.arrow_filesystem)`` works on both
        (pyarrow takes only string paths on a filesystem other than the local one).
        """
        return self.root.arrow_filesystem()

    # -- manifest --------------------------------------------------------------------------------
    def dataset(self, name: str) -> Dataset:
        """The catalog entry of a dataset; :class:`NotFoundError` for an unknown name."""
        return self.catalog.dataset(name)

    def find_batch_by_hash(self, dataset: str, content_hash: str) -> BatchInfo | None:
        """The active (committed, not reverted) batch of ``dataset`` with this content."""
        return self.manifest.find_active(dataset, content_hash)

    def list_batches(self, dataset: str | None = None) -> list[BatchInfo]:
        """Committed and reverted batches, oldest first; loads in flight are not listed."""
        return self.manifest.batches(dataset)

    def get_batch(self, batch_id: int) -> BatchInfo:
        """One batch; :class:`NotFoundError` if it does not exist."""
        return self.manifest.get(batch_id)

    def revert(self, batch_id: int, *, by: str, reason: str) -> BatchInfo:
        """Hide a batch from every read (it is superseded); its files stay on disk.

        The same content can be loaded again afterwards. Reverting twice is a
        :class:`ConflictError`; an unknown id a :class:`NotFoundError`.
        """
        return self.manifest.revert(batch_id, by=by, reason=reason)

    def publish(self, batch_id: int, *, by: str) -> BatchInfo:
        """Make an unpublished batch's rows readable by every viewer (who may: the caller's
        check, ``auth.roles.may_publish``). Already published or reverted: :class:`ConflictError`.
        """
        return self.manifest.publish(batch_id, by=by)

    # -- writing ---------------------------------------------------------------------------------
    def write_batch(
        self,
        dataset: str,
        data: pa.Table | pa.RecordBatch | Iterable[pa.RecordBatch | pa.Table],
        *,
        vintage: date,
        content_hash: str,
        source: str,
        loaded_by: str = "system",
        schema: pa.Schema | None = None,
        quarantine: pa.Table | None = None,
        rows_rejected: int = 0,
        note: str = "",
        roll_rows: int | None = None,
        precommit: Callable[[list[Path]], None] | None = None,
        published: bool = True,
        owner_unit: str | None = None,
    ) -> BatchInfo:
        """Store one batch, all or nothing, and return its manifest entry.

        ``data`` may be a table or an iterable of record batches (streamed: only one chunk per
        partition is held in memory; a file is rolled every ``roll_rows`` rows). Columns are
        cast to the catalog schema (or ``schema``); unknown or uncastable columns raise
        :class:`DataValidationError` and nothing is stored. If a committed batch of the same
        dataset already has ``content_hash``, nothing is written and that batch is returned with
        ``duplicate=True`` — also when a concurrent load of the same content commits first.
        ``quarantine`` (rows refused by validation) is kept beside the lake for the batch.
        ``precommit`` is called with the staged Parquet files (local lakes) before anything is
        visible; if it raises, nothing is stored. ``published=False`` stores a unit's submission
        that only ``owner_unit`` (and the office) reads until :meth:`publish`.
        """
        ds = self.dataset(dataset)
        existing = self.find_batch_by_hash(dataset, content_hash)
        if existing is not None:
            return existing.model_copy(update={"duplicate": True})
        schema = schema or lk.arrow_schema(ds)
        if schema.get_field_index(ds.period_column) < 0:
            raise DataValidationError(
                f"{dataset}: the schema lacks the period column {ds.period_column}",
                f"{dataset}：数据结构缺少时期列 {ds.period_column}",
            )
        staged = lk.StagedWrite(
            self.root.local_dir if self.root.is_local else self.root,
            dataset,
            schema,
            roll_rows=roll_rows or self.roll_rows,
            dictionary_columns=_dictionary_columns(ds, schema),
        )
        batch_id: int | None = None
        committed = False
        chunks = _chunks(data)
        try:
            batch_id = self.manifest.open_pending(
                dataset,
                vintage=vintage,
                content_hash=content_hash,
                source=source,
                loaded_by=loaded_by,
                note=note,
                staging_id=staged.staging_id,
                published=published,
                owner_unit=owner_unit,
            )
            staged.bind(batch_id)
            for chunk in chunks:
                table = lk.conform(chunk, schema, dataset)
                staged.write(table, lk.partition_values(table, ds.period_column), vintage)
            files = staged.finish()
            if precommit is not None and self.root.is_local:
                precommit([staged.staged_path(f) for f in files])
            qfile = None
            if quarantine is not None and quarantine.num_rows:
                qfile = staged.write_quarantine(quarantine)
            staged.place([*files, *([qfile] if qfile else [])])
            lk.crash_point("before_commit")
            info = self.manifest.commit_pending(
                batch_id,
                files=files,
                rows_loaded=staged.rows,
                rows_rejected=rows_rejected,
                quarantine_file=qfile,
            )
            if info is None:
                return self._lost_race(dataset, content_hash)
            committed = True
            lk.crash_point("after_commit")
            return info
        except Exception as exc:  # object-store clients raise their own types (botocore…)
            if self.root.is_local or isinstance(exc, ConsumptionMonitorError):
                raise
            raise EngineError(
                f"{dataset}: writing to the lake at {self.root.base_url} failed: {exc}",
                f"{dataset}：写入数据湖 {self.root.base_url} 失败：{exc}",
                hint_en="check the bucket, its permissions, CMON_LAKE_URL and "
                "CMON_LAKE_STORAGE_OPTIONS; nothing of this batch is visible",
                hint_zh="请检查存储桶及其权限、CMON_LAKE_URL 与 CMON_LAKE_STORAGE_OPTIONS；"
                "本批次数据均不可见",
            ) from exc
        finally:
            # A refused or failed write stops the producer now (a streamed load's reader and
            # validation threads), not whenever the iterator is garbage collected.
            chunks.close()
            if committed:
                staged.close()
            else:
                staged.discard()
                if batch_id is not None:
                    with contextlib.suppress(Exception):
                        self.manifest.drop_pending(batch_id)

    def _lost_race(self, dataset: str, content_hash: str) -> BatchInfo:
        winner = self.find_batch_by_hash(dataset, content_hash)
        if winner is None:  # committed and reverted again in between: rare, let the user retry
            raise ConflictError(
                f"{dataset}: a concurrent load of the same content interfered; load again",
                f"{dataset}：同一内容正被并发导入，请重新导入",
            )
        return winner.model_copy(update={"duplicate": True})

    # -- reading ---------------------------------------------------------------------------------
    def visible_batches(self, dataset: str, as_of: date | None = None) -> list[BatchInfo]:
        """Committed batches whose vintage is on or before ``as_of`` (all when None) that
        this store's :attr:`viewer` may read."""
        self.dataset(dataset)
        return self.manifest.visible(dataset, as_of, self.viewer)

    def files(
        self,
        dataset: str,
        as_of: date | None = None,
        periods: Iterable[str] | None = None,
    ) -> list[PurePath]:
        """Absolute paths of the Parquet files of the visible batches of ``dataset``.

        ``periods`` keeps only the files whose partition folder ``period=<P>`` has ``P`` in it
        (``none`` selects rows without a period); None keeps every file. On an object store the
        paths are inside :attr:`arrow_filesystem` (``bucket/prefix/...``; give pyarrow
        ``str(path)``); :meth:`file_urls` gives URLs instead.
        """
        return [self.lake / f for f in self._relative_files(dataset, as_of, periods)]

    def file_urls(
        self,
        dataset: str,
        as_of: date | None = None,
        periods: Iterable[str] | None = None,
    ) -> list[str]:
        """The files of :meth:`files` as engine URLs: local paths, or ``s3://bucket/...``."""
        return [self.root.url(f) for f in self._relative_files(dataset, as_of, periods)]

    def _relative_files(
        self, dataset: str, as_of: date | None, periods: Iterable[str] | None
    ) -> list[str]:
        wanted = None if periods is None else {f"period={p}" for p in periods}
        # A read without an as-of date is today's view: a batch dated later (loaded with
        # --allow-future) stays invisible until its day.
        day = as_of if as_of is not None else clock.today()
        return [
            f
            for b in self.visible_batches(dataset, day)
            for f in b.files
            if wanted is None or Path(f).parent.name in wanted
        ]

    def _checked_files(
        self, dataset: str, as_of: date | None, periods: Iterable[str] | None = None
    ) -> list[str]:
        """The visible files (relative); :class:`EngineError` when one is missing."""
        files = self._relative_files(dataset, as_of, periods)
        if self.root.is_local:
            missing = [f for f in files if not (self.root.local_dir / f).is_file()]
        elif files:
            present = set(self.root.list_files(dataset))  # one listing, not a request per file
            missing = [f for f in files if f not in present]
        else:
            missing = []
        if missing:
            rel = missing[0]
            raise EngineError(
                f"{dataset}: {len(missing)} file(s) listed in the manifest are missing, e.g. {rel}",
                f"{dataset}：批次清单中有 {len(missing)} 个文件缺失，例如 {rel}",
                hint_en="restore the lake from the backup taken with the metadata DB, "
                "or revert the batch (`cmon batches revert`)",
                hint_zh="请从与元数据库同时备份的数据湖恢复，或撤销该批次（cmon batches revert）",
            )
        return files

    def read_table(
        self,
        con: ibis.BaseBackend,
        dataset: str,
        as_of: date | None = None,
        periods: Iterable[str] | None = None,
    ) -> ibis.Table:
        """An Ibis table over the visible files, with ``_batch_id`` and ``_vintage`` columns.

        For a ``versioned`` dataset only the latest row per natural key is kept: the row from
        the latest vintage, ties broken by the latest batch id. Append-only datasets keep every
        row of every visible batch. With no visible batch the result is an empty table with the
        catalog schema. Works on the DuckDB and PySpark backends.

        ``periods`` reads only those partitions (see :meth:`files`). For a versioned dataset
        this is exact only when its key holds the period column (every version of a key then
        lies in one partition); otherwise a newer version outside the partitions is not seen.
        """
        ds = self.dataset(dataset)
        files = self._checked_files(dataset, as_of, periods)
        if not files:
            table = ibis.memtable(lk.stored_schema(lk.arrow_schema(ds)).empty_table())
        else:
            table = self.root.read_parquet(con, files)
        if ds.versioned:
            table = latest_per_key(table, ds.key)
        return table

    def read_arrow(
        self, dataset: str, as_of: date | None = None, columns: list[str] | None = None
    ) -> pa.Table:
        """The visible rows as one Arrow table (small datasets and tests); row order unspecified."""
        con = ibis.duckdb.connect()
        try:
            table = self.read_table(con, dataset, as_of)
            if columns is not None:
                table = table.select(*columns)
            result: pa.Table = table.to_pyarrow()
            return result
        finally:
            con.disconnect()

    # -- garbage collection ----------------------------------------------------------------------
    def _sweep_staging(self, *, dry_run: bool) -> list[str]:
        removed: list[str] = []
        if not self.root.is_local:
            return removed  # object stores have no staging folder
        root = self.root.local_dir / lk.STAGING
        if not root.is_dir():
            return removed
        for folder in sorted(root.iterdir()):
            if not lk.staging_is_live(folder):
                removed.append(folder.relative_to(root.parent).as_posix())
                if not dry_run:
                    shutil.rmtree(folder, ignore_errors=True)
        return removed

    def gc(self, *, dry_run: bool = False, pending_grace: timedelta | None = None) -> GcReport:
        """Remove what crashed or failed loads left: dead pending rows, staging, unlisted files.

        Files named by a committed or reverted batch are never touched, nor the files and
        staging folder of a load that is still running (its staging lock is held). On an object
        store a pending batch counts as running for ``pending_grace`` after it started (default
        :data:`.fs.PENDING_GRACE`); a local lake ignores ``pending_grace``.
        """
        if not self.root.is_local:
            grace = PENDING_GRACE if pending_grace is None else pending_grace
            return self._gc_remote(dry_run, grace)
        lake = self.root.local_dir
        on_disk = list(lk.iterate_lake_files(lake))
        listed = self.manifest.listed_files()
        live: set[int] = set()
        dropped: list[int] = []
        for batch_id, staging_id in self.manifest.pending():
            if staging_id and lk.staging_is_live(lake / lk.STAGING / staging_id):
                live.add(batch_id)
            else:
                dropped.append(batch_id)
                if not dry_run:
                    self.manifest.drop_pending(batch_id)
        removed = [rel for rel, bid in on_disk if rel not in listed and bid not in live]
        if not dry_run:
            for rel in removed:
                (lake / rel).unlink(missing_ok=True)
            self._prune_empty_dirs(lake)
        staging = self._sweep_staging(dry_run=dry_run)
        return GcReport(
            removed_files=removed, removed_staging=staging, dropped_pending=dropped, dry_run=dry_run
        )

    def _gc_remote(self, dry_run: bool, grace: timedelta) -> GcReport:
        """:meth:`gc` on an object store: pending rows expire by age, files are unlisted objects.

        The manifest is read before the bucket is listed, so a batch that commits meanwhile was
        pending (spared) when read, and a load that starts meanwhile has a batch id above the
        highest one read (spared too).
        """
        now = datetime.now(UTC)
        with self.sessions() as s:
            pending = s.execute(
                select(Batch.id, Batch.loaded_at).where(Batch.status == PENDING)
            ).all()
            newest = s.scalar(select(func.max(Batch.id))) or 0
        live: set[int] = set()
        dropped: list[int] = []
        for batch_id, started in pending:
            if now - (started if started.tzinfo else started.replace(tzinfo=UTC)) < grace:
                live.add(batch_id)
            else:
                dropped.append(batch_id)
                if not dry_run:
                    self.manifest.drop_pending(batch_id)
        # Read after the drops: a batch that committed before its row could be dropped is listed.
        listed = self.manifest.listed_files()
        removed = [
            rel
            for rel, bid in lk.iterate_lake_files(self.root)
            if rel not in listed and bid not in live and (bid is None or bid <= newest)
        ]
        if not dry_run:
            self.root.delete(removed)
        return GcReport(
            removed_files=removed, removed_staging=[], dropped_pending=dropped, dry_run=dry_run
        )

    def _prune_empty_dirs(self, lake: Path) -> None:
        for folder in sorted(lake.rglob("*"), key=lambda p: len(p.parts), reverse=True):
            if folder.is_dir() and not folder.name.startswith("_") and not any(folder.iterdir()):
                with contextlib.suppress(OSError):
                    folder.rmdir()


def latest_per_key(table: ibis.Table, key: list[str]) -> ibis.Table:
    """Keep, per natural key, the row of the latest ``_vintage`` (ties: latest ``_batch_id``)."""
    window = ibis.window(
        # A key column no file has yet (official_stats.category, added later) is null in every
        # row, so it does not split the key.
        group_by=[table[k] for k in key if k in table.columns],
        order_by=[ibis.desc(table[lk.VINTAGE_COLUMN]), ibis.desc(table[lk.BATCH_ID_COLUMN])],
    )
    ranked = table.mutate(_rank=ibis.row_number().over(window))
    return ranked.filter(ranked["_rank"] == 0).drop("_rank")
