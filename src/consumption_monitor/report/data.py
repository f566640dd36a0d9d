"""Everything a report reads, gathered once: the indicator long table plus plain inputs.

The long table is ``consumption_monitor.store.results.read_result`` (columns ``indicator,
region, period, basis, dim, dim_value, value, yoy_pct, numerator, denominator, note, …``).
Judgements made elsewhere enter as plain rows so that a section can be built and tested
without a database: target statuses (:class:`TargetLine`), open alerts (:class:`AlertLine`),
evaluation rankings (:class:`RankingLine`), task progress by unit (:class:`TaskLine`) and the
holiday comparison (:class:`HolidayInput`). ``None`` means "not available" and the section
says so; an empty list means "none".
"""

from __future__ import annotations

import math
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date
from typing import TYPE_CHECKING, Any

import pandas as pd

from consumption_monitor.catalog import load_catalog
from consumption_monitor.config import Settings
from consumption_monitor.errors import NotFoundError
from consumption_monitor.store.results import clean, select

if TYPE_CHECKING:
    from consumption_monitor.evaluate import EvaluationResult
    from consumption_monitor.targets.service import TargetReport


@dataclass(frozen=True, slots=True)
class TargetLine:
    """One dated target value and its status (from ``targets.status.ValueStatus``)."""

    target_id: str
    name_zh: str
    name_en: str
    years: str
    status: str  # Status value: achieved, on_track, watch, at_risk, off_track, no_data
    current: float | None = None
    goal: float | None = None
    unit: str = ""
    probability: float | None = None


@dataclass(frozen=True, slots=True)
class AlertLine:
    """One open alert (from the monitor's alert table)."""

    severity: str  # red / yellow / blue (or high / medium / low)
    subject_zh: str
    subject_en: str
    message_zh: str
    message_en: str
    since: date | None = None


@dataclass(frozen=True, slots=True)
class RankingLine:
    """One unit's composite evaluation score and rank."""

    unit: str
    score: float
    rank: int
    rank_change: int | None = None


@dataclass(frozen=True, slots=True)
class TaskLine:
    """Task progress of one responsible unit: tasks reported, mean percent, tasks behind."""

    unit: str
    tasks: int
    mean_percent: float
    behind: int = 0


@dataclass(frozen=True, slots=True)
class HolidayFigure:
    """One compared measure of a holiday (sales, foot traffic, a format…)."""

    label_zh: str
    label_en: str
    current: float | None
    previous: float | None
    unit: str  # indicator unit: yuan, wan_yuan, yi_yuan, person_times…
    growth_pct: float | None  # daily-average basis when the blocks differ in length


@dataclass(frozen=True, slots=True)
class HolidayInput:
    """A holiday block compared with the same holiday last year (METHODOLOGY §4)."""

    key: str
    name_zh: str
    name_en: str
    start: date
    end: date
    previous_start: date
    previous_end: date
    figures: list[HolidayFigure]
    daily_average: bool = False  # True when the two blocks differ in length
    matched_panel: int | None = None  # enterprises reporting in both blocks

    @property
    def days(self) -> int:
        """Calendar days of this year's block."""
        return (self.end - self.start).days + 1

    @property
    def previous_days(self) -> int:
        """Calendar days of last year's block."""
        return (self.previous_end - self.previous_start).days + 1


@dataclass(slots=True)
class ReportData:
    """The long indicator table with look-ups, plus the plain inputs of the plan sections."""

    table: pd.DataFrame
    city: str = "120000"
    city_zh: str = "天津市"
    city_en: str = "Tianjin"
    money_unit: str = "auto"
    upgrade_set_zh: str = ""
    upgrade_set_en: str = ""
    targets: list[TargetLine] | None = None
    alerts: list[AlertLine] | None = None
    rankings: list[RankingLine] | None = None
    ranking_scheme: str = ""
    tasks: list[TaskLine] | None = None
    holiday: HolidayInput | None = None
    names: dict[str, tuple[str, str]] = field(default_factory=dict)

    def rows(
        self,
        indicator: str,
        basis: str,
        period: str | None = None,
        *,
        region: str | None = None,
        dim: str = "",
    ) -> pd.DataFrame:
        """Rows of one indicator and basis (city by default; ``region="*"`` for every region)."""
        where = None if region == "*" else (region or self.city)
        return select(self.table, indicator, region=where, basis=basis, dim=dim, period=period)

    def one(
        self,
        indicator: str,
        basis: str,
        period: str,
        *,
        region: str | None = None,
        dim: str = "",
        dim_value: str = "",
    ) -> dict[str, Any] | None:
        """The single row as a dict (NaN → None), or ``None`` when there is no such row."""
        where = None if region == "*" else (region or self.city)
        r = select(
            self.table, indicator, region=where, basis=basis, dim=dim, dim_value=dim_value,
            period=period,
        )  # fmt: skip
        if r.empty:
            return None
        return {str(k): _clean(v) for k, v in r.iloc[-1].to_dict().items()}

    def name(self, code: str, lang: str) -> str:
        """Display name of a district, category, 商圈 or unit code (the code itself if unknown)."""
        zh, en = self.names.get(code, (code, code))
        return zh if lang == "zh" else en


