"""A full computation: every chosen indicator from the whole lake as of a date.

The steps are those of :mod:`.steps`, in order; the incremental refresh (:mod:`.incremental`)
falls back to this function and builds its own runs from the same steps.
"""

from __future__ import annotations

from datetime import date

import ibis.expr.types as ir
from ibis.backends import BaseBackend

from consumption_monitor import clock
from consumption_monitor.compute.context import context
from consumption_monitor.compute.sanity import card_coverage
from consumption_monitor.compute.source import Source, store_source
from consumption_monitor.compute.steps import (
    ComputeResult,
    batch_record,
    execute,
    fingerprint,
    finish_table,
    indicator_expr,
    load,
    protected_rows,
    report_progress,
    select,
)
from consumption_monitor.config import Settings
from consumption_monitor.engine import connect
from consumption_monitor.indicators import IndicatorCatalog, load_indicators


def full_compute(
    settings: Settings,
    *,
    as_of: date | None = None,
    con: BaseBackend | None = None,
    source: Source | None = None,
    codes: list[str] | None = None,
    catalog: IndicatorCatalog | None = None,
) -> ComputeResult:
    """Compute the suite (or ``codes``) from the lake as of ``as_of`` (default: today)."""
    catalog = catalog or load_indicators()
    vintage = as_of or clock.today()
    con = con or connect(settings)
    source = source or store_source(settings)
    ctx = context(settings)
    # Listed before any read: a batch committed meanwhile is then merely recomputed next time.
    batches = batch_record(source, as_of)
    tables: dict[str, ir.Table] = {}
    skipped: dict[str, str] = {}
    exprs: list[tuple[str, ir.Table]] = []
    chosen = select(catalog, codes)
    for i, ind in enumerate(chosen):
        report_progress("prepare", i, len(chosen))
        missing = [s for s in ind.sources if not load(con, source, s, as_of, tables)]
        if missing:
            skipped[ind.code] = "no data: " + ", ".join(missing)
            continue
        expr = indicator_expr(ind, tables, ctx, con)
        if expr is not None:
            exprs.append((ind.code, expr))
    report_progress("prepare", len(chosen), len(chosen))
    base = protected_rows(execute(con, exprs), ctx)
    cover = card_coverage(tables["card_transactions"]) if "card_transactions" in tables else None
    return ComputeResult(
        table=finish_table(base, catalog, vintage, cover),
        vintage=vintage,
        skipped=skipped,
        as_of=as_of,
        batches=batches,
        fingerprint=fingerprint(ctx, catalog, codes),
    )


__all__ = ["full_compute"]
