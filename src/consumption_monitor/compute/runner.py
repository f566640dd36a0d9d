"""Compute the indicator suite and keep it in the lake as the long indicator table.

``compute(as_of=D)`` reads the lake as known at ``D`` (the vintage), runs one Ibis expression
per indicator on the chosen engine, applies the card privacy rule
(:func:`.card.protect_card_frames`) and the post steps of :mod:`.post` and returns the long
table :data:`COLUMNS`. ``write_result`` stores it as Parquet under
``<lake>/_derived/indicators/vintage=<D>/`` (whole or not at all, on disk or on an object
store: :class:`consumption_monitor.store.fs.LakeRoot`), with the batches it
reflects in the file's metadata, and keeps the newest :data:`KEEP_COMPUTATIONS` files of the
folder; ``read_result`` returns the latest computation of the latest vintage at or before a
date. ``compute(..., incremental=True)`` recomputes only what new batches touched
(:mod:`.incremental`).
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from pathlib import PurePath
from typing import TYPE_CHECKING, Any

import ibis.expr.types as ir
import pandas as pd
import pyarrow as pa
from ibis.backends import BaseBackend

from consumption_monitor.catalog import load_catalog
from consumption_monitor.compute.card import card_cells_table, card_expr, protect_card_frames
from consumption_monitor.compute.enterprise import enterprise_expr, key_enterprise_expr
from consumption_monitor.compute.official import official_expr, official_ratio_expr
from consumption_monitor.compute.post import add_comparisons, contributions, provisional_flags
from consumption_monitor.compute.registry import registry_expr, unit_report_expr
from consumption_monitor.compute.sanity import card_coverage, mark_incomplete
from consumption_monitor.compute.source import Source
from consumption_monitor.config import Settings
from consumption_monitor.errors import ConsumptionMonitorError, EngineError, NotFoundError
from consumption_monitor.indicators import Indicator, IndicatorCatalog, load_indicators

if TYPE_CHECKING:
    from consumption_monitor.compute.incremental import RefreshInfo
    from consumption_monitor.store.fs import LakeRoot

#: Columns of the stored long table.
COLUMNS: tuple[str, ...] = (
    "indicator", "region", "period", "basis", "dim", "dim_value", "value", "yoy_pct",
    "mom_pct", "vs_2019_pct", "yoy_2y_avg_pct", "numerator", "denominator", "note",
    "vintage", "provisional", "computed_at",
)  # fmt: skip
DERIVED_DIR = ("_derived", "indicators")
SPARK_CONCURRENT_JOBS = 4
#: Stored computations kept per vintage folder; ``write_result`` deletes older ones.
KEEP_COMPUTATIONS = 3
#: Name of a stored computation (``computed-<UTC stamp>.parquet``; the stamp sorts by time).
_COMPUTED = re.compile(r"computed-\d{8}T\d{12}\.parquet")
#: Parquet metadata key of the record an incremental refresh starts from.
RECORD_KEY = b"cmon.record"
#: ``callback(stage, done, total)``: stage ``"prepare"`` (building the expressions; the card
#: cells are aggregated while the first card indicator is prepared) or ``"run"`` (executing).
ProgressCallback = Callable[[str, int, int], None]
_PROGRESS: ContextVar[ProgressCallback | None] = ContextVar("cmon_compute_progress", default=None)


@contextmanager
def progress_to(callback: ProgressCallback) -> Iterator[None]:
    """Report the steps of :func:`compute` (full or incremental) made in this block to
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


#: Key of the shared card cell table in the ``tables`` of :func:`indicator_expr`.
CARD_CELLS = "_card_cells"
_SORT = ["indicator", "region", "dim", "dim_value", "basis", "period"]


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


def context(settings: Settings) -> dict[str, Any]:
    """Catalog facts the expressions need: city code, MCC map, upgrade set, districts."""
    cat = load_catalog(settings.city)
    upgrade = cat.upgrade_set(settings.upgrade_categories)
    names = {c: cat.category(c).name_zh for c in upgrade}
    district_names: dict[str, str] = {}
    for d in cat.districts:
        for key in (d.code, d.name_zh, d.name_en):
            district_names[key] = d.code
    return {
        "city": cat.city.code,
        "mcc_map": {m: cc.code for cc in cat.card_categories for m in cc.mcc},
        "upgrade": upgrade,
        "upgrade_note": "升级类 upgrade set: " + "、".join(names[c] for c in upgrade),
        "district_names": district_names,
        "min_merchants": settings.min_cell_merchants,
        "min_cards": settings.min_cell_cards,
    }


