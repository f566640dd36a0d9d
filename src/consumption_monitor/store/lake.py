"""The Parquet lake: schemas, partition folders, staged writes and atomic renames.

Layout::

    lake/<dataset>/period=<P>/b<batch_id>-<n>.parquet     committed data (immutable)
    lake/_quarantine/<dataset>/b<batch_id>.parquet          rows refused by validation
    lake/_staging/<uuid>/                                   a load in flight (temp names, lock)

``P`` comes from the dataset's period column: a ``period`` string is used as it is
(``2024-03``, ``2024-Q1``, ``2024``), a date or timestamp gives its month (``2024-03``), and a
null gives ``none``. Every file carries two extra columns, ``_batch_id`` and ``_vintage``, so a
reader needs no join with the manifest.

On an object store (:mod:`.fs`) the same layout holds without ``_staging``: files are written
directly under their final names and the manifest commit makes them visible.
"""

from __future__ import annotations

import contextlib
import fcntl
import os
import re
import shutil
import time
import uuid
from collections.abc import Iterable, Iterator, Sequence
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import IO

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.parquet as pq

from consumption_monitor.catalog import Dataset
from consumption_monitor.errors import DataValidationError
from consumption_monitor.store.fs import LakeRoot

STAGING = "_staging"
QUARANTINE = "_quarantine"
BATCH_ID_COLUMN = "_batch_id"
VINTAGE_COLUMN = "_vintage"
LOCK_NAME = ".lock"
#: Rows per Parquet file before a new file is started ("files rolled every ~1M rows").
DEFAULT_ROLL_ROWS = 1_000_000
#: Rows buffered per partition before they are written out as one row group.
ROW_GROUP_ROWS = 128_000
#: Threads encoding row groups of different partitions side by side. Parquet encoding
#: releases the GIL; on the 2-core reference machine two encoders beside the reading thread
#: took the 10 M-row W3 load from ~6 s to ~5 s (docs/performance.md).
ENCODE_THREADS = 2
#: zstd at level 1 (Arrow's default level, pinned here): on card transactions its files are
#: ~40 % smaller than snappy's or lz4's for ~20 % more encoding time (docs/storage.md).
COMPRESSION = "zstd"
COMPRESSION_LEVEL = 1

_PERIOD_RE = re.compile(r"^\d{4}(-(0[1-9]|1[0-2])|-Q[1-4])?$")
_FILE_RE = re.compile(r"^b(\d+)(-\d+)?\.parquet$")


def arrow_schema(ds: Dataset) -> pa.Schema:
    """The canonical Arrow schema of a catalog dataset (without the lake's extra columns).

    >>> from consumption_monitor.catalog import load_catalog
    >>> arrow_schema(load_catalog().dataset("events")).field("attendance").type
    DataType(int64)
    """
    return ds.arrow_schema()


def stored_schema(schema: pa.Schema) -> pa.Schema:
    """``schema`` plus the ``_batch_id`` and ``_vintage`` columns every lake file carries."""
    return schema.append(pa.field(BATCH_ID_COLUMN, pa.int64(), nullable=False)).append(
        pa.field(VINTAGE_COLUMN, pa.date32(), nullable=False)
    )


