"""The computed indicator long table as the pages see it: headline cards, explorer selections,
district values for the map, 商圈 tables and exports.

Everything here reads :func:`consumption_monitor.store.results.read_result` (cached per stored
file) and only selects and formats rows; no figure is recomputed. When nothing has been computed
yet every function returns an empty result and the pages say "暂无数据 / no data yet".

Card-side cells (``card_*`` and ``night_spending_share``) below the privacy thresholds are
already stored with a null value and the note ``suppressed`` by the computation; exports keep
them blank and say so in the ``note`` column.
"""

from __future__ import annotations

import io
import math
from collections.abc import Sequence
from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from consumption_monitor.catalog import load_catalog
from consumption_monitor.cellsafe import XLSX_OPTIONS, csv_frame
from consumption_monitor.compute.sanity import SANITY_NOTES
from consumption_monitor.config import Settings
from consumption_monitor.errors import DataValidationError, NotFoundError
from consumption_monitor.indicators import load_indicators
from consumption_monitor.indicators.format import UNIT_LABELS_ZH, format_value
from consumption_monitor.store.results import read_result, result_path

#: The 总览 cards: indicator and basis (the latest period of each is shown).
HEADLINE: tuple[tuple[str, str], ...] = (
    ("retail_sales", "ytd"),
    ("retail_sales_above_size", "ytd"),
    ("online_retail_share", "ytd"),
    ("upgrade_goods_share", "ytd"),
    ("card_spending", "month"),
    ("night_spending_share", "month"),
)
#: The plan's programmes on the overview (#22): (indicator, basis, dim, dim_value); the
#: overseas-card row is 入境消费 by card.
PROGRAMMES: tuple[tuple[str, str, str, str], ...] = (
    ("trade_in_subsidy", "ytd", "", ""),
    ("trade_in_units", "ytd", "", ""),
    ("trade_in_sales", "ytd", "", ""),
    ("tax_refund_sales", "ytd", "", ""),
    ("duty_free_sales", "ytd", "", ""),
    ("card_spending", "month", "origin", "overseas"),
    ("service_consumption_est", "month", "", ""),
    ("service_consumption_share", "month", "", ""),
)
#: Months of history drawn in a card's sparkline.
SPARK_POINTS = 12
BASES = ("month", "ytd", "quarter", "year")
COMPARISONS = ("none", "last_year", "vs_2019")
#: Columns of an export, in order.
EXPORT_COLUMNS = (
    "indicator",
    "region",
    "period",
    "basis",
    "dim",
    "dim_value",
    "value",
    "yoy_pct",
    "mom_pct",
    "vs_2019_pct",
    "note",
    "provisional",
    "vintage",
)


#: Last table read per lake, with the stored file it was read from.
_CACHE: dict[str, tuple[str, pd.DataFrame]] = {}
#: Row positions of every series of a cached table, keyed by the table's ``id`` (the table is
#: kept with them, so the id cannot be reused while the entry lives).
_SERIES_INDEX: dict[int, tuple[pd.DataFrame, dict[tuple[str, ...], np.ndarray]]] = {}
_SERIES_KEY = ("indicator", "region", "basis", "dim", "dim_value")


def result_key(settings: Settings) -> str:
    """Name of the newest stored computation ("" when none): part of every memo key, so a
    new ``cmon compute`` is seen at once."""
    try:
        return str(result_path(settings))
    except NotFoundError:
        return ""


