"""Compute the indicator suite and keep it in the lake as the long indicator table.

``compute(as_of=D)`` reads the lake as known at ``D`` (the vintage), runs one Ibis expression
per indicator on the chosen engine, applies the card privacy rule
(:func:`.card.protect_card_frames`) and the post steps of :mod:`.post` and returns the long
table :data:`COLUMNS`. ``write_result`` stores it as Parquet under
``<lake>/_derived/indicators/vintage=<D>/`` (temp name, then rename); ``read_result`` returns
the latest computation of the latest vintage at or before a date.
"""

from __future__ import annotations

import uuid
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

import ibis.expr.types as ir
import pandas as pd
from ibis.backends import BaseBackend

from consumption_monitor.catalog import load_catalog
from consumption_monitor.compute.card import card_expr, protect_card_frames
from consumption_monitor.compute.enterprise import enterprise_expr, key_enterprise_expr
from consumption_monitor.compute.official import official_expr, official_ratio_expr
from consumption_monitor.compute.post import add_comparisons, contributions, provisional_flags
from consumption_monitor.compute.registry import registry_expr, unit_report_expr
from consumption_monitor.compute.source import Source
from consumption_monitor.config import Settings
from consumption_monitor.errors import ConsumptionMonitorError, EngineError, NotFoundError
from consumption_monitor.indicators import Indicator, IndicatorCatalog, load_indicators

#: Columns of the stored long table.
COLUMNS: tuple[str, ...] = (
    "indicator", "region", "period", "basis", "dim", "dim_value", "value", "yoy_pct",
    "mom_pct", "vs_2019_pct", "yoy_2y_avg_pct", "numerator", "denominator", "note",
    "vintage", "provisional", "computed_at",
)  # fmt: skip
DERIVED_DIR = ("_derived", "indicators")
SPARK_CONCURRENT_JOBS = 4
_SORT = ["indicator", "region", "dim", "dim_value", "basis", "period"]


@dataclass
class ComputeResult:
    """The long table plus which indicators had no input data."""

    table: pd.DataFrame
    vintage: date
    skipped: dict[str, str] = field(default_factory=dict)


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
    ind: Indicator, tables: dict[str, ir.Table], ctx: dict[str, Any]
) -> ir.Table | None:
    """The Ibis expression of one indicator (``None`` for post-step indicators)."""
    p = ind.params
    if ind.kind == "official":
        return official_expr(tables["official_stats"], ind.code, p)
    if ind.kind == "official_ratio":
        return official_ratio_expr(tables["official_stats"], ind.code, p)
    if ind.kind in ("enterprise_sum", "enterprise_share"):
        return enterprise_expr(tables["enterprise_monthly"], ind.code, ind.kind, p, ctx)
    if ind.kind in ("card_sum", "card_count", "card_night_share"):
        return card_expr(tables["card_transactions"], ind.code, ind.kind, p, ctx)
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
) -> ComputeResult:
    """Compute the suite (or ``codes``) from the lake as of ``as_of`` (default: today)."""
    from consumption_monitor.compute.source import store_source
    from consumption_monitor.engine import connect, engine_of, quiet_engine_warnings

    catalog = catalog or load_indicators()
    vintage = as_of or date.today()
    con = con or connect(settings)
    source = source or store_source(settings)
    ctx = context(settings)
    wanted = [catalog.get(c) for c in codes] if codes else list(catalog)
    tables: dict[str, ir.Table] = {}
    skipped: dict[str, str] = {}
    exprs: list[tuple[str, ir.Table]] = []
    for ind in wanted:
        missing = [s for s in ind.sources if not _load(con, source, s, as_of, tables)]
        if missing:
            skipped[ind.code] = "no data: " + ", ".join(missing)
            continue
        expr = indicator_expr(ind, tables, ctx)
        if expr is not None:
            exprs.append((ind.code, expr))

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
    with quiet_engine_warnings():
        if engine_of(con) == "spark":
            with ThreadPoolExecutor(max_workers=SPARK_CONCURRENT_JOBS) as pool:
                frames = list(pool.map(run, exprs))
        else:
            frames = [run(item) for item in exprs]
    # Card privacy (primary + complementary suppression) runs here, in pandas, on every engine.
    named = protect_card_frames(
        dict(zip([code for code, _ in exprs], frames, strict=True)),
        ctx["city"],
        ctx["min_merchants"],
        ctx["min_cards"],
    )
    frames = [f for f in named.values() if len(f)]
    df = pd.concat(frames, ignore_index=True) if frames else _empty()
    df = contributions(df, catalog)
    df = add_comparisons(df, catalog)
    df["vintage"] = vintage
    df["provisional"] = provisional_flags(df, vintage).to_numpy() if len(df) else []
    df["computed_at"] = datetime.now(UTC).replace(tzinfo=None)
    df = df.sort_values(_SORT, kind="stable").reset_index(drop=True)
    return ComputeResult(table=df[list(COLUMNS)], vintage=vintage, skipped=skipped)


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


def derived_dir(settings: Settings) -> Path:
    """Folder of the stored indicator tables."""
    return settings.lake_dir.joinpath(*DERIVED_DIR)


def write_result(settings: Settings, result: ComputeResult) -> Path:
    """Store ``result`` as Parquet (written to a temp name, then renamed into place)."""
    folder = derived_dir(settings) / f"vintage={result.vintage.isoformat()}"
    folder.mkdir(parents=True, exist_ok=True)
    stamp = datetime.now(UTC).strftime("%Y%m%dT%H%M%S%f")
    final = folder / f"computed-{stamp}.parquet"
    tmp = folder / f".tmp-{uuid.uuid4().hex}.parquet"
    table = result.table.copy()
    table["vintage"] = pd.to_datetime(table["vintage"]).dt.date
    table.to_parquet(tmp, index=False)
    tmp.replace(final)
    return final


def read_result(settings: Settings, as_of: date | None = None) -> pd.DataFrame:
    """The latest stored computation of the latest vintage at or before ``as_of``."""
    root = derived_dir(settings)
    vintages = (
        sorted(
            p for p in root.glob("vintage=*") if as_of is None or p.name[8:] <= as_of.isoformat()
        )
        if root.exists()
        else []
    )
    for folder in reversed(vintages):
        files = sorted(folder.glob("computed-*.parquet"))
        if files:
            return pd.read_parquet(files[-1])
    raise NotFoundError(
        "no computed indicators found" + (f" as of {as_of}" if as_of else ""),
        "尚未计算指标" + (f"（截至 {as_of}）" if as_of else ""),
        hint_en="run `cmon compute` first",
        hint_zh="请先运行 `cmon compute`",
    )


__all__ = [
    "COLUMNS",
    "ComputeResult",
    "compute",
    "context",
    "derived_dir",
    "indicator_expr",
    "read_result",
    "write_result",
]
