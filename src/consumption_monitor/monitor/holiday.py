"""Holiday monitor (METHODOLOGY §4): key-enterprise sales over an official holiday block against
the same holiday last year, and a 节日快报 (holiday flash report) in Chinese and English.

- Blocks come from :mod:`consumption_monitor.calendar` (the contiguous non-working run holding
  the holiday; 春节 lunar-aligned because block years follow the lunar new year).
- Growth: equal lengths ``S_t / S_{t-1} - 1``; different lengths (7, 8, 9 days) daily averages
  ``(S_t/D_t) / (S_{t-1}/D_{t-1}) - 1`` — :func:`holiday_growth`.
- **Matched panel** (the rule used here): an enterprise is in the panel of a comparison when it
  has a non-null ``sales`` row on EVERY day of BOTH blocks. Units that opened, closed or missed
  a day in either block are left out of both sides, so growth is never driven by panel churn.
  Each comparison (last year, 2019) has its own panel; breakdowns use the same panel.
- Breakdowns by retail format and by 商圈; a cell with fewer than ``min_cell_merchants`` panel
  units is suppressed (its level and growth are not shown): one or two enterprises' sales are
  confidential.
- Sales are in 元 in the lake; the text prints 亿元/万元 by ``settings.money_unit``.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

import ibis
import pandas as pd
from pydantic import BaseModel

from consumption_monitor.calendar import HolidayBlock, holiday_block, previous_block
from consumption_monitor.catalog import Catalog, load_catalog
from consumption_monitor.config import Settings, get_settings
from consumption_monitor.errors import CalendarError, NotFoundError
from consumption_monitor.indicators.format import format_money
from consumption_monitor.monitor.holiday_cards import (
    CardHolidayFigure,
    card_figures,
    read_card_blocks,
)

__all__ = [
    "HolidayComparison",
    "HolidayFigure",
    "compare_blocks",
    "flash_report",
    "holiday_growth",
    "holiday_report",
    "matched_panel",
]

PANEL_RULE_EN = "matched panel: enterprises with a sales report on every day of both holiday blocks"
PANEL_RULE_ZH = "匹配样本：两个假期每天均报送销售额的企业"


def holiday_growth(s_t: float, d_t: int, s_prev: float, d_prev: int) -> float | None:
    """Growth in percent; daily averages when the blocks differ in length (METHODOLOGY §4).

    ``None`` when the base is zero or negative (no meaningful rate).

    >>> round(holiday_growth(90.0, 9, 80.0, 8), 6)  # (90/9)/(80/8) - 1 = 0
    0.0
    >>> round(holiday_growth(88.0, 8, 80.0, 8), 6)  # equal lengths: 88/80 - 1
    10.0
    """
    if s_prev <= 0 or d_t <= 0 or d_prev <= 0:
        return None
    if d_t == d_prev:
        return (s_t / s_prev - 1.0) * 100.0
    return ((s_t / d_t) / (s_prev / d_prev) - 1.0) * 100.0


def matched_panel(
    reports: pd.DataFrame, first: list[dt.date], second: list[dt.date], unit: str = "enterprise_id"
) -> set[str]:
    """Units with a non-null ``sales`` row on every date of ``first`` and of ``second``."""
    need = set(first) | set(second)
    ok = reports[reports["sales"].notna() & reports["date"].isin(need)]
    days = ok.groupby(unit)["date"].nunique()
    return {str(u) for u, n in days.items() if n == len(need)}


class HolidayFigure(BaseModel):
    """One comparison cell: sales of both blocks (元), their lengths and the growth (%)."""

    label: str
    label_en: str
    units: int
    sales: float | None
    sales_base: float | None
    days: int
    days_base: int
    growth_pct: float | None
    method: str  # "total" (equal lengths) or "daily_average"
    suppressed: bool = False


class HolidayComparison(BaseModel):
    """A holiday block against its base blocks, with breakdowns and the flash text."""

    key: str
    name_zh: str
    name_en: str
    start: dt.date
    end: dt.date
    days: int
    base_key: str
    base_start: dt.date
    base_end: dt.date
    base_days: int
    panel_rule_zh: str = PANEL_RULE_ZH
    panel_rule_en: str = PANEL_RULE_EN
    total: HolidayFigure
    by_format: list[HolidayFigure]
    by_business_district: list[HolidayFigure]
    vs_2019: HolidayFigure | None = None
    base_2019: dict[str, Any] | None = None
    cards: list[CardHolidayFigure] = []
    flash_zh: str = ""
    flash_en: str = ""


def _figure(
    reports: pd.DataFrame,
    panel: set[str],
    block: HolidayBlock,
    base: HolidayBlock,
    label: tuple[str, str],
    min_units: int,
) -> HolidayFigure:
    rows = reports[reports["enterprise_id"].astype(str).isin(panel)]
    s_t = float(rows.loc[rows["date"].isin(block.dates()), "sales"].sum())
    s_b = float(rows.loc[rows["date"].isin(base.dates()), "sales"].sum())
    units = int(rows["enterprise_id"].nunique())
    hide = units < min_units
    growth = None if hide or units == 0 else holiday_growth(s_t, block.days, s_b, base.days)
    return HolidayFigure(
        label=label[0], label_en=label[1], units=units,
        sales=None if hide else s_t, sales_base=None if hide else s_b,
        days=block.days, days_base=base.days, growth_pct=growth,
        method="total" if block.days == base.days else "daily_average", suppressed=hide,
    )  # fmt: skip


def compare_blocks(
    reports: pd.DataFrame,
    block: HolidayBlock,
    base: HolidayBlock,
    *,
    min_units: int = 3,
    catalog: Catalog | None = None,
) -> tuple[HolidayFigure, list[HolidayFigure], list[HolidayFigure]]:
    """Total, by-format and by-商圈 figures of ``block`` vs ``base`` on their matched panel.

    ``reports``: key-enterprise rows (``enterprise_id, date, format, business_district_id,
    sales``). The total is never suppressed (a city total of the whole panel); breakdown cells
    with fewer than ``min_units`` units are.
    """
    cat = catalog or load_catalog()
    panel = matched_panel(reports, block.dates(), base.dates())
    total = _figure(reports, panel, block, base, ("全市", "City"), 0)
    labels = _format_labels(cat)
    by_format = [
        _figure(reports[reports["format"] == f], panel, block, base,
                labels.get(str(f), (str(f), str(f))), min_units)
        for f in sorted(reports["format"].dropna().unique())
    ]  # fmt: skip
    by_bd = []
    for bd in sorted(reports["business_district_id"].dropna().unique()):
        try:
            b = cat.business_district(str(bd))
            label = (b.name_zh, b.name_en)
        except NotFoundError:
            label = (str(bd), str(bd))
        part = reports[reports["business_district_id"] == bd]
        by_bd.append(_figure(part, panel, block, base, label, min_units))
    return total, by_format, by_bd


def _format_labels(cat: Catalog) -> dict[str, tuple[str, str]]:
    col = cat.dataset("key_enterprise_daily").column("format")
    zh = col.labels_zh or {}
    names_en = {
        "department_store": "department stores", "supermarket": "supermarkets",
        "convenience": "convenience stores", "specialty": "specialty stores",
        "catering": "catering", "ecommerce": "e-commerce", "shopping_mall": "shopping malls",
        "auto": "car dealers",
    }  # fmt: skip
    return {k: (v, names_en.get(k, k)) for k, v in zh.items()}


def _read_reports(
    con: ibis.BaseBackend, settings: Settings, blocks: list[HolidayBlock]
) -> pd.DataFrame:
    from consumption_monitor.store import Store

    dates = sorted({d for b in blocks for d in b.dates()})
    with Store(settings) as store:
        ke = store.read_table(con, "key_enterprise_daily")
        day = ke.date.cast("date")
        expr = ke.filter(day.isin(dates)).select(
            "enterprise_id", date=day, format=ke.format.cast("string"),
            business_district_id=ke.business_district_id.cast("string"),
            sales=ke.sales.cast("float64"),
        )  # fmt: skip
        frame: pd.DataFrame = expr.to_pandas()
    frame["date"] = pd.to_datetime(frame["date"]).dt.date
    return frame


def holiday_report(
    key: str,
    settings: Settings | None = None,
    *,
    con: ibis.BaseBackend | None = None,
    reports: pd.DataFrame | None = None,
    cards: pd.DataFrame | None = None,
    with_2019: bool = True,
) -> HolidayComparison:
    """The comparison of the block ``key`` (e.g. ``"2025-spring-festival"``) with last year's
    block of the same holiday, and with 2019's when ``with_2019`` (pre-pandemic base).

    ``reports`` (key-enterprise rows) and ``cards`` (per-block card aggregates, see
    :func:`.holiday_cards.read_card_blocks`) may be given directly (tests); otherwise the lake
    is read through ``engine.connect(settings)``; a lake without card data gives no card
    figures. A block without a previous-year block raises :class:`NotFoundError`; unknown years
    :class:`CalendarError`.
    """
    from consumption_monitor.engine import connect

    settings = settings or get_settings()
    cat = load_catalog(settings.city)
    block = holiday_block(key)
    base = previous_block(block)
    b2019: HolidayBlock | None = None
    if with_2019 and block.year - 1 > 2019:
        try:
            b2019 = holiday_block(f"2019-{block.festival.value}")
        except (NotFoundError, CalendarError):
            b2019 = None
    if reports is None:
        own = con is None
        con = con or connect(settings)
        try:
            blocks = [block, base, *([b2019] if b2019 else [])]
            reports = _read_reports(con, settings, blocks)
            if cards is None:
                try:
                    cards = read_card_blocks(con, settings, [block, base])
                except NotFoundError:
                    cards = None
        finally:
            if own:
                con.disconnect()
    total, by_format, by_bd = compare_blocks(
        reports, block, base, min_units=settings.min_cell_merchants, catalog=cat
    )
    card_rows = (
        []
        if cards is None or cards.empty
        else card_figures(cards, block, base, min_merchants=settings.min_cell_merchants,
                          min_cards=settings.min_cell_cards)
    )  # fmt: skip
    vs_2019 = None
    if b2019 is not None:
        panel = matched_panel(reports, block.dates(), b2019.dates())
        vs_2019 = _figure(reports, panel, block, b2019, ("比2019年", "vs 2019"), 0)
        if vs_2019.units == 0:
            vs_2019 = None
    result = HolidayComparison(
        key=block.key, name_zh=block.name_zh, name_en=block.name_en, start=block.start,
        end=block.end, days=block.days, base_key=base.key, base_start=base.start,
        base_end=base.end, base_days=base.days, total=total, by_format=by_format,
        by_business_district=by_bd, vs_2019=vs_2019, cards=card_rows,
        base_2019=(
            {"key": b2019.key, "start": b2019.start, "end": b2019.end, "days": b2019.days}
            if b2019 and vs_2019 else None
        ),
    )  # fmt: skip
    zh, en = flash_report(result, money_unit=settings.money_unit)
    return result.model_copy(update={"flash_zh": zh, "flash_en": en})


def _span_zh(start: dt.date, end: dt.date, days: int) -> str:
    """``1月28日至2月4日，8天``; the month is not repeated within one month (``10月1日至7日``)."""
    tail = f"{end.day}日" if end.month == start.month else f"{end.month}月{end.day}日"
    return f"{start.month}月{start.day}日至{tail}，{days}天"


def _money_en(value: float | None) -> str:
    return "n/a" if value is None else f"CNY {value / 1e6:,.2f} million"


def _span_en(start: dt.date, end: dt.date, days: int) -> str:
    return f"{start:%b} {start.day} to {end:%b} {end.day}, {days} days"


def _change_zh(growth: float) -> str:
    return f"增长{growth:.1f}%" if growth >= 0 else f"下降{-growth:.1f}%"


def _change_en(growth: float) -> str:
    return f"up {growth:.1f}%" if growth >= 0 else f"down {-growth:.1f}%"


def flash_report(c: HolidayComparison, money_unit: str = "auto") -> tuple[str, str]:
    """The 节日快报 in Chinese and English, stating the figures the MOFCOM way: card spending
    first (all, non-local and inbound cards), then the key enterprises.

    Growth is by daily average when the blocks differ in length (the text says so). Suppressed
    and undefined cells are left out of the text.
    """
    lead_zh, lead_en = _card_lead(c, money_unit)
    if lead_zh and c.total.units == 0:  # no key-enterprise reports: the card sentence alone
        return lead_zh, lead_en.rstrip()
    zh, en = _enterprise_flash(c, money_unit)
    if lead_zh:  # the holiday and its dates are named once, in the card sentence
        zh = zh.replace(f"{c.name_zh}假期（{_span_zh(c.start, c.end, c.days)}），", "", 1)
        span_en = _span_en(c.start, c.end, c.days)
        for head in (f"During the {c.name_en} holiday ({span_en}), key",
                     f"{c.name_en} holiday ({span_en}): key"):  # fmt: skip
            en = en.replace(head, "Key", 1)
    return lead_zh + zh, lead_en + en


def _card_lead(c: HolidayComparison, money_unit: str) -> tuple[str, str]:
    """The card sentence that opens the flash report (empty without card data)."""
    if not c.cards:
        return "", ""
    total, *origins = c.cards
    span_zh = _span_zh(c.start, c.end, c.days)
    spent = format_money(total.spending, "yuan", money_unit)
    zh = f"{c.name_zh}假期（{span_zh}），全市银行卡消费{spent}"
    span_en = _span_en(c.start, c.end, c.days)
    en = f"During the {c.name_en} holiday ({span_en}), card spending was "
    en += _money_en(total.spending)
    if total.growth_pct is not None:
        zh += f"，比去年同期{_change_zh(total.growth_pct)}"
        en += f", {_change_en(total.growth_pct)} on last year's holiday"
    for f in origins:
        if f.origin == "local" or f.suppressed or f.spending is None:
            continue
        zh += f"；{f.label}消费{format_money(f.spending, 'yuan', money_unit)}"
        en += f"; {f.label_en} {_money_en(f.spending)}"
        if f.share_pct is not None:
            zh += f"，占{f.share_pct:.1f}%"
            en += f" ({f.share_pct:.1f}% of the total)"
        if f.growth_pct is not None:
            zh += f"，{_change_zh(f.growth_pct)}"
            en += f", {_change_en(f.growth_pct)}"
    return zh + "。", en + ". "


def _enterprise_flash(c: HolidayComparison, money_unit: str) -> tuple[str, str]:
    """The key-enterprise part of the flash report."""
    t = c.total
    money = format_money(t.sales, "yuan", money_unit)
    money_en = _money_en(t.sales)
    if t.growth_pct is None:
        zh = (f"{c.name_zh}假期（{_span_zh(c.start, c.end, c.days)}），全市重点监测零售和餐饮"
              f"企业销售额{money}；去年同期无可比数据。")  # fmt: skip
        en = (
            f"{c.name_en} holiday ({_span_en(c.start, c.end, c.days)}): key monitored retail "
            f"and catering enterprises sold {money_en}; no comparable data for last year."
        )
        return zh, en
    how_zh = "按日均计算，" if t.method == "daily_average" else ""
    how_en = " on a daily-average basis" if t.method == "daily_average" else ""
    zh = (
        f"{c.name_zh}假期（{_span_zh(c.start, c.end, c.days)}），全市重点监测零售和餐饮企业销售额"
        f"{money}，{how_zh}比去年{c.name_zh}假期"
        f"（{_span_zh(c.base_start, c.base_end, c.base_days)}）"
        f"{_change_zh(t.growth_pct)}"
    )
    en = (
        f"During the {c.name_en} holiday ({_span_en(c.start, c.end, c.days)}), key monitored "
        f"retail and catering enterprises in the city sold {money_en}, {_change_en(t.growth_pct)}"
        f"{how_en} on last year's {c.name_en} holiday "
        f"({_span_en(c.base_start, c.base_end, c.base_days)})"
    )
    if c.vs_2019 is not None and c.vs_2019.growth_pct is not None:
        zh += f"，比2019年同期{_change_zh(c.vs_2019.growth_pct)}"
        en += f" and {_change_en(c.vs_2019.growth_pct)} on the same holiday of 2019"
    zh += "。"
    en += "."
    shown = [f for f in c.by_format if f.growth_pct is not None and not f.suppressed]
    if shown:
        zh += "分业态看，" + "，".join(f"{f.label}{_change_zh(f.growth_pct or 0)}" for f in shown)
        zh += "。"
        en += " By format: " + "; ".join(
            f"{f.label_en} {_change_en(f.growth_pct or 0)}" for f in shown
        ) + "."  # fmt: skip
    bds = [f for f in c.by_business_district if f.growth_pct is not None and not f.suppressed]
    if bds:
        zh += "重点商圈中，" + "，".join(f"{f.label}{_change_zh(f.growth_pct or 0)}" for f in bds)
        zh += "。"
        en += " Business districts: " + "; ".join(
            f"{f.label_en} {_change_en(f.growth_pct or 0)}" for f in bds
        ) + "."  # fmt: skip
    zh += f"（{PANEL_RULE_ZH}，共{t.units}家"
    en += f" ({PANEL_RULE_EN}: {t.units} units"
    if t.method == "daily_average":
        zh += "；两个假期天数不同，按日均比较"
        en += "; the blocks differ in length, so daily averages are compared"
    zh += "。）"
    en += ".)"
    return zh, en