def indicator_table(settings: Settings) -> pd.DataFrame | None:
    """The latest computed long table, or ``None`` when nothing was computed yet.

    The read is cached until a new computation is stored: every computation gets a new file
    name (a time stamp), so the newest file's name is the cache key. Works on a local lake and
    on an object store (one listing per call there).
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


def _series_rows(table: pd.DataFrame, key: tuple[str, ...]) -> pd.DataFrame | None:
    """The rows of one series of a cached table, by its index (built on first use), or
    ``None`` when ``table`` is not a cached one (the caller then filters it)."""
    entry = _SERIES_INDEX.get(id(table))
    if entry is None or entry[0] is not table:
        if not any(t is table for _, t in _CACHE.values()):
            return None
        groups = table.groupby(list(_SERIES_KEY), sort=False, dropna=False).indices
        index: dict[tuple[str, ...], np.ndarray] = {
            tuple(k): np.asarray(v)  # type: ignore[arg-type]
            for k, v in groups.items()
        }
        entry = _SERIES_INDEX[id(table)] = (table, index)
    positions = entry[1].get(key)
    if positions is None:
        return table.iloc[0:0]
    return table.iloc[positions]


def fmt_pct(value: float | None, signed: bool = True) -> str | None:
    """``+3.1%``; ``None`` for a missing value.

    >>> fmt_pct(3.14159), fmt_pct(-0.04), fmt_pct(float("nan"))
    ('+3.1%', '-0.0%', None)
    """
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return None
    return f"{value:+.1f}%" if signed else f"{value:.1f}%"


def _num(value: object) -> float | None:
    if value is None:
        return None
    try:
        out = float(value)  # type: ignore[arg-type]
    except (TypeError, ValueError):
        return None
    return None if math.isnan(out) else out


@dataclass(frozen=True)
class Series:
    """One selected series: periods and the columns the charts need (NaN → None)."""

    indicator: str
    region: str
    basis: str
    dim: str
    dim_value: str
    periods: list[str]
    values: list[float | None]
    yoy: list[float | None]
    mom: list[float | None]
    vs_2019: list[float | None]
    notes: list[str] = field(default_factory=list)


def select(
    table: pd.DataFrame | None,
    indicator: str,
    region: str,
    basis: str,
    *,
    dim: str = "",
    dim_value: str = "",
    start: str | None = None,
    end: str | None = None,
) -> pd.DataFrame:
    """Rows of one series, ordered by period; ``start``/``end`` bound the period (inclusive,
    compared as text, so ``2024-01`` ≤ ``2024-12`` ≤ ``2025``)."""
    if table is None or table.empty:
        return pd.DataFrame(columns=list(EXPORT_COLUMNS))
    rows = _series_rows(table, (indicator, region, basis, dim, dim_value))
    if rows is None:
        mask = (
            (table["indicator"] == indicator)
            & (table["region"] == region)
            & (table["basis"] == basis)
            & (table["dim"] == dim)
            & (table["dim_value"] == dim_value)
        )
        rows = table[mask]
    if start:
        rows = rows[rows["period"] >= start]
    if end:
        rows = rows[rows["period"] <= end]
    return rows.sort_values("period", kind="stable").reset_index(drop=True)


def as_series(rows: pd.DataFrame, indicator: str, region: str, basis: str) -> Series:
    """The chart-ready form of :func:`select`'s rows."""

    def col(name: str) -> list[float | None]:
        return [_num(v) for v in rows[name]] if name in rows else []

    return Series(
        indicator=indicator,
        region=region,
        basis=basis,
        dim=str(rows["dim"].iloc[0]) if len(rows) else "",
        dim_value=str(rows["dim_value"].iloc[0]) if len(rows) else "",
        periods=[str(p) for p in rows["period"]],
        values=col("value"),
        yoy=col("yoy_pct"),
        mom=col("mom_pct"),
        vs_2019=col("vs_2019_pct"),
        notes=[str(n) for n in rows["note"]] if "note" in rows else [],
    )


def last_year_overlay(series: Series) -> list[float | None]:
    """Value of the same period one year earlier, aligned with ``series.periods``
    (``2025-03`` → ``2024-03``; ``2025`` → ``2024``; ``2025-Q1`` → ``2024-Q1``)."""
    by_period = dict(zip(series.periods, series.values, strict=True))
    return [by_period.get(_year_before(p)) for p in series.periods]


def _year_before(period: str) -> str:
    """``2025-03`` → ``2024-03``.

    >>> _year_before("2025-03"), _year_before("2025"), _year_before("2025-Q1")
    ('2024-03', '2024', '2024-Q1')
    """
    year, _, rest = period.partition("-")
    if not year.isdigit():
        return period
    return f"{int(year) - 1}" + (f"-{rest}" if rest else "")


def indicator_choices(settings: Settings, lang: str) -> list[tuple[str, str]]:
    """(code, label) of every catalogued indicator, catalogue order."""
    del settings
    return [(i.code, i.name_zh if lang == "zh" else i.name_en) for i in load_indicators()]


