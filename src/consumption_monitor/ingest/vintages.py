"""Rules for the vintage (release date) of a batch.

- A vintage is a date on or before today (the platform's clock): a release cannot be dated in
  the future. ``allow_future`` (``cmon ingest --allow-future``; on the web and the API only for
  the office and administrators; audited) records a scheduled release, which no read sees
  before its day (``Store`` reads without an as-of date read today's view).
- A correction must be able to take effect: for a versioned dataset, a load whose rows share a
  natural key with rows of a batch of a **later** vintage would be shadowed for ever (the later
  vintage wins every read), so it is refused, naming that batch. ``allow_shadowed`` records an
  earlier release for the history on purpose (loading old releases out of date order).
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import date
from pathlib import Path
from typing import TYPE_CHECKING

import duckdb

from consumption_monitor import clock
from consumption_monitor.catalog.models import Dataset
from consumption_monitor.errors import DataValidationError

if TYPE_CHECKING:
    from consumption_monitor.store import Store


def check_not_future(vintage: date, *, allow_future: bool) -> None:
    """Refuse a vintage after today unless the caller allows it on purpose."""
    today = clock.today()
    if vintage > today and not allow_future:
        raise DataValidationError(
            f"the vintage {vintage.isoformat()} is after today ({today.isoformat()}): a release "
            "cannot be dated in the future",
            f"版本日期 {vintage.isoformat()} 晚于今天（{today.isoformat()}）："
            "数据发布日期不能在未来",
            hint_en="give the date the figures were released (default: today); the office may "
            "record a scheduled release with --allow-future",
            hint_zh="请填写数据实际发布的日期（默认今天）；如需登记预定发布，可由办公室使用 "
            "--allow-future",
        )


def shadow_check(store: Store, ds: Dataset, vintage: date) -> Callable[[list[Path]], None] | None:
    """A check of the staged files against later vintages, or None when none can shadow them."""
    if not ds.versioned:
        return None
    later = [b for b in store.visible_batches(ds.name) if b.vintage > vintage]
    if not later:
        return None
    later_files = [str(store.lake / f) for b in later for f in b.files]
    if not store.root.is_local:  # pragma: no cover - object stores: checked on local lakes only
        return None

    def check(staged: list[Path]) -> None:
        if not staged or not later_files:
            return
        con = duckdb.connect()
        try:
            new_cols = {
                r[0]
                for r in con.execute(
                    "DESCRIBE SELECT * FROM read_parquet(?, union_by_name=true)",
                    [[str(p) for p in staged]],
                ).fetchall()
            }
            old_cols = {
                r[0]
                for r in con.execute(
                    "DESCRIBE SELECT * FROM read_parquet(?, union_by_name=true)", [later_files]
                ).fetchall()
            }
            key = [k for k in ds.key if k in new_cols and k in old_cols]
            if not key:
                return
            on = " AND ".join(f'n."{k}" IS NOT DISTINCT FROM o."{k}"' for k in key)
            parts = [f"coalesce(CAST(n.\"{k}\" AS VARCHAR), '')" for k in key]
            example_sql = " || ' / ' || ".join(parts)
            sql = (
                "SELECT count(*), max(o._vintage), max(o._batch_id), "
                f"any_value({example_sql}) "
                "FROM read_parquet(?, union_by_name=true) n "
                f"JOIN read_parquet(?, union_by_name=true) o ON {on}"
            )
            row = con.execute(sql, [[str(p) for p in staged], later_files]).fetchone()
        finally:
            con.close()
        if row is None or not row[0]:
            return
        count, newest, batch_id, example = row
        raise DataValidationError(
            f"{count} row(s) of this load would never take effect: batch #{batch_id} of vintage "
            f"{newest} already holds the same {'/'.join(key)} (e.g. {example}) with a later "
            f"vintage than {vintage.isoformat()}",
            f"本次导入有 {count} 行不会生效：批次 #{batch_id}（版本日期 {newest}）已有相同的"
            f" {'/'.join(key)}（如 {example}），且版本日期晚于 {vintage.isoformat()}",
            hint_en=f"a correction needs a vintage on or after {newest}; to record an earlier "
            "release for the history on purpose, pass --allow-shadowed",
            hint_zh=f"更正数据的版本日期应不早于 {newest}；如确需补录更早发布的历史版本，请加 "
            "--allow-shadowed",
        )

    return check
