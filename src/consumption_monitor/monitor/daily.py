"""The daily layer (日监测): consumer-side card spending and enterprise-side key-enterprise sales
by day, published at T+1, as Ibis expressions over the lake.

Business day and the night economy (practice; configurable with :class:`NightWindow`, default
18:00–02:00): when the night window runs past midnight, a payment before the window's end
(e.g. 01:30) belongs to the PREVIOUS evening, so the business day of a payment is the calendar
date of ``txn_ts - end``. Daily totals use the same business day, which keeps night spending a
part of its day's spending (night share never exceeds 100%). ``txn_ts`` is naive Asia/Shanghai
wall-clock time. A window that does not cross midnight (e.g. 17:00–23:00) leaves business days
equal to calendar dates.

Breakdowns: city, district, 商圈 (``business_district``), card category (MCC → catalog card
categories; unknown MCCs fall in ``other``), card origin (local / other_province / overseas:
non-local and inbound spending), channel (online / offline); key enterprises by district, 商圈
and retail format, with foot traffic. Every card-derived cell passes the privacy rules of
:mod:`consumption_monitor.monitor.privacy` before it is returned; key-enterprise cells need at
least ``min_cell_merchants`` reporting units.

Output is one long table (:data:`DAILY_COLUMNS`): ``date, side, indicator, region, dim,
dim_value, value, yoy_pct, merchants, cards, units, suppressed``. ``yoy_pct`` compares with the
same weekday 52 weeks earlier (364 days; practice for daily data), null when that day is absent.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import Any

import ibis
import ibis.expr.types as ir
import pandas as pd

from consumption_monitor import clock
from consumption_monitor.catalog import Catalog, load_catalog
from consumption_monitor.config import Settings, get_settings
from consumption_monitor.errors import ConfigError
from consumption_monitor.monitor.privacy import (
    COMPLEMENTARY,
    PRIMARY,
    hide_counts,
    protect_card_day,
    protect_ke_day,
)

__all__ = [
    "BELOW_THRESHOLD",
    "CARD_BREAKDOWNS",
    "DAILY_COLUMNS",
    "KE_BREAKDOWNS",
    "PROTECTED",
    "DailyReport",
    "NightWindow",
    "card_daily_expr",
    "card_rows",
    "daily_frames",
    "daily_report",
    "ke_daily_expr",
    "publish_day",
]

DAILY_COLUMNS: tuple[str, ...] = (
    "date", "side", "indicator", "region", "dim", "dim_value", "value", "yoy_pct",
    "merchants", "cards", "units", "suppressed",
)  # fmt: skip

#: (region level, dimension) pairs computed from card payments.
CARD_BREAKDOWNS: tuple[tuple[str, str], ...] = (
    ("city", ""), ("district", ""), ("city", "business_district"), ("city", "category"),
    ("city", "card_origin"), ("city", "channel"), ("district", "category"),
    ("district", "card_origin"), ("district", "channel"),
)  # fmt: skip
#: (region level, dimension) pairs computed from key-enterprise reports.
KE_BREAKDOWNS: tuple[tuple[str, str], ...] = (
    ("city", ""), ("district", ""), ("city", "business_district"), ("city", "format"),
)  # fmt: skip
_NONE = "none"  # dim value of payments outside any 商圈
#: What the JSON shows instead of the counts of a suppressed cell.
BELOW_THRESHOLD, PROTECTED = "below_threshold", "protected"


@dataclass(frozen=True)
class NightWindow:
    """The night-economy window ``start``–``end`` as ``HH:MM`` (end exclusive).

    >>> w = NightWindow()
    >>> w.wraps, w.contains(dt.time(1, 30)), w.contains(dt.time(17, 59))
    (True, True, False)
    >>> w.business_day(dt.datetime(2025, 1, 29, 1, 30))
    datetime.date(2025, 1, 28)
    """

    start: str = "18:00"
    end: str = "02:00"

    def __post_init__(self) -> None:
        for text in (self.start, self.end):
            try:
                dt.time.fromisoformat(text)
            except ValueError as exc:
                raise ConfigError(
                    f"night window time {text!r} is not HH:MM",
                    f"夜间消费时段 {text!r} 不是 时:分 格式",
                    hint_en="e.g. --night 18:00-02:00",
                    hint_zh="例如 18:00-02:00",
                ) from exc
        if self.start_minute == self.end_minute:
            raise ConfigError("the night window is empty", "夜间消费时段长度为零")

    @classmethod
    def parse(cls, text: str) -> NightWindow:
        """``"18:00-02:00"`` → ``NightWindow("18:00", "02:00")``."""
        start, _, end = text.partition("-")
        return cls(start.strip(), end.strip())

    @property
    def start_minute(self) -> int:
        t = dt.time.fromisoformat(self.start)
        return t.hour * 60 + t.minute

    @property
    def end_minute(self) -> int:
        t = dt.time.fromisoformat(self.end)
        return t.hour * 60 + t.minute

    @property
    def wraps(self) -> bool:
        """True when the window runs past midnight."""
        return self.end_minute < self.start_minute

    @property
    def cutoff_minutes(self) -> int:
        """Minutes after midnight at which a business day starts (0 unless the window wraps)."""
        return self.end_minute if self.wraps else 0

    def contains(self, t: dt.time) -> bool:
        """Whether a wall-clock time falls in the window (plain-Python reference)."""
        m = t.hour * 60 + t.minute
        if self.wraps:
            return m >= self.start_minute or m < self.end_minute
        return self.start_minute <= m < self.end_minute

    def business_day(self, ts: dt.datetime) -> dt.date:
        """The business day of a payment (plain-Python reference of the Ibis expression)."""
        return (ts - dt.timedelta(minutes=self.cutoff_minutes)).date()

    def label(self) -> str:
        return f"{self.start}-{self.end}"


def card_rows(card: ir.Table, window: NightWindow, catalog: Catalog | None = None) -> ir.Table:
    """Payments with business ``date``, ``night`` flag, card ``category``, ``business_district``."""
    cat = catalog or load_catalog()
    mcc_map = {m: cc.code for cc in cat.card_categories for m in cc.mcc}
    ts = card.txn_ts.cast("timestamp")
    minute = ts.hour() * 60 + ts.minute()
    if window.wraps:
        night = (minute >= window.start_minute) | (minute < window.end_minute)
    else:
        night = (minute >= window.start_minute) & (minute < window.end_minute)
    shifted = ts - ibis.interval(minutes=window.cutoff_minutes) if window.cutoff_minutes else ts
    mcc = card.mcc.cast("string").lpad(4, "0")
    return card.mutate(
        date=shifted.date(),
        night=night,
        category=mcc.substitute(mcc_map, else_=ibis.literal("other")),
        business_district=card.business_district_id.cast("string").fill_null(_NONE),
        amount=card.amount.cast("float64"),
    )


def _region(t: ir.Table, level: str, city_code: str) -> ir.StringValue:
    return ibis.literal(city_code) if level == "city" else t.district_code.cast("string")


def card_daily_expr(
    card: ir.Table,
    *,
    start: dt.date,
    end: dt.date,
    window: NightWindow | None = None,
    breakdowns: tuple[tuple[str, str], ...] = CARD_BREAKDOWNS,
    catalog: Catalog | None = None,
    cache: bool = False,
) -> ir.Table:
    """Card cells by business day in ``[start, end]`` for every breakdown, one row per cell.

    ``cache=True`` materialises the filtered payments once on the table's backend (a temp
    table; one scan of the lake instead of one per breakdown). Leave it off for expressions
    that are compiled, not executed.

    Columns: ``date, region, dim, dim_value, spending, txns, merchants, cards,
    night_spending, night_merchants, night_cards``. Payments are pre-filtered on ``txn_ts``
    with a margin of one day so the filter can use file statistics.
    """
    cat = catalog or load_catalog()
    win = window or NightWindow()
    lo = dt.datetime.combine(start, dt.time()) + dt.timedelta(minutes=win.cutoff_minutes)
    hi = dt.datetime.combine(end + dt.timedelta(days=1), dt.time()) + dt.timedelta(
        minutes=win.cutoff_minutes
    )
    ts = card.txn_ts.cast("timestamp")
    rows = card_rows(card.filter((ts >= lo) & (ts < hi)), win, cat)
    if cache:
        # one scan of the lake, then every breakdown reads the (small) temp table
        rows = rows.select(
            "date", "night", "category", "business_district", "amount", "district_code",
            "card_origin", "channel", "merchant_id", "card_hash",
        ).cache()  # fmt: skip
    parts = []
    for level, dim in breakdowns:
        keys = {
            "date": rows.date,
            "region": _region(rows, level, cat.city.code),
            "dim": ibis.literal(dim),
            "dim_value": rows[dim].cast("string") if dim else ibis.literal(""),
        }
        parts.append(
            rows.group_by(keys).aggregate(
                spending=rows.amount.sum(),
                txns=rows.count(),
                merchants=rows.merchant_id.nunique(),
                cards=rows.card_hash.nunique(),
                night_spending=rows.amount.sum(where=rows.night).fill_null(0.0),
                night_merchants=rows.merchant_id.nunique(where=rows.night),
                night_cards=rows.card_hash.nunique(where=rows.night),
            )
        )
    return ibis.union(*parts)


def ke_daily_expr(
    ke: ir.Table,
    *,
    start: dt.date,
    end: dt.date,
    breakdowns: tuple[tuple[str, str], ...] = KE_BREAKDOWNS,
    catalog: Catalog | None = None,
) -> ir.Table:
    """Key-enterprise cells by day: ``date, region, dim, dim_value, sales, foot_traffic, units``.

    ``foot_traffic`` sums the units that report it (null when none does); ``units`` counts the
    enterprises with a row that day.
    """
    cat = catalog or load_catalog()
    day = ke.date.cast("date")
    t = ke.filter((day >= start) & (day <= end)).mutate(
        date=day,
        business_district=ke.business_district_id.cast("string").fill_null(_NONE),
        format=ke.format.cast("string"),
    )
    parts = []
    for level, dim in breakdowns:
        keys = {
            "date": t.date,
            "region": _region(t, level, cat.city.code),
            "dim": ibis.literal(dim),
            "dim_value": t[dim].cast("string") if dim else ibis.literal(""),
        }
        parts.append(
            t.group_by(keys).aggregate(
                sales=t.sales.cast("float64").sum(),
                foot_traffic=t.foot_traffic.cast("float64").sum(),
                units=t.enterprise_id.nunique(),
            )
        )
    return ibis.union(*parts)


def publish_day(today: dt.date | None = None) -> dt.date:
    """The latest day published at T+1: yesterday in Asia/Shanghai."""
    today = today or clock.today()
    return today - dt.timedelta(days=1)


@dataclass
class DailyReport:
    """The published daily layer for ``day`` (``rows``: :data:`DAILY_COLUMNS`)."""

    day: dt.date
    published_on: dt.date
    window: NightWindow
    rows: pd.DataFrame
    thresholds: dict[str, int] = field(default_factory=dict)

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready form (NaN → null). The counts of a suppressed cell are never printed:
        they read ``"below_threshold"`` (primary) or ``"protected"`` (complementary)."""
        rows = self.rows.astype(object).where(self.rows.notna(), None)
        rows["date"] = [d.isoformat() for d in self.rows["date"]]
        for flag, text in ((PRIMARY, BELOW_THRESHOLD), (COMPLEMENTARY, PROTECTED)):
            hit = self.rows["suppressed"] == flag
            card = hit & (self.rows["side"] == "card")
            rows.loc[card, "merchants"] = text
            rows.loc[card, "cards"] = text
            rows.loc[hit & (self.rows["side"] != "card"), "units"] = text
        return {
            "day": self.day.isoformat(),
            "published_on": self.published_on.isoformat(),
            "night_window": self.window.label(),
            "privacy": self.thresholds,
            "count": len(rows),
            "data": rows.to_dict("records"),
        }