def region_choices(settings: Settings, lang: str) -> list[tuple[str, str]]:
    """(code, name) of the city and its districts."""
    cat = load_catalog(settings.city)
    city = (cat.city.code, cat.city.name_zh if lang == "zh" else cat.city.name_en)
    return [city] + [(d.code, d.name_zh if lang == "zh" else d.name_en) for d in cat.districts]


def unit_of(indicator: str) -> str:
    """The stored unit of an indicator (``count`` when it is not catalogued)."""
    catalog = load_indicators()
    return str(catalog.get(indicator).unit) if indicator in catalog.codes else "count"


_UNIT_EN = {
    "yuan": "yuan",
    "wan_yuan": "10k yuan",
    "yi_yuan": "100m yuan",
    "percent": "%",
    "pp": "pp",
    "wan_persons": "10k person-times",
    "person_times": "person-times",
}


def unit_label(unit: str, lang: str) -> str:
    """Axis label of a stored unit: ``亿元`` / ``100m yuan``.

    >>> unit_label("yi_yuan", "zh"), unit_label("yi_yuan", "en"), unit_label("count", "en")
    ('亿元', '100m yuan', 'count')
    """
    if lang == "zh":
        return UNIT_LABELS_ZH.get(unit, unit)
    return _UNIT_EN.get(unit, unit)


def label_of(indicator: str, lang: str) -> str:
    """The indicator's name in ``lang`` (the code when it is not catalogued)."""
    catalog = load_indicators()
    if indicator not in catalog.codes:
        return indicator
    ind = catalog.get(indicator)
    return ind.name_zh if lang == "zh" else ind.name_en


@dataclass(frozen=True)
class CardData:
    """A headline figure before it is put on a card."""

    indicator: str
    basis: str
    period: str
    value: str
    yoy: str | None
    mom: str | None
    provisional: bool
    spark_periods: list[str]
    spark_values: list[float | None]
    #: Why the YoY is withheld (a :mod:`compute.sanity` note), else "".
    yoy_note: str = ""


def headline_data(settings: Settings) -> list[CardData]:
    """The latest city-level figure of each :data:`HEADLINE` indicator that has one."""
    table = indicator_table(settings)
    if table is None:
        return []
    city = load_catalog(settings.city).city.code
    out = []
    for code, basis in HEADLINE:
        rows = select(table, code, city, basis)
        rows = rows[rows["value"].notna() | rows["yoy_pct"].notna()]
        if rows.empty:
            continue
        last = rows.iloc[-1]
        spark = rows.tail(SPARK_POINTS)
        out.append(
            CardData(
                indicator=code,
                basis=basis,
                period=str(last["period"]),
                value=format_value(_num(last["value"]), unit_of(code), settings.money_unit) or "—",
                yoy=fmt_pct(_num(last["yoy_pct"])),
                mom=fmt_pct(_num(last["mom_pct"])),
                provisional=bool(last.get("provisional", False)),
                spark_periods=[str(p) for p in spark["period"]],
                spark_values=[_num(v) for v in spark["value"]],
                yoy_note=str(last["note"]) if last["note"] in SANITY_NOTES else "",
            )
        )
    return out


def programme_data(settings: Settings) -> list[tuple[CardData, str]]:
    """The latest city figure of each :data:`PROGRAMMES` series with its breakdown value
    (``""`` or e.g. ``overseas``); a withheld last period (growth sanity) is skipped, so the
    card shows the latest complete one."""
    table = indicator_table(settings)
    if table is None:
        return []
    city = load_catalog(settings.city).city.code
    out = []
    for code, basis, dim, dim_value in PROGRAMMES:
        rows = select(table, code, city, basis, dim=dim, dim_value=dim_value)
        rows = rows[rows["value"].notna() | rows["yoy_pct"].notna()]
        if rows.empty:
            continue
        last, spark = rows.iloc[-1], rows.tail(SPARK_POINTS)
        card = CardData(
            indicator=code,
            basis=basis,
            period=str(last["period"]),
            value=format_value(_num(last["value"]), unit_of(code), settings.money_unit) or "—",
            yoy=fmt_pct(_num(last["yoy_pct"])),
            mom=fmt_pct(_num(last["mom_pct"])),
            provisional=bool(last.get("provisional", False)),
            spark_periods=[str(p) for p in spark["period"]],
            spark_values=[_num(v) for v in spark["value"]],
            yoy_note=str(last["note"]) if last["note"] in SANITY_NOTES else "",
        )
        out.append((card, dim_value))
    return out


