"""Anomaly detection on daily series: robust baselines, spikes and dips, level shifts, feed gaps.

Every score works on ``y = log(1 + x)`` (:func:`log_scale`): changes are multiplicative and
payment counts get a near-constant variance. Baseline of day ``t`` (robust statistics: median
and MAD scaled by 1.4826, the normal-consistent constant; Rousseeuw & Croux 1993), using only
days before ``t``:

- ordinary day: the same weekday in the previous ``weeks`` weeks, skipping holiday-block days
  and 调休 days (needs ``min_ref`` of them);
- 调休 working day (a weekend day worked in lieu): the ordinary working days of the previous
  four weeks;
- holiday day (inside an official holiday block): the matching day of the same holiday last
  year (day ``k`` of the block → day ``min(k, len-1)`` of last year's block, 春节 lunar-aligned
  by construction of the blocks) plus the series' recent growth (median over the last ``weeks``
  weeks of ordinary days of ``y_t - y_{t-364}``). Holiday days are never compared with
  ordinary weeks; with no data for last year's holiday they are not scored.

The scale is the larger of the reference MAD and the series' pooled week-over-week noise
(``1.4826·median|y_j - y_{j-7}|/√2`` over earlier ordinary days; a day is not scored before 7
such pairs exist); holiday days use at least ``holiday_rel_floor``. The robust z-score is
``(y - baseline) / max(scale, rel_floor)``. Spikes/dips: runs of at most ``max_spike_days``
days with ``|z| >= z_threshold`` (longer runs: level shifts). Level shifts: with ``m`` the
median of ``y_j - y_{j-shift_gap}`` over the last ``shift_window`` ordinary days, the relative
change ``exp(m) - 1`` is at least ``min_shift`` in size and the robust t-like statistic of ``m``
at least ``shift_threshold``, on series whose median is at least ``shift_min_level`` (thinner
series: spikes and dips only). Feed gaps: a unit that has reported before sends nothing for
``min_gap_days`` or more consecutive days. Thresholds are practice, tuned on the simulator
(docs/monitoring.md).

Series with missing days are read as zero on days when the same side sent any data at all (an
outage shows up as zeros), and as missing on days with no data on that side (the feed is late).
"""

from __future__ import annotations

import datetime as dt
import itertools
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd

from consumption_monitor.calendar import holiday_blocks, is_workday, previous_block
from consumption_monitor.errors import CalendarError, NotFoundError

__all__ = [
    "DayKinds",
    "DetectParams",
    "Detection",
    "analyse",
    "day_kinds",
    "detect",
    "detect_series",
    "events",
    "feed_gaps",
    "level_shift_stat",
    "log_scale",
    "robust_baseline",
    "score_series",
    "series_metrics",
]

MAD_SCALE = 1.4826  # MAD → standard deviation under normality


@dataclass(frozen=True)
class DetectParams:
    """Tuning of the detector; defaults are practice, printed in docs/monitoring.md."""

    weeks: int = 8
    min_ref: int = 4
    rel_floor: float = 0.05
    z_threshold: float = 4.0
    max_spike_days: int = 3
    shift_window: int = 14
    shift_gap: int = 28
    min_shift: float = 0.15
    shift_threshold: float = 4.0
    shift_min_level: float = 30.0
    min_gap_days: int = 2
    holiday_rel_floor: float = 0.15


@dataclass(frozen=True)
class DayKinds:
    """Calendar facts for a run of consecutive dates."""

    dates: list[dt.date]
    kind: np.ndarray  # "ordinary" | "adjusted" (调休 working weekend day) | "holiday"
    workday: np.ndarray
    matching_prev: list[dt.date | None]  # holiday days: the matching day last year


