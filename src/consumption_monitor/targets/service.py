"""Status of every plan target as of a date: evidence from the lake, judgement from ``status``."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date

import pandas as pd

from consumption_monitor import clock
from consumption_monitor.config import Settings, get_settings
from consumption_monitor.errors import ConfigError, NotFoundError
from consumption_monitor.plan import Plan, load_plan
from consumption_monitor.plan.models import Target
from consumption_monitor.targets.catalog_evidence import with_catalog_evidence
from consumption_monitor.targets.evidence import build_evidence, latest_task_progress
from consumption_monitor.targets.status import (
    Evidence,
    Status,
    Thresholds,
    ValueStatus,
    evaluate_value,
)
from consumption_monitor.targets.units import scale


@dataclass(slots=True)
class TargetReport:
    """One target with the judgement on each of its dated values."""

    target: Target
    values: list[ValueStatus]
    units: list[str] = field(default_factory=list)
    evidence: Evidence = field(default_factory=Evidence)

    @property
    def status(self) -> Status:
        """The worst status among values still open (else the latest value's status)."""
        order = list(Status)
        open_values = [v for v in self.values if v.status is not Status.ACHIEVED]
        pool = open_values or self.values
        return max((v.status for v in pool), key=order.index)


def indicator_unit(code: str) -> str | None:
    """The stored unit of an indicator: the computation catalog first, then release names."""
    from consumption_monitor.catalog import load_catalog
    from consumption_monitor.indicators import load_indicators

    catalog = load_indicators()
    if code in catalog.codes:
        return str(catalog.get(code).unit)
    try:
        return load_catalog().indicator_name(code).unit
    except NotFoundError:
        return None


def load_inputs(settings: Settings, as_of: date | None) -> tuple[pd.DataFrame, pd.DataFrame]:
    """The computed indicator table and the task-progress rows (empty frames when absent).

    With ``as_of`` the table is the one known at that date: a stored vintage that saw the same
    batches, else computed from the lake as of the date and stored (no manual recompute).
    """
    from consumption_monitor.compute.asof import read_as_of
    from consumption_monitor.store import Store

    try:
        table = read_as_of(settings, as_of)
    except NotFoundError:
        table = pd.DataFrame(columns=["indicator", "region", "period", "basis", "dim", "value"])
    with Store(settings) as store:
        try:
            progress = store.read_arrow("task_progress", as_of=as_of).to_pandas()
        except NotFoundError:
            progress = pd.DataFrame(columns=["task_id", "period", "reporting_unit", "percent"])
    return table, progress


def target_region(target: Target, city_region: str) -> str:
    """The region code a target is measured on: its own ``region`` (全国 → ``100000``), else
    the city's."""
    from consumption_monitor.catalog import NATIONAL_CODE

    if target.region is None:
        return city_region
    return NATIONAL_CODE if target.region == "全国" else target.region


def target_reports(
    table: pd.DataFrame,
    progress: pd.DataFrame,
    plan: Plan,
    as_of: date,
    *,
    region: str,
    thresholds: Thresholds | None = None,
    city: str | None = None,
) -> list[TargetReport]:
    """Judge every target of ``plan`` from the given inputs (pure; no I/O but the catalog:
    the landmark 商圈 flags, :mod:`.catalog_evidence`)."""
    table = with_catalog_evidence(table, region, as_of, city or get_settings().city)
    reports = []
    for target in plan.targets.values():
        where = target_region(target, region)
        progress_pct = latest_task_progress(progress, target.tasks)
        values: list[ValueStatus] = []
        evidence = Evidence()
        for value in target.values:
            # Each dated value may be written in its own unit (全国首位 in 2025, a share of the
            # national total in 2027): the indicator's values are scaled per value, and a value
            # the indicator cannot measure is reported as having no data, with the reason.
            code = value.indicator or target.indicator
            unit = indicator_unit(code)
            try:
                factor = scale(unit, value.unit)
            except ConfigError as exc:
                status = evaluate_value(target, value, Evidence(), as_of, thresholds)
                status.explanation_zh += f"（{exc.zh}）"
                status.explanation_en += f" ({exc.en})"
                values.append(status)
                continue
            evidence = build_evidence(
                target, table, where, progress_pct, unit_scale=factor, as_of=as_of, indicator=code
            )
            evidence.plan_start = plan.info.period[0]
            values.append(evaluate_value(target, value, evidence, as_of, thresholds))
        units = [u.code for u in plan.units_for_target(target)]
        reports.append(TargetReport(target, values, units, evidence))
    return reports


def target_statuses(
    settings: Settings, as_of: date | None = None, *, plan: Plan | None = None
) -> list[TargetReport]:
    """Status of every target of the configured plan as of ``as_of`` (default: today)."""
    from consumption_monitor.catalog import load_catalog

    plan = plan or load_plan(settings=settings)
    table, progress = load_inputs(settings, as_of)
    region = load_catalog(settings.city).city.code
    return target_reports(
        table, progress, plan, as_of or clock.today(), region=region, city=settings.city
    )
