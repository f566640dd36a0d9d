"""``cmon evaluate``: score districts or departments with an evaluation scheme (工作评价).

A thin adapter: read the long table (``--input``) or build it from the lake
(:func:`consumption_monitor.evaluate.build_inputs`), call
:func:`consumption_monitor.evaluate.evaluate` (and :func:`sensitivity` on request), print a table,
JSON or an .xlsx workbook.
"""

from __future__ import annotations

from datetime import date
from pathlib import Path
from typing import Annotated, Any

import pandas as pd
import typer

from consumption_monitor.cellsafe import XLSX_OPTIONS
from consumption_monitor.cli.command import Answer, Reply, command
from consumption_monitor.cli.common import console, print_table
from consumption_monitor.config import get_settings
from consumption_monitor.errors import DataValidationError, NotFoundError
from consumption_monitor.evaluate import (
    EvaluationResult,
    Scheme,
    SensitivityResult,
    build_inputs,
    evaluate,
    explanation_frame,
    load_scheme,
    result_to_dict,
    scores_frame,
    sensitivity,
    weights_frame,
)
from consumption_monitor.evaluate.explain import method_summary
from consumption_monitor.evaluate.inputs import latest_period, require_lake_units

commands = typer.Typer()

SchemeOpt = Annotated[
    str,
    typer.Option("--scheme", help="Built-in scheme name or a YAML path. 评价方案名称或文件路径。"),
]
PeriodOpt = Annotated[
    str | None, typer.Option("--period", help="Period to evaluate, e.g. 2025 (default: latest).")
]
InputOpt = Annotated[
    Path | None,
    typer.Option(
        "--input",
        help="Long table CSV/Parquet: unit, period, indicator, value (default: built from the "
        "lake). 输入长表（缺省时由数据湖生成）。",
    ),
]
AsOfOpt = Annotated[
    str | None,
    typer.Option("--as-of", help="Use the data as visible on this date (YYYY-MM-DD)."),
]
MissingOpt = Annotated[
    str | None,
    typer.Option(
        "--missing",
        help="Override the scheme's missing-value policy: refuse | worst (flagged). 缺失值处理。",
    ),
]
XlsxOpt = Annotated[
    Path | None,
    typer.Option("--xlsx", help="Also write a workbook (scores, explanation, weights)."),
]
RunsOpt = Annotated[
    int, typer.Option("--sensitivity", help="Weight-sensitivity Monte Carlo runs (0 = off).")
]
SpreadOpt = Annotated[float, typer.Option("--spread", help="Weight perturbation, 0.2 = ±20 %.")]
SeedOpt = Annotated[int, typer.Option("--seed", help="Random seed of the sensitivity runs.")]


def read_long_table(path: Path) -> pd.DataFrame:
    """Read a CSV (UTF-8, BOM tolerated) or Parquet long table; codes stay text."""
    if not path.is_file():
        raise NotFoundError(f"input file {path} not found", f"找不到输入文件 {path}")
    if path.suffix.lower() in (".parquet", ".pq"):
        return pd.read_parquet(path)
    if path.suffix.lower() == ".csv":
        return pd.read_csv(
            path, dtype={"unit": str, "period": str, "indicator": str}, encoding="utf-8-sig"
        )
    raise DataValidationError(
        f"unsupported input format {path.suffix!r}; use .csv or .parquet",
        f"不支持的输入格式 {path.suffix!r}，请使用 .csv 或 .parquet",
    )


def _change(value: Any) -> str:
    if value is None or pd.isna(value):
        return "—"
    v = int(value)
    return f"↑{v}" if v > 0 else f"↓{-v}" if v < 0 else "="


def write_workbook(
    result: EvaluationResult, path: Path, lang: str, stability: SensitivityResult | None
) -> None:
    """Workbook with sheets scores, explanation, weights, method (and sensitivity)."""
    summary = method_summary(result)
    method_rows = [(k, str(v)) for k, v in summary.items() if k != "ahp"]
    method_rows += [(f"ahp.{k}", str(v)) for k, v in summary.get("ahp", {}).items()]
    # xlsxwriter with strings kept as strings: a unit's name can never become a formula.
    with pd.ExcelWriter(
        path, engine="xlsxwriter", engine_kwargs={"options": XLSX_OPTIONS}
    ) as writer:
        scores_frame(result, lang).to_excel(writer, sheet_name="scores", index=False)
        explanation_frame(result, lang).to_excel(writer, sheet_name="explanation", index=False)
        weights_frame(result, lang).to_excel(writer, sheet_name="weights", index=False)
        pd.DataFrame(method_rows, columns=["item", "value"]).to_excel(
            writer, sheet_name="method", index=False
        )
        if stability is not None:
            stability.to_frame().to_excel(writer, sheet_name="sensitivity", index=False)