_clean = clean  # a stored cell for a row dict: missing or non-finite numbers → None


def catalog_names(city: str = "tianjin") -> dict[str, tuple[str, str]]:
    """Code → (zh, en) for districts, categories, 商圈 and card categories (``card:<code>``)."""
    cat = load_catalog(city)
    names: dict[str, tuple[str, str]] = {}
    for d in cat.districts:
        names[d.code] = (d.name_zh, d.name_en)
    for c in cat.categories:
        names[c.code] = (c.name_zh, c.name_en)
    for b in cat.business_districts:
        names[b.id] = (b.name_zh, b.name_en)
    for cc in cat.card_categories:
        names[f"card:{cc.code}"] = (cc.name_zh, cc.name_en)
    names.update(
        {
            "local": ("本地卡", "local cards"),
            "other_province": ("外省卡", "other-province cards"),
            "overseas": ("境外卡", "overseas cards"),
            "online": ("线上", "online"),
            "offline": ("线下", "offline"),
        }
    )
    return names


def make_report_data(
    table: pd.DataFrame,
    *,
    city: str = "tianjin",
    money_unit: str = "auto",
    upgrade_categories: Iterable[str] | None = None,
    **inputs: Any,
) -> ReportData:
    """A :class:`ReportData` from a long table and the catalog of ``city`` (pure; no I/O)."""
    cat = load_catalog(city)
    upgrade = cat.upgrade_set(list(upgrade_categories) if upgrade_categories else None)
    return ReportData(
        table=table,
        city=cat.city.code,
        city_zh=cat.city.name_zh,
        city_en=cat.city.name_en,
        money_unit=money_unit,
        upgrade_set_zh="、".join(cat.category(c).name_zh for c in upgrade),
        upgrade_set_en=", ".join(cat.category(c).name_en for c in upgrade),
        names=catalog_names(city),
        **inputs,
    )


def target_lines(reports: Iterable[TargetReport]) -> list[TargetLine]:
    """Flatten ``targets.service.target_statuses`` output into one line per dated value."""
    lines = []
    for rep in reports:
        for v in rep.values:
            unit = next(
                (tv.unit or "" for tv in rep.target.values if tv.years_label == v.years), ""
            )
            lines.append(
                TargetLine(
                    target_id=rep.target.id,
                    name_zh=rep.target.name_zh,
                    name_en=rep.target.name_en,
                    years=v.years,
                    status=v.status.value,
                    current=v.current,
                    goal=v.goal,
                    unit="%" if unit == "fraction" else unit,
                    probability=v.probability,
                )
            )
    return lines


def ranking_lines(result: EvaluationResult) -> list[RankingLine]:
    """Scores and ranks of an evaluation result, best first."""
    change = result.rank_change()
    lines = [
        RankingLine(u, float(result.scores[i]), int(result.ranks[i]), change[i])
        for i, u in enumerate(result.units)
    ]
    return sorted(lines, key=lambda r: (r.rank, r.unit))


def load_report_data(settings: Settings, as_of: date | None = None, **inputs: Any) -> ReportData:
    """Read the stored long table (and target statuses when the plan service runs) for a report.

    Raises :class:`NotFoundError` when nothing has been computed yet. Target statuses and task
    progress (``task_progress``) are added unless given; if they cannot be read the section
    says "not available" rather than failing the whole report. Alerts, rankings and the
    holiday comparison are passed in by the caller.
    """
    from consumption_monitor.store.results import read_result

    table = read_result(settings, as_of=as_of)
    if "targets" not in inputs:
        try:
            from consumption_monitor.targets.service import target_statuses

            inputs["targets"] = target_lines(target_statuses(settings, as_of))
        except (NotFoundError, ImportError):
            inputs["targets"] = None
    if "tasks" not in inputs:
        inputs["tasks"] = _stored_task_lines(settings, as_of)
    return make_report_data(
        table,
        city=settings.city,
        money_unit=settings.money_unit,
        upgrade_categories=settings.upgrade_categories,
        **inputs,
    )