def day_kinds(dates: list[dt.date]) -> DayKinds:
    """Classify each date. A year the holiday calendar does not know counts as ordinary
    Monday–Friday working weeks (documented limit; nothing is published from this)."""
    kind = np.full(len(dates), "ordinary", dtype=object)
    work = np.array([d.weekday() < 5 for d in dates], dtype=bool)
    prev: list[dt.date | None] = [None] * len(dates)
    index = {d: i for i, d in enumerate(dates)}
    years = sorted({d.year for d in dates})
    for year in years:
        try:
            blocks = holiday_blocks(year)
        except CalendarError:
            continue
        for block in blocks:
            try:
                before = previous_block(block)
            except (CalendarError, NotFoundError):
                before = None
            for k, day in enumerate(block.dates()):
                i = index.get(day)
                if i is None:
                    continue
                kind[i] = "holiday"
                work[i] = False
                if before is not None:
                    prev[i] = before.start + dt.timedelta(days=min(k, before.days - 1))
    for i, day in enumerate(dates):
        if kind[i] == "holiday":
            continue
        try:
            work[i] = is_workday(day)
        except CalendarError:
            continue
        if work[i] and day.weekday() >= 5:
            kind[i] = "adjusted"
    return DayKinds(dates, kind, work, prev)


def _med_mad(ref: np.ndarray) -> tuple[float, float]:
    med = float(np.median(ref))
    return med, MAD_SCALE * float(np.median(np.abs(ref - med)))


def log_scale(values: np.ndarray) -> np.ndarray:
    """``log(1 + x)`` (negatives clipped to 0, NaN kept): the scale every score works on.

    Multiplicative changes become differences, and payment counts get a near-constant
    variance (a day at 2 % of 18 payments is as clear as a 5× spike of 50).
    """
    with np.errstate(invalid="ignore"):
        return np.asarray(np.log1p(np.clip(values, 0.0, None)), dtype=float)


def robust_baseline(
    values: np.ndarray, kinds: DayKinds, params: DetectParams | None = None, start: int = 0
) -> tuple[np.ndarray, np.ndarray]:
    """Baseline and scale **on the log scale** (:func:`log_scale`) for each day from index
    ``start`` on; NaN before it and where there is not enough history. ``values`` (raw) are
    aligned with ``kinds.dates`` (consecutive days; NaN = no data)."""
    p = params or DetectParams()
    lv = log_scale(values)
    n = len(lv)
    base = np.full(n, np.nan)
    scale = np.full(n, np.nan)
    ordinary = kinds.kind == "ordinary"
    pos = {d: i for i, d in enumerate(kinds.dates)}
    for i in range(start, n):
        if kinds.kind[i] == "holiday":
            continue
        if kinds.kind[i] == "ordinary":
            idx = [i - 7 * k for k in range(1, p.weeks + 1) if i - 7 * k >= 0]
        else:
            idx = [j for j in range(max(0, i - 28), i) if kinds.workday[j] and ordinary[j]]
        ref = lv[[j for j in idx if ordinary[j] and not np.isnan(lv[j])]]
        if ref.size < p.min_ref:
            continue
        base[i], scale[i] = _med_mad(ref)
    # A MAD of a few weekly values is itself noisy: floor it by the series' typical day-to-day
    # noise, pooled from the week-over-week changes of ordinary days before ``i``
    # (σ = 1.4826·median|Δ|/√2). Without 7 such pairs yet, the day is not scored.
    diffs = np.full(n, np.nan)
    lag = lv[7:] - lv[:-7] if n > 7 else np.array([])
    ok = ordinary[7:] & ordinary[:-7] if n > 7 else np.array([], dtype=bool)
    diffs[7:] = np.where(ok, np.abs(lag), np.nan)
    last_scale = np.nan
    for i in range(start, n):
        if np.isnan(base[i]):
            continue
        past = diffs[:i][~np.isnan(diffs[:i])]
        if past.size < 7:
            base[i] = scale[i] = np.nan
            continue
        pooled = MAD_SCALE * float(np.median(past)) / np.sqrt(2.0)
        scale[i] = max(scale[i], pooled)
        last_scale = scale[i]
    # holiday days: last year's matching day + recent growth (log scale), scaled by the noise
    for i in (int(k) for k in np.flatnonzero(kinds.kind == "holiday") if k >= start):
        match = kinds.matching_prev[i]
        j = pos.get(match) if match is not None else None
        if j is None or np.isnan(lv[j]):
            continue
        lo = max(0, i - 7 * p.weeks)
        now = [k for k in range(lo, i) if ordinary[k] and not np.isnan(lv[k])]
        then = [pos.get(kinds.dates[k] - dt.timedelta(days=364)) for k in now]
        gaps = [lv[a] - lv[b] for a, b in zip(now, then, strict=True)
                if b is not None and not np.isnan(lv[b])]  # fmt: skip
        growth = float(np.median(gaps)) if len(gaps) >= p.min_ref else 0.0
        base[i] = lv[j] + growth
        # holiday-to-holiday comparisons mix weekday compositions: never tighter than this
        noise = last_scale if np.isfinite(last_scale) else p.rel_floor
        scale[i] = max(noise, p.holiday_rel_floor)
    return base, scale


