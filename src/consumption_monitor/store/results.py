"""The stored long indicator table: where a computation is kept and how it is read back.

``write_result`` stores a computation as Parquet under
``<lake>/_derived/indicators/vintage=<D>/computed-<stamp>.parquet`` (whole or not at all, on
disk or on an object store: :class:`consumption_monitor.store.fs.LakeRoot`), with the batches
it reflects in the file's metadata (:data:`RECORD_KEY`, read by :func:`read_record`), and keeps
the newest :data:`KEEP_COMPUTATIONS` files of the folder. ``result_path``/``read_result`` give
the latest computation of the latest vintage at or before a date (today by default, so a vintage
computed for a future date is never what a plain read sees).

Readers do not filter the table themselves: :func:`select` is the one filter (null breakdowns
count as totals), :func:`series` one stored series, :func:`cached_result` the one cache,
:func:`number`/:func:`clean` the one value cleaner (NaN and ±infinity are missing).
"""

from __future__ import annotations

import json
import math
import re
from collections.abc import Collection
from datetime import UTC, date, datetime
from pathlib import PurePath
from typing import Any, Protocol

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq

from consumption_monitor import clock
from consumption_monitor.config import Settings
from consumption_monitor.errors import Location, NotFoundError, StorageError
from consumption_monitor.store.fs import LakeRoot, lake_root

#: Columns of the stored long table.
COLUMNS: tuple[str, ...] = (
    "indicator", "region", "period", "basis", "dim", "dim_value", "value", "yoy_pct",
    "mom_pct", "vs_2019_pct", "yoy_2y_avg_pct", "numerator", "denominator", "note",
    "vintage", "provisional", "computed_at",
)  # fmt: skip
DERIVED_DIR = ("_derived", "indicators")
#: Stored computations kept per vintage folder; ``write_result`` deletes older ones.
KEEP_COMPUTATIONS = 3
#: Name of a stored computation (``computed-<UTC stamp>.parquet``; the stamp sorts by time).
_COMPUTED = re.compile(r"computed-\d{8}T\d{12}\.parquet")
#: Parquet metadata key of the record an incremental refresh starts from.
RECORD_KEY = b"cmon.record"


class StoredResult(Protocol):
    """What :func:`write_result` stores (``compute.steps.ComputeResult`` is one)."""

    @property
    def table(self) -> pd.DataFrame: ...
    @property
    def vintage(self) -> date: ...
    @property
    def as_of(self) -> date | None: ...
    @property
    def batches(self) -> dict[str, list[int]] | None: ...
    @property
    def fingerprint(self) -> str: ...


def write_result(
    settings: Settings, result: StoredResult, *, keep: int = KEEP_COMPUTATIONS
) -> PurePath:
    """Store ``result`` under ``_derived/indicators/vintage=<D>/computed-<stamp>.parquet``.

    The file appears whole or not at all (:meth:`.fs.LakeRoot.write_parquet`: a temp name
    renamed into place on disk, one upload on an object store). The batch record of ``result``
    goes into its metadata (key :data:`RECORD_KEY`). Afterwards only the newest ``keep`` (at
    least 1) ``computed-*.parquet`` files of the vintage folder stay; the file just written is
    never deleted. Returns its path (inside the lake's filesystem on an object store).
    """
    lake = lake_root(settings)
    stamp = datetime.now(UTC).strftime("%Y%m%dT%H%M%S%f")
    table = result.table.copy()
    table["vintage"] = pd.to_datetime(table["vintage"]).dt.date
    arrow = pa.Table.from_pandas(table, preserve_index=False)
    if result.batches is not None:
        record = {
            "as_of": result.as_of.isoformat() if result.as_of else None,
            "batches": result.batches,
            "fingerprint": result.fingerprint,
        }
        meta = {**(arrow.schema.metadata or {}), RECORD_KEY: json.dumps(record).encode()}
        arrow = arrow.replace_schema_metadata(meta)
    folder = "/".join((*DERIVED_DIR, f"vintage={result.vintage.isoformat()}"))
    rel = f"{folder}/computed-{stamp}.parquet"
    lake.write_parquet(arrow, rel)
    stored = computations(lake, folder)
    lake.delete([f for f in stored[: -max(keep, 1)] if f != rel])
    return lake.pure(rel)


def computations(lake: LakeRoot, folder: str) -> list[str]:
    """The ``computed-*.parquet`` files of a vintage folder, oldest first (temp files left out)."""
    return sorted(f for f in lake.list_files(folder) if _COMPUTED.match(f.rsplit("/", 1)[-1]))


