"""Storage: an immutable Parquet lake plus a batch manifest in the metadata database.

Typical use (``table`` is an Arrow table or an iterator of record batches)::

    store = Store(settings)
    info = store.write_batch("official_stats", table, vintage=date(2025, 3, 17),
                             content_hash=sha256_of_file, source="release.xlsx")
    expr = store.read_table(con, "official_stats", as_of=date(2025, 3, 31))

See ``docs/storage.md`` for the layout, vintages and the crash-safety protocol.
"""

from __future__ import annotations

from consumption_monitor.store.db import Base, make_engine, session_factory, upgrade
from consumption_monitor.store.lake import BATCH_ID_COLUMN, VINTAGE_COLUMN, arrow_schema
from consumption_monitor.store.manifest import EVERY_BATCH, PUBLISHED_ONLY, BatchInfo, Viewer
from consumption_monitor.store.store import GcReport, Store, latest_per_key

__all__ = [
    "BATCH_ID_COLUMN",
    "EVERY_BATCH",
    "PUBLISHED_ONLY",
    "VINTAGE_COLUMN",
    "Base",
    "BatchInfo",
    "GcReport",
    "Store",
    "Viewer",
    "arrow_schema",
    "latest_per_key",
    "make_engine",
    "session_factory",
    "upgrade",
]