def conform(batch: pa.RecordBatch | pa.Table, schema: pa.Schema, dataset: str) -> pa.Table:
    """Reorder and cast ``batch`` to ``schema``; absent nullable columns become nulls.

    Raises :class:`DataValidationError` for a column the schema does not know, a missing
    required column, or a value that cannot be cast (e.g. text in a float column).
    """
    table = pa.Table.from_batches([batch]) if isinstance(batch, pa.RecordBatch) else batch
    unknown = [n for n in table.column_names if schema.get_field_index(n) < 0]
    if unknown:
        raise DataValidationError(
            f"{dataset}: columns not in the dataset schema: {', '.join(unknown)}",
            f"{dataset}：数据集结构中没有这些列：{'、'.join(unknown)}",
            hint_en="map the columns to the catalog names before storing",
            hint_zh="请先将列名映射为目录中的标准列名",
        )
    arrays = []
    for fld in schema:
        if fld.name in table.column_names:
            col = table.column(fld.name)
            try:
                arrays.append(col if col.type == fld.type else col.cast(fld.type))
            except (pa.ArrowInvalid, pa.ArrowNotImplementedError) as exc:
                raise DataValidationError(
                    f"{dataset}: column {fld.name} cannot be stored as {fld.type}: {exc}",
                    f"{dataset}：列 {fld.name} 无法转换为 {fld.type}：{exc}",
                ) from exc
        elif fld.nullable:
            arrays.append(pa.nulls(table.num_rows, fld.type))
        else:
            raise DataValidationError(
                f"{dataset}: required column {fld.name} is missing",
                f"{dataset}：缺少必填列 {fld.name}",
            )
    return pa.Table.from_arrays(arrays, schema=schema)


def partition_values(table: pa.Table, period_column: str) -> pa.Array:
    """The partition label of each row (``2024-03``, ``2024-Q1``, ``2024`` or ``none``).

    Returned dictionary-encoded: labels are computed once per distinct value (a timestamp
    column is first floored to its month), never per row, so a batch costs two vectorised
    passes whatever its size. Nulls get the label ``none``.

    >>> t = pa.table({"d": pa.array([date(2024, 3, 9), None], pa.date32())})
    >>> partition_values(t, "d").to_pylist()
    ['2024-03', 'none']
    """
    col = table.column(period_column).combine_chunks()
    if pa.types.is_string(col.type) or pa.types.is_large_string(col.type):
        encoded = pc.dictionary_encode(col.cast(pa.string()))
        labels = encoded.dictionary
        bad = pc.invert(pc.match_substring_regex(labels, _PERIOD_RE.pattern))
        if pc.any(bad).as_py():
            first = labels.filter(bad)[0].as_py()
            raise DataValidationError(
                f"period {first!r} in column {period_column} is not YYYY-MM, YYYY-Qn or YYYY",
                f"列 {period_column} 的时期 {first!r} 不是 YYYY-MM、YYYY-Qn 或 YYYY 格式",
            )
    else:
        # Flooring to the month is a cheap integer kernel; strftime then runs per month only.
        if pa.types.is_timestamp(col.type):
            col = pc.floor_temporal(col, unit="month")
        encoded = pc.dictionary_encode(col)
        labels = pc.strftime(encoded.dictionary, format="%Y-%m")
    indices = encoded.indices
    if indices.null_count:
        indices = pc.fill_null(indices, pa.scalar(len(labels), indices.type))
        labels = pa.concat_arrays([labels, pa.array(["none"], pa.string())])
    return pa.DictionaryArray.from_arrays(indices, labels)