def result_path(settings: Settings, as_of: date | None = None) -> PurePath:
    """The file of the latest stored computation of the latest vintage at or before ``as_of``.

    ``as_of`` defaults to today: a vintage computed for a later date (``compute --as-of`` in
    the future) is never what a plain read sees. A :class:`~pathlib.Path` in a local lake; on an
    object store the path inside the lake's filesystem (``lake_root(settings).arrow_filesystem()``
    reads it).
    """
    as_of = as_of or clock.today()
    lake = lake_root(settings)
    base = "/".join(DERIVED_DIR)
    for name in reversed(lake.list_dirs(base)):
        if not name.startswith("vintage=") or (as_of and name[8:] > as_of.isoformat()):
            continue
        stored = computations(lake, f"{base}/{name}")
        if stored:
            return lake.pure(stored[-1])
    raise NotFoundError(
        "no computed indicators found" + (f" as of {as_of}" if as_of else ""),
        "尚未计算指标" + (f"（截至 {as_of}）" if as_of else ""),
        hint_en="run `cmon compute` first",
        hint_zh="请先运行 `cmon compute`",
    )


def read_result(settings: Settings, as_of: date | None = None) -> pd.DataFrame:
    """The latest stored computation of the latest vintage at or before ``as_of``.

    A corrupt or truncated file is a :class:`~consumption_monitor.errors.StorageError` (503)
    naming it, not a raw Parquet error."""
    path = result_path(settings, as_of)
    try:
        return pd.read_parquet(path, filesystem=lake_root(settings).arrow_filesystem())
    except (pa.ArrowException, OSError) as exc:
        raise StorageError(
            f"the stored indicator table is corrupt or unreadable ({exc})",
            "存储的指标计算结果文件已损坏或无法读取",
            where=Location(file=str(path)),
            hint_en="run `cmon compute` to store a new computation (the lake is unchanged)",
            hint_zh="请运行 `cmon compute` 重新计算（原始数据未受影响）",
        ) from exc


def read_record(path: PurePath, filesystem: Any = None) -> dict[str, Any] | None:
    """The batch record stored with a result file (None when it has none).

    ``filesystem``: the lake's ``pyarrow`` filesystem for a path on an object store.
    """
    meta = pq.read_schema(str(path), filesystem=filesystem).metadata or {}
    raw = meta.get(RECORD_KEY)
    if raw is None:
        return None
    record: dict[str, Any] = json.loads(raw)
    return record


__all__ = [
    "COLUMNS",
    "DERIVED_DIR",
    "KEEP_COMPUTATIONS",
    "RECORD_KEY",
    "StoredResult",
    "computations",
    "read_record",
    "read_result",
    "result_path",
    "write_result",
]


def select(
    table: pd.DataFrame | None,
    indicator: str | Collection[str] | None = None,
    *,
    region: str | Collection[str] | None = None,
    basis: str | None = None,
    dim: str | None = "",
    dim_value: str | None = None,
    period: str | None = None,
    start: str | None = None,
    end: str | None = None,
) -> pd.DataFrame:
    """Rows of the stored long table, the one place it is filtered (original index kept).

    ``indicator`` and ``region`` take one code or several. ``dim=""`` keeps the totals only,
    ``None`` every breakdown, a name (``category``) that breakdown; ``dim_value`` likewise when
    given. A null ``dim`` or ``dim_value`` (a table written before breakdowns, or built by a
    reader) counts as ``""``, a table without a ``dim`` column holds totals only.
    ``start``/``end`` bound the period inclusively, compared as text on the bound's length
    (``2024`` keeps every period of 2024). ``None`` or an empty table gives an empty frame
    with the stored columns.

    >>> t = pd.DataFrame({"indicator": ["a", "a", "b"], "region": ["x", "x", "x"],
    ...     "period": ["2024-01", "2024-02", "2024-01"], "basis": ["month"] * 3,
    ...     "dim": [None, "category", ""], "dim_value": [None, "food", ""], "value": [1, 2, 3]})
    >>> select(t, "a")["value"].tolist(), select(t, "a", dim=None)["value"].tolist()
    ([1], [1, 2])
    >>> select(t, dim="category", dim_value="food")["value"].tolist()
    [2]
    """
    if table is None or table.empty:
        return pd.DataFrame(columns=list(COLUMNS) if table is None else table.columns)
    key = (indicator, region, basis, dim, dim_value)
    if all(isinstance(k, str) for k in key):
        indexed = _series_rows(table, key)  # type: ignore[arg-type]
        if indexed is not None:
            if indexed.empty or (period is None and start is None and end is None):
                return indexed
            return select(indexed, dim=None, period=period, start=start, end=end)
    mask = pd.Series(True, index=table.index)
    if indicator is not None:
        mask &= _matches(table["indicator"], indicator)
    if region is not None:
        mask &= _matches(table["region"], region)
    if basis is not None:
        mask &= table["basis"] == basis
    if dim is not None:
        mask &= _breakdown_is(table, "dim", dim)
    if dim_value is not None:
        mask &= _breakdown_is(table, "dim_value", dim_value)
    if period is not None:
        mask &= table["period"] == period
    if start is not None:
        mask &= table["period"].astype(str).str[: len(start)] >= start
    if end is not None:
        mask &= table["period"].astype(str).str[: len(end)] <= end
    return table[mask]


