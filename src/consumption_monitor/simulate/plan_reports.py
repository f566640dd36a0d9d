"""What responsible units send: indicator reports (unit_reports) and task progress.

Both are driven by the action plan (:func:`consumption_monitor.plan.load_plan`):

- unit_reports: every quantitative target whose indicator the catalog knows, reported by the
  lead unit of the target's first task. From 2024 (the plan's baseline year) each month brings
  the year to date (a flow) or the level at month end (a stock), December the full year (全年);
  the first 全年 report (2024) also carries the earlier years from :data:`HISTORY_FROM`, so
  that a target's yearly history is long enough for a probability. About a third of targets are
  planted *behind* in 2025 (85–95% of the goal), the rest *on track* (102–110%); the truth file
  lists which.
- task_progress: every task × responsible unit (各区人民政府 expanded to the 16 districts) for
  each complete quarter from 2025-Q1; about 10% of links are planted *late* (status 滞后, a
  blocker text) and two links miss the latest quarter.

Each submission arrives on a day drawn from its unit's punctuality profile
(:mod:`consumption_monitor.simulate.punctuality`), and submissions arriving on the same day form
one file (one batch, one vintage). The truth file lists each unit's profile.
"""

from __future__ import annotations

import datetime as dt
import math
from typing import Any

from consumption_monitor import clock
from consumption_monitor.catalog import load_catalog
from consumption_monitor.catalog.reporting import due_date, reporting_rules
from consumption_monitor.errors import NotFoundError
from consumption_monitor.simulate.config import STREAM_PLAN, SimConfig
from consumption_monitor.simulate.punctuality import arrival, keyed_rng, profiles

#: First year of the yearly baseline the 2024 full-year report carries.
HISTORY_FROM = 2022
#: First year reported month by month (the year before the plan: its baseline).
MONTHLY_FROM = 2024
#: One file of submissions: (dataset stem suffix, vintage) → rows.
Batches = dict[tuple[str, dt.date], list[list[object]]]

# Target unit → (factor to the catalog unit).
_TO_CATALOG = {"亿人次": 10000.0, "万亿元": 10000.0, "万张": 10000.0}
UNIT_LABEL = {
    "yi_yuan": "亿元",
    "wan_persons": "万人次",
    "count": "个",
    "percent": "%",
    "wan_teu": "万标准箱",
    "beds": "张",
    "wan_tonnes": "万吨",
    "yuan": "元",
}
_COUNTS = {"count", "beds"}
# Levels for targets without a number (trend, milestone), in the catalog unit.
_NO_NUMBER_BASE = {"airport_cargo": 21.0, "old_community_renovation": 72.0}
#: National standing a unit reports yearly (it needs other provinces' data):
#: indicator → (2025 level, yearly change). Planted: leasing keeps first place and grows its
#: share towards a quarter; factoring keeps first place at a share just under a third.
NATIONAL_STANDING = {
    "leasing_assets_rank": (1.0, 0.0),
    "leasing_assets_national_share": (24.2, 0.6),
    "factoring_assets_rank": (1.0, 0.0),
    "factoring_assets": (31.5, 0.4),
    "service_retail_growth_rank": (5.0, -1.0),  # 9th in 2021, one place up a year
}
#: Who reports a national standing (default: the finance regulator).
STANDING_UNIT = {"service_retail_growth_rank": "statistics"}
# Indicators that are flows over the year (a year-to-date report is a fraction of the year).
_FLOWS = {
    "tourists",
    "tourism_spending",
    "cross_border_ecommerce",
    "sports_consumption",
    "commodity_sales",
    "container_throughput",
    "vocational_training",
    "lectures",
    "exhibitions",
    "elevator_renewal",
    "business_services_revenue",
    "airport_cargo",
    "integration_bases",
    "community_elderly_institutions",
}


def _plan() -> Any:
    """The loaded plan, or ``None`` when the plan package is unavailable."""
    try:
        from consumption_monitor.plan import load_plan
    except ImportError:  # pragma: no cover - plan registry not installed
        return None
    return load_plan()


def _goal_per_year(value: Any) -> float | None:
    """The goal of one year implied by a target value (cumulative spans spread evenly)."""
    if value.value is None:
        return None
    goal = float(value.value)
    if str(value.kind) == "cumulative":
        goal /= value.end - value.start + 1
    if str(value.kind) == "share" and goal < 1:
        goal *= 100  # 三分之一 → 33.3%
    return goal * _TO_CATALOG.get(value.unit or "", 1.0)


def as_of_cap(cfg: SimConfig) -> dt.date:
    """The last day a submission can have arrived: the 5th after the range, never after today."""
    return min(cfg.end_date + dt.timedelta(days=5), clock.today())


def _report_periods(cfg: SimConfig) -> list[tuple[int, int]]:
    """(year, month) of every monthly report from :data:`MONTHLY_FROM` to the range's end."""
    return [
        (y, m)
        for y in range(MONTHLY_FROM, cfg.end[0] + 1)
        for m in range(1, 13)
        if (y, m) <= cfg.end
    ]


