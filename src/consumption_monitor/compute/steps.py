"""The steps every computation is made of, shared by the full run and the incremental refresh.

A computation (:func:`.full.full_compute`, :func:`.incremental.refresh`) is these steps in order:

1. :func:`.context.context` — the run's frozen :class:`~.context.Context`;
2. :func:`select` — the indicators to compute;
3. :func:`load` — each input dataset read once per run from the source (the view every
   indicator of that dataset reads);
4. :func:`indicator_expr` — one Ibis expression per indicator, chosen by its ``kind`` through
   :data:`BUILDERS` (card indicators share the card cells aggregated once per run);
5. :func:`execute` — the expressions run on the engine;
6. :func:`protected_rows` — the card privacy rule on the executed frames;
7. :func:`finish_table` — the post steps (contributions, comparisons, provisional flags).

No step imports the full run or the refresh, so neither depends on the other through here.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass, field
from datetime import UTC, date, datetime

import ibis.expr.types as ir
import pandas as pd
from ibis.backends import BaseBackend

from consumption_monitor.compute.card import card_cells_table, card_expr, protect_card_frames
from consumption_monitor.compute.context import Context
from consumption_monitor.compute.enterprise import enterprise_expr, key_enterprise_expr
from consumption_monitor.compute.official import official_expr, official_ratio_expr
from consumption_monitor.compute.post import (
    add_comparisons,
    card_subsets,
    contributions,
    provisional_flags,
)
from consumption_monitor.compute.registry import registry_expr, unit_report_expr
from consumption_monitor.compute.sanity import mark_incomplete
from consumption_monitor.compute.source import Source
from consumption_monitor.engine import engine_of, quiet_engine_warnings
from consumption_monitor.errors import ConsumptionMonitorError, EngineError, NotFoundError
from consumption_monitor.indicators import Indicator, IndicatorCatalog
from consumption_monitor.store.results import COLUMNS

SPARK_CONCURRENT_JOBS = 4
#: Key of the shared card cell table in the ``tables`` of :func:`indicator_expr`.
CARD_CELLS = "_card_cells"
_SORT = ["indicator", "region", "dim", "dim_value", "basis", "period"]

# -- progress ------------------------------------------------------------------------------------
#: ``callback(stage, done, total)``: stage ``"prepare"`` (building the expressions; the card
#: cells are aggregated while the first card indicator is prepared) or ``"run"`` (executing).
ProgressCallback = Callable[[str, int, int], None]
_PROGRESS: ContextVar[ProgressCallback | None] = ContextVar("cmon_compute_progress", default=None)


@contextmanager
def progress_to(callback: ProgressCallback) -> Iterator[None]:
    """Report the steps of a computation (full or incremental) made in this block to
    ``callback(stage, done, total)``; the CLI draws its progress bar from it."""
    token = _PROGRESS.set(callback)
    try:
        yield
    finally:
        _PROGRESS.reset(token)


def report_progress(stage: str, done: int, total: int) -> None:
    callback = _PROGRESS.get()
    if callback is not None:
        callback(stage, done, total)


# -- the result ----------------------------------------------------------------------------------
@dataclass
class RefreshInfo:
    """How :func:`refresh` ran: ``mode`` incremental or full (with the ``reason``).

    ``changed``: dataset → partitions touched by new or reverted batches; ``indicators`` and
    ``periods``: what was recomputed; ``files_read``/``rows_read``: the lake files (and their
    rows) this run read, ``full_files``/``full_rows``: what a full run reads.
    """

    mode: str
    reason: str = ""
    previous: str | None = None
    changed: dict[str, list[str]] = field(default_factory=dict)
    indicators: list[str] = field(default_factory=list)
    periods: list[str] = field(default_factory=list)
    files_read: int = 0
    rows_read: int = 0
    full_files: int = 0
    full_rows: int = 0


@dataclass
class ComputeResult:
    """The long table plus which indicators had no input data.

    ``batches`` (visible batch ids per dataset when the lake was read; None for a frame source),
    ``as_of`` and ``fingerprint`` (settings, catalog and codes) are stored with the table so the
    next incremental refresh knows what is new; ``refresh`` says how an incremental call ran.
    """

    table: pd.DataFrame
    vintage: date
    skipped: dict[str, str] = field(default_factory=dict)
    as_of: date | None = None
    batches: dict[str, list[int]] | None = None
    fingerprint: str = ""
    refresh: RefreshInfo | None = None


def fingerprint(ctx: Context, catalog: IndicatorCatalog, codes: list[str] | None) -> str:
    """Hash of what besides the lake decides the result: settings context, catalog, codes."""
    payload = json.dumps(
        {
            "ctx": ctx.fingerprint_data(),
            "catalog": [i.model_dump(mode="json") for i in catalog],
            "codes": codes,
        },
        sort_keys=True,
        default=str,
    )
    return hashlib.sha256(payload.encode()).hexdigest()[:16]


def batch_record(source: object, as_of: date | None) -> dict[str, list[int]] | None:
    """Visible batch ids per dataset of the lake store ``source`` (None for other sources)."""
    from consumption_monitor.store import Store  # the store imports the engine layer lazily

    if not isinstance(source, Store):
        return None
    out: dict[str, list[int]] = {d.name: [] for d in source.catalog.datasets}
    for b in source.list_batches():
        if b.status == "committed" and (as_of is None or b.vintage <= as_of):
            out.setdefault(b.dataset, []).append(b.id)
    return out


# -- steps ---------------------------------------------------------------------------------------
def select(catalog: IndicatorCatalog, codes: list[str] | None) -> list[Indicator]:
    """The indicators to compute: ``codes`` (unknown ones raise), else the whole catalog."""
    return [catalog.get(c) for c in codes] if codes else list(catalog)


def load(
    con: BaseBackend,
    source: Source,
    dataset: str,
    as_of: date | None,
    tables: dict[str, ir.Table],
) -> bool:
    """Read ``dataset`` into ``tables`` once per run; False when the source has none."""
    if dataset in tables:
        return True
    try:
        tables[dataset] = source.read_table(con, dataset, as_of=as_of)
    except NotFoundError:
        return False
    return True


#: ``builder(indicator, tables, ctx, con)`` → the indicator's expression.
Builder = Callable[[Indicator, dict[str, ir.Table], Context, BaseBackend | None], ir.Table]


def _card(
    ind: Indicator, tables: dict[str, ir.Table], ctx: Context, con: BaseBackend | None
) -> ir.Table:
    if CARD_CELLS not in tables:
        if con is None:
            raise EngineError(
                f"indicator {ind.code} needs the engine to aggregate the card cells",
                f"指标 {ind.code} 需要计算引擎汇总银行卡单元格",
                hint_en="pass con= to indicator_expr",
                hint_zh="请向 indicator_expr 传入 con=",
            )
        tables[CARD_CELLS] = card_cells_table(con, tables["card_transactions"], ctx)
    return card_expr(tables[CARD_CELLS], ind.code, ind.kind, ind.params, ctx)


#: Expression builder per indicator ``kind`` (see ``indicators.Kind``); kinds without one
#: (``contribution``, ``card_subset``) are post steps of :func:`finish_table`.
BUILDERS: dict[str, Builder] = {
    "official": lambda i, t, c, _: official_expr(t["official_stats"], i.code, i.params),
    "official_ratio": lambda i, t, c, _: official_ratio_expr(t["official_stats"], i.code, i.params),
    "enterprise_sum": lambda i, t, c, _: enterprise_expr(
        t["enterprise_monthly"], i.code, i.kind, i.params, c
    ),
    "enterprise_share": lambda i, t, c, _: enterprise_expr(
        t["enterprise_monthly"], i.code, i.kind, i.params, c
    ),
    "card_sum": _card,
    "card_count": _card,
    "card_night_share": _card,
    "key_enterprise_sum": lambda i, t, c, _: key_enterprise_expr(
        t["key_enterprise_daily"], i.code, i.params, c
    ),
    "registry_count": lambda i, t, c, _: registry_expr(t[i.params["dataset"]], i.code, i.params, c),
    "unit_report": lambda i, t, c, _: unit_report_expr(t["unit_reports"], i.code, i.params, c),
}


def indicator_expr(
    ind: Indicator,
    tables: dict[str, ir.Table],
    ctx: Context,
    con: BaseBackend | None = None,
) -> ir.Table | None:
    """The Ibis expression of one indicator (``None`` for post-step indicators).

    Card indicators read the shared card cells (:func:`.card.card_cells_table`), computed on
    ``con`` by the first card indicator and kept in ``tables`` under :data:`CARD_CELLS` for
    the others, so the payments are aggregated once for all of them.
    """
    builder = BUILDERS.get(ind.kind)
    return None if builder is None else builder(ind, tables, ctx, con)


def execute(con: BaseBackend, exprs: list[tuple[str, ir.Table]]) -> dict[str, pd.DataFrame]:
    """Run the indicator expressions; engine errors become :class:`EngineError`."""

    def run(item: tuple[str, ir.Table]) -> pd.DataFrame:
        code, expr = item
        try:
            out: pd.DataFrame = con.execute(expr)
            return out
        except ConsumptionMonitorError:
            raise
        except Exception as exc:  # engines raise their own error types
            raise EngineError(
                f"computing {code} failed on {con.name}: {exc}",
                f"指标 {code} 在 {con.name} 上计算失败：{exc}",
            ) from exc

    # Spark runs independent jobs side by side (its per-job latency dominates small inputs);
    # one DuckDB connection is used from one thread.
    # Warning filters are process-wide, so they are set once here, not in the worker threads.
    frames: list[pd.DataFrame] = []
    report_progress("run", 0, len(exprs))
    with quiet_engine_warnings():
        if engine_of(con) == "spark":
            with ThreadPoolExecutor(max_workers=SPARK_CONCURRENT_JOBS) as pool:
                for frame in pool.map(run, exprs):  # in order; progress as each one arrives
                    frames.append(frame)
                    report_progress("run", len(frames), len(exprs))
        else:
            for item in exprs:
                frames.append(run(item))
                report_progress("run", len(frames), len(exprs))
    return dict(zip([code for code, _ in exprs], frames, strict=True))


def protected_rows(frames: dict[str, pd.DataFrame], ctx: Context) -> pd.DataFrame:
    """The executed frames as one table, after the card privacy rule.

    Card privacy (primary + complementary suppression) runs here, in pandas, on every engine;
    it links the card cells of one period, so ``frames`` must hold whole periods.
    """
    named = protect_card_frames(frames, ctx.city, ctx.min_merchants, ctx.min_cards)
    kept = [f for f in named.values() if len(f)]
    return pd.concat(kept, ignore_index=True) if kept else _empty()


def finish_table(
    base: pd.DataFrame,
    catalog: IndicatorCatalog,
    vintage: date,
    card_cover: tuple[date, date] | None = None,
) -> pd.DataFrame:
    """The post steps on the expression rows: incomplete card periods blanked
    (:mod:`.sanity`, ``card_cover`` = the card feed's first and last day), contributions,
    card subsets, comparisons (with the growth guards), provisional flags."""
    base = mark_incomplete(base, {i.code: i.kind for i in catalog}, card_cover)
    df = card_subsets(contributions(base, catalog), catalog)
    df = add_comparisons(df, catalog)
    df["vintage"] = vintage
    df["provisional"] = provisional_flags(df, vintage).to_numpy() if len(df) else []
    df["computed_at"] = datetime.now(UTC).replace(tzinfo=None)
    df = df.sort_values(_SORT, kind="stable").reset_index(drop=True)
    return df[list(COLUMNS)]


def _empty() -> pd.DataFrame:
    cols = ["indicator", "region", "period", "basis", "dim", "dim_value", "note"]
    df = pd.DataFrame({c: pd.Series(dtype="string") for c in cols})
    for c in ("value", "yoy_pct", "numerator", "denominator"):
        df[c] = pd.Series(dtype="float64")
    return df


__all__ = [
    "BUILDERS",
    "CARD_CELLS",
    "ComputeResult",
    "ProgressCallback",
    "RefreshInfo",
    "batch_record",
    "execute",
    "fingerprint",
    "finish_table",
    "indicator_expr",
    "load",
    "progress_to",
    "protected_rows",
    "report_progress",
    "select",
]