def _unit_name(code: str, lang: str) -> str:
    """The plan's name of a unit code (和平区, 市商务局); a name from an input table as given."""
    from consumption_monitor.errors import ConsumptionMonitorError
    from consumption_monitor.plan import load_plan

    try:
        found = load_plan().units.find(code)
    except ConsumptionMonitorError:  # no plan for this city: show what the table says
        return code
    if found is None:
        return code
    return found.name_zh if lang == "zh" else (found.name_en or found.name_zh)


def _print(result: EvaluationResult, lang: str, stability: SensitivityResult | None) -> None:
    frame = scores_frame(result, lang)
    zh = lang == "zh"
    cols = (
        ["名次", "单位", "得分", "名次变化", "主要加分项", "主要失分项"]
        if zh
        else ["rank", "unit", "score", "change", "raised by", "lowered by"]
    )
    kept: dict[str, str] = {}
    if stability is not None:
        cols += ["名次稳定率", "名次区间"] if zh else ["rank kept", "rank range"]
        for row in stability.to_frame().itertuples():
            kept[str(row.unit)] = f"{row.rank_kept_share:.0%}|{row.min_rank}–{row.max_rank}"
    rows: list[list[Any]] = []
    for rec in frame.to_dict(orient="records"):
        unit = str(rec["unit"])
        imputed = str(rec["imputed_worst"])
        lowered = str(rec["lowered_by"])
        if imputed:
            lowered += f" [{'缺失按最差' if zh else 'missing, scored worst'}: {imputed}]"
        line: list[Any] = [
            rec["rank"],
            _unit_name(unit, lang),
            f"{float(rec['score']):.2f}",
            _change(rec["rank_change"]),
            rec["raised_by"],
            lowered,
        ]
        if stability is not None:
            line += kept[unit].split("|")
        rows.append(line)
    s = method_summary(result)
    cr = f", CR={s['ahp']['cr']:.4f}" if "ahp" in s else ""
    caption = (
        f"{result.scheme.title_zh if zh else result.scheme.title_en} | {s['weights_method']}{cr} | "
        f"{s['standardisation']} ({s['standardisation_period']}: {', '.join(s['pool_periods'])})"
        f" | {s['aggregation']}"
        + (f" | vs {result.previous_period}" if result.previous_period else "")
    )
    title = f"{'综合评价' if zh else 'Evaluation'} {result.period}"
    print_table(title, cols, rows, caption=caption)
    wf = weights_frame(result, lang)
    print_table(
        "权重" if zh else "Weights",
        ["指标", "方面", "方向", "权重"] if zh else ["indicator", "group", "direction", "weight"],
        [[w.name, w.group, w.direction, f"{w.weight:.4f}"] for w in wf.itertuples()],
    )
    for note in result.notes:
        console().print(f"[yellow]{note}[/]")


def _from_lake(scheme: Scheme, period: str | None, as_of: str | None) -> tuple[pd.DataFrame, str]:
    """The scheme's inputs built from the lake for ``period`` (default: the latest full year)."""
    require_lake_units(scheme)
    settings = get_settings()
    day = date.fromisoformat(as_of) if as_of else None
    chosen = period or latest_period(settings, day)
    if chosen is None:
        raise NotFoundError(
            "no computed indicators: nothing to evaluate",
            "尚未计算指标，无法评价",
            hint_en="run `cmon compute` first, or pass --input",
            hint_zh="请先运行 `cmon compute`，或用 --input 提供长表",
        )
    return build_inputs(scheme, settings, chosen, as_of=day).data, chosen


@command(commands, "evaluate")
def evaluate_cmd(
    scheme: SchemeOpt,
    period: PeriodOpt = None,
    input_path: InputOpt = None,
    as_of: AsOfOpt = None,
    missing: MissingOpt = None,
    xlsx: XlsxOpt = None,
    runs: RunsOpt = 0,
    spread: SpreadOpt = 0.2,
    seed: SeedOpt = 2025,
    *,
    reply: Reply,
) -> Answer:
    """Score and rank units with an evaluation scheme. 按评价方案打分排名。"""
    language = reply.lang
    chosen = load_scheme(scheme)
    if missing is not None:
        if missing not in ("refuse", "worst"):
            raise DataValidationError(
                f"--missing must be refuse or worst, not {missing!r}",
                f"--missing 只能是 refuse 或 worst，而不是 {missing!r}",
            )
        chosen = chosen.model_copy(update={"missing": missing})
    if input_path is not None:
        data = read_long_table(input_path)
    else:
        data, period = _from_lake(chosen, period, as_of)
    result = evaluate(chosen, data, period)
    stability = sensitivity(result, spread=spread, runs=runs, seed=seed) if runs > 0 else None
    if xlsx is not None:
        write_workbook(result, xlsx, language, stability)
    if reply.json:
        out = result_to_dict(result, language)
        if stability is not None:
            out["sensitivity"] = {
                "spread": spread,
                "runs": runs,
                "seed": seed,
                "units": stability.to_frame().to_dict(orient="records"),
            }
        return out
    _print(result, language, stability)
    if xlsx is not None:
        console().print(f"{'已写出' if language == 'zh' else 'written'}: {xlsx}")