def _month_level(
    levels: dict[int, float], year: int, month: int, flow: bool, ytd_at: int | None
) -> float:
    """A flow's year to date or a stock's level at the end of ``month``.

    ``levels`` holds full-year values; ``ytd_at`` is the month a partial year's value covers
    (a registry count of the year in progress), ``None`` for a full year.
    """
    full = levels[year]
    if ytd_at is not None:
        return full * month / ytd_at if flow else full
    if flow:
        return full * month / 12
    before = levels.get(year - 1, full)
    return before + (full - before) * month / 12


def unit_report_rows(
    cfg: SimConfig, actuals: dict[str, dict[int, float]] | None = None
) -> tuple[Batches, list[dict[str, object]], dict[str, str]]:
    """Report files (suffix, vintage → rows in schema order), the on-track/behind truth and each
    reporting unit's punctuality profile.

    ``actuals`` (indicator → year → value) makes reports agree with the registries (first
    stores, concerts…); such a target's status follows from its actual value. Counts are
    whole numbers (rounded up when on track, down when behind). Rank targets are skipped.
    """
    plan = _plan()
    if plan is None:  # pragma: no cover
        return {}, [], {}
    cat = load_catalog()
    rng = cfg.rng(STREAM_PLAN, 1)
    end_y, end_m = cfg.end
    series: dict[str, list[tuple[Any, Any, dict[int, float], int | None]]] = {}
    truth: list[dict[str, object]] = []
    for target in plan.targets.values():
        try:
            ind = cat.indicator_name(target.indicator)
        except NotFoundError:
            continue
        if ind.code not in cat.recorded_indicators:  # a ratio the engine derives, not reported
            continue
        if not target.tasks or "rank" in {str(v.kind) for v in target.values}:
            continue
        lead = plan.task(target.tasks[0]).lead_unit
        unit = plan.unit(lead)
        v2025 = next((v for v in target.values if v.covers(2025)), target.values[0])
        goal = _goal_per_year(v2025)
        if goal is None:
            goal = _NO_NUMBER_BASE.get(ind.code)
            if goal is None:
                continue
            status = "unjudged"
            level_2025 = goal
        else:
            behind = rng.random() < 0.33
            level_2025 = goal * (rng.uniform(0.85, 0.95) if behind else rng.uniform(1.02, 1.10))
            if ind.unit in _COUNTS:
                level_2025 = math.floor(level_2025) if behind else math.ceil(level_2025)
            known = (actuals or {}).get(ind.code, {})
            if 2025 in known:
                level_2025 = known[2025]
                strict = v2025.comparator == ">"
                behind = not (level_2025 > goal if strict else level_2025 >= goal)
            status = "behind" if behind else "on_track"
        growth = rng.uniform(1.03, 1.08)
        known = (actuals or {}).get(ind.code, {})
        levels = {
            y: float(known.get(y, level_2025 * growth ** (y - 2025)))
            for y in range(HISTORY_FROM, end_y + 1)
        }
        # A registry count of the year in progress covers the months so far, not the year.
        ytd_at = end_m if end_m < 12 and end_y in known else None
        series.setdefault(unit.code, []).append((unit, ind, levels, ytd_at))
        truth.append(
            {
                "target_id": target.id,
                "indicator": ind.code,
                "reporting_unit": unit.name_zh,
                "year": 2025,
                "goal": round(goal, 4),
                "reported": round(level_2025, 2),
                "status": status if cfg.end >= (2025, 12) else "not_reported",
            }
        )
    standing = _standing_levels(cfg, plan)
    units = sorted({*series, *(u.code for u, _, _ in standing)})
    kinds = profiles(cfg, units)
    rule = reporting_rules()["unit_reports"]
    cap = as_of_cap(cfg)
    out: Batches = {}
    for code in units:
        for year, month in _report_periods(cfg):
            label = f"{year}-{month:02d}"
            day = arrival(
                kinds[code], due_date(rule, label), keyed_rng(cfg, 4, f"{code}|{label}"), cap
            )
            if day is None:
                continue
            rows = out.setdefault((label, day), [])
            for unit, ind, levels, ytd_at in series.get(code, []):
                partial = ytd_at if year == end_y else None
                rows.extend(_report_rows(unit, ind, levels, year, month, partial))
            if month == 12:
                for unit, ind, levels in standing:
                    if unit.code == code:
                        rows.extend(_standing_rows(unit, ind, levels, year))
    return {k: v for k, v in out.items() if v}, truth, kinds