def daily_frames(
    con: ibis.BaseBackend,
    settings: Settings,
    start: dt.date,
    end: dt.date,
    *,
    window: NightWindow | None = None,
    card_breakdowns: tuple[tuple[str, str], ...] = CARD_BREAKDOWNS,
    ke_breakdowns: tuple[tuple[str, str], ...] = KE_BREAKDOWNS,
) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Execute the card and key-enterprise cell expressions over the lake (unsuppressed).

    For internal use (anomaly detection); published outputs go through :func:`daily_report`.
    """
    from consumption_monitor.store import Store

    cat = load_catalog(settings.city)
    with Store(settings, catalog=cat) as store:
        card = store.read_table(con, "card_transactions")
        ke = store.read_table(con, "key_enterprise_daily")
        card_df = card_daily_expr(
            card, start=start, end=end, window=window, breakdowns=card_breakdowns, catalog=cat,
            cache=True,
        ).to_pandas()  # fmt: skip
        ke_df = ke_daily_expr(
            ke, start=start, end=end, breakdowns=ke_breakdowns, catalog=cat
        ).to_pandas()
    for frame in (card_df, ke_df):
        frame["date"] = pd.to_datetime(frame["date"]).dt.date
    return card_df, ke_df


def _card_long(cells: pd.DataFrame) -> pd.DataFrame:
    """Protected card cells → long rows of spending, txns and night share.

    Values and counts of hidden rows are null (:func:`.privacy.hide_counts`)."""
    base = cells[["date", "region", "dim", "dim_value", "merchants", "cards", "suppressed"]]
    spend = base.assign(indicator="card_spending", value=cells["spending"])
    txns = base.assign(indicator="card_txns", value=cells["txns"].astype(float))
    share = cells["night_spending"] / cells["spending"].where(cells["spending"] != 0) * 100.0
    night = base.assign(
        indicator="card_night_share",
        value=share,
        merchants=cells["night_merchants"],
        cards=cells["night_cards"],
        suppressed=cells["night_suppressed"],
    )
    out = pd.concat([spend, txns, night], ignore_index=True)
    out.loc[out["suppressed"] != "", "value"] = float("nan")
    out["side"], out["units"] = "card", float("nan")
    return hide_counts(out)


def _yoy(long: pd.DataFrame, previous: pd.DataFrame) -> pd.Series:
    """Percent change against the same series 364 days earlier (null when absent or ≤ 0)."""
    key = ["side", "indicator", "region", "dim", "dim_value"]
    prev = previous[[*key, "date", "value"]].rename(columns={"value": "_prev"})
    prev = prev.assign(date=[d + dt.timedelta(days=364) for d in prev["date"]])
    merged = long[[*key, "date", "value"]].merge(prev, on=[*key, "date"], how="left")
    base = merged["_prev"].where(merged["_prev"] > 0)
    growth: pd.Series = (merged["value"] / base - 1.0) * 100.0
    growth.index = long.index
    return growth


def _long_frames(
    card_cells: pd.DataFrame, ke_cells: pd.DataFrame, settings: Settings, cat: Catalog
) -> pd.DataFrame:
    """Privacy-protected long rows of both sides for every day present in the cells."""
    parts = []
    if not card_cells.empty:
        parts.append(_card_long(protect_card_day(card_cells, settings, cat.city.code)))
    if not ke_cells.empty:
        ke = protect_ke_day(ke_cells, settings, cat.city.code)
        base = ke[["date", "region", "dim", "dim_value", "units", "suppressed"]]
        sales = base.assign(indicator="ke_sales", value=ke["sales"])
        traffic = base.assign(indicator="ke_foot_traffic", value=ke["foot_traffic"])
        units = base.assign(indicator="ke_units", value=ke["units"].astype(float))
        long = pd.concat([sales, traffic, units], ignore_index=True)
        long.loc[long["suppressed"] != "", "value"] = float("nan")
        long["side"], long["merchants"], long["cards"] = (
            "key_enterprise",
            float("nan"),
            float("nan"),
        )
        parts.append(hide_counts(long))
    if not parts:
        return pd.DataFrame(columns=list(DAILY_COLUMNS))
    return pd.concat(parts, ignore_index=True)


def daily_report(
    settings: Settings | None = None,
    *,
    day: dt.date | None = None,
    region: str | None = None,
    window: NightWindow | None = None,
    con: ibis.BaseBackend | None = None,
) -> DailyReport:
    """The daily layer for ``day`` (default: yesterday, T+1), privacy-protected, with YoY.

    ``region`` keeps one district (code or name), 商圈 (id or name) or the city. A day with no
    data gives an empty table (never an error): the feed may simply be late.
    """
    from consumption_monitor.engine import connect

    settings = settings or get_settings()
    cat = load_catalog(settings.city)
    day = day or publish_day()
    win = window or NightWindow()
    own = con is None
    con = con or connect(settings)
    try:
        last_year = day - dt.timedelta(days=364)
        frames = [daily_frames(con, settings, d, d, window=win) for d in (day, last_year)]
    finally:
        if own:
            con.disconnect()
    cur = _long_frames(*frames[0], settings, cat)
    prev = _long_frames(*frames[1], settings, cat)
    cur["yoy_pct"] = _yoy(cur, prev) if not cur.empty else pd.Series(dtype=float)
    cur.loc[cur["indicator"] == "card_night_share", "yoy_pct"] = float("nan")
    if region:
        cur = _filter_region(cur, region, cat)
    cur = cur[list(DAILY_COLUMNS)].sort_values(
        ["side", "indicator", "region", "dim", "dim_value"], ignore_index=True
    )
    return DailyReport(
        day=day,
        published_on=day + dt.timedelta(days=1),
        window=win,
        rows=cur,
        thresholds={
            "min_cell_merchants": settings.min_cell_merchants,
            "min_cell_cards": settings.min_cell_cards,
        },
    )


def _filter_region(rows: pd.DataFrame, region: str, cat: Catalog) -> pd.DataFrame:
    """Rows of one district (code/name), one 商圈 (id/name) or the city."""
    if region in (cat.city.code, cat.city.name_zh, cat.city.name_en, "city"):
        return rows[rows["region"] == cat.city.code]
    if cat.has_district(region):
        return rows[rows["region"] == cat.district(region).code]
    bd = cat.business_district(region)
    return rows[(rows["dim"] == "business_district") & (rows["dim_value"] == bd.id)]
