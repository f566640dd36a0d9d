"""Monitoring, evaluation, projects and reports as the pages see them.

Thin wrappers over the library: ``monitor.alerts.AlertService`` and ``monitor.holiday``,
``evaluate``, ``projects`` / ``chains``, ``report.list_reports``. Each returns an honest empty
result (or the library's refusal, to be shown) when its data is not there yet.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date
from typing import Any, TypeVar

import pandas as pd

from consumption_monitor.auth import data_viewer
from consumption_monitor.auth.roles import HasRoleAndUnit
from consumption_monitor.calendar import HolidayBlock, holiday_blocks
from consumption_monitor.config import Settings
from consumption_monitor.errors import ConsumptionMonitorError
from consumption_monitor.evaluate import Scheme, build_inputs, load_scheme
from consumption_monitor.evaluate.inputs import latest_period
from consumption_monitor.monitor.holiday import HolidayComparison, holiday_report
from consumption_monitor.projects.sources import ChainData, load_chain_data
from consumption_monitor.report import list_reports
from consumption_monitor.report.schedule import StoredReport
from consumption_monitor.web.indicator_data import indicator_table

T = TypeVar("T")

#: Seconds a loaded projects/chains bundle is reused (loading reads four datasets).
CHAIN_TTL = 60.0
_TTL_CACHE: dict[tuple[str, str], tuple[float, Any]] = {}


def _ttl(key: tuple[str, str], make: Callable[[], T]) -> T:
    hit = _TTL_CACHE.get(key)
    now = time.monotonic()
    if hit is not None and now - hit[0] < CHAIN_TTL:
        value: T = hit[1]
        return value
    value = make()
    _TTL_CACHE[key] = (now, value)
    return value


# --------------------------------------------------------------------------- holidays


def data_end(settings: Settings) -> date | None:
    """Last day of the latest month with key-enterprise sales (holidays after it have no data)."""
    table = indicator_table(settings)
    if table is None:
        return None
    rows = table[(table["indicator"] == "key_enterprise_sales") & (table["basis"] == "month")]
    if rows.empty:
        return None
    year, month = (int(x) for x in str(rows["period"].max()).split("-")[:2])
    nxt = date(year + (month == 12), month % 12 + 1, 1)
    return date.fromordinal(nxt.toordinal() - 1)


def holiday_choices(settings: Settings) -> list[HolidayBlock]:
    """Holiday blocks that ended on or before the data end, newest first (this and last year)."""
    end = data_end(settings)
    if end is None:
        return []
    blocks: list[HolidayBlock] = []
    for year in (end.year, end.year - 1):
        try:
            blocks += holiday_blocks(year)
        except ConsumptionMonitorError:
            continue
    return sorted((b for b in blocks if b.end <= end), key=lambda b: b.start, reverse=True)


@dataclass(frozen=True)
class HolidayView:
    """The holiday page: the blocks to choose from, the chosen comparison or the refusal."""

    blocks: list[HolidayBlock]
    comparison: HolidayComparison | None
    error: ConsumptionMonitorError | None


def holiday_view(settings: Settings, key: str | None) -> HolidayView:
    """Compare ``key`` (default: the newest block with data) with the same holiday last year."""
    blocks = holiday_choices(settings)
    if key is None and not blocks:
        return HolidayView(blocks, None, None)
    chosen = key or blocks[0].key
    try:
        return HolidayView(blocks, holiday_report(chosen, settings), None)
    except ConsumptionMonitorError as exc:
        return HolidayView(blocks, None, exc)


# --------------------------------------------------------------------------- evaluation


def evaluation_input(settings: Settings, scheme: Scheme | None = None) -> pd.DataFrame:
    """Long table ``unit, period, indicator, value`` for ``scheme`` (default: the district
    scheme), built from the lake by :func:`consumption_monitor.evaluate.build_inputs` for the
    latest full year and the year before, reused for :data:`CHAIN_TTL` seconds; empty when
    nothing was computed. Inputs without data are left out, so a scheme whose policy is
    ``refuse`` refuses with the list (shown on the page)."""
    chosen = scheme or load_scheme("district_default")

    def make() -> pd.DataFrame:
        period = latest_period(settings)
        if period is None:
            return pd.DataFrame(columns=["unit", "period", "indicator", "value"])
        return build_inputs(chosen, settings, period).data

    return _ttl((str(settings.data_dir), f"evaluation:{chosen.name}"), make)


# --------------------------------------------------------------------------- projects


def chain_data(settings: Settings, user: HasRoleAndUnit, *, with_cards: bool = False) -> ChainData:
    """Projects, enterprise sales, chain membership (and card spending) for the project pages,
    as ``user`` may read them (row-level rule, :func:`~consumption_monitor.auth.data_viewer`),
    reused for :data:`CHAIN_TTL` seconds per viewer (:func:`forget_loaded` after a publish)."""
    viewer = data_viewer(user)
    key = (str(settings.data_dir), f"{'cards' if with_cards else 'plain'}:{viewer!r}")
    return _ttl(key, lambda: load_chain_data(settings, with_cards=with_cards, viewer=viewer))


def forget_loaded(settings: Settings) -> None:
    """Drop this data directory's reused bundles (a batch was published: rows changed)."""
    for key in [k for k in _TTL_CACHE if k[0] == str(settings.data_dir)]:
        _TTL_CACHE.pop(key, None)


def gaps(data: ChainData) -> pd.DataFrame:
    """Link strength and gap status of every chain link."""
    from consumption_monitor.chains import gap_analysis, link_strength

    strength = link_strength(
        data.chains, data.enterprise_monthly, data.projects, data.membership, latest=data.latest
    )
    return gap_analysis(strength, data.chains.thresholds)


# --------------------------------------------------------------------------- reports


def stored_reports(settings: Settings) -> list[StoredReport]:
    """Generated reports, newest first (empty when none was generated)."""
    return list_reports(settings)