def district_values(
    settings: Settings, indicator: str, basis: str, period: str | None = None
) -> tuple[str | None, dict[str, float | None]]:
    """The latest (or given) period and each district's value of ``indicator`` on ``basis``
    (districts without a row are absent; suppressed cells are ``None``)."""
    table = indicator_table(settings)
    if table is None:
        return None, {}
    codes = {d.code for d in load_catalog(settings.city).districts}
    mask = (
        (table["indicator"] == indicator)
        & (table["basis"] == basis)
        & (table["dim"] == "")
        & table["region"].isin(codes)
    )
    rows = table[mask]
    if rows.empty:
        return None, {}
    chosen = period if period in set(rows["period"]) else str(rows["period"].max())
    rows = rows[rows["period"] == chosen]
    return chosen, {str(r): _num(v) for r, v in zip(rows["region"], rows["value"], strict=True)}


def breakdown(
    settings: Settings, indicator: str, dim: str, *, basis: str = "month", region: str | None = None
) -> tuple[str | None, pd.DataFrame]:
    """Latest period and the rows of ``indicator`` broken down by ``dim`` (e.g.
    ``business_district``) for ``region`` (default: the city)."""
    table = indicator_table(settings)
    empty = pd.DataFrame(columns=list(EXPORT_COLUMNS))
    if table is None:
        return None, empty
    region = region or load_catalog(settings.city).city.code
    mask = (
        (table["indicator"] == indicator)
        & (table["basis"] == basis)
        & (table["dim"] == dim)
        & (table["region"] == region)
    )
    rows = table[mask]
    if rows.empty:
        return None, empty
    latest = str(rows["period"].max())
    return latest, rows[rows["period"] == latest].reset_index(drop=True)


def export_bytes(rows: pd.DataFrame, fmt: str) -> tuple[bytes, str]:
    """The rows as CSV (UTF-8 with BOM, for Excel) or XLSX; (content, media type).

    Suppressed cells stay blank and keep ``note = suppressed``. Text stays text: no cell of
    either format can start a formula (:mod:`consumption_monitor.cellsafe`).
    """
    frame = rows.reindex(columns=list(EXPORT_COLUMNS))
    if fmt == "csv":
        # CRLF rows (RFC 4180): a cell holding a bare CR is then quoted, not split.
        text = csv_frame(frame).to_csv(index=False, lineterminator="\r\n")
        return text.encode("utf-8-sig"), "text/csv; charset=utf-8"
    if fmt == "xlsx":
        buf = io.BytesIO()
        with pd.ExcelWriter(
            buf, engine="xlsxwriter", engine_kwargs={"options": XLSX_OPTIONS}
        ) as writer:
            frame.to_excel(writer, index=False, sheet_name="indicators")
        return (
            buf.getvalue(),
            "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
        )
    raise DataValidationError(
        f"export format must be csv or xlsx, not {fmt!r}", "导出格式只能是 csv 或 xlsx"
    )


def records(rows: pd.DataFrame, columns: Sequence[str] = EXPORT_COLUMNS) -> list[dict[str, object]]:
    """JSON-ready rows (NaN → None, dates as ISO text)."""
    frame = rows.reindex(columns=list(columns))
    out: list[dict[str, object]] = []
    for row in frame.to_dict("records"):
        clean: dict[str, object] = {}
        for key, value in row.items():
            if isinstance(value, np.ndarray | list | tuple):
                clean[str(key)] = [v.item() if hasattr(v, "item") else v for v in value]
            elif isinstance(value, float) and math.isnan(value):
                clean[str(key)] = None
            elif hasattr(value, "isoformat"):
                clean[str(key)] = value.isoformat()
            elif value is pd.NA or value is None:
                clean[str(key)] = None
            elif hasattr(value, "item"):
                clean[str(key)] = value.item()
            else:
                clean[str(key)] = value
        out.append(clean)
    return out
