"""``cmon targets`` and ``cmon target show``: will each plan target be met?"""

from __future__ import annotations

import math
from datetime import date
from typing import Annotated, Any

import typer

from consumption_monitor.cli.command import Answer, Reply, command
from consumption_monitor.cli.common import console, print_table
from consumption_monitor.config import get_settings
from consumption_monitor.errors import NotFoundError
from consumption_monitor.targets.backtest import backtest
from consumption_monitor.targets.service import TargetReport, target_statuses
from consumption_monitor.targets.status import Status, ValueStatus

AsOfOpt = Annotated[
    str | None, typer.Option("--as-of", help="Judge as of this date (YYYY-MM-DD); default today.")
]

commands = typer.Typer()
target_app = typer.Typer(help="One plan target in detail. 单个目标。", no_args_is_help=True)
commands.add_typer(target_app, name="target")

_ESCALATION_ZH = {"none": "", "blue": "蓝色提示", "yellow": "黄色预警", "red": "红色预警"}


def _as_of(text: str | None) -> date | None:
    if text is None:
        return None
    try:
        return date.fromisoformat(text)
    except ValueError as exc:
        raise typer.BadParameter("--as-of takes YYYY-MM-DD") from exc


def _num(x: float | None) -> float | None:
    return None if x is None or not math.isfinite(x) else round(x, 4)


def _value_dict(v: ValueStatus) -> dict[str, Any]:
    return {
        "years": v.years, "kind": v.kind.value, "status": v.status.value,
        "status_zh": v.status.zh, "escalation": v.escalation.value, "current": _num(v.current),
        "goal": _num(v.goal), "path_value": _num(v.path_value),
        "projection": _num(v.projection), "probability": _num(v.probability),
        "fan_p10_p50_p90": [round(x, 4) for x in v.fan] if v.fan else None,
        "required_growth_pct": _num(v.required_growth_pct),
        "progress_pct": _num(v.progress_pct), "benchmark_pct": _num(v.benchmark_pct),
        "probability_method": v.probability_method,
        "probability_note_zh": v.probability_note_zh or None,
        "probability_note_en": v.probability_note_en or None,
        "explanation_zh": v.explanation_zh, "explanation_en": v.explanation_en,
    }  # fmt: skip


def _report_dict(r: TargetReport) -> dict[str, Any]:
    return {
        "id": r.target.id,
        "name_zh": r.target.name_zh,
        "name_en": r.target.name_en,
        "indicator": r.target.indicator,
        "region": r.target.region,
        "tasks": r.target.tasks,
        "units": r.units,
        "status": r.status.value,
        "values": [_value_dict(v) for v in r.values],
    }


def _filter(
    reports: list[TargetReport], unit: str | None, year: int | None, status: str | None
) -> list[TargetReport]:
    from consumption_monitor.plan import load_plan

    if unit:
        code = load_plan().unit(unit).code
        reports = [r for r in reports if code in r.units]
    if year is not None:
        reports = [r for r in reports if r.target.covers(year)]
    if status:
        wanted = {s for s in Status if status in (s.value, s.zh)}
        if not wanted:
            raise typer.BadParameter(
                f"--status must be one of {', '.join(s.value for s in Status)}"
            )
        reports = [r for r in reports if any(v.status in wanted for v in r.values)]
    return reports


@command(commands, "targets")
def targets_command(
    unit: Annotated[str | None, typer.Option("--unit", help="Only targets of this unit.")] = None,
    year: Annotated[
        int | None, typer.Option("--year", help="Only targets due in this year.")
    ] = None,
    status: Annotated[
        str | None, typer.Option("--status", help="Only this status (on_track, at_risk, 预警…).")
    ] = None,
    as_of: AsOfOpt = None,
    *,
    reply: Reply,
) -> Answer:
    """Status of every plan target: 已达成/正常/关注/预警/滞后/无数据. 目标进度。"""
    language = reply.lang
    reports = _filter(target_statuses(get_settings(), _as_of(as_of)), unit, year, status)
    if reply.json:
        return {"data": [_report_dict(r) for r in reports], "count": len(reports)}
    rows = []
    for r in reports:
        for v in r.values:
            rows.append([
                r.target.id, r.target.name_zh if language == "zh" else r.target.name_en,
                v.years, v.status.zh if language == "zh" else v.status.value,
                _ESCALATION_ZH[v.escalation.value] if language == "zh" else v.escalation.value,
                _fmt(v.current), _fmt(v.goal),
                "" if v.probability is None else f"{v.probability:.0%}",
            ])  # fmt: skip
    head = ["id", "目标", "年份", "状态", "预警", "当前值", "目标值", "达标概率"]
    if language == "en":
        head = ["id", "target", "years", "status", "escalation", "current", "goal", "P(met)"]
    print_table("目标进度" if language == "zh" else "Targets", head, rows)


