"""Scheme inputs built from the lake (评价输入): the long table ``unit, period, indicator, value``.

Every formula is practice, not an official rule; docs/evaluation.md "Inputs from the lake" states
them. In short, for a unit ``u`` and a period ``P`` (``2025``, ``2025-Q3`` or ``2025-06``) with
reference date ``ref(P) = min(end of P + 10 days, as_of)``:

- outcome indicators (:data:`OUTCOME_SOURCES`): the district's row of the computed indicator
  table at the last month of ``P``, year-to-date basis (for a year: the December YTD row, else the
  ``year`` row); growth is the published ``yoy_pct``.
- ``target_attainment``: mean status points of the plan targets ``u`` is responsible for, as
  judged on ``ref(P)`` (:data:`STATUS_POINTS`; no-data targets left out). A district's targets
  are judged on its own rows of the indicator table (region = the district), a department's on
  the city's rows.
- ``on_time_submission_rate``: 100 × on-time / due over the submissions the calendar
  (:mod:`consumption_monitor.catalog.reporting`) expects from ``u`` for the months/quarters of
  ``P`` that fell due by ``ref(P)``; a submission counts from the vintage of its first batch.
- ``data_staleness_days``: ``ref(P)`` minus the vintage of ``u``'s latest submission on or
  before ``ref(P)`` (any calendar dataset).
- ``task_progress``: mean over the tasks ``u`` is linked to of the latest percent ``u``
  reported for periods ending on or before ``ref(P)``; an unreported task counts 0.
- ``submission_completeness``: 100 × present / expected ``(indicator, P)`` cells of
  ``unit_reports``, expected = the indicators of the plan targets ``u`` is responsible for.

>>> previous_period("2025"), previous_period("2025-Q1"), previous_period("2025-01")
('2024', '2024-Q4', '2024-12')
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date, timedelta
from typing import Any

import pandas as pd
import pyarrow.parquet as pq

from consumption_monitor import clock
from consumption_monitor.catalog import load_catalog
from consumption_monitor.catalog.reporting import (
    due_date,
    period_end,
    reporting_rules,
    sub_periods,
)
from consumption_monitor.config import Settings
from consumption_monitor.errors import EvaluationError, NotFoundError
from consumption_monitor.evaluate.scheme import Scheme
from consumption_monitor.plan import Plan, load_plan
from consumption_monitor.store.results import select
from consumption_monitor.targets.status import Status

#: Scheme code → (indicator of the computed long table, column). Read on the year-to-date basis.
OUTCOME_SOURCES: dict[str, tuple[str, str]] = {
    "retail_sales_growth": ("retail_sales", "yoy_pct"),
    "above_size_retail_growth": ("retail_sales_above_size", "yoy_pct"),
    "upgrade_goods_share": ("upgrade_goods_share", "value"),
    "online_retail_share": ("online_retail_share", "value"),
    "new_first_stores": ("first_stores_new", "value"),
    "culture_sports_events": ("events_by_kind", "value"),
}

#: Outcome counts read from registries: a district without a row in a period for which other
#: regions have rows had none (the registry lists openings/events; no row means zero).
COUNT_CODES = frozenset({"new_first_stores", "culture_sports_events"})

#: Points per target status for ``target_attainment`` (practice; no-data targets are left out).
STATUS_POINTS: dict[Status, float] = {
    Status.ACHIEVED: 100.0,
    Status.ON_TRACK: 100.0,
    Status.WATCH: 80.0,
    Status.AT_RISK: 60.0,
    Status.OFF_TRACK: 40.0,
}

#: Codes computed here from submissions, tasks and targets (the rest come from the table).
WORK_CODES = (
    "target_attainment",
    "on_time_submission_rate",
    "data_staleness_days",
    "task_progress",
    "submission_completeness",
)
COLUMNS = ["unit", "period", "indicator", "value"]
MISSING_COLUMNS = ["unit", "period", "indicator", "reason"]


@dataclass(frozen=True)
class SchemeInputs:
    """The long table for :func:`~consumption_monitor.evaluate.evaluate` and what is missing.

    ``missing`` has one row per unit × period × indicator without a value, with the reason.
    """

    data: pd.DataFrame
    missing: pd.DataFrame
    periods: tuple[str, ...] = ()


# --------------------------------------------------------------------------- periods


def previous_period(period: str) -> str:
    """The period before ``period`` at the same frequency (year, quarter or month)."""
    year, _, rest = period.partition("-")
    y = int(year)
    if not rest:
        return str(y - 1)
    if rest.startswith("Q"):
        q = int(rest[1])
        return f"{y - 1}-Q4" if q == 1 else f"{y}-Q{q - 1}"
    m = int(rest)
    return f"{y - 1}-12" if m == 1 else f"{y}-{m - 1:02d}"


def reference_date(period: str, as_of: date | None = None) -> date:
    """``min(end of period + the calendar's longest due_days, as_of)`` (as_of default: today)."""
    grace = max((r.due_days for r in reporting_rules().values()), default=0)
    ref = period_end(period) + timedelta(days=grace)
    return min(ref, as_of or clock.today())


def _label_end(label: str) -> date | None:
    """End date of a submitted period label (``2025``, ``2025-Q3``, ``2025-10``); None if odd."""
    try:
        return period_end(label)
    except (ValueError, IndexError):
        return None


def _covers(label: str, sub: str) -> bool:
    """Whether a submitted label counts for the due sub-period ``sub``: the same label, a month
    label of a quarterly due period's months, or a full-year label for December and Q4.

    >>> _covers("2025-05", "2025-Q2"), _covers("2025", "2025-12"), _covers("2025", "2025-06")
    (True, True, False)
    """
    if label == sub:
        return True
    year, _, rest = label.partition("-")
    if not rest:  # a full-year report (全年) also answers its last month and last quarter
        return sub in (f"{year}-12", f"{year}-Q4")
    if rest.isdigit() and "-Q" in sub:
        return f"{year}-Q{(int(rest) - 1) // 3 + 1}" == sub
    return False


# --------------------------------------------------------------------------- pure formulas


def outcome_value(table: pd.DataFrame, unit: str, period: str, code: str) -> float | None:
    """The district's value of a scheme outcome indicator for ``period`` (see module doc).

    ``None`` when the row is absent or its value is null, except for :data:`COUNT_CODES`: no
    row for the district while the table has rows of that indicator for the period gives 0.
    """
    indicator, column = OUTCOME_SOURCES[code]
    end = period_end(period)
    chosen = select(table, indicator, basis="ytd", period=f"{end.year}-{end.month:02d}")
    if chosen.empty and "-" not in period:
        chosen = select(table, indicator, basis="year", period=period)
    mine = select(chosen, region=unit)
    if mine.empty:
        return 0.0 if code in COUNT_CODES and not chosen.empty else None
    value = mine[column].iloc[0] if column in mine else None
    return None if value is None or pd.isna(value) else float(value)


def attainment_points(statuses: Iterable[Status]) -> float | None:
    """Mean of :data:`STATUS_POINTS` over the statuses, no-data left out; ``None`` if none left.

    >>> attainment_points([Status.ON_TRACK, Status.AT_RISK, Status.NO_DATA])
    80.0
    """
    points = [STATUS_POINTS[s] for s in statuses if s in STATUS_POINTS]
    return sum(points) / len(points) if points else None


def on_time_rate(
    submitted: dict[str, date], due: dict[str, date], ref: date
) -> tuple[float | None, int]:
    """100 × share of the sub-periods due by ``ref`` whose first submission date is on or before
    the deadline; also the number due. ``None`` when nothing fell due.

    ``submitted``: sub-period → first submission date; ``due``: sub-period → deadline.

    >>> rate, due = on_time_rate(
    ...     {"2025-Q1": date(2025, 4, 9), "2025-Q2": date(2025, 7, 20)},
    ...     {"2025-Q1": date(2025, 4, 10), "2025-Q2": date(2025, 7, 10),
    ...      "2025-Q3": date(2025, 10, 10), "2025-Q4": date(2026, 1, 10)},
    ...     date(2025, 12, 31))
    >>> round(rate, 2), due
    (33.33, 3)
    """
    owed = [p for p, d in due.items() if d <= ref]
    if not owed:
        return None, 0
    on_time = sum(1 for p in owed if p in submitted and submitted[p] <= due[p])
    return 100.0 * on_time / len(owed), len(owed)


def task_progress_value(latest: dict[str, float], tasks: Iterable[str]) -> float | None:
    """Mean over ``tasks`` of the latest percent (0 when the task was not reported);
    ``None`` for a unit without tasks.

    >>> task_progress_value({"1": 50.0, "2": 100.0}, ["1", "2", "3"])
    50.0
    """
    ids = sorted(set(tasks))
    if not ids:
        return None
    return sum(latest.get(t, 0.0) for t in ids) / len(ids)


def completeness(present: set[str], expected: Iterable[str]) -> float | None:
    """100 × share of the expected indicators present; ``None`` when nothing is expected.

    >>> completeness({"a", "x"}, ["a", "b"])
    50.0
    """
    wanted = set(expected)
    if not wanted:
        return None
    return 100.0 * len(wanted & present) / len(wanted)


# --------------------------------------------------------------------------- the lake


@dataclass
class LakeView:
    """What the inputs read, loaded once: the indicator table, every version of the unit
    submissions (with the vintage of the batch that brought it) and the plan."""

    plan: Plan
    table: pd.DataFrame
    reports: pd.DataFrame  # unit, indicator, period, value, vintage (all versions)
    progress: pd.DataFrame  # unit, task_id, period, status, percent, vintage (all versions)
    city: str
    districts: list[str] = field(default_factory=list)
    _reports_cache: dict[tuple[str, str], Any] = field(default_factory=dict)


def _versions(settings: Settings, dataset: str, columns: list[str], as_of: date | None) -> Any:
    """Every stored row of ``dataset`` visible on ``as_of`` (not only the latest version per
    key), with the ``_vintage`` of its batch, as a pandas frame."""
    from consumption_monitor.store import Store

    with Store(settings) as store:
        fs = store.arrow_filesystem  # None for a local lake; the object store's otherwise
        try:
            paths = store.files(dataset, as_of)
        except NotFoundError:
            paths = []
    wanted = [*columns, "_vintage"]
    frames = [pq.read_table(str(p), columns=wanted, filesystem=fs).to_pandas() for p in paths]
    if not frames:
        return pd.DataFrame(columns=[*columns, "_vintage"])
    return pd.concat(frames, ignore_index=True)


def load_lake(settings: Settings, as_of: date | None = None) -> LakeView:
    """Read what :func:`build_inputs` needs, as visible on ``as_of`` (all when None)."""
    from consumption_monitor.store.results import read_result

    plan = load_plan(settings=settings)
    cat = load_catalog(settings.city)
    try:
        table = read_result(settings, as_of)
    except NotFoundError:
        table = pd.DataFrame(columns=["indicator", "region", "period", "basis", "dim", "value"])
    table = table.assign(region=table["region"].astype(str), period=table["period"].astype(str))

    def unit_of(written: object) -> str:
        text = str(written or "").strip()
        found = plan.units.find(text) if text else None
        return found.code if found is not None else text

    def indicator_of(written: object) -> str:
        try:
            return cat.indicator_name(str(written)).code
        except NotFoundError:
            return str(written)

    rep = _versions(settings, "unit_reports", ["reporting_unit", "indicator", "period"], as_of)
    reports = pd.DataFrame(
        {
            "unit": [unit_of(u) for u in rep["reporting_unit"]],
            "indicator": [indicator_of(i) for i in rep["indicator"]],
            "period": rep["period"].astype(str),
            "vintage": pd.to_datetime(rep["_vintage"]).dt.date,
        }
    )
    cols = ["reporting_unit", "task_id", "period", "status", "percent"]
    prog = _versions(settings, "task_progress", cols, as_of)
    progress = pd.DataFrame(
        {
            "unit": [unit_of(u) for u in prog["reporting_unit"]],
            "reporting_unit": prog["reporting_unit"].astype(str),
            "task_id": prog["task_id"].astype(str),
            "period": prog["period"].astype(str),
            "status": prog["status"].astype(str),
            "percent": pd.to_numeric(prog["percent"], errors="coerce"),
            "vintage": pd.to_datetime(prog["_vintage"]).dt.date,
        }
    )
    districts = [d.code for d in cat.districts]
    return LakeView(plan, table, reports, progress, cat.city.code, districts)


# --------------------------------------------------------------------------- per unit


def require_lake_units(scheme: Scheme) -> None:
    """Refuse a scheme whose units the lake does not know (``unit_kind: other``)."""
    if scheme.unit_kind not in ("district", "department"):
        raise EvaluationError(
            f"scheme {scheme.name!r} has unit_kind {scheme.unit_kind!r}: its inputs cannot be "
            "built from the lake",
            f"方案 {scheme.name!r} 的评价对象类型为 {scheme.unit_kind}，无法从数据湖生成输入",
            hint_en="pass --input with a long table (unit, period, indicator, value), or set "
            "unit_kind to district or department",
            hint_zh="请用 --input 提供长表（unit, period, indicator, value），"
            "或将 unit_kind 设为 district 或 department",
        )


def scheme_units(scheme: Scheme, lake: LakeView) -> list[str]:
    """The 16 district codes, or the plan's non-district units responsible for a target (a unit
    without a target cannot be scored on target attainment, half of the department scheme)."""
    require_lake_units(scheme)
    if scheme.unit_kind == "district":
        return list(lake.districts)
    linked = {c for t in lake.plan.targets.values() for c in _target_units(lake, t)}
    return sorted(c for c in linked if c in lake.plan.units.units and c not in lake.districts)


def _until(rows: pd.DataFrame, ref: date) -> pd.DataFrame:
    """Rows for periods ending on or before ``ref`` and submitted (vintage) by ``ref``."""
    keep = [
        (end := _label_end(str(p))) is not None and end <= ref and v <= ref
        for p, v in zip(rows["period"], rows["vintage"], strict=True)
    ]
    return rows.loc[pd.Series(keep, index=rows.index, dtype=bool)]


def _unit_targets(lake: LakeView, unit: str) -> list[Any]:
    return [t for t in lake.plan.targets.values() if unit in _target_units(lake, t)]


def _target_units(lake: LakeView, target: Any) -> set[str]:
    return {u.code for u in lake.plan.units_for_target(target)}


def _attainment(lake: LakeView, unit: str, ref: date) -> float | None:
    """Status points of the unit's targets judged on ``ref`` (see module doc)."""
    from consumption_monitor.targets.service import target_reports

    region = unit if unit in lake.districts else lake.city
    key = (region, ref.isoformat())
    if key not in lake._reports_cache:
        progress = _until(lake.progress, ref)
        # Only the region's undivided rows are evidence; cutting the table first is much faster.
        table = select(lake.table, region=region)
        lake._reports_cache[key] = target_reports(table, progress, lake.plan, ref, region=region)
    mine = [r for r in lake._reports_cache[key] if unit in r.units]
    return attainment_points(r.status for r in mine)


def _due_sets(lake: LakeView, unit: str) -> list[str]:
    """Calendar datasets the unit must submit (who = task_units / report_units)."""
    from consumption_monitor.indicators import load_indicators

    out = []
    for dataset, rule in reporting_rules().items():
        if rule.who == "task_units":
            owes = any(link.unit == unit for t in lake.plan.tasks.values() for link in t.links)
        else:
            owes = any(unit in i.units for i in load_indicators() if i.kind == "unit_report")
        if owes:
            out.append(dataset)
    return out


def _submissions(lake: LakeView, dataset: str) -> pd.DataFrame:
    return lake.reports if dataset == "unit_reports" else lake.progress


def _on_time(lake: LakeView, unit: str, period: str, ref: date) -> tuple[float | None, str]:
    due_total, on_time_total = 0, 0.0
    for dataset in _due_sets(lake, unit):
        rule = reporting_rules()[dataset]
        rows = _submissions(lake, dataset)
        rows = rows[rows["unit"] == unit]
        due = {p: due_date(rule, p) for p in sub_periods(period, rule.frequency)}
        first: dict[str, date] = {}
        for label, vintage in zip(rows["period"], rows["vintage"], strict=True):
            for p in due:
                if _covers(str(label), p) and (p not in first or vintage < first[p]):
                    first[p] = vintage
        rate, n = on_time_rate(first, due, ref)
        if rate is not None:
            due_total += n
            on_time_total += rate * n / 100.0
    if due_total == 0:
        return None, "no submission fell due in the period"
    return 100.0 * on_time_total / due_total, ""


def _staleness(lake: LakeView, unit: str, ref: date) -> tuple[float | None, str]:
    vintages = [
        v
        for frame in (lake.reports, lake.progress)
        for u, v in zip(frame["unit"], frame["vintage"], strict=True)
        if u == unit and v <= ref
    ]
    if not vintages:
        return None, "no submission on or before the reference date"
    return float((ref - max(vintages)).days), ""


def _task_progress(lake: LakeView, unit: str, ref: date) -> tuple[float | None, str]:
    tasks = [str(t.id) for t in lake.plan.tasks.values() if any(lk.unit == unit for lk in t.links)]
    rows = _until(lake.progress[lake.progress["unit"] == unit], ref)
    pct = rows["percent"].copy()
    pct[pct.isna() & (rows["status"] == "completed")] = 100.0
    pct[pct.isna() & (rows["status"] == "not_started")] = 0.0
    rows = rows.assign(percent=pct).dropna(subset=["percent"])
    rows = rows.sort_values(["period", "vintage"], kind="stable")
    latest = {str(k): float(v) for k, v in rows.groupby("task_id")["percent"].last().items()}
    value = task_progress_value(latest, tasks)
    return value, "" if value is not None else "the unit has no plan task"


def _completeness(lake: LakeView, unit: str, period: str, ref: date) -> tuple[float | None, str]:
    expected = {t.indicator for t in _unit_targets(lake, unit) if t.indicator}
    rows = lake.reports[lake.reports["unit"] == unit]
    present = {
        str(i)
        for i, p, v in zip(rows["indicator"], rows["period"], rows["vintage"], strict=True)
        if (str(p) == period or str(p).startswith(period + "-")) and v <= ref
    }
    value = completeness(present, expected)
    return value, "" if value is not None else "no plan target indicator is the unit's"


def _work_value(
    lake: LakeView, code: str, unit: str, period: str, ref: date
) -> tuple[float | None, str]:
    if code == "target_attainment":
        value = _attainment(lake, unit, ref)
        return value, "" if value is not None else "no judged target for the unit"
    if code == "on_time_submission_rate":
        return _on_time(lake, unit, period, ref)
    if code == "data_staleness_days":
        return _staleness(lake, unit, ref)
    if code == "task_progress":
        return _task_progress(lake, unit, ref)
    return _completeness(lake, unit, period, ref)


# --------------------------------------------------------------------------- entry points


def build_inputs(
    scheme: Scheme,
    settings: Settings,
    period: str,
    *,
    as_of: date | None = None,
    lake: LakeView | None = None,
) -> SchemeInputs:
    """The scheme's inputs for ``period`` and the period before it (for the rank change).

    Units: :func:`scheme_units`. Codes neither in :data:`OUTCOME_SOURCES` nor in
    :data:`WORK_CODES` are reported missing ("no source in the lake").
    """
    require_lake_units(scheme)
    lake = lake or load_lake(settings, as_of)
    units = scheme_units(scheme, lake)
    periods = (previous_period(str(period)), str(period))
    rows: list[tuple[str, str, str, float]] = []
    gaps: list[tuple[str, str, str, str]] = []
    for p in periods:
        ref = reference_date(p, as_of)
        for unit in units:
            for ind in scheme.indicators:
                reason = ""
                value: float | None
                if ind.code in OUTCOME_SOURCES:
                    value = outcome_value(lake.table, unit, p, ind.code)
                    reason = "no row in the computed indicator table" if value is None else ""
                elif ind.code in WORK_CODES:
                    value, reason = _work_value(lake, ind.code, unit, p, ref)
                else:
                    value, reason = None, "no source in the lake"
                if value is None:
                    gaps.append((unit, p, ind.code, reason))
                else:
                    rows.append((unit, p, ind.code, value))
    return SchemeInputs(
        pd.DataFrame(rows, columns=COLUMNS), pd.DataFrame(gaps, columns=MISSING_COLUMNS), periods
    )


def scheme_inputs(
    scheme: Scheme, settings: Settings, period: str, *, as_of: date | None = None
) -> pd.DataFrame:
    """Long table ``unit, period, indicator, value`` for ``scheme`` (see :func:`build_inputs`)."""
    return build_inputs(scheme, settings, period, as_of=as_of).data


def latest_period(settings: Settings, as_of: date | None = None) -> str | None:
    """The latest year with a December year-to-date row in the computed indicator table (the
    latest full year), else the latest year with any row; ``None`` when nothing was computed."""
    from consumption_monitor.store.results import read_result

    try:
        table = read_result(settings, as_of)
    except NotFoundError:
        return None
    labels = table["period"].astype(str)
    december = labels[labels.str.endswith("-12")]
    pool = december if not december.empty else labels
    return str(pool.str[:4].max()) if not pool.empty else None


__all__ = [
    "COUNT_CODES",
    "OUTCOME_SOURCES",
    "STATUS_POINTS",
    "WORK_CODES",
    "LakeView",
    "SchemeInputs",
    "attainment_points",
    "build_inputs",
    "completeness",
    "latest_period",
    "load_lake",
    "on_time_rate",
    "outcome_value",
    "previous_period",
    "reference_date",
    "require_lake_units",
    "scheme_inputs",
    "scheme_units",
    "task_progress_value",
]