def _matches(column: pd.Series, wanted: str | Collection[str]) -> pd.Series:
    if isinstance(wanted, str):
        return column == wanted
    return column.isin(list(wanted))


def _breakdown_is(table: pd.DataFrame, column: str, wanted: str) -> pd.Series | bool:
    """Rows whose breakdown ``column`` is ``wanted``, a null counting as ``""`` (a table
    without the column holds totals only)."""
    if column not in table.columns:
        return wanted == ""
    values = table[column]
    same = values == wanted
    return same | values.isna() if wanted == "" else same


def series(
    settings: Settings,
    indicator: str,
    region: str,
    basis: str,
    *,
    dim: str = "",
    dim_value: str = "",
    as_of: date | None = None,
) -> pd.DataFrame:
    """One stored series (indicator, region, basis, breakdown) ordered by period, from the
    latest computation at or before ``as_of`` (:func:`read_result`; raises
    :class:`NotFoundError` when nothing was computed)."""
    rows = select(
        read_result(settings, as_of),
        indicator,
        region=region,
        basis=basis,
        dim=dim,
        dim_value=dim_value,
    )
    return rows.sort_values("period", kind="stable").reset_index(drop=True)


#: Last table read per lake, with the stored file it was read from.
_CACHE: dict[str, tuple[str, pd.DataFrame]] = {}
#: Row positions of every series of a cached table, keyed by the table's ``id`` (the table is
#: kept with them, so the id cannot be reused while the entry lives).
_SERIES_INDEX: dict[int, tuple[pd.DataFrame, dict[tuple[str, ...], np.ndarray]]] = {}
_SERIES_KEY = ("indicator", "region", "basis", "dim", "dim_value")


def _series_rows(table: pd.DataFrame, key: tuple[str, ...]) -> pd.DataFrame | None:
    """The rows of one series (indicator, region, basis, dim, dim_value) of a cached table by
    its index, built on first use (a null breakdown counts as ``""``, as in :func:`select`);
    ``None`` when ``table`` is not a cached one, and :func:`select` filters it."""
    entry = _SERIES_INDEX.get(id(table))
    if entry is None or entry[0] is not table:
        if not any(t is table for _, t in _CACHE.values()) or not set(_SERIES_KEY) <= set(
            table.columns
        ):
            return None
        keys = table[list(_SERIES_KEY)].copy()
        keys["dim"] = keys["dim"].fillna("")
        keys["dim_value"] = keys["dim_value"].fillna("")
        groups = keys.groupby(list(_SERIES_KEY), sort=False, dropna=False).indices
        index: dict[tuple[str, ...], np.ndarray] = {
            tuple(k): np.asarray(v)  # type: ignore[arg-type]
            for k, v in groups.items()
        }
        entry = _SERIES_INDEX[id(table)] = (table, index)
    positions = entry[1].get(key)
    if positions is None:
        return table.iloc[0:0]
    return table.iloc[positions]


def cached_result(settings: Settings) -> pd.DataFrame | None:
    """The latest computed long table (as :func:`read_result` today), or ``None`` when nothing
    was computed yet; the one cache of the table.

    The read is cached until a new computation is stored: every computation gets a new file
    name (a time stamp), so the newest file's name is the cache key. Works on a local lake and
    on an object store (one listing per call there). Callers must not modify the frame.
    """
    try:
        path = str(result_path(settings))
    except NotFoundError:
        return None
    key = settings.lake_url or str(settings.lake_dir)
    hit = _CACHE.get(key)
    if hit is not None and hit[0] == path:
        return hit[1]
    try:
        table = read_result(settings)
    except NotFoundError:
        return None
    if hit is not None:
        _SERIES_INDEX.pop(id(hit[1]), None)
    _CACHE[key] = (path, table)
    return table


def number(value: object) -> float | None:
    """A stored cell as a float: ``None`` for null, NaN, ±infinity and non-numbers.

    The one value cleaner of the table's readers: no page, report or JSON answer can show an
    infinite value (JSON has none), so it counts as missing like NaN.

    >>> number(2), number("3.5"), number(None), number(float("nan")), number(float("-inf"))
    (2.0, 3.5, None, None, None)
    """
    if value is None or value is pd.NA:
        return None
    try:
        out = float(value)  # type: ignore[arg-type]
    except (TypeError, ValueError):
        return None
    return out if math.isfinite(out) else None


def clean(value: object) -> object:
    """A stored cell for a record (JSON, a report's row dict): a missing or non-finite number
    becomes ``None`` (as :func:`number`), anything else is kept.

    >>> clean(float("inf")), clean(pd.NA), clean("food"), clean(1.5)
    (None, None, 'food', 1.5)
    """
    if value is None or value is pd.NA:
        return None
    if isinstance(value, float) and not math.isfinite(value):
        return None
    return value