def zscores(
    values: np.ndarray, base: np.ndarray, scale: np.ndarray, floor: float = 0.05
) -> np.ndarray:
    """Robust z ``(values - base) / max(scale, floor)``; NaN where the baseline is missing.

    >>> zscores(np.array([1.0, 2.0]), np.array([1.0, 1.0]), np.array([0.0, 0.1])).tolist()
    [0.0, 10.0]
    """
    denom = np.maximum(np.nan_to_num(scale, nan=0.0), floor)
    with np.errstate(divide="ignore", invalid="ignore"):
        z = (values - base) / denom
    z[~np.isfinite(z)] = np.nan
    return np.asarray(z, dtype=float)


def level_shift_stat(
    values: np.ndarray, kinds: DayKinds, params: DetectParams | None = None, start: int = 0
) -> tuple[np.ndarray, np.ndarray]:
    """(relative change, robust t) of the last ``shift_window`` days vs ``shift_gap`` earlier.

    Uses ordinary days whose partner ``shift_gap`` days earlier is ordinary too (``shift_gap``
    is a multiple of 7, so partners share the weekday); NaN with fewer than half a window.
    """
    p = params or DetectParams()
    n = len(values)
    change = np.full(n, np.nan)
    stat = np.full(n, np.nan)
    ordinary = kinds.kind == "ordinary"
    logs = log_scale(values)
    for i in range(max(p.shift_gap + p.shift_window, start), n):
        js = [
            j
            for j in range(i - p.shift_window + 1, i + 1)
            if ordinary[j] and ordinary[j - p.shift_gap]
        ]
        with np.errstate(invalid="ignore"):
            r = np.array([logs[j] - logs[j - p.shift_gap] for j in js])
        r = r[np.isfinite(r)]
        if r.size < p.shift_window // 2:
            continue
        med, mad = _med_mad(r)
        se = max(mad, 0.02) * 1.2533 / np.sqrt(r.size)  # se of a median ≈ 1.2533·σ/√n
        change[i] = float(np.expm1(med))
        stat[i] = med / se
    return change, stat


def _runs(flags: np.ndarray) -> list[tuple[int, int]]:
    out: list[tuple[int, int]] = []
    start = None
    for i, f in enumerate(flags):
        if f and start is None:
            start = i
        if not f and start is not None:
            out.append((start, i - 1))
            start = None
    if start is not None:
        out.append((start, len(flags) - 1))
    return out


@dataclass
class Scores:
    """Per-day scores of one series (arrays aligned with the dates). ``base`` is in the series'
    unit; ``scale`` on the log scale."""

    base: np.ndarray
    scale: np.ndarray
    z: np.ndarray
    change: np.ndarray
    stat: np.ndarray


def score_series(
    values: np.ndarray, kinds: DayKinds, params: DetectParams | None = None, start: int = 0
) -> Scores:
    """Baseline, scale, robust z and level-shift statistics from index ``start`` on."""
    p = params or DetectParams()
    base, scale = robust_baseline(values, kinds, p, start)
    change, stat = level_shift_stat(values, kinds, p, start)
    z = zscores(log_scale(values), base, scale, p.rel_floor)
    with np.errstate(invalid="ignore"):
        level = np.expm1(base)  # the baseline back in the series' own unit
    return Scores(level, scale, z, change, stat)


