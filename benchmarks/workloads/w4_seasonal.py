"""W4 seasonal adjustment: X-13ARIMA-SEATS on many monthly series, old path against new.

Series are synthetic but shaped like retail sales: 2016-01..2024-12 (so the installed Chinese
calendar covers the 12-month forecast horizon the working-day regressor needs), a log-linear
trend, a fixed monthly pattern, a Spring Festival bump in the month holding most of its
pre-holiday week, and noise; one seed per series. Default options (holiday windows chosen by
AICc: identification, 12 candidates and the final run per series).

Cases, each in its own child process of the same run:

- ``legacy`` (reference): the code before issue #17, vendored in :mod:`.w4_legacy` — one
  x13as process and temporary folder per spec, full specs for every candidate, regressors
  rebuilt for each run — called once per series;
- ``serial``: ``adjust_many(workers=1)``: cached regressors, estimation-only candidate specs,
  one ``x13as -m`` process per stage for all series;
- ``reuse``: the same, second run of unchanged series with the stored window choices (the
  first run, untimed, makes them);
- ``parallel``: ``adjust_many(workers=2)``.

The check is a digest of every series' chosen windows and adjusted values (exact floats): it
equals the reference's only if all series chose the same windows and got identical adjusted
values.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from benchmarks.harness import Result
from benchmarks.workloads import Case

NAME = "W4"
TITLE = "seasonal adjustment (X-13)"
GOAL = "new serial path at least 3× faster per series than the old code, identical adjusted values"
PROFILE_CASES = ("serial",)


def params(quick: bool, rows: int | None, scale: str | None = None) -> dict[str, Any]:
    return {"series": 20 if quick else 500, "start": "2016-01", "end": "2024-12"}


def prepare(p: dict[str, Any], work: Path) -> dict[str, Any]:
    return {}


def cases(p: dict[str, Any]) -> list[Case]:
    return [
        Case("legacy", "old code (3d21ead), one adjust() per series", reference=True),
        Case("serial", "adjust_many(workers=1)"),
        Case("reuse", "adjust_many(workers=1), stored window choices (2nd run)"),
        Case("parallel", "adjust_many(workers=2)"),
    ]


def make_series(n: int, start: str, end: str) -> dict[str, Any]:
    """``n`` synthetic monthly series (name -> pandas Series on a PeriodIndex)."""
    import numpy as np
    import pandas as pd
    from lunardate import LunarDate

    idx = pd.period_range(start, end, freq="M")
    months = idx.month.to_numpy()
    spring = np.zeros(len(idx))
    for year in sorted(set(idx.year)):
        sf = LunarDate(year, 1, 1).toSolarDate()
        pre = pd.Timestamp(sf) - pd.Timedelta(days=7)
        spring[(idx.year == year) & (idx.month == pre.month)] = 0.08
    pattern = 0.06 * np.sin(2 * np.pi * (months - 3) / 12) + 0.1 * (months == 12)
    out = {}
    for i in range(n):
        rng = np.random.default_rng(i)
        trend = np.log(1_000 + 100 * i) + (0.05 + 0.02 * rng.random()) * np.arange(len(idx)) / 12
        noise = rng.normal(0, 0.015, len(idx))
        out[f"s{i:04d}"] = pd.Series(np.exp(trend + pattern + spring + noise), index=idx)
    return out


def setup(case: str, p: dict[str, Any]) -> None:
    import consumption_monitor.seasonal  # noqa: F401


def _digest(results: dict[str, Any]) -> str:
    import hashlib

    h = hashlib.sha256()
    for name in sorted(results):
        r = results[name]
        h.update(name.encode() + r.diagnostics.windows.encode())
        h.update(r.adjusted.to_numpy(dtype=float).tobytes())
    return h.hexdigest()[:16]


def run(case: str, p: dict[str, Any]) -> dict[str, Any]:
    import time

    from consumption_monitor.errors import ConsumptionMonitorError
    from consumption_monitor.seasonal import adjust_many
    from consumption_monitor.seasonal.choice import WindowChoice

    series = make_series(int(p["series"]), p["start"], p["end"])
    failures: dict[str, str] = {}
    results: dict[str, Any] = {}
    if case == "legacy":
        from benchmarks.workloads.w4_legacy import legacy_adjust

        t0 = time.perf_counter()
        for name, s in series.items():
            try:
                results[name] = legacy_adjust(s, name=name)
            except ConsumptionMonitorError as exc:
                failures[name] = exc.render("en")
        seconds = time.perf_counter() - t0
    elif case == "reuse":
        first = adjust_many(series, failures={})
        choices = {
            n: WindowChoice(r.diagnostics.fingerprint, r.diagnostics.windows)
            for n, r in first.items()
        }
        t0 = time.perf_counter()
        results = adjust_many(series, failures=failures, choices=choices)
        seconds = time.perf_counter() - t0
        assert all(r.diagnostics.windows_reused for r in results.values())
    else:
        t0 = time.perf_counter()
        results = adjust_many(series, workers=2 if case == "parallel" else 1, failures=failures)
        seconds = time.perf_counter() - t0
    # A series X-13 cannot fit is recorded, not fatal; every case must fail on the same ones.
    check = [len(results), _digest(results), sorted(failures)]
    return {"rows": len(results), "check": check, "seconds": seconds}


def goal_met(results: list[Result]) -> bool | None:
    by = {r.case.key: r for r in results if r.status == "ok"}
    if "legacy" not in by or "serial" not in by:
        return None
    same = by["serial"].check == by["legacy"].check
    return bool(same and by["legacy"].seconds >= 3.0 * by["serial"].seconds)


def notes(results: list[Result], p: dict[str, Any]) -> list[str]:
    by = {r.case.key: r for r in results if r.status == "ok"}
    if "legacy" not in by:
        return []
    old = by["legacy"].seconds / max(by["legacy"].rows, 1)
    lines = [f"Old code: {old:.3f} s per series serially (*rows* = series)."]
    for key, label in (("serial", "new serial"), ("reuse", "stored window choice"),
                       ("parallel", "new, 2 workers")):  # fmt: skip
        if key in by:
            per = by[key].seconds / max(by[key].rows, 1)
            same = "identical" if by[key].check == by["legacy"].check else "DIFFERENT"
            lines.append(
                f"{label}: {per:.3f} s per series, {old / per:.2f}× faster than the old code; "
                f"windows and adjusted values {same}."
            )
    return lines