def indicator_expr(
    ind: Indicator,
    tables: dict[str, ir.Table],
    ctx: dict[str, Any],
    con: BaseBackend | None = None,
) -> ir.Table | None:
    """The Ibis expression of one indicator (``None`` for post-step indicators).

    Card indicators read the shared card cells (:func:`.card.card_cells_table`), computed on
    ``con`` by the first card indicator and kept in ``tables`` under :data:`CARD_CELLS` for
    the others, so the payments are aggregated once for all of them.
    """
    p = ind.params
    if ind.kind == "official":
        return official_expr(tables["official_stats"], ind.code, p)
    if ind.kind == "official_ratio":
        return official_ratio_expr(tables["official_stats"], ind.code, p)
    if ind.kind in ("enterprise_sum", "enterprise_share"):
        return enterprise_expr(tables["enterprise_monthly"], ind.code, ind.kind, p, ctx)
    if ind.kind in ("card_sum", "card_count", "card_night_share"):
        if CARD_CELLS not in tables:
            if con is None:
                raise EngineError(
                    f"indicator {ind.code} needs the engine to aggregate the card cells",
                    f"指标 {ind.code} 需要计算引擎汇总银行卡单元格",
                    hint_en="pass con= to indicator_expr",
                    hint_zh="请向 indicator_expr 传入 con=",
                )
            tables[CARD_CELLS] = card_cells_table(con, tables["card_transactions"], ctx)
        return card_expr(tables[CARD_CELLS], ind.code, ind.kind, p, ctx)
    if ind.kind == "key_enterprise_sum":
        return key_enterprise_expr(tables["key_enterprise_daily"], ind.code, p, ctx)
    if ind.kind == "registry_count":
        return registry_expr(tables[p["dataset"]], ind.code, p, ctx)
    if ind.kind == "unit_report":
        return unit_report_expr(tables["unit_reports"], ind.code, p, ctx)
    return None


def compute(
    settings: Settings,
    *,
    as_of: date | None = None,
    con: BaseBackend | None = None,
    source: Source | None = None,
    codes: list[str] | None = None,
    catalog: IndicatorCatalog | None = None,
    incremental: bool = False,
) -> ComputeResult:
    """Compute the suite (or ``codes``) from the lake as of ``as_of`` (default: today).

    ``incremental=True`` starts from the latest stored result and recomputes only what the
    batches committed or reverted since then touch, falling back to this full computation
    when it cannot (:func:`.incremental.refresh`; the result's ``refresh`` says which ran).
    """
    from consumption_monitor.compute.incremental import batch_record, fingerprint, refresh
    from consumption_monitor.compute.source import store_source
    from consumption_monitor.engine import connect

    catalog = catalog or load_indicators()
    if incremental:
        return refresh(settings, as_of=as_of, con=con, source=source, codes=codes, catalog=catalog)
    vintage = as_of or date.today()
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
        missing = [s for s in ind.sources if not _load(con, source, s, as_of, tables)]
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


def select(catalog: IndicatorCatalog, codes: list[str] | None) -> list[Indicator]:
    """The indicators to compute: ``codes`` (unknown ones raise), else the whole catalog."""
    return [catalog.get(c) for c in codes] if codes else list(catalog)


def execute(con: BaseBackend, exprs: list[tuple[str, ir.Table]]) -> dict[str, pd.DataFrame]:
    """Run the indicator expressions; engine errors become :class:`EngineError`."""
    from consumption_monitor.engine import engine_of, quiet_engine_warnings

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


