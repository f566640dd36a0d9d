"""`cmon seasonal`: X-13ARIMA-SEATS seasonal adjustment with Chinese moving holidays."""

from __future__ import annotations

import math
from pathlib import Path
from typing import Annotated, Literal, cast

import typer

from consumption_monitor.cli.command import Answer, Reply, command
from consumption_monitor.cli.common import console, print_table

commands = typer.Typer()


def _fmt(value: object, digits: int = 2) -> object:
    if isinstance(value, float):
        return None if math.isnan(value) else round(value, digits)
    return value


@command(commands, "seasonal")
def seasonal(
    code: Annotated[
        str, typer.Argument(help="Indicator code or name, e.g. retail_sales or 社会消费品零售总额.")
    ],
    region: Annotated[str | None, typer.Option("--region", help="Region code.")] = None,
    input_csv: Annotated[
        Path | None,
        typer.Option(
            "--input", help="CSV with columns period,value (2024-03, 2024-01..02, 2024Q1)."
        ),
    ] = None,
    janfeb: Annotated[
        str, typer.Option("--janfeb", help="Jan–Feb handling: auto, quarterly, split, monthly.")
    ] = "auto",
    working_days: Annotated[
        bool,
        typer.Option("--working-days/--no-working-days", help="Official working-day regressor."),
    ] = True,
    start: Annotated[
        str | None,
        typer.Option("--from", help="First period kept: 2018, 2018-03 or 2018Q1."),
    ] = None,
    end: Annotated[
        str | None, typer.Option("--to", help="Last period kept: 2025, 2025-06 or 2025Q2.")
    ] = None,
    refit: Annotated[
        bool,
        typer.Option(
            "--refit",
            help="Choose the Spring Festival windows again even if the series is unchanged.",
        ),
    ] = False,
    *,
    reply: Reply,
) -> Answer:
    """季节调整（X-13ARIMA-SEATS，春节等移动假日）/ seasonally adjust a series."""
    from consumption_monitor.catalog import load_catalog
    from consumption_monitor.config import get_settings
    from consumption_monitor.indicators import load_indicators
    from consumption_monitor.seasonal import adjust
    from consumption_monitor.seasonal.io import cut, read_period_csv
    from consumption_monitor.seasonal.stored import (
        store_adjusted,
        stored_choice,
        stored_quarters,
        stored_series,
    )

    if janfeb not in ("auto", "quarterly", "split", "monthly"):
        raise typer.BadParameter("--janfeb must be auto, quarterly, split or monthly")
    settings = get_settings()
    if input_csv is None:
        # The catalog's one name look-up: 社会消费品零售总额 / 社零 → retail_sales (an
        # unknown or ambiguous name is refused here, not reported as "no values").
        code = load_indicators().get(code).code
    catalog = load_catalog(settings.city)
    region = catalog.region_code(region) if region else catalog.city.code
    stored = input_csv is None
    series = (
        read_period_csv(input_csv)
        if input_csv is not None
        else stored_series(settings, code, region)
    )
    series = cut(series, start, end)
    result = adjust(
        series,
        name=code,
        janfeb=cast(Literal["auto", "quarterly", "split", "monthly"], janfeb),
        working_days=working_days,
        fill=stored_quarters(settings, code, region) if stored else None,
        reuse=None if refit or not stored else stored_choice(settings, code, region),
    )
    if stored:
        store_adjusted(settings, code, region, result)
    table = result.table
    if reply.json:
        rows = [
            {"period": str(p), **{k: _fmt(v, 6) for k, v in r.items()}}
            for p, r in table.to_dict(orient="index").items()
        ]
        return {
            "code": code,
            "region": region,
            "data": rows,
            "count": len(rows),
            "diagnostics": result.diagnostics.to_dict(),
        }
    cols = ["observed", "adjusted", "seasonal", "calendar", "mom_pct", "estimated"]
    print_table(
        f"{code} 季节调整 / seasonally adjusted",
        ["period", *cols],
        [[str(p), *(_fmt(row[c], 3) for c in cols)] for p, row in table.iterrows()],
    )
    d = result.diagnostics
    out = console()
    out.print(
        f"模型 model: {d.model} · AICc {d.aicc:.2f} · 春节窗口 windows: {d.windows} · "
        f"频率 frequency: {d.frequency} · 1-2月 Jan–Feb: {d.janfeb}",
        highlight=False,
    )
    if d.quality:
        out.print(
            "质量 quality: " + ", ".join(f"{k}={v:.2f}" for k, v in d.quality.items()),
            highlight=False,
        )
    if d.outliers:
        out.print("离群值 outliers: " + ", ".join(d.outliers), highlight=False)
    if d.windows_reused:
        out.print(
            "春节窗口沿用上次选择（序列未变；--refit 重新选择）/ windows reused",
            highlight=False,
        )
    for note in d.notes:
        out.print(f"注 note: {note}", highlight=False)
