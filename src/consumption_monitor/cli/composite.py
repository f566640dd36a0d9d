"""``cmon evaluate-composite``: the consumption scheme nested in a 高质量发展综合绩效 scheme.

Prints the composite ranking at one consumption weight, the ranks as the weight is swept, and
the weights at which two units swap places (:mod:`consumption_monitor.evaluate.composite`).
"""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Any

import pandas as pd
import typer

from consumption_monitor.cli.command import Answer, Reply, command
from consumption_monitor.cli.common import print_table
from consumption_monitor.cli.evaluate import _from_lake, _unit_name, read_long_table
from consumption_monitor.errors import DataValidationError
from consumption_monitor.evaluate import EvaluationResult, evaluate, load_scheme
from consumption_monitor.evaluate.composite import (
    CompositeResult,
    CompositeScheme,
    crossovers,
    evaluate_composite,
    load_composite,
    sweep,
)

commands = typer.Typer()


def parse_weights(text: str) -> tuple[float, ...]:
    """``0.1,0.2,0.3`` or ``10%,20%`` → shares; refused with the value named."""
    out: list[float] = []
    for part in text.replace("，", ",").split(","):
        item = part.strip()
        if not item:
            continue
        try:
            value = float(item.rstrip("%")) / (100 if item.endswith("%") else 1)
        except ValueError:
            raise DataValidationError(
                f"--sweep: {item!r} is not a weight",
                f"--sweep：{item!r} 不是权重",
                hint_en="write shares separated by commas, e.g. 0.1,0.2,0.3 or 10%,20%",
                hint_zh="请用逗号分隔比例，如 0.1,0.2,0.3 或 10%,20%",
            ) from None
        out.append(value)
    return tuple(out)


def _unit_code(label: str) -> str:
    """A unit written by name (和平区) or code (120101) → the plan's code, so the table's blocks
    meet the consumption scores from the lake."""
    from consumption_monitor.errors import ConsumptionMonitorError
    from consumption_monitor.plan import load_plan

    try:
        found = load_plan().units.find(label)
    except ConsumptionMonitorError:
        return label
    return found.code if found is not None else label


def _consumption(
    scheme: CompositeScheme,
    data: pd.DataFrame,
    period: str | None,
    as_of: str | None,
    missing: str | None,
) -> tuple[EvaluationResult | None, str | None]:
    """The consumption block's evaluation: from the input table if it has the scheme's
    indicators, else from the lake; none if the table gives the block's scores directly."""
    code = scheme.consumption_block
    if len(data) and (data["indicator"] == code).any():
        return None, period
    sub = load_scheme(scheme.consumption.scheme or "")
    if missing is not None:
        sub = sub.model_copy(update={"missing": missing})
    codes = {i.code for i in sub.indicators}
    if len(data) and data["indicator"].isin(codes).any():
        return evaluate(sub, data, period), period
    lake, chosen = _from_lake(sub, period, as_of)
    return evaluate(sub, lake, chosen), chosen


def _payload(result: CompositeResult, lang: str, grid: pd.DataFrame, swaps: pd.DataFrame) -> Any:
    zh = lang == "zh"
    names = {b.code: (b.name_zh if zh else b.name_en) for b in result.scheme.blocks}
    return {
        "scheme": result.scheme.name,
        "period": result.period,
        "consumption_weight": result.weight,
        "weights": result.weights,
        "block_names": names,
        "scores": [
            {
                "unit": u,
                "name": _unit_name(u, lang),
                "rank": int(r),
                "score": float(s),
                "blocks": dict(zip(result.blocks, row.tolist(), strict=True)),
            }
            for u, r, s, row in zip(
                result.units, result.ranks, result.scores, result.block_scores, strict=True
            )
        ],
        "sweep": grid.to_dict(orient="records"),
        "crossovers": swaps.to_dict(orient="records"),
    }


