"""W5 target projections: every plan target judged, and many simulated projection fans.

``targets``: ``targets.service.load_inputs`` + ``target_reports`` for every target of the
bundled plan, on the indicator table computed from a simulated lake. ``projection``: for each
of N synthetic series (three years of single-period levels, 11 periods a year, seeded),
``projection.simulate_remaining`` (ETS fit + 2,000 simulated paths of the rest of the year) and
``probability_met`` against a +5 % target.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from benchmarks.harness import Result
from benchmarks.workloads import Case
from benchmarks.workloads.lake import build_lake

NAME = "W5"
TITLE = "target projections"
GOAL = ""
REMAINING = 4  # periods left in the year (projecting from August: Sep–Dec)


def params(quick: bool, rows: int | None, scale: str | None = None) -> dict[str, Any]:
    return {"scale": scale or ("tiny" if quick else "demo"), "series": 10 if quick else 1_000}


def prepare(p: dict[str, Any], work: Path) -> dict[str, Any]:
    info = build_lake(p["scale"], work, compute=True)
    return {"_lake": info, "indicator_rows": info["indicator_rows"]}


def cases(p: dict[str, Any]) -> list[Case]:
    return [
        Case("targets", "all plan targets: load_inputs + target_reports", "targets"),
        Case(
            "projection",
            f"{p['series']:,} series: simulate_remaining + probability_met",
            "projection",
        ),
    ]


def setup(case: str, p: dict[str, Any]) -> None:
    import statsmodels.tsa.exponential_smoothing.ets  # noqa: F401

    import consumption_monitor.targets.service  # noqa: F401


def run(case: str, p: dict[str, Any]) -> dict[str, Any]:
    import datetime as dt
    import time

    if case == "targets":
        from consumption_monitor.catalog import load_catalog
        from consumption_monitor.config import load_settings
        from consumption_monitor.plan import load_plan
        from consumption_monitor.targets.service import load_inputs, target_reports

        settings = load_settings(data_dir=Path(p["_lake"]["data_dir"]))
        t0 = time.perf_counter()
        plan = load_plan(settings=settings)
        table, progress = load_inputs(settings, None)
        region = load_catalog(settings.city).city.code
        reports = target_reports(table, progress, plan, dt.date.today(), region=region)
        seconds = time.perf_counter() - t0
        statuses = sorted(str(r.status) for r in reports)
        return {"rows": len(reports), "check": statuses, "seconds": seconds}
    import numpy as np

    from consumption_monitor.targets.projection import probability_met, simulate_remaining

    n, periods = int(p["series"]), 33 - REMAINING
    step = np.arange(periods)
    t0 = time.perf_counter()
    probs = []
    for i in range(n):
        rng = np.random.default_rng(i)
        season = 0.08 * np.sin(2 * np.pi * (step % 11) / 11)
        levels = np.exp(
            np.log(100.0 + i) + 0.05 * step / 11 + season + rng.normal(0, 0.02, periods)
        )
        paths = simulate_remaining(levels, REMAINING, repetitions=2_000, seed=i)
        seen = 11 - REMAINING  # periods of the current year already observed
        ytd = float(levels[-seen:].sum())
        target = 1.05 * float(levels[-seen - 11 : -seen].sum())  # last year's total + 5 %
        probs.append(probability_met(ytd, paths, target))
    seconds = time.perf_counter() - t0
    return {"rows": n, "check": round(float(np.mean(probs)), 4), "seconds": seconds}


def notes(results: list[Result], p: dict[str, Any]) -> list[str]:
    lake = p.get("_lake", {})
    lines = []
    if lake:
        lines.append(
            f"Indicator table: {lake.get('indicator_rows', '?'):,} rows computed from the "
            f"`{p['scale']}` lake ({lake.get('lake_rows', '?'):,} rows). *rows* = targets or "
            "series."
        )
    for r in results:
        if r.case.key == "projection" and r.status == "ok" and r.rows:
            lines.append(
                f"Projection: {r.seconds / r.rows * 1000:.0f} ms per series (one ETS fit + "
                "2,000 paths); the fits are independent, so a process pool would divide this "
                "by the cores available."
            )
    return lines