def protected_rows(frames: dict[str, pd.DataFrame], ctx: dict[str, Any]) -> pd.DataFrame:
    """The executed frames as one table, after the card privacy rule.

    Card privacy (primary + complementary suppression) runs here, in pandas, on every engine;
    it links the card cells of one period, so ``frames`` must hold whole periods.
    """
    named = protect_card_frames(frames, ctx["city"], ctx["min_merchants"], ctx["min_cards"])
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
    comparisons (with the growth guards), provisional flags."""
    base = mark_incomplete(base, {i.code: i.kind for i in catalog}, card_cover)
    df = contributions(base, catalog)
    df = add_comparisons(df, catalog)
    df["vintage"] = vintage
    df["provisional"] = provisional_flags(df, vintage).to_numpy() if len(df) else []
    df["computed_at"] = datetime.now(UTC).replace(tzinfo=None)
    df = df.sort_values(_SORT, kind="stable").reset_index(drop=True)
    return df[list(COLUMNS)]


def _load(
    con: BaseBackend,
    source: Source,
    dataset: str,
    as_of: date | None,
    tables: dict[str, ir.Table],
) -> bool:
    if dataset in tables:
        return True
    try:
        tables[dataset] = source.read_table(con, dataset, as_of=as_of)
    except NotFoundError:
        return False
    return True


def _empty() -> pd.DataFrame:
    cols = ["indicator", "region", "period", "basis", "dim", "dim_value", "note"]
    df = pd.DataFrame({c: pd.Series(dtype="string") for c in cols})
    for c in ("value", "yoy_pct", "numerator", "denominator"):
        df[c] = pd.Series(dtype="float64")
    return df


def write_result(
    settings: Settings, result: ComputeResult, *, keep: int = KEEP_COMPUTATIONS
) -> PurePath:
    """Store ``result`` under ``_derived/indicators/vintage=<D>/computed-<stamp>.parquet``.

    The file appears whole or not at all (:meth:`.fs.LakeRoot.write_parquet`: a temp name
    renamed into place on disk, one upload on an object store). The batch record of ``result``
    goes into its metadata (key :data:`RECORD_KEY`). Afterwards only the newest ``keep`` (at
    least 1) ``computed-*.parquet`` files of the vintage folder stay; the file just written is
    never deleted. Returns its path (inside the lake's filesystem on an object store).
    """
    from consumption_monitor.store.fs import lake_root

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
    stored = _computations(lake, folder)
    lake.delete([f for f in stored[: -max(keep, 1)] if f != rel])
    return lake.pure(rel)


def _computations(lake: LakeRoot, folder: str) -> list[str]:
    """The ``computed-*.parquet`` files of a vintage folder, oldest first (temp files left out)."""
    return sorted(f for f in lake.list_files(folder) if _COMPUTED.match(f.rsplit("/", 1)[-1]))


def result_path(settings: Settings, as_of: date | None = None) -> PurePath:
    """The file of the latest stored computation of the latest vintage at or before ``as_of``.

    ``as_of`` defaults to today: a vintage computed for a later date (``compute --as-of`` in
    the future) is never what a plain read sees. A :class:`~pathlib.Path` in a local lake; on an
    object store the path inside the lake's filesystem (``lake_root(settings).arrow_filesystem()``
    reads it).
    """
    from consumption_monitor.store.fs import lake_root

    as_of = as_of or date.today()
    lake = lake_root(settings)
    base = "/".join(DERIVED_DIR)
    for name in reversed(lake.list_dirs(base)):
        if not name.startswith("vintage=") or (as_of and name[8:] > as_of.isoformat()):
            continue
        stored = _computations(lake, f"{base}/{name}")
        if stored:
            return lake.pure(stored[-1])
    raise NotFoundError(
        "no computed indicators found" + (f" as of {as_of}" if as_of else ""),
        "尚未计算指标" + (f"（截至 {as_of}）" if as_of else ""),
        hint_en="run `cmon compute` first",
        hint_zh="请先运行 `cmon compute`",
    )


def read_result(settings: Settings, as_of: date | None = None) -> pd.DataFrame:
    """The latest stored computation of the latest vintage at or before ``as_of``."""
    from consumption_monitor.store.fs import lake_root

    path = result_path(settings, as_of)
    return pd.read_parquet(path, filesystem=lake_root(settings).arrow_filesystem())


__all__ = [
    "COLUMNS",
    "ComputeResult",
    "compute",
    "context",
    "indicator_expr",
    "progress_to",
    "read_result",
    "result_path",
    "write_result",
]