def _report_rows(
    unit: Any, ind: Any, levels: dict[int, float], year: int, month: int, ytd_at: int | None
) -> list[list[object]]:
    """One monthly report of one indicator; the first 全年 report also carries the baseline."""
    flow = ind.code in _FLOWS
    unit_label = UNIT_LABEL.get(ind.unit, ind.unit)
    out: list[list[object]] = []
    if month == 12:
        years = range(HISTORY_FROM, year + 1) if year == MONTHLY_FROM else [year]
        for y in years:
            out.append(_row(unit, ind, f"{y}", levels[y], unit_label, "全年"))
        return out
    value = _month_level(levels, year, month, flow, ytd_at)
    note = f"1-{month}月累计" if flow else f"{month}月末"
    return [_row(unit, ind, f"{year}-{month:02d}", value, unit_label, note)]


def _row(unit: Any, ind: Any, period: str, value: float, label: str, note: str) -> list[object]:
    if ind.unit in _COUNTS:
        value = round(value)
    evidence = f"https://example.gov.cn/evidence/{unit.code}/{ind.code}/{period}.pdf"
    return [unit.name_zh, ind.name_zh, period, round(value, 2), label, note, evidence]


def _standing_levels(cfg: SimConfig, plan: Any) -> list[tuple[Any, Any, dict[int, float]]]:
    """Yearly national-standing values (ranks and shares of the national total)."""
    cat = load_catalog()
    out = []
    for code, (level_2025, step) in NATIONAL_STANDING.items():
        ind = cat.indicator_name(code)
        unit = plan.unit(STANDING_UNIT.get(code, "local_finance"))
        years = range(HISTORY_FROM, cfg.end[0] + 1)
        levels = {y: round(level_2025 + step * (y - 2025), 2) for y in years}
        out.append((unit, ind, levels))
    return out


def _standing_rows(unit: Any, ind: Any, levels: dict[int, float], year: int) -> list[list[object]]:
    label = "名" if ind.unit == "rank" else UNIT_LABEL.get(ind.unit, ind.unit)
    years = range(HISTORY_FROM, year + 1) if year == MONTHLY_FROM else [year]
    return [_row(unit, ind, f"{y}", levels[y], label, "全年") for y in years]


def _quarters(cfg: SimConfig) -> list[tuple[int, int]]:
    out = []
    for year in range(2025, cfg.end[0] + 1):
        for q in range(1, 5):
            if (year, 3 * q) <= cfg.end and (year, 3 * q) >= cfg.start:
                out.append((year, q))
    return out


def task_progress_rows(
    cfg: SimConfig,
) -> tuple[Batches, dict[str, list[dict[str, object]]], dict[str, str]]:
    """Report files ((``2025Q1``, vintage) → rows), the truth (late links, missing reports) and
    each unit's punctuality profile."""
    plan = _plan()
    quarters = _quarters(cfg)
    if plan is None or not quarters:
        return {}, {"late": [], "missing_latest": []}, {}
    cat = load_catalog()
    status_zh = cat.dataset("task_progress").column("status").labels_zh or {}
    rng = cfg.rng(STREAM_PLAN, 2)
    links = [(task, link) for task in plan.tasks.values() for link in task.links]
    late = {i for i in range(len(links)) if rng.random() < 0.10}
    missing = {int(x) for x in rng.choice(len(links), 2, replace=False)} - late
    out: Batches = {}
    truth_late, truth_missing = [], []
    kinds = profiles(cfg, [link.unit for _, link in links])
    rule = reporting_rules()["task_progress"]
    cap = as_of_cap(cfg)
    days = {
        (code, year, q): arrival(
            kinds[code],
            due_date(rule, f"{year}-Q{q}"),
            keyed_rng(cfg, 5, f"{code}|{year}-Q{q}"),
            cap,
        )
        for code in kinds
        for year, q in quarters
    }
    for i, (task, link) in enumerate(links):
        unit = plan.unit(link.unit)
        speed = rng.uniform(8, 20) if i not in late else rng.uniform(2, 5)
        start_q = int(rng.integers(0, 2))
        for k, (year, q) in enumerate(quarters):
            if i in missing and k == len(quarters) - 1:
                continue
            pct = min(100.0, max(0.0, (k + 1 - start_q) * speed))
            if pct <= 0:
                status = "not_started"
            elif pct >= 100:
                status = "completed"
            elif i in late and k >= 1:
                status = "delayed"
            else:
                status = "in_progress"
            blockers = "资金到位滞后，协调推进中" if status == "delayed" else None
            narrative = f"{unit.name_zh}推进任务{task.id}“{task.title_zh}”，完成{pct:.0f}%"
            day = days[(link.unit, year, q)]
            if day is None:  # not arrived by the data's as-of day
                continue
            out.setdefault((f"{year}Q{q}", day), []).append(
                [
                    str(task.id),
                    f"{year}-Q{q}",
                    unit.name_zh,
                    status_zh[status],
                    round(pct, 1),
                    narrative,
                    blockers,
                ]
            )
        record = {"task_id": str(task.id), "unit": unit.code, "unit_name": unit.name_zh}
        if i in late:
            truth_late.append(record)
        if i in missing:
            truth_missing.append({**record, "period": f"{quarters[-1][0]}-Q{quarters[-1][1]}"})
    return out, {"late": truth_late, "missing_latest": truth_missing}, kinds
