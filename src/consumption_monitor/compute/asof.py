"""The indicator table as it was known at a date, from stored vintages (issue 19).

:func:`read_as_of` returns the stored computation of the latest vintage at or before the date
when that computation saw exactly the batches visible at the date (its stored batch record);
otherwise it computes the table from the lake as of the date and stores it as that date's
vintage, so ``cmon targets --as-of`` and ``cmon indicator show --as-of`` never need a manual
recompute and never answer "no data" for a date the lake has data for.

:func:`vintage_tables` and :func:`revisions` list how an indicator's values changed between
stored vintages (``cmon indicator revisions CODE``).
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from datetime import date

import pandas as pd

from consumption_monitor.config import Settings
from consumption_monitor.errors import ConsumptionMonitorError, NotFoundError
from consumption_monitor.store.results import number, select


def read_as_of(settings: Settings, as_of: date | None = None) -> pd.DataFrame:
    """The indicator table as known at ``as_of``; see the module doc.

    Without ``as_of`` this is a plain read: the latest stored computation of a vintage no later
    than today (never computed here, so pages stay fast).
    """
    from consumption_monitor.compute.api import compute
    from consumption_monitor.compute.steps import batch_record
    from consumption_monitor.store import Store
    from consumption_monitor.store.fs import lake_root
    from consumption_monitor.store.results import (
        read_record,
        read_result,
        result_path,
        write_result,
    )

    if as_of is None:
        return read_result(settings)
    day = as_of
    try:
        path = result_path(settings, day)
    except NotFoundError:
        path = None
    with Store(settings) as store:
        try:
            visible = batch_record(store, day)
        except ConsumptionMonitorError:  # no manifest: only stored results can answer
            visible = None
    if path is not None:
        record = read_record(path, lake_root(settings).arrow_filesystem())
        stored = None if record is None else record.get("batches")
        if visible is None or stored is None or _same(stored, visible):
            return read_result(settings, day)
    if not visible or not any(visible.values()):
        if path is not None:
            return read_result(settings, day)
        raise NotFoundError(
            f"no data known as of {day}", f"截至 {day} 尚无数据",
            hint_en="ingest data first (`cmon ingest`)", hint_zh="请先导入数据（`cmon ingest`）",
        )  # fmt: skip
    result = compute(settings, as_of=day)
    write_result(settings, result)
    return result.table


def _same(a: dict[str, list[int]], b: dict[str, list[int]]) -> bool:
    keys = set(a) | set(b)
    return all(sorted(a.get(k, [])) == sorted(b.get(k, [])) for k in keys)


def vintage_tables(settings: Settings) -> list[tuple[date, pd.DataFrame]]:
    """(vintage, latest stored computation) for every stored vintage, oldest first."""
    from consumption_monitor.store.fs import lake_root
    from consumption_monitor.store.results import DERIVED_DIR, computations

    lake = lake_root(settings)
    base = "/".join(DERIVED_DIR)
    out = []
    for name in lake.list_dirs(base):
        if not name.startswith("vintage="):
            continue
        stored = computations(lake, f"{base}/{name}")
        if stored:
            path = lake.pure(stored[-1])
            frame = pd.read_parquet(path, filesystem=lake.arrow_filesystem())
            out.append((date.fromisoformat(name[8:]), frame))
    return sorted(out, key=lambda item: item[0])


@dataclass(frozen=True, slots=True)
class Revision:
    """One value that changed between two vintages."""

    region: str
    period: str
    basis: str
    old_vintage: date
    old_value: float | None
    new_vintage: date
    new_value: float | None


def revisions(
    settings: Settings, code: str, region: str | None = None, *, dim: str = ""
) -> list[Revision]:
    """Every change of ``code``'s values from one stored vintage to the next (first seen values
    are not revisions; a value that disappears is shown with ``new_value`` None)."""
    previous: tuple[date, dict[tuple[str, str, str], float | None]] | None = None
    out: list[Revision] = []
    for vintage, frame in vintage_tables(settings):
        rows = select(frame, code, region=region, dim=dim)
        values: dict[tuple[str, str, str], float | None] = {
            (str(r["region"]), str(r["period"]), str(r["basis"])): number(r["value"])
            for _, r in rows.iterrows()
        }
        if previous is not None:
            old_vintage, old = previous
            for key in sorted(set(old) | set(values)):
                if key not in old:
                    continue
                a, b = old[key], values.get(key)
                if not _equal(a, b):
                    out.append(Revision(*key, old_vintage, a, vintage, b))
        previous = (vintage, values)
    return out


def _equal(a: float | None, b: float | None) -> bool:
    if a is None or b is None:
        return a is b
    return math.isclose(a, b, rel_tol=1e-9, abs_tol=1e-9)