def events(
    dates: list[dt.date], values: np.ndarray, sc: Scores, params: DetectParams | None = None
) -> list[dict[str, Any]]:
    """Spikes, dips and level shifts from the scores of one series."""
    p = params or DetectParams()
    z = sc.z
    out: list[dict[str, Any]] = []
    flagged = np.nan_to_num(np.abs(z), nan=0.0) >= p.z_threshold
    for a, b in _runs(flagged):
        peak = a + int(np.nanargmax(np.abs(z[a : b + 1])))
        if b - a + 1 > p.max_spike_days:
            kind = "level_shift"
        elif z[peak] > 0:
            kind = "spike"
        else:
            kind = "dip"
        out.append({"kind": kind, "start": dates[a], "end": dates[b], "score": float(z[peak]),
                    "value": float(values[peak]), "baseline": float(sc.base[peak])})  # fmt: skip
    present = values[~np.isnan(values)]
    if present.size == 0 or float(np.median(present)) < p.shift_min_level:
        return out  # too thin for a two-window comparison
    shifted = (np.nan_to_num(np.abs(sc.change), nan=0.0) >= p.min_shift) & (
        np.nan_to_num(np.abs(sc.stat), nan=0.0) >= p.shift_threshold
    )
    for a, b in _runs(shifted):
        peak = a + int(np.nanargmax(np.abs(sc.stat[a : b + 1])))
        out.append({"kind": "level_shift", "start": dates[a], "end": dates[b],
                    "score": float(sc.stat[peak]), "value": float(sc.change[peak]) * 100.0,
                    "baseline": 0.0})  # fmt: skip
    return out


def detect_series(
    dates: list[dt.date], values: np.ndarray, params: DetectParams | None = None
) -> list[dict[str, Any]]:
    """Spikes, dips and level shifts of one daily series (consecutive ``dates``)."""
    return events(dates, values, score_series(values, day_kinds(dates), params), params)


@dataclass
class Detection:
    """One detected anomaly on one series (``series``: side, indicator, region, dim, dim_value)."""

    kind: str
    series: dict[str, str]
    start: dt.date
    end: dt.date
    score: float
    value: float | None = None
    baseline: float | None = None
    extra: dict[str, Any] = field(default_factory=dict)

    def to_dict(self) -> dict[str, Any]:
        return {
            "kind": self.kind, **self.series, "start": self.start.isoformat(),
            "end": self.end.isoformat(), "score": self.score, "value": self.value,
            "baseline": self.baseline, **self.extra,
        }  # fmt: skip


SERIES_KEY = ["side", "indicator", "region", "dim", "dim_value"]


def _dense(frame: pd.DataFrame) -> tuple[list[dt.date], dict[tuple[str, ...], np.ndarray]]:
    """Each series on the full date range: zero on days its side has data, NaN otherwise."""
    dates_all = sorted(set(frame["date"]))
    if not dates_all:
        return [], {}
    first, last = dates_all[0], dates_all[-1]
    dates = [first + dt.timedelta(days=i) for i in range((last - first).days + 1)]
    pos = {d: i for i, d in enumerate(dates)}
    side_days = {str(s): {pos[d] for d in g["date"]} for s, g in frame.groupby("side")}
    out: dict[tuple[str, ...], np.ndarray] = {}
    for key, g in frame.groupby(SERIES_KEY, sort=True):
        arr = np.full(len(dates), np.nan)
        arr[list(side_days[str(key[0])])] = 0.0
        arr[[pos[d] for d in g["date"]]] = g["value"].to_numpy(dtype=float)
        out[tuple(str(k) for k in key)] = arr
    return dates, out


