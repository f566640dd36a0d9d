"""What responsible units send: indicator reports (unit_reports) and task progress.

Both are driven by the action plan (:func:`consumption_monitor.plan.load_plan`):

- unit_reports: every quantitative target whose indicator the catalog knows, reported by the
  lead unit of the target's first task, for 2024 (baseline), each complete plan year and the
  current year to date. About a third of targets are planted *behind* in 2025 (85–95% of the
  goal), the rest *on track* (102–110%); the truth file lists which.
- task_progress: every task × responsible unit (各区人民政府 expanded to the 16 districts) for
  each complete quarter from 2025-Q1; about 10% of links are planted *late* (status 滞后, a
  blocker text) and two links miss the latest quarter.
"""

from __future__ import annotations

import math
from typing import Any

from consumption_monitor.catalog import load_catalog
from consumption_monitor.errors import NotFoundError
from consumption_monitor.simulate.config import STREAM_PLAN, SimConfig

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


def unit_report_rows(
    cfg: SimConfig, actuals: dict[str, dict[int, float]] | None = None
) -> tuple[dict[str, list[list[object]]], list[dict[str, object]]]:
    """Rows per reporting unit code (schema order) and the on-track/behind truth.

    ``actuals`` (indicator → year → value) makes reports agree with the registries (first
    stores, concerts…); such a target's status follows from its actual value. Counts are
    whole numbers (rounded up when on track, down when behind). Rank targets are skipped.
    """
    plan = _plan()
    if plan is None:  # pragma: no cover
        return {}, []
    cat = load_catalog()
    rng = cfg.rng(STREAM_PLAN, 1)
    end_y, end_m = cfg.end
    out: dict[str, list[list[object]]] = {}
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
        label = UNIT_LABEL.get(ind.unit, ind.unit)
        rows = out.setdefault(unit.code, [])
        for year in range(2024, end_y + 1):
            level = (
                (actuals or {}).get(ind.code, {}).get(year, level_2025 * growth ** (year - 2025))
            )
            if (year, 12) <= (end_y, end_m):
                period, note = f"{year}", "全年"
            elif year == end_y:
                level *= end_m / 12 if ind.code in _FLOWS else 1.0
                period, note = f"{year}-{end_m:02d}", f"1-{end_m}月累计"
            else:
                continue
            if ind.unit in _COUNTS:
                level = round(level)
            evidence = f"https://example.gov.cn/evidence/{unit.code}/{ind.code}/{period}.pdf"
            rows.append([unit.name_zh, ind.name_zh, period, round(level, 2), label, note, evidence])
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
    return out, truth


def _quarters(cfg: SimConfig) -> list[tuple[int, int]]:
    out = []
    for year in range(2025, cfg.end[0] + 1):
        for q in range(1, 5):
            if (year, 3 * q) <= cfg.end and (year, 3 * q) >= cfg.start:
                out.append((year, q))
    return out


def task_progress_rows(
    cfg: SimConfig,
) -> tuple[dict[str, list[list[object]]], dict[str, list[dict[str, object]]]]:
    """Rows per quarter label (``2025Q1``…) and the truth (late links, missing reports)."""
    plan = _plan()
    quarters = _quarters(cfg)
    if plan is None or not quarters:
        return {}, {"late": [], "missing_latest": []}
    cat = load_catalog()
    status_zh = cat.dataset("task_progress").column("status").labels_zh or {}
    rng = cfg.rng(STREAM_PLAN, 2)
    links = [(task, link) for task in plan.tasks.values() for link in task.links]
    late = {i for i in range(len(links)) if rng.random() < 0.10}
    missing = {int(x) for x in rng.choice(len(links), 2, replace=False)} - late
    out: dict[str, list[list[object]]] = {}
    truth_late, truth_missing = [], []
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
            out.setdefault(f"{year}Q{q}", []).append(
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
    return out, {"late": truth_late, "missing_latest": truth_missing}
