"""Incremental refresh: recompute only what the batches loaded (or reverted) since the last
stored result can change, then merge with the untouched rows of that result.

Every stored result records the batch ids per dataset it reflects (:func:`.steps.batch_record`,
kept in the Parquet metadata by :func:`consumption_monitor.store.results.write_result`).
:func:`refresh` compares that record with the manifest: the batches that appeared or
disappeared since name, through their files' partition folders (``period=<P>``), the changed
datasets and partitions. Each indicator reading a changed
dataset is recomputed for a *window* of output periods, from only the partitions that window
needs (:mod:`.windows` gives the rule of each indicator kind).

Card privacy links the card cells of one period, so windows hold whole periods and every card
indicator is recomputed together. The post steps (contributions, same-set YoY, MoM, vs 2019,
two-year average, provisional flags) are cheap pandas over the result table: they run again on
the whole merged table, which makes the comparisons of neighbouring periods (YoY of the next
year, two-year average two years on, MoM of the next month, vs 2019 when 2019 changed) exact
without further windows. Same-set indicators' expressions never give a YoY (post fills it),
so their stored YoY is reset before the merge.

The refresh falls back to a full computation, and says why in ``RefreshInfo.reason``, when
there is no previous result, it has no batch record, its ``as_of``, settings, catalog or codes
differ, a recorded batch is gone from the manifest, or the partitions to read hold more than
:data:`BROAD_FRACTION` of the files a full run reads.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date
from pathlib import Path, PurePath
from typing import Any

import ibis.expr.types as ir
import numpy as np
import pandas as pd
import pyarrow.parquet as pq
from ibis.backends import BaseBackend

from consumption_monitor import clock
from consumption_monitor.compute.context import Context, context
from consumption_monitor.compute.frame import EXPR_COLUMNS
from consumption_monitor.compute.full import full_compute
from consumption_monitor.compute.post import SAME_SET_KINDS
from consumption_monitor.compute.sanity import card_coverage
from consumption_monitor.compute.source import Source
from consumption_monitor.compute.steps import (
    ComputeResult,
    RefreshInfo,
    batch_record,
    execute,
    fingerprint,
    finish_table,
    indicator_expr,
    protected_rows,
    report_progress,
    select,
)
from consumption_monitor.compute.windows import RULES, Window, may_start_early
from consumption_monitor.config import Settings
from consumption_monitor.errors import NotFoundError
from consumption_monitor.indicators import Indicator, IndicatorCatalog, load_indicators
from consumption_monitor.store.results import read_record, result_path

#: Above this share of a full run's files, an incremental refresh is not worth it.
BROAD_FRACTION = 0.5
POST_KINDS = frozenset({"contribution", "card_subset"})


# -- the refresh ---------------------------------------------------------------------------------
@dataclass
class _Plan:
    previous: PurePath
    batches: dict[str, list[int]]
    changed: dict[str, set[str]]
    windows: dict[str, Window | None]  # indicator → window (None: everything)
    inputs: dict[str, set[str] | None]  # dataset → partitions to read (None: all)


def refresh(
    settings: Settings,
    *,
    as_of: date | None = None,
    con: BaseBackend | None = None,
    source: Source | None = None,
    codes: list[str] | None = None,
    catalog: IndicatorCatalog | None = None,
    max_fraction: float = BROAD_FRACTION,
) -> ComputeResult:
    """Bring the latest stored result up to date with the lake (module docstring).

    Returns the same table a full :func:`.full.full_compute` would (``computed_at`` aside), with
    ``result.refresh`` saying whether it ran incrementally or fell back, and why. Nothing is
    written: pass the result to :func:`consumption_monitor.store.results.write_result`.
    """
    from consumption_monitor.engine import connect
    from consumption_monitor.store import Store

    catalog = catalog or load_indicators()
    con = con or connect(settings)
    if source is not None and not isinstance(source, Store):
        reason = "the source is not the lake store"
        return _full(settings, reason, as_of, con, source, codes, catalog)
    store = source if source is not None else Store(settings)
    try:
        ctx = context(settings)
        plan = _plan(settings, store, as_of, ctx, catalog, codes, max_fraction)
        if isinstance(plan, str):
            return _full(settings, plan, as_of, con, store, codes, catalog)
        return _incremental(plan, store, as_of, con, ctx, catalog, codes)
    finally:
        if source is None:
            store.close()


def _full(
    settings: Settings,
    reason: str,
    as_of: date | None,
    con: BaseBackend,
    source: Any,
    codes: list[str] | None,
    catalog: IndicatorCatalog,
) -> ComputeResult:
    result = full_compute(
        settings, as_of=as_of, con=con, source=source, codes=codes, catalog=catalog
    )
    info = RefreshInfo(mode="full", reason=reason)
    info.indicators = sorted(result.table.indicator.unique().tolist())
    info.periods = sorted(result.table.period.dropna().unique().tolist())
    if result.batches is not None:
        datasets = sorted({s for i in select(catalog, codes) for s in i.sources})
        info.full_files, info.full_rows = _footprint(source, datasets, as_of, None)
        info.files_read, info.rows_read = info.full_files, info.full_rows
    result.refresh = info
    return result


def _plan(
    settings: Settings,
    store: Any,
    as_of: date | None,
    ctx: Context,
    catalog: IndicatorCatalog,
    codes: list[str] | None,
    max_fraction: float,
) -> _Plan | str:
    """What to recompute, or the reason to fall back to a full computation."""
    now = batch_record(store, as_of) or {}  # before any read (see full.full_compute)
    try:
        previous = result_path(settings, as_of)
    except NotFoundError:
        return "no previous result"
    record = read_record(previous, store.arrow_filesystem)
    if record is None or not isinstance(record.get("batches"), dict):
        return "the previous result has no batch record"
    wanted_as_of = as_of.isoformat() if as_of else None
    if record.get("as_of") != wanted_as_of:
        return f"the previous result is as of {record.get('as_of')}, not {wanted_as_of}"
    if record.get("fingerprint") != fingerprint(ctx, catalog, codes):
        return "settings, indicator catalog or codes changed since the previous result"
    known = {b.id: b for b in store.list_batches()}
    changed: dict[str, set[str]] = {}
    early: dict[str, set[str]] = {}
    catalogued = {d.name for d in store.catalog.datasets}  # no indicator reads the others
    for ds in sorted((set(now) | set(record["batches"])) & catalogued):
        for bid in set(now.get(ds, [])) ^ set(record["batches"].get(ds, [])):
            if bid not in known:
                return f"batch {bid} of the batch record is no longer in the manifest"
            for rel in known[bid].files:
                label = Path(rel).parent.name.removeprefix("period=")
                changed.setdefault(ds, set()).add(label)
                if may_start_early(store.lake / rel, store.dataset(ds), store.arrow_filesystem):
                    early.setdefault(ds, set()).add(label)
    windows: dict[str, Window | None] = {}
    inputs: dict[str, set[str] | None] = {}
    for ind in select(catalog, codes):
        hit = [s for s in ind.sources if s in changed]
        if ind.kind in POST_KINDS or not hit:
            continue
        win = _window(ind, changed, early, store)
        windows[ind.code] = win
        for s in ind.sources:
            if win is None or inputs.get(s, set()) is None:
                inputs[s] = None
            else:
                inputs[s] = (inputs.get(s) or set()) | win.inputs
    needed = sum(len(store.files(ds, as_of, labels)) for ds, labels in inputs.items())
    datasets = sorted({s for i in select(catalog, codes) for s in i.sources})
    total = sum(len(store.files(ds, as_of)) for ds in datasets)
    if needed and needed > max_fraction * total:
        return f"change too broad: {needed} of {total} lake files to read"
    return _Plan(previous, now, changed, windows, inputs)


def _window(
    ind: Indicator, changed: dict[str, set[str]], early: dict[str, set[str]], store: Any
) -> Window | None:
    """The window of one indicator, or None to recompute it whole from whole datasets."""
    rule = RULES.get(ind.kind)
    if rule is None or len(ind.sources) != 1:
        return None
    ds = store.dataset(ind.sources[0])
    if ds.versioned and ds.period_column not in ds.key:
        return None  # a new version may replace a row stored in another partition
    return rule(changed[ds.name], early.get(ds.name, set()))


def _incremental(
    plan: _Plan,
    store: Any,
    as_of: date | None,
    con: BaseBackend,
    ctx: Context,
    catalog: IndicatorCatalog,
    codes: list[str] | None,
) -> ComputeResult:
    vintage = as_of or clock.today()
    tables = {ds: store.read_table(con, ds, as_of, labels) for ds, labels in plan.inputs.items()}
    exprs: list[tuple[str, ir.Table]] = []
    for i, (code, win) in enumerate(plan.windows.items()):
        report_progress("prepare", i, len(plan.windows))
        expr = indicator_expr(catalog.get(code), tables, ctx, con)
        if expr is not None:
            exprs.append((code, expr if win is None else expr.filter(win.predicate(expr))))
    fresh = protected_rows(execute(con, exprs), ctx)
    previous = pd.read_parquet(plan.previous, filesystem=store.arrow_filesystem)
    base = pd.concat([_untouched(previous, catalog, plan.windows), fresh], ignore_index=True)
    files, rows = _footprint(store, list(plan.inputs), as_of, plan.inputs)
    datasets = sorted({s for i in select(catalog, codes) for s in i.sources})
    full_files, full_rows = _footprint(store, datasets, as_of, None)
    info = RefreshInfo(
        mode="incremental",
        previous=str(plan.previous),
        changed={ds: sorted(labels) for ds, labels in sorted(plan.changed.items())},
        indicators=sorted(plan.windows),
        periods=sorted(fresh.period.dropna().unique().tolist()),
        files_read=files,
        rows_read=rows,
        full_files=full_files,
        full_rows=full_rows,
    )
    # Coverage from the whole card feed, not only the changed files just read.
    cover = (
        card_coverage(store.read_table(con, "card_transactions", as_of, None))
        if "card_transactions" in plan.inputs
        else None
    )
    return ComputeResult(
        table=finish_table(base, catalog, vintage, cover),
        vintage=vintage,
        as_of=as_of,
        batches=plan.batches,
        fingerprint=fingerprint(ctx, catalog, codes),
        refresh=info,
    )


def _untouched(
    previous: pd.DataFrame, catalog: IndicatorCatalog, windows: dict[str, Window | None]
) -> pd.DataFrame:
    """The expression rows of the previous result outside the recomputed windows.

    Post-step rows (contributions) are dropped and same-set YoY reset: the post steps rebuild
    both from the merged rows.
    """
    kinds = {i.code: i.kind for i in catalog}
    kind = previous.indicator.map(kinds)
    drop = kind.isin(POST_KINDS).to_numpy(bool)
    for code, win in windows.items():
        rows = (previous.indicator == code).to_numpy(bool)
        drop = drop | (rows if win is None else rows & win.covers(previous.period))
    base = previous.loc[~drop, list(EXPR_COLUMNS)].reset_index(drop=True)
    base.loc[kind[~drop].isin(SAME_SET_KINDS).to_numpy(bool), "yoy_pct"] = np.nan
    return base


def _footprint(
    store: Any,
    datasets: Iterable[str],
    as_of: date | None,
    inputs: dict[str, set[str] | None] | None,
) -> tuple[int, int]:
    """Files and rows read for ``datasets`` (all partitions, or those of ``inputs``).

    Rows of whole batches come from the manifest; of partition subsets, from Parquet footers.
    """
    files = rows = 0
    for ds in datasets:
        labels = None if inputs is None else inputs.get(ds)
        if labels is None:
            batches = store.visible_batches(ds, as_of)
            files += sum(len(b.files) for b in batches)
            rows += sum(b.rows_loaded for b in batches)
            continue
        paths = store.files(ds, as_of, labels)
        files += len(paths)
        fs = store.arrow_filesystem
        rows += sum(pq.read_metadata(str(p), filesystem=fs).num_rows for p in paths)
    return files, rows


__all__ = [
    "BROAD_FRACTION",
    "RefreshInfo",
    "batch_record",
    "fingerprint",
    "read_record",
    "refresh",
]
