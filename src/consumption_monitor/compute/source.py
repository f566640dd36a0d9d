"""Where the engine reads the lake from: the Store, or frames handed in by tests and benchmarks.

A source has one method, ``read_table(con, dataset, as_of=None) -> ibis.Table``: the rows of
``dataset`` known at ``as_of`` (``_vintage <= as_of``), keeping for versioned datasets the latest
vintage per natural key, with the extra columns ``_batch_id`` and ``_vintage``. The Store
(``consumption_monitor.store.Store``) is the production source; :class:`FrameSource` serves
the same contract from in-memory frames so indicator tests run without a lake on disk.
"""

from __future__ import annotations

from datetime import date
from typing import Any, Protocol

import ibis
import pandas as pd
from ibis.backends import BaseBackend

from consumption_monitor.catalog import load_catalog
from consumption_monitor.config import Settings
from consumption_monitor.errors import EngineError, NotFoundError


class Source(Protocol):
    """Anything that reads a dataset of the lake as an Ibis table."""

    def read_table(
        self, con: BaseBackend, dataset: str, as_of: date | None = None
    ) -> ibis.Table:  # pragma: no cover - protocol
        """The rows of ``dataset`` known at ``as_of``."""
        ...


def latest_per_key(t: ibis.Table, key: list[str]) -> ibis.Table:
    """Keep, per natural ``key``, the row of the latest ``_vintage`` (then highest batch id)."""
    # A key column no file has yet (official_stats.category, added later) is null in every row.
    w = ibis.window(
        group_by=[t[k] for k in key if k in t.columns],
        order_by=[t._vintage.desc(), t._batch_id.desc()],
    )
    return t.mutate(_rn=ibis.row_number().over(w)).filter(lambda r: r._rn == 0).drop("_rn")


class FrameSource:
    """Datasets held as pandas frames with ``_vintage`` (date) and optional ``_batch_id``.

    Missing ``_batch_id`` is filled with 1. Reading a dataset that was not given raises
    :class:`NotFoundError` (the runner then skips the indicators needing it).
    """

    def __init__(self, frames: dict[str, pd.DataFrame]) -> None:
        self.frames: dict[str, pd.DataFrame] = {}
        for name, df in frames.items():
            out = df.copy()
            if "_batch_id" not in out:
                out["_batch_id"] = 1
            if "_vintage" not in out:
                raise EngineError(
                    f"frame {name!r} has no _vintage column", f"数据 {name!r} 缺少 _vintage 列"
                )
            out["_vintage"] = pd.to_datetime(out["_vintage"]).dt.date
            for col in out.columns:  # all-null object columns have no type: make them strings
                if out[col].dtype == object and out[col].isna().all():
                    out[col] = out[col].astype("string")
            self.frames[name] = out
        self._cache: dict[tuple[int, str, date | None], ibis.Table] = {}

    def read_table(self, con: BaseBackend, dataset: str, as_of: date | None = None) -> ibis.Table:
        """The frame as a memtable on ``con``, cut at ``as_of`` and de-duplicated by key."""
        if dataset not in self.frames:
            raise NotFoundError(f"no data for dataset {dataset!r}", f"数据集 {dataset!r} 无数据")
        df = self.frames[dataset]
        if as_of is not None:
            df = df[df["_vintage"] <= as_of]
        key = (id(con), dataset, as_of)
        if key not in self._cache:
            # Cached once per backend and cut: Spark then scans memory, not the pandas frame.
            from consumption_monitor.engine import register_frame

            name = f"cmon_{dataset}_{len(self._cache)}_{id(self) % 100000}"
            self._cache[key] = register_frame(con, name, df)
        t = self._cache[key]
        ds = load_catalog().dataset(dataset)
        if ds.versioned:  # a later vintage replaces the rows of the same key
            t = latest_per_key(t, ds.key)
        return t


def store_source(settings: Settings) -> Any:
    """The production source: the Parquet lake through ``consumption_monitor.store.Store``."""
    try:
        from consumption_monitor.store import Store
    except ImportError as exc:  # pragma: no cover - the store ships with the package
        raise EngineError(
            "the lake store is not available in this installation",
            "本安装中没有数据湖存储模块",
            hint_en="reinstall consumption-monitor",
            hint_zh="请重新安装 consumption-monitor",
        ) from exc
    return Store(settings)