def _print(result: CompositeResult, lang: str, grid: pd.DataFrame, swaps: pd.DataFrame) -> None:
    zh = lang == "zh"
    blocks = result.scheme.blocks
    order = sorted(range(len(result.units)), key=lambda i: (result.ranks[i], result.units[i]))
    cols = (["名次", "单位", "综合得分"] if zh else ["rank", "unit", "score"]) + [
        f"{b.name_zh if zh else b.name_en} {result.weights[b.code]:.0%}" for b in blocks
    ]
    rows = [
        [int(result.ranks[i]), _unit_name(result.units[i], lang), f"{result.scores[i]:.2f}"]
        + [f"{v:.1f}" for v in result.block_scores[i]]
        for i in order
    ]
    title = result.scheme.title_zh if zh else result.scheme.title_en
    weight = f"{result.weight:.0%}"
    print_table(
        f"{title} {result.period}",
        cols,
        rows,
        caption=("消费板块权重 " if zh else "consumption weight ") + weight,
    )
    weights = sorted(set(grid["weight"]))
    ranks = grid.pivot(index="unit", columns="weight", values="rank")
    print_table(
        "消费板块权重变化时的名次" if zh else "Rank as the consumption weight changes",
        ["单位" if zh else "unit"] + [f"{w:.0%}" for w in weights],
        [
            [_unit_name(result.units[i], lang)]
            + [int(ranks.loc[result.units[i], w]) for w in weights]
            for i in order
        ],
    )
    lo, hi = min(weights), max(weights)
    shown = swaps[(swaps["weight"] >= lo) & (swaps["weight"] <= hi)]
    if len(shown):
        span = f"{lo:.0%}–{hi:.0%}"
        print_table(
            f"名次交换点（{span}）" if zh else f"Where two units swap places ({span})",
            ["消费板块权重", "超过者", "被超过者"] if zh else ["weight", "passes", "is passed"],
            [
                [f"{r.weight:.1%}", _unit_name(str(r.gains), lang), _unit_name(str(r.loses), lang)]
                for r in shown.itertuples()
            ],
        )


@command(commands, "evaluate-composite")
def composite_cmd(
    scheme: Annotated[
        str,
        typer.Option("--scheme", help="Built-in composite name or YAML path. 综合绩效方案。"),
    ] = "hq_development_default",
    input_path: Annotated[
        Path | None,
        typer.Option(
            "--input",
            help="Long table unit, period, indicator (= block code), value with the other "
            "blocks' scores. 其余板块得分长表。",
        ),
    ] = None,
    period: Annotated[str | None, typer.Option("--period", help="Period, e.g. 2025.")] = None,
    weight: Annotated[
        float | None,
        typer.Option("--weight", help="Consumption block weight, 0–1 (default: the file's)."),
    ] = None,
    sweep_text: Annotated[
        str | None,
        typer.Option("--sweep", help="Weights to show ranks at, e.g. 0.1,0.2,0.3."),
    ] = None,
    as_of: Annotated[str | None, typer.Option("--as-of", help="Data as of YYYY-MM-DD.")] = None,
    missing: Annotated[
        str | None, typer.Option("--missing", help="refuse | worst, for the consumption block.")
    ] = None,
    *,
    reply: Reply,
) -> Answer:
    """Nest the consumption scheme in a wider performance scheme. 消费板块嵌套综合绩效评价。"""
    language = reply.lang
    chosen = load_composite(scheme)
    data = (
        read_long_table(input_path)
        if input_path is not None
        else pd.DataFrame(columns=["unit", "period", "indicator", "value"])
    )
    if len(data):
        data = data.astype({"unit": str, "period": str, "indicator": str})
        data["unit"] = data["unit"].map(_unit_code)
    consumption, period = _consumption(chosen, data, period, as_of, missing)
    label = period or (consumption.period if consumption else None)
    if label is None:
        label = str(sorted(set(data["period"]))[-1]) if len(data) else ""
    result = evaluate_composite(chosen, data, label, consumption=consumption, weight=weight)
    grid = sweep(result, parse_weights(sweep_text) if sweep_text else None)
    swaps = crossovers(result)
    if reply.json:
        return _payload(result, language, grid, swaps)
    _print(result, language, grid, swaps)
