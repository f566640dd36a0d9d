"""The 专项监测 page (#22): the plan's programmes as the 办公室 reads them, from the stored
indicator table only (no figure is recomputed here).

- 以旧换新 by national category: subsidy, goods sold, driven sales and its growth (YTD);
- 离境退税 and 免税 sales, the month and the year to date;
- 入境消费 by card: overseas-card spending, its growth and share of all card spending;
- 服务消费额（本市估算）, the city's own estimate, month by month;
- 首发经济 by 商圈: new first stores and 首发/首秀/首展 events, with the city's split by kind.

A figure that is not there is never a 0: it is ``None`` with the reason it is "—" — the dataset
was never loaded, the period or category was not reported, the privacy rule hid the cell, or a
growth-sanity rule withheld it (:mod:`consumption_monitor.compute.sanity`). A 商圈 without a
registered first store or event in a period whose registry was loaded has a true 0.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import Any

import pandas as pd

from consumption_monitor.catalog import Catalog, load_catalog
from consumption_monitor.compute.sanity import SANITY_NOTES, reason
from consumption_monitor.config import Settings
from consumption_monitor.indicators import load_indicators
from consumption_monitor.report.sections_programmes import TRADE_IN_EN
from consumption_monitor.web.figures import period_label
from consumption_monitor.web.indicator_data import fmt_pct, indicator_table, select

__all__ = ["Figure", "ProgrammesView", "programmes_view", "ytd_label"]

#: Months of history in the inbound-card and service-estimate tables.
HISTORY_MONTHS = 12
#: Why a figure is "—" when no sanity note says so: key → (zh, en); ``{ds}`` is the dataset.
REASONS: dict[str, tuple[str, str]] = {
    "not_loaded": ("尚未导入{ds}数据", "no {ds} data loaded yet"),
    "not_reported": ("本期未报送", "not reported for this period"),
    "suppressed": ("样本过少，已按隐私规则隐藏", "hidden by the privacy rule (too few cards)"),
    "no_base": ("无上年同期数据", "no figure a year earlier"),
}
DEBUT_KINDS = ("debut_launch", "debut_show", "debut_exhibition")
DEBUT_EN = {"debut_launch": "debut launches", "debut_show": "debut shows",
            "debut_exhibition": "debut exhibitions"}  # fmt: skip


def ytd_label(period: str, lang: str) -> str:
    """A year-to-date period as people read it.

    >>> ytd_label("2025-06", "zh"), ytd_label("2025-02", "zh"), ytd_label("2025-06", "en")
    ('2025年1-6月', '2025年1-2月', '2025-01–06')
    """
    year, month = period[:4], int(period[5:7])
    return f"{year}年1-{month}月" if lang == "zh" else f"{year}-01–{month:02d}"


@dataclass(frozen=True)
class Figure:
    """One figure as shown: ``value`` (``None`` → "—" with ``reason``), its unit, growth text."""

    value: float | None
    unit: str
    yoy: str | None = None
    reason: str = ""
    yoy_reason: str = ""


def _why(key: str, lang: str, ds: str = "") -> str:
    zh, en = REASONS[key]
    return (zh if lang == "zh" else en).format(ds=ds)


def _num(value: object) -> float | None:
    try:
        out = float(value)  # type: ignore[arg-type]
    except (TypeError, ValueError):
        return None
    return None if math.isnan(out) else out


def _figure(row: Any, unit: str, lang: str, missing: str) -> Figure:
    """The figure of one stored row (``None``: not there, ``missing`` says why)."""
    if row is None:
        return Figure(None, unit, reason=missing)
    note = str(row["note"]) if isinstance(row["note"], str) else ""
    value, yoy = _num(row["value"]), _num(row["yoy_pct"])
    why = ""
    if value is None:
        why = reason(note, lang) or _why("suppressed" if note == "suppressed" else "not_reported",
                                         lang)  # fmt: skip
    yoy_why = ""
    if yoy is None and value is not None:
        yoy_why = reason(note, lang) if note in SANITY_NOTES else _why("no_base", lang)
    return Figure(value, unit, fmt_pct(yoy), why, yoy_why)


@dataclass
class Section:
    """One part of the page: its rows (label + figures), period, 口径 and an empty reason."""

    key: str
    period: str = ""
    period_text: str = ""
    rows: list[dict[str, Any]] = field(default_factory=list)
    scope: list[str] = field(default_factory=list)
    empty: str = ""
    extra: dict[str, Any] = field(default_factory=dict)


@dataclass
class ProgrammesView:
    """Everything the page shows; ``has_data`` is false when nothing was computed yet."""

    has_data: bool
    sections: list[Section]


class _Reader:
    """Rows of the city's series in the stored table, with the page language."""

    def __init__(self, table: pd.DataFrame, cat: Catalog, lang: str) -> None:
        self.table, self.cat, self.city, self.lang = table, cat, cat.city.code, lang
        self.catalog = load_indicators()

    def rows(self, code: str, basis: str, dim: str = "", dim_value: str = "") -> pd.DataFrame:
        return select(self.table, code, self.city, basis, dim=dim, dim_value=dim_value)

    def has(self, code: str) -> bool:
        return bool((self.table["indicator"] == code).any())

    def one(self, code: str, basis: str, period: str, dim: str = "", dim_value: str = "") -> Any:
        rows = self.rows(code, basis, dim, dim_value)
        rows = rows[rows["period"] == period]
        return None if rows.empty else rows.iloc[0]

    def latest(self, code: str, basis: str, upto: str | None = None) -> str:
        """The latest period of the city's series, at or before ``upto`` when given."""
        rows = self.rows(code, basis)
        periods = [str(p) for p in rows["period"] if upto is None or str(p) <= upto]
        return max(periods, default="")

    def name(self, code: str) -> str:
        ind = self.catalog.get(code)
        return ind.name_zh if self.lang == "zh" else ind.name_en

    def scope(self, *codes: str) -> list[str]:
        out = []
        for code in codes:
            ind = self.catalog.get(code)
            if self.lang == "zh":
                out.append(f"{ind.name_zh}：{ind.definition_zh}")
            else:
                out.append(f"{ind.name_en}: {ind.definition_en}")
        return out

    def unit(self, code: str) -> str:
        return str(self.catalog.get(code).unit)

    def dataset(self, name: str) -> str:
        ds = self.cat.dataset(name)
        return ds.name_zh if self.lang == "zh" else ds.name_en

    def figure(self, code: str, basis: str, period: str, dim: str = "", dim_value: str = "",
               missing: str = "") -> Figure:  # fmt: skip
        row = self.one(code, basis, period, dim, dim_value)
        return _figure(row, self.unit(code), self.lang, missing or _why("not_reported", self.lang))