def analyse(
    frame: pd.DataFrame,
    params: DetectParams | None = None,
    *,
    min_median: float = 0.0,
    since: dt.date | None = None,
    score_from: dt.date | None = None,
) -> tuple[list[Detection], pd.DataFrame]:
    """Score every series of a long frame (``date``, :data:`SERIES_KEY`, ``value``) once.

    Returns the detections (series whose median is below ``min_median`` are not judged: too
    thin; detections ending before ``since`` are dropped) and the metrics of
    :func:`series_metrics` for days from ``score_from`` (default: all days) on.
    """
    p = params or DetectParams()
    dates, series = _dense(frame)
    out: list[Detection] = []
    parts = []
    if not dates:
        return out, _empty_metrics()
    kinds = day_kinds(dates)
    n_days = len(dates)
    start = 0
    if score_from is not None:
        start = max(0, (score_from - dates[0]).days)
    if since is not None:
        start = min(start, max(0, (since - dates[0]).days))
    for key, values in series.items():
        sc = score_series(values, kinds, p, start)
        present = values[~np.isnan(values)]
        if present.size and float(np.median(present)) >= min_median:
            for d in events(dates, values, sc, p):
                if since is not None and d["end"] < since:
                    continue
                out.append(Detection(kind=d["kind"], series=dict(zip(SERIES_KEY, key, strict=True)),
                                     start=d["start"], end=d["end"], score=d["score"],
                                     value=d["value"], baseline=d["baseline"]))  # fmt: skip
        prev = np.full(len(values), np.nan)
        if len(values) > 364:
            prev[364:] = values[:-364]
        with np.errstate(divide="ignore", invalid="ignore"):
            yoy = np.where(prev > 0, (values / prev - 1.0) * 100.0, np.nan)
        m = n_days - start
        cols: dict[str, Any] = {k: np.full(m, v, dtype=object)
                                for k, v in zip(SERIES_KEY, key, strict=True)}  # fmt: skip
        cols |= {"date": dates[start:], "value": values[start:], "baseline": sc.base[start:],
                 "zscore": sc.z[start:], "yoy_pct": yoy[start:],
                 "change_pct": sc.change[start:] * 100.0}  # fmt: skip
        parts.append(pd.DataFrame(cols))
    return out, pd.concat(parts, ignore_index=True) if parts else _empty_metrics()


def _empty_metrics() -> pd.DataFrame:
    return pd.DataFrame(
        columns=["date", *SERIES_KEY, "value", "baseline", "zscore", "yoy_pct", "change_pct"]
    )


def detect(
    frame: pd.DataFrame,
    params: DetectParams | None = None,
    *,
    min_median: float = 0.0,
    since: dt.date | None = None,
) -> list[Detection]:
    """The detections of :func:`analyse`."""
    return analyse(frame, params, min_median=min_median, since=since, score_from=since)[0]


def feed_gaps(
    reports: pd.DataFrame,
    *,
    unit: str,
    as_of: dt.date,
    min_days: int = 2,
    side: str = "key_enterprise",
) -> list[Detection]:
    """Units that stopped sending: ``min_days`` or more consecutive days without a row.

    ``reports`` has one row per (``unit``, ``date``) received. A unit is expected every day
    from its first report to ``as_of``; a gap still open at ``as_of`` has ``extra.open=True``.
    Units never seen are not expected (their absence is not detectable here).
    """
    out: list[Detection] = []
    if reports.empty:
        return out
    for name, g in reports.groupby(unit):
        seen = sorted(set(g["date"]))
        expected_end = as_of + dt.timedelta(days=1)
        marks = [*seen, expected_end]
        for a, b in itertools.pairwise(marks):
            missing = (b - a).days - 1
            if missing >= min_days:
                out.append(
                    Detection(
                        kind="feed_gap",
                        series={
                            "side": side,
                            "indicator": "feed",
                            "region": "",
                            "dim": unit,
                            "dim_value": str(name),
                        },
                        start=a + dt.timedelta(days=1),
                        end=b - dt.timedelta(days=1),
                        score=float(missing),
                        value=float(missing),
                        extra={"open": b == expected_end, "missing_days": missing},
                    )
                )
    return out


def series_metrics(frame: pd.DataFrame, params: DetectParams | None = None) -> pd.DataFrame:
    """Per series and day: ``value, baseline, zscore, yoy_pct, change_pct`` (for alert rules).

    ``yoy_pct`` compares with the same weekday 364 days earlier; ``change_pct`` is the level
    shift's relative change in percent.
    """
    return analyse(frame, params)[1]
