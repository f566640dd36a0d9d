"""What the 大屏 shows besides the overview cards: the targets' status ring, the district
ranking, the holiday panel when a holiday is in season, and the 数据截至 line.

Everything is read from what the library stored (the computed table, target statuses, the
holiday comparison); this module only picks and formats.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta
from typing import Any

import pandas as pd

from consumption_monitor.config import Settings
from consumption_monitor.errors import ConsumptionMonitorError
from consumption_monitor.store.results import select
from consumption_monitor.web import figures
from consumption_monitor.web.analysis_data import data_end, holiday_choices
from consumption_monitor.web.i18n import translate
from consumption_monitor.web.indicator_data import indicator_table
from consumption_monitor.web.map_data import DistrictRow

#: A holiday is "in season" on the wall while its data are at most this many days old.
IN_SEASON_DAYS = 31
#: Districts listed in the ranking panel.
RANKING_ROWS = 16


@dataclass(frozen=True)
class HolidayPanel:
    """The newest holiday with data, as the flash report says it."""

    name: str
    dates: str
    flash: str
    growth: str | None


def status_ring(counts: dict[str, int] | None, lang: str) -> figures.Figure | None:
    """The ring of target statuses (None when no status could be computed)."""
    if not counts:
        return None
    labels = {s: translate(f"tstatus.{s}", lang) for s in counts}
    option = figures.status_ring(counts, labels, lang=lang)
    # the number of targets in the hole of the ring (the ring's centre is at 50 % / 44 %)
    option["title"] = {
        "text": str(sum(counts.values())),
        "subtext": "个目标" if lang == "zh" else "targets",
        "left": "center",
        "top": "36%",
        "textStyle": {"fontSize": 34, "fontWeight": "bold"},
        "subtextStyle": {"fontSize": 14},
        "itemGap": 4,
    }
    # On the wall the legend names the statuses and the band counts sit above: each sector
    # carries its count inside it (outside labels get truncated in a narrow panel).
    option["series"][0]["label"] = {
        "position": "inside", "formatter": "{c}", "fontSize": 16, "fontWeight": "bold",
        "color": "#fff",
    }  # fmt: skip
    return option


def ranking(rows: list[DistrictRow], lang: str, unit: str) -> figures.Figure | None:
    """The district ranking as horizontal bars, largest on top, coloured by 同比 sign."""
    shown = [r for r in rows if r.value is not None][:RANKING_ROWS]
    if not shown:
        return None
    shown = shown[::-1]
    colours = [figures.movement_colour(float(r.yoy.rstrip("%")) if r.yoy else None) for r in shown]
    option = figures.bars(
        [r.name for r in shown],
        [r.value for r in shown],
        horizontal=True,
        colours=colours,
        lang=lang,
        unit=unit,
    )
    option["grid"] = {"left": 8, "right": 40, "top": 8, "bottom": 8, "containLabel": True}
    for item, r in zip(option["series"][0]["data"], shown, strict=True):
        item["label"] = {"show": True, "position": "right", "formatter": r.yoy or ""}
    return option


def holiday_panel(settings: Settings, lang: str) -> HolidayPanel | None:
    """The newest holiday block with data when it ended within :data:`IN_SEASON_DAYS` of the
    data end, with its flash report; None out of season or when the comparison refuses."""
    from consumption_monitor.monitor.holiday import holiday_report

    end = data_end(settings)
    blocks = holiday_choices(settings)
    if end is None or not blocks or blocks[0].end < end - timedelta(days=IN_SEASON_DAYS):
        return None
    block = blocks[0]
    try:
        c = holiday_report(block.key, settings)
    except ConsumptionMonitorError:
        return None
    zh = lang == "zh"
    growth = c.total.growth_pct
    return HolidayPanel(
        name=f"{block.year}年{block.name_zh}" if zh else f"{block.name_en} {block.year}",
        dates=f"{block.start:%m-%d}–{block.end:%m-%d}",
        flash=c.flash_zh if zh else c.flash_en,
        growth=None if growth is None or c.total.suppressed else f"{growth:+.1f}%",
    )


def as_of(settings: Settings, lang: str) -> str | None:
    """``数据截至 2026年9月 · 更新于 2026-12-07 14:02``: the newest month in the computed table
    and when it was computed; None before the first computation."""
    table = indicator_table(settings)
    if table is None or table.empty:
        return None
    months = select(table, basis="month", dim=None)["period"]
    latest = str(months.max()) if len(months) else str(table["period"].max())
    stamp: Any = table["computed_at"].max() if "computed_at" in table else None
    when = "" if stamp is None or pd.isna(stamp) else pd.Timestamp(stamp).strftime("%Y-%m-%d %H:%M")
    label = figures.period_label(latest, lang)
    if lang == "zh":
        return f"数据截至 {label}" + (f" · 更新于 {when}" if when else "")
    return f"Data up to {label}" + (f" · updated {when}" if when else "")