def _trade_in(r: _Reader, period: str | None) -> Section:
    codes = ("trade_in_subsidy", "trade_in_units", "trade_in_sales")
    sec = Section("trade_in", scope=r.scope(*codes))
    if not r.has("trade_in_sales"):
        sec.empty = _why("not_loaded", r.lang, r.dataset("trade_in"))
        return sec
    sec.period = r.latest("trade_in_sales", "ytd", period)
    if not sec.period:
        sec.empty = _why("not_reported", r.lang)
        return sec
    sec.period_text = ytd_label(sec.period, r.lang)
    labels = r.cat.dataset("trade_in").column("category").labels_zh or {}

    def row(name: str, dim: str, dim_value: str) -> dict[str, Any]:
        figs = {c: r.figure(c, "ytd", sec.period, dim, dim_value) for c in codes}
        return {"name": name, "dim_value": dim_value, **{c.removeprefix("trade_in_"): f
                                                         for c, f in figs.items()}}  # fmt: skip

    sec.rows.append(row("合计" if r.lang == "zh" else "Total", "", ""))
    for code, zh in labels.items():
        sec.rows.append(row(zh if r.lang == "zh" else TRADE_IN_EN.get(code, code), "category",
                            code))  # fmt: skip
    return sec


def _tax_refund(r: _Reader, period: str | None) -> Section:
    codes = ("tax_refund_sales", "duty_free_sales")
    sec = Section("tax_refund", scope=r.scope(*codes))
    if not any(r.has(c) for c in codes):
        sec.empty = _why("not_loaded", r.lang, r.dataset("inbound_spending"))
        return sec
    sec.period = max((r.latest(c, "month", period) for c in codes), default="")
    if not sec.period:
        sec.empty = _why("not_reported", r.lang)
        return sec
    sec.period_text = period_label(sec.period, r.lang)
    sec.extra["ytd_text"] = ytd_label(sec.period, r.lang)
    for code in codes:
        sec.rows.append(
            {"name": r.name(code), "month": r.figure(code, "month", sec.period),
             "ytd": r.figure(code, "ytd", sec.period)}
        )  # fmt: skip
    return sec


def _months(r: _Reader, code: str, period: str | None, dim: str = "", dim_value: str = ""
            ) -> list[str]:  # fmt: skip
    rows = r.rows(code, "month", dim, dim_value)
    periods = sorted(str(p) for p in rows["period"])
    if period:
        periods = [p for p in periods if p <= period]
    return periods[-HISTORY_MONTHS:][::-1]


