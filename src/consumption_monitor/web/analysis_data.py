"""Monitoring, evaluation, projects and reports as the pages see them.

Thin wrappers over the library: ``monitor.alerts.AlertService`` and ``monitor.holiday``,
``evaluate``, ``projects`` / ``chains``, ``report.list_reports``. Each returns an honest empty
result (or the library's refusal, to be shown) when its data is not there yet.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date
from typing import TypeVar

import pandas as pd

from consumption_monitor.auth import data_viewer
from consumption_monitor.auth.roles import HasRoleAndUnit
from consumption_monitor.calendar import HolidayBlock, holiday_blocks
from consumption_monitor.config import Settings
from consumption_monitor.errors import ConsumptionMonitorError, NotFoundError
from consumption_monitor.evaluate import Scheme, build_inputs, load_scheme
from consumption_monitor.evaluate.inputs import latest_period
from consumption_monitor.monitor.holiday import HolidayComparison, holiday_report
from consumption_monitor.projects.sources import ChainData, load_chain_data
from consumption_monitor.report import list_reports
from consumption_monitor.report.schedule import StoredReport
from consumption_monitor.store import Store, Viewer
from consumption_monitor.store.results import select
from consumption_monitor.web.indicator_data import indicator_table, result_key
from consumption_monitor.web.memo import derived, memo

T = TypeVar("T")

#: Seconds a loaded projects/chains bundle is reused (loading reads four datasets).
CHAIN_TTL = 60.0


def _ttl(settings: Settings, name: str, make: Callable[[], T]) -> T:
    """``make()`` per stored computation, one computation at a time per key; after
    :data:`CHAIN_TTL` seconds the last value is served while the next is computed."""
    key = ("analysis", str(settings.data_dir), name, result_key(settings))
    return memo(key, make, ttl=CHAIN_TTL, stale=True)


# --------------------------------------------------------------------------- holidays


def data_end(settings: Settings) -> date | None:
    """Last day of the latest month with key-enterprise sales (holidays after it have no data)."""
    table = indicator_table(settings)
    if table is None:
        return None
    rows = select(table, "key_enterprise_sales", basis="month", dim=None)
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
    """Compare ``key`` (default: the newest block with data) with the same holiday last year
    (reused for :data:`CHAIN_TTL` seconds and until the next computation)."""

    def make() -> HolidayView:
        blocks = holiday_choices(settings)
        if key is None and not blocks:
            return HolidayView(blocks, None, None)
        chosen = key or blocks[0].key
        try:
            return HolidayView(blocks, holiday_report(chosen, settings), None)
        except ConsumptionMonitorError as exc:
            return HolidayView(blocks, None, exc)

    return _ttl(settings, f"holiday:{key or ''}", make)


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

    return _ttl(settings, f"evaluation:{chosen.name}", make)


# --------------------------------------------------------------------------- projects


def chain_data(settings: Settings, user: HasRoleAndUnit, *, with_cards: bool = False) -> ChainData:
    """Projects, enterprise sales, chain membership (and card spending) for the project pages,
    as ``user`` may read them (row-level rule, :func:`~consumption_monitor.auth.data_viewer`),
    reused for :data:`CHAIN_TTL` seconds per stored computation and per set of files the
    viewer reads (a new or published batch changes that set, so it is read at once)."""
    viewer = data_viewer(user)
    kind = "cards" if with_cards else "plain"
    name = f"chains:{kind}:{_visible_files_digest(settings, viewer, with_cards=with_cards)}"
    return _ttl(settings, name, lambda: load_chain_data(settings, with_cards=with_cards,
                                                         viewer=viewer))  # fmt: skip


#: Datasets :func:`load_chain_data` reads (card transactions only ``with_cards``).
_CHAIN_DATASETS = ("projects", "enterprise_monthly", "first_stores")


def _visible_files_digest(settings: Settings, viewer: Viewer, *, with_cards: bool) -> str:
    """A digest of the files ``viewer`` reads for the chain pages (one manifest query each)."""
    datasets = (*_CHAIN_DATASETS, *(("card_transactions",) if with_cards else ()))
    digest = hashlib.sha256()
    with Store(settings, viewer=viewer) as store:
        for dataset in datasets:
            try:
                files = store.files(dataset)
            except NotFoundError:
                continue
            digest.update(f"{dataset}:{len(files)}:".encode())
            for f in files:
                digest.update(str(f).encode() + b"\0")
    return digest.hexdigest()[:16]


def gaps(data: ChainData) -> pd.DataFrame:
    """Link strength and gap status of every chain link (computed once per loaded bundle)."""
    from consumption_monitor.chains import gap_analysis, link_strength

    def make() -> pd.DataFrame:
        strength = link_strength(
            data.chains, data.enterprise_monthly, data.projects, data.membership,
            latest=data.latest,
        )  # fmt: skip
        return gap_analysis(strength, data.chains.thresholds)

    return derived(data, "gaps", make)


def candidates(data: ChainData) -> pd.DataFrame:
    """精准招商 candidates of every weak or missing link, ranked (once per loaded bundle)."""
    from consumption_monitor.chains import promotion_candidates

    def make() -> pd.DataFrame:
        return promotion_candidates(
            data.chains, gaps(data), None, enterprise_monthly=data.enterprise_monthly,
            card_spend=data.card_spend, first_stores=data.first_stores,
        )  # fmt: skip

    return derived(data, "candidates", make)


# --------------------------------------------------------------------------- reports


def stored_reports(settings: Settings) -> list[StoredReport]:
    """Generated reports, newest first (empty when none was generated)."""
    return list_reports(settings)
