"""The district map as the pages see it: each district's value, 同比, share of the city and rank
for one indicator and period, and the ECharts choropleth built from them.

Values come from the computed long table (:func:`indicator_data.indicator_table`); nothing is
recomputed except the share (a district's value over the sum of the districts that have one,
only for additive units: money and counts, never for shares or growth rates) and the rank
(1 = largest value; districts without a value are not ranked).
"""

from __future__ import annotations

from dataclasses import dataclass

from consumption_monitor.catalog import load_catalog
from consumption_monitor.config import Settings
from consumption_monitor.indicators.format import format_value
from consumption_monitor.store.results import select
from consumption_monitor.web import figures
from consumption_monitor.web.indicator_data import (
    _num,
    fmt_pct,
    indicator_table,
    label_of,
    unit_label,
    unit_of,
)

#: Indicators offered on the district map: (code, basis).
MAP_INDICATORS: tuple[tuple[str, str], ...] = (
    ("retail_sales", "ytd"),
    ("retail_sales_above_size", "ytd"),
    ("online_retail_share", "ytd"),
    ("upgrade_goods_share", "ytd"),
    ("card_spending", "month"),
    ("first_stores_new", "ytd"),
)
#: Units whose district values add up to the city, so a share of the total means something.
ADDITIVE = frozenset({"yuan", "wan_yuan", "yi_yuan", "count", "wan_persons", "person_times"})
GEO_URL = "/geo/districts.json"


@dataclass(frozen=True)
class DistrictRow:
    """One district on the map (``value`` None: no figure, drawn grey)."""

    code: str
    name: str
    value: float | None
    text: str
    yoy: str | None
    share: str | None
    rank: int | None
    tip: list[str]


@dataclass(frozen=True)
class MapView:
    """What the map page shows for one indicator and period."""

    indicator: str
    basis: str
    label: str
    unit_text: str
    period: str | None
    periods: list[str]
    rows: list[DistrictRow]

    def figure(self, lang: str) -> figures.Figure | None:
        """The choropleth, or None when no district has a row for the period."""
        if not self.rows:
            return None
        return figures.district_map(
            [{"code": r.code, "name": r.name, "value": r.value, "tip": r.tip} for r in self.rows],
            map_name="districts",
            geo_url=GEO_URL,
            unit=unit_of(self.indicator),
            lang=lang,
            unit_text=self.unit_text,
        )

    def ranked(self) -> list[DistrictRow]:
        """Rows by rank (districts without a value last)."""
        return sorted(self.rows, key=lambda r: (r.rank is None, r.rank or 0, r.code))


def basis_of(indicator: str) -> str:
    """The basis the map uses for ``indicator`` (``ytd`` unless listed otherwise)."""
    return dict(MAP_INDICATORS).get(indicator, "ytd")


def map_view(settings: Settings, indicator: str, lang: str, period: str | None = None) -> MapView:
    """Each district of the city for ``indicator`` in ``period`` (default: the latest period
    any district has); an empty view when nothing was computed."""
    basis = basis_of(indicator)
    unit = unit_of(indicator)
    zh = lang == "zh"
    # the colour bar's ticks print 万/亿 themselves, so money says 元 and the rest its unit
    unit_text = ("单位：" if zh else "unit: ") + unit_label(
        "yuan" if unit in ("wan_yuan", "yi_yuan") else unit, lang
    )
    label = label_of(indicator, lang)
    empty = MapView(indicator, basis, label, unit_text, None, [], [])
    table = indicator_table(settings)
    if table is None:
        return empty
    cat = load_catalog(settings.city)
    codes = [d.code for d in cat.districts]
    names = {d.code: (d.name_zh if zh else d.name_en) for d in cat.districts}
    rows = select(table, indicator, region=codes, basis=basis)
    if rows.empty:
        return empty
    periods = sorted({str(p) for p in rows["period"]}, reverse=True)
    chosen = period if period in periods else periods[0]
    rows = rows[rows["period"] == chosen]
    values = {str(r): _num(v) for r, v in zip(rows["region"], rows["value"], strict=True)}
    yoys = {str(r): _num(v) for r, v in zip(rows["region"], rows["yoy_pct"], strict=True)}
    have = sorted((v, c) for c, v in values.items() if v is not None)
    rank = {c: i + 1 for i, (_v, c) in enumerate(reversed(have))}
    total = sum(v for v, _c in have) if unit in ADDITIVE else None
    out = []
    for code in codes:
        value = values.get(code)
        text = format_value(value, unit, settings.money_unit, lang) or "—"
        yoy = fmt_pct(yoys.get(code))
        share = (
            fmt_pct(100.0 * value / total, signed=False) if total and value is not None else None
        )
        r = rank.get(code)
        tip = [
            names[code],
            f"{label}：{text}" if zh else f"{label}: {text}",
            ("同比：" if zh else "YoY: ") + (yoy or "—"),
        ]
        if total:
            tip.append(("占全市：" if zh else "Share of city: ") + (share or "—"))
        tip.append(
            (f"排名：第{r}/{len(have)}位" if zh else f"Rank: {r} of {len(have)}")
            if r
            else ("排名：—" if zh else "Rank: —")
        )
        out.append(DistrictRow(code, names[code], value, text, yoy, share, r, tip))
    return MapView(indicator, basis, label, unit_text, chosen, periods, out)