def _inbound(r: _Reader, period: str | None) -> Section:
    sec = Section("inbound", scope=r.scope("card_spending"))
    origin = ("origin", "overseas")
    months = _months(r, "card_spending", period, *origin)
    if not months:
        sec.empty = _why("not_loaded", r.lang, r.dataset("card_transactions"))
        return sec
    sec.period, sec.period_text = months[0], period_label(months[0], r.lang)
    for p in months:
        fig = r.figure("card_spending", "month", p, *origin)
        total = r.figure("card_spending", "month", p)
        share = (
            Figure(fig.value / total.value * 100, "percent")
            if fig.value is not None and total.value
            else Figure(None, "percent", reason=fig.reason or total.reason)
        )
        sec.rows.append({"name": period_label(p, r.lang), "value": fig, "share": share})
    return sec


def _service(r: _Reader, period: str | None) -> Section:
    codes = ("service_consumption_est", "service_consumption_share")
    sec = Section("service", scope=r.scope(*codes))
    months = _months(r, "service_consumption_est", period)
    if not months:
        sec.empty = _why("not_loaded", r.lang, r.dataset("card_transactions"))
        return sec
    sec.period, sec.period_text = months[0], period_label(months[0], r.lang)
    for p in months:
        sec.rows.append(
            {"name": period_label(p, r.lang),
             "value": r.figure("service_consumption_est", "month", p),
             "share": r.figure("service_consumption_share", "month", p)}
        )  # fmt: skip
    return sec


def _debut(r: _Reader, period: str | None) -> Section:
    """首发经济 by 商圈 (YTD): first stores and debut events per catalogued 商圈 and outside."""
    stores, events = "first_stores_by_business_district", "debut_events_by_business_district"
    sec = Section("debut", scope=r.scope(stores, events, "debut_events"))
    if not (r.has(stores) or r.has(events)):
        sec.empty = _why("not_loaded", r.lang, f"{r.dataset('first_stores')}、{r.dataset('events')}"
                         if r.lang == "zh" else
                         f"{r.dataset('first_stores')} / {r.dataset('events')}")  # fmt: skip
        return sec
    sec.period = max(r.latest(stores, "ytd", period), r.latest(events, "ytd", period))
    if not sec.period:
        sec.empty = _why("not_reported", r.lang)
        return sec
    sec.period_text = ytd_label(sec.period, r.lang)
    cat, zh = r.cat, r.lang == "zh"
    names = {d.code: (d.name_zh if zh else d.name_en) for d in cat.districts}

    def count(code: str, dim: str = "", dim_value: str = "") -> Figure:
        # A loaded registry with no row for this 商圈 in the period means none were registered.
        if not r.has(code):
            dataset = "first_stores" if "stores" in code else "events"
            return Figure(None, "count", reason=_why("not_loaded", r.lang, r.dataset(dataset)))
        row = r.one(code, "ytd", sec.period, dim, dim_value)
        return Figure(0.0, "count") if row is None else _figure(row, "count", r.lang, "")

    places = [(b.id, b.name_zh if zh else b.name_en, names.get(b.district, b.district),
               b.landmark) for b in cat.business_districts]  # fmt: skip
    places.append(("none", "商圈外" if zh else "Outside any business district", "", False))
    for bd, name, district, landmark in places:
        sec.rows.append(
            {"name": name, "district": district, "landmark": landmark,
             "stores": count(stores, "business_district", bd),
             "events": count(events, "business_district", bd)}
        )  # fmt: skip

    def busiest(row: dict[str, Any]) -> tuple[bool, float]:  # most first, 商圈外 last
        total = (row["stores"].value or 0.0) + (row["events"].value or 0.0)
        return row["name"] == places[-1][1], -total

    sec.rows.sort(key=busiest)
    kind_zh = cat.dataset("events").column("kind").labels_zh or {}
    sec.extra["city"] = [
        {"name": "首店" if zh else "first stores", "value": count("first_stores_new")},
        *({"name": kind_zh.get(k, k) if zh else DEBUT_EN[k],
           "value": count("debut_events", "kind", k)} for k in DEBUT_KINDS),
    ]  # fmt: skip
    return sec


def programmes_view(settings: Settings, lang: str, period: str | None = None) -> ProgrammesView:
    """The page's sections at ``period`` (``YYYY-MM``; default: each section's latest)."""
    table = indicator_table(settings)
    if table is None or table.empty:
        return ProgrammesView(False, [])
    r = _Reader(table, load_catalog(settings.city), lang)
    parts = (_trade_in, _tax_refund, _inbound, _service, _debut)
    return ProgrammesView(True, [part(r, period) for part in parts])