def alert_lines(
    alerts: Iterable[Any], names: dict[str, tuple[str, str]] | None = None
) -> list[AlertLine]:
    """Open/acknowledged alerts of the monitor (``monitor.alerts.AlertOut`` or alike) as lines.

    Resolved alerts are dropped. The subject is the indicator's name and the region's name.
    """
    from consumption_monitor.indicators import load_indicators

    catalog = load_indicators()
    names = names or {}
    lines = []
    for a in alerts:
        if getattr(a, "status", "open") == "resolved":
            continue
        try:
            ind = catalog.get(a.indicator)
            ind_zh, ind_en = ind.name_zh, ind.name_en
        except NotFoundError:
            ind_zh = ind_en = a.indicator
        reg_zh, reg_en = names.get(a.region, (a.region, a.region))
        lines.append(
            AlertLine(
                severity=a.severity,
                subject_zh=f"{reg_zh}{ind_zh}",
                subject_en=f"{ind_en}, {reg_en}",
                message_zh=a.message_zh,
                message_en=a.message_en,
                since=a.first_date,
            )
        )
    return lines


def task_lines(progress: pd.DataFrame) -> list[TaskLine]:
    """Task progress by reporting unit from ``task_progress`` rows (latest per task and unit).

    A row without a percent counts 100 when ``completed`` and 0 when ``not_started``; other
    rows without a percent count in ``tasks`` but not in the mean. ``behind`` counts tasks
    whose latest status is ``delayed`` (滞后), as the unit reported it.
    """
    if progress.empty:
        return []
    latest = progress.sort_values("period").groupby(["task_id", "reporting_unit"]).tail(1)
    lines = []
    for unit, rows in latest.groupby("reporting_unit", sort=True):
        status = rows["status"].astype(str) if "status" in rows else pd.Series(dtype=str)
        raw = rows["percent"] if "percent" in rows else pd.Series(math.nan, index=rows.index)
        pct = pd.to_numeric(raw, errors="coerce")
        pct = pct.fillna(status.map({"completed": 100.0, "not_started": 0.0}))
        mean = float(pct.mean()) if pct.notna().any() else math.nan
        lines.append(
            TaskLine(
                unit=str(unit),
                tasks=int(rows["task_id"].nunique()),
                mean_percent=mean,
                behind=int((status == "delayed").sum()),
            )
        )
    return [t for t in lines if math.isfinite(t.mean_percent)]


def _stored_task_lines(settings: Settings, as_of: date | None) -> list[TaskLine] | None:
    from consumption_monitor.store import Store

    try:
        with Store(settings) as store:
            progress = store.read_arrow("task_progress", as_of=as_of).to_pandas()
    except NotFoundError:
        return None
    return task_lines(progress)


def holiday_input(comparison: Any) -> HolidayInput:
    """The monitor's ``HolidayComparison`` (``monitor.holiday.holiday_report``) as report input.

    The first figure is the city total of the matched panel; retail formats follow, without
    suppressed cells (too few units to publish).
    """
    total = comparison.total
    figures = [
        HolidayFigure(
            "重点监测企业销售额", "Key monitored enterprises' sales",
            total.sales, total.sales_base, "yuan", total.growth_pct,
        )
    ]  # fmt: skip
    figures += [
        HolidayFigure(f.label, f.label_en, f.sales, f.sales_base, "yuan", f.growth_pct)
        for f in comparison.by_format
        if not f.suppressed
    ]
    return HolidayInput(
        key=comparison.key,
        name_zh=comparison.name_zh,
        name_en=comparison.name_en,
        start=comparison.start,
        end=comparison.end,
        previous_start=comparison.base_start,
        previous_end=comparison.base_end,
        figures=figures,
        daily_average=total.method == "daily_average",
        matched_panel=total.units,
    )


def monitor_holiday(settings: Settings, key: str) -> HolidayInput | None:
    """Holiday comparison from the lake via the monitor; ``None`` when there is no data."""
    from consumption_monitor.monitor.holiday import holiday_report

    try:
        comparison = holiday_report(key, settings, with_2019=False)
    except NotFoundError:
        return None
    # an empty matched panel means no enterprise reported on every day of both blocks
    return holiday_input(comparison) if comparison.total.units > 0 else None