def fsync_dir(path: Path) -> None:
    """Flush a directory entry (a rename) to disk."""
    fd = os.open(path, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


@dataclass
class _PartitionWriter:
    """Rolling writer for one partition of one batch: buffers, then writes row groups."""

    folder: str
    writer: pq.ParquetWriter | None = None
    rows_in_file: int = 0
    files: list[str] = field(default_factory=list)
    buffer: list[pa.Table] = field(default_factory=list)
    buffered: int = 0
    #: The row group being encoded in the pool (one at a time per partition, in order).
    pending: Future[None] | None = None

    def wait(self) -> None:
        """Block until this partition's row group in flight is written (re-raises its error)."""
        if self.pending is not None:
            job, self.pending = self.pending, None
            job.result()


class StagedWrite:
    """Files of one batch written under ``lake/_staging/<uuid>/`` and later renamed into place.

    The staging folder holds an exclusive ``flock`` for the life of the writer; garbage
    collection leaves alone any staging folder whose lock is held, so it never removes the files
    of a live load in another process. A killed process drops its lock with its file handles.

    Given an object-store :class:`.fs.LakeRoot`, files go straight to their final names instead
    (no staging folder, lock or rename: see :mod:`.fs`); :meth:`discard` deletes them.
    """

    def __init__(
        self,
        lake: Path | LakeRoot,
        dataset: str,
        schema: pa.Schema,
        *,
        roll_rows: int = DEFAULT_ROLL_ROWS,
        dictionary_columns: Sequence[str] | None = None,
    ) -> None:
        #: The object store, or None for a local lake (the POSIX protocol below).
        self.remote = None if isinstance(lake, Path) or lake.is_local else lake
        self.lake: Path = lake if isinstance(lake, Path) else Path(lake.root)
        self.dataset = dataset
        #: Set by the caller once the manifest has reserved an id (:meth:`bind`).
        self.batch_id = 0
        self.schema = stored_schema(schema)
        self.roll_rows = max(1, roll_rows)
        # Dictionary encoding pays off for codes and labels; for near-unique columns (ids,
        # hashes, amounts) Parquet would build a dictionary, overflow it and fall back: wasted
        # hashing. None = dictionary for every column (Parquet's default).
        # Min/max statistics likewise: kept for numbers, dates, codes and labels (row-group
        # pruning), skipped for free text such as ids and hashes, where they cost ~20 % of the
        # encoding time and prune nothing.
        self.use_dictionary: bool | list[str] = True
        self.write_statistics: bool | list[str] = True
        if dictionary_columns is not None:
            self.use_dictionary = [*dictionary_columns, BATCH_ID_COLUMN, VINTAGE_COLUMN]
            self.write_statistics = [
                f.name
                for f in self.schema
                if f.name in self.use_dictionary
                or not (pa.types.is_string(f.type) or pa.types.is_large_string(f.type))
            ]
        self.staging_id = uuid.uuid4().hex
        self.dir = self.lake / STAGING / self.staging_id
        self._lock: IO[bytes] | None = None
        #: Files written so far on an object store (already at their final names).
        self._written: list[str] = []
        if self.remote is None:
            self.dir.mkdir(parents=True, exist_ok=False)
            self._lock = (self.dir / LOCK_NAME).open("wb")
            fcntl.flock(self._lock.fileno(), fcntl.LOCK_EX | fcntl.LOCK_NB)
        self._parts: dict[str, _PartitionWriter] = {}
        self._pool = ThreadPoolExecutor(ENCODE_THREADS, thread_name_prefix="cmon-encode")
        self.rows = 0
        self.placed: list[str] = []

    def bind(self, batch_id: int) -> None:
        """Use ``batch_id`` (reserved in the manifest) in the file names."""
        self.batch_id = batch_id

    # -- writing -----------------------------------------------------------------------------
    def write(self, table: pa.Table, partitions: pa.Array, vintage: date) -> None:
        """Append conformed rows; ``partitions`` gives each row's partition label.

        ``partitions`` may be plain strings or dictionary-encoded (as :func:`partition_values`
        returns them); rows are split once per distinct label, and not at all when the whole
        chunk falls in one partition.
        """
        n = table.num_rows
        if n == 0:
            return
        table = table.append_column(
            self.schema.field(BATCH_ID_COLUMN), pa.repeat(pa.scalar(self.batch_id, pa.int64()), n)
        ).append_column(
            self.schema.field(VINTAGE_COLUMN), pa.repeat(pa.scalar(vintage, pa.date32()), n)
        )
        if not pa.types.is_dictionary(partitions.type):
            partitions = pc.dictionary_encode(partitions)
        if isinstance(partitions, pa.ChunkedArray):
            partitions = partitions.combine_chunks()
        labels = partitions.dictionary.to_pylist()
        indices = partitions.indices
        if indices.null_count:
            indices = pc.fill_null(indices, pa.scalar(len(labels), indices.type))
            labels.append("none")
        counts = np.bincount(indices.to_numpy(zero_copy_only=False), minlength=len(labels))
        present = np.flatnonzero(counts)
        if len(present) == 1:
            self._append(str(labels[present[0]]), table)
        else:
            # One stable sort and one gather, then zero-copy slices: measured ~3× cheaper than
            # filtering the chunk once per partition (12 months in a year of transactions).
            grouped = table.take(pc.array_sort_indices(indices))
            offset = 0
            for code in present:
                count = int(counts[code])
                self._append(str(labels[code]), grouped.slice(offset, count))
                offset += count
        self.rows += n

    def _append(self, label: str, part: pa.Table) -> None:
        pw = self._parts.setdefault(label, _PartitionWriter(folder=f"period={label}"))
        pw.buffer.append(part)
        pw.buffered += part.num_rows
        if pw.buffered >= min(ROW_GROUP_ROWS, self.roll_rows):
            self._flush(pw)

    def _flush(self, pw: _PartitionWriter) -> None:
        """Hand the buffered rows of ``pw`` to the encoding pool (after its previous group)."""
        if not pw.buffered:
            return
        data = pa.concat_tables(pw.buffer)
        pw.buffer, pw.buffered = [], 0
        pw.wait()  # keeps the partition's row groups in order and memory bounded
        pw.pending = self._pool.submit(self._encode, pw, data)

    def _encode(self, pw: _PartitionWriter, data: pa.Table) -> None:
        offset = 0
        while offset < data.num_rows:
            if pw.writer is None:
                name = f"b{self.batch_id}-{len(pw.files)}.parquet"
                rel = f"{self.dataset}/{pw.folder}/{name}"
                pw.files.append(rel)
                pw.writer = pq.ParquetWriter(
                    self._open_target(rel),
                    self.schema,
                    filesystem=self._arrow_fs(),
                    compression=COMPRESSION,
                    compression_level=COMPRESSION_LEVEL,
                    use_dictionary=self.use_dictionary,
                    write_statistics=self.write_statistics,
                )
                pw.rows_in_file = 0
            take = min(self.roll_rows - pw.rows_in_file, data.num_rows - offset)
            pw.writer.write_table(data.slice(offset, take))
            pw.rows_in_file += take
            offset += take
            crash_point("files")
            if pw.rows_in_file >= self.roll_rows:
                self._close_file(pw)

    def _close_file(self, pw: _PartitionWriter) -> None:
        if pw.writer is not None:
            pw.writer.close()  # on an object store: the upload completes here
            pw.writer = None
            if self.remote is None:
                with self._staged_path(pw.files[-1]).open("rb+") as fh:
                    os.fsync(fh.fileno())

    def staged_path(self, rel: str) -> Path:
        """The local file a staged ``rel`` is written to until it is placed."""
        return self._staged_path(rel)

    def _staged_path(self, rel: str) -> Path:
        # Temp name inside the staging folder; the final name only appears at rename time.
        return self.dir / (rel + ".tmp")

    def _open_target(self, rel: str) -> str:
        """Where ``rel`` is written: its staged temp path, or its final object-store path."""
        if self.remote is None:
            path = self._staged_path(rel)
            path.parent.mkdir(parents=True, exist_ok=True)
            return str(path)
        self.remote.makedirs(rel.rsplit("/", 1)[0])
        self._written.append(rel)
        return self.remote.path(rel)

    def _arrow_fs(self) -> object:
        return None if self.remote is None else self.remote.arrow_filesystem()

    def write_quarantine(self, table: pa.Table) -> str:
        """Stage the rows refused by validation; placed with the data files."""
        rel = f"{QUARANTINE}/{self.dataset}/b{self.batch_id}.parquet"
        target = self._open_target(rel)
        pq.write_table(table, target, compression="zstd", filesystem=self._arrow_fs())
        if self.remote is None:
            with Path(target).open("rb+") as fh:
                os.fsync(fh.fileno())
        return rel

    def finish(self) -> list[str]:
        """Flush and fsync every file; return their paths relative to the lake, sorted."""
        for pw in self._parts.values():
            self._flush(pw)
        for pw in self._parts.values():
            pw.wait()
            self._close_file(pw)
        return sorted(f for pw in self._parts.values() for f in pw.files)

    # -- placing -----------------------------------------------------------------------------
    def place(self, files: Iterable[str]) -> None:
        """Rename the staged files to their final lake paths (same file system: atomic).

        On an object store the files are already there; only the manifest commit follows.
        """
        if self.remote is not None:
            self.placed.extend(files)
            return
        folders: set[Path] = set()
        for rel in files:
            target = self.lake / rel
            target.parent.mkdir(parents=True, exist_ok=True)
            self._staged_path(rel).rename(target)
            self.placed.append(rel)
            folders.add(target.parent)
        for folder in folders:
            fsync_dir(folder)

    def discard(self) -> None:
        """Remove every file of this batch, placed or staged, and the staging folder."""
        self._pool.shutdown(wait=True, cancel_futures=True)
        for pw in self._parts.values():
            if pw.writer is not None:
                if self.remote is None:
                    pw.writer.close()
                else:
                    # A broken upload may fail to close; the object is deleted below anyway.
                    with contextlib.suppress(Exception):
                        pw.writer.close()
                pw.writer = None
        if self.remote is not None:
            # Best effort: a store that refused the upload may refuse the delete too, and the
            # error the caller reports is the first one. What stays is an orphan for gc.
            with contextlib.suppress(Exception):
                self.remote.delete(self._written)
        else:
            for rel in self.placed:
                (self.lake / rel).unlink(missing_ok=True)
        self.close()

    def close(self) -> None:
        """Drop the lock and remove the staging folder (after commit or discard)."""
        self._pool.shutdown(wait=True, cancel_futures=True)
        if self._lock is not None:
            self._lock.close()
            self._lock = None
        if self.remote is None:
            shutil.rmtree(self.dir, ignore_errors=True)


def staging_is_live(folder: Path, *, grace_seconds: float = 60.0) -> bool:
    """Whether a load still holds the lock of this staging folder.

    A folder without a lock file is treated as live for ``grace_seconds`` after its creation:
    that covers the instant between ``mkdir`` and taking the lock. A missing folder is dead.
    """
    lock = folder / LOCK_NAME
    if not lock.exists():
        try:
            age = time.time() - folder.stat().st_mtime
        except FileNotFoundError:
            return False
        return age < grace_seconds
    with lock.open("rb") as fh:
        try:
            fcntl.flock(fh.fileno(), fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            return True
        fcntl.flock(fh.fileno(), fcntl.LOCK_UN)
    return False


def iterate_lake_files(lake: Path | LakeRoot) -> Iterator[tuple[str, int | None]]:
    """Every file under the lake's dataset and quarantine folders as (relative path, batch id).

    The batch id is parsed from the ``b<id>-<n>.parquet`` / ``b<id>.parquet`` name, or None
    for a file the store did not name (a leftover temp file, say). Staging is not listed.
    """
    if isinstance(lake, LakeRoot) and not lake.is_local:
        tops = [d for d in lake.list_dirs() if not d.startswith("_")] + [QUARANTINE]
        for rel in (r for top in tops for r in lake.list_files(top)):
            m = _FILE_RE.match(rel.rsplit("/", 1)[-1])
            yield rel, int(m.group(1)) if m else None
        return
    if isinstance(lake, LakeRoot):
        lake = lake.local_dir
    if not lake.exists():
        return
    roots = [d for d in sorted(lake.iterdir()) if d.is_dir() and not d.name.startswith("_")]
    if (lake / QUARANTINE).is_dir():
        roots.append(lake / QUARANTINE)
    for root in roots:
        for path in sorted(root.rglob("*")):
            if path.is_file():
                m = _FILE_RE.match(path.name)
                yield path.relative_to(lake).as_posix(), int(m.group(1)) if m else None


def crash_point(point: str) -> None:
    """TEST-ONLY hook: kill this process at a named point of a load.

    The crash-safety tests set ``CMON_TEST_CRASH_POINT`` to ``files`` (while writing files),
    ``before_commit`` (files renamed into place, manifest not committed) or ``after_commit``
    and check that a fresh store never shows a partial batch. Unset in normal use.
    """
    if os.environ.get("CMON_TEST_CRASH_POINT") == point:
        import signal

        os.kill(os.getpid(), signal.SIGKILL)