def _fmt(x: float | None) -> str:
    if x is None or not math.isfinite(x):
        return ""
    return f"{x:,.2f}".rstrip("0").rstrip(".")


@command(target_app, "show")
def show_command(
    target_id: Annotated[str, typer.Argument(help="Target id, e.g. T-tourists.")],
    as_of: AsOfOpt = None,
    *,
    reply: Reply,
) -> Answer:
    """One target: history, plan path, projection fan, backtest and explanation. 目标详情。"""
    language = reply.lang
    reports = {r.target.id: r for r in target_statuses(get_settings(), _as_of(as_of))}
    if target_id not in reports:
        raise NotFoundError(
            f"unknown target {target_id!r}", f"未知目标 {target_id!r}",
            hint_en="list ids with `cmon targets`", hint_zh="用 `cmon targets` 查看目标编号",
        )  # fmt: skip
    report = reports[target_id]
    data = _report_dict(report)
    data["history"] = {str(y): v for y, v in sorted(report.evidence.annual.items())}
    data["backtest"] = _backtest(report)
    if reply.json:
        return data
    name = report.target.name_zh if language == "zh" else report.target.name_en
    out = console()
    out.print(f"[bold]{report.target.id} {name}[/]")
    for y, v in data["history"].items():
        out.print(f"  {y}: {_fmt(v)}")
    for v in report.values:
        out.print(v.explanation_zh if language == "zh" else v.explanation_en)
        if v.fan:
            p10, p50, p90 = (_fmt(x) for x in v.fan)
            out.print(f"  P10 {p10} · P50 {p50} · P90 {p90}")
    for method, res in data["backtest"].items():
        if method == "growth_by_month":
            for month, row in res.items():
                out.print(
                    f"  backtest growth≥X month {month}: hit rate {row['hit_rate']}, "
                    f"n={row['calls']}, error {row['mae_pp']} pp"
                )
            continue
        out.print(f"  backtest {method}: hit rate {res['hit_rate']}, n={res['cases']}")


def _backtest(report: TargetReport) -> dict[str, dict[str, Any]]:
    """Hit rates of the projection methods on past years, for monthly YTD series.

    ``growth_by_month`` is the no-look-ahead backtest of the calibrated growth forecast that
    gives the probabilities (calls "growth ≥ X" by month of the year, docs/targets.md).
    """
    import numpy as np

    from consumption_monitor.targets.backtest import by_month, growth_backtest
    from consumption_monitor.targets.odds import growth_history

    ev = report.evidence
    out: dict[str, dict[str, Any]] = {}
    ytd, single = growth_history(ev)
    calls, _ = growth_backtest(ytd, month_growth=single)
    if calls:
        out["growth_by_month"] = {
            str(m): {"calls": n, "hit_rate": _num(rate), "mae_pp": _num(err)}
            for m, (n, rate, err) in by_month(calls).items()
        }
    years = sorted(y for y, row in ev.cumulative_by_year.items() if math.isfinite(row[-1]))
    if len(years) < 3 or not ev.ytd_growth_by_year:
        return out
    levels = np.array([ev.cumulative_by_year[y] for y in years], dtype=float)
    growth = np.array([ev.ytd_growth_by_year[y] for y in years], dtype=float) / 100.0
    # The growth each target value implies over its baseline year; else NBS-style 5 %.
    implied = [
        v.goal / ev.annual[int(v.years[:4]) - 1] - 1
        for v in report.values
        if v.goal and int(v.years[:4]) - 1 in ev.annual and ev.annual[int(v.years[:4]) - 1] > 0
    ]
    goal_growth = implied[0] if implied else 0.05
    results = backtest(levels, growth, goal_growth, methods=("seasonal_share", "run_rate"))
    out.update({
        m: {"hit_rate": _num(r.hit_rate), "cases": r.cases, "mae_pp": _num(r.mean_abs_error_pp)}
        for m, r in results.items()
    })  # fmt: skip
    return out
