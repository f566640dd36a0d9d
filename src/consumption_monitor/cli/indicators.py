"""`cmon compute` and `cmon indicator`: run the indicator engine, browse its results."""

from __future__ import annotations

import dataclasses
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import date
from typing import Annotated, Any

import typer

from consumption_monitor.cli.command import Answer, Reply, command
from consumption_monitor.cli.common import console, err_console, print_table

indicator_app = typer.Typer(
    name="indicator",
    help="指标目录与计算结果 / indicator catalog and computed values.",
    no_args_is_help=True,
)
commands = typer.Typer()
commands.add_typer(indicator_app, name="indicator")

AsOfOpt = Annotated[
    str | None, typer.Option("--as-of", help="Vintage date YYYY-MM-DD (default: today).")
]


def _date(text: str | None) -> date | None:
    if text is None:
        return None
    try:
        return date.fromisoformat(text)
    except ValueError as exc:
        raise typer.BadParameter("--as-of must be a date YYYY-MM-DD") from exc


#: Progress bar labels of the compute stages (see ``compute.steps.ProgressCallback``).
_STAGES = {"prepare": "准备 / preparing", "run": "计算 / computing"}


@contextmanager
def _compute_progress(*, enabled: bool) -> Iterator[None]:
    """A transient progress bar over the compute stages (none for ``--json``)."""
    if not enabled:
        yield
        return
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TimeElapsedColumn

    from consumption_monitor.compute import progress_to

    with Progress(
        "[progress.description]{task.description}",
        BarColumn(),
        MofNCompleteColumn(),
        TimeElapsedColumn(),
        console=err_console(),
        transient=True,
    ) as bar:
        task = bar.add_task(_STAGES["prepare"], total=None)

        def update(stage: str, done: int, total: int) -> None:
            bar.update(task, description=_STAGES.get(stage, stage), completed=done, total=total)

        with progress_to(update):
            yield


@command(commands, "compute")
def compute_command(
    as_of: AsOfOpt = None,
    engine: Annotated[
        str | None, typer.Option("--engine", help="duckdb or spark (default: CMON_ENGINE).")
    ] = None,
    incremental: Annotated[
        bool,
        typer.Option(
            "--incremental",
            help="Recompute only what batches loaded or reverted since the last result touch "
            "(falls back to a full run when it cannot).",
        ),
    ] = False,
    *,
    reply: Reply,
) -> Answer:
    """计算全部指标并写入数据湖 / compute every indicator and store the long table."""
    from consumption_monitor.compute import compute, write_result
    from consumption_monitor.config import get_settings
    from consumption_monitor.engine import connect

    if engine not in (None, "duckdb", "spark"):
        raise typer.BadParameter("--engine must be duckdb or spark")
    settings = get_settings()
    con = connect(settings, engine)  # type: ignore[arg-type]
    with _compute_progress(enabled=not reply.json):
        result = compute(settings, as_of=_date(as_of), con=con, incremental=incremental)
    path = write_result(settings, result)
    counts = result.table.groupby("indicator").size().to_dict()
    info = result.refresh
    if reply.json:
        return {
            "vintage": result.vintage,
            "path": path,
            "rows": len(result.table),
            "indicators": counts,
            "skipped": result.skipped,
            **({"refresh": dataclasses.asdict(info)} if info else {}),
        }
    print_table(
        "指标计算 / computed indicators",
        ["indicator", "rows"],
        sorted(counts.items()),
        caption=f"vintage {result.vintage} → {path}",
    )
    out = console()
    for code, why in sorted(result.skipped.items()):
        out.print(f"[yellow]跳过 skipped[/] {code}: {why}")
    if info is not None and info.mode == "incremental":
        out.print(
            f"增量刷新 incremental: 重算 recomputed {len(info.indicators)} 个指标 indicators, "
            f"{len(info.periods)} 个时期 periods; 读取 read {info.files_read}/"
            f"{info.full_files} 个文件 files, {info.rows_read:,}/{info.full_rows:,} 行 rows"
        )
    elif info is not None:
        out.print(
            f"[yellow]全量刷新 full refresh[/]（回退 fell back: {info.reason}）: "
            f"{len(info.indicators)} 个指标 indicators, {len(info.periods)} 个时期 periods"
        )


@command(indicator_app, "list")
def list_command(*, reply: Reply) -> Answer:
    """列出指标目录 / list the indicator catalog."""
    from consumption_monitor.indicators import load_indicators

    cat = load_indicators()
    if reply.json:
        return {"data": [i.model_dump() for i in cat], "count": len(cat)}
    rows = [
        (i.code, i.name(reply.lang), i.unit, i.frequency, ",".join(i.bases), ",".join(i.targets))
        for i in cat
    ]
    print_table(
        "指标 / indicators", ["code", "name", "unit", "frequency", "bases", "targets"], rows
    )


@command(indicator_app, "show")
def show_command(
    code: Annotated[
        str,
        typer.Argument(
            help="Indicator code or name: retail_sales, 社会消费品零售总额, 社零, "
            "地区生产总值(GDP); CODE_sa for a series stored by `cmon seasonal`."
        ),
    ],
    region: Annotated[str | None, typer.Option("--region", help="Region code or name.")] = None,
    start: Annotated[str | None, typer.Option("--from", help="First period, e.g. 2024-02.")] = None,
    end: Annotated[str | None, typer.Option("--to", help="Last period, e.g. 2024-12.")] = None,
    basis: Annotated[
        str | None, typer.Option("--basis", help="month, ytd, quarter or year.")
    ] = None,
    dim: Annotated[
        str | None,
        typer.Option(
            "--dim",
            help="A breakdown (category, business_district, origin, channel, format, tier, "
            "kind) or `all`; default: the totals.",
        ),
    ] = None,
    as_of: AsOfOpt = None,
    as_csv: Annotated[bool, typer.Option("--csv", help="Print CSV.")] = False,
    *,
    reply: Reply,
) -> Answer:
    """显示一个指标的计算结果 / show the computed values of one indicator."""
    from consumption_monitor.config import get_settings
    from consumption_monitor.indicators import load_indicators
    from consumption_monitor.indicators.format import format_value
    from consumption_monitor.store.results import clean

    language = reply.lang
    settings = get_settings()
    ind = load_indicators().get(code)
    day = _date(as_of)
    if day is not None:
        from consumption_monitor.compute.asof import read_as_of

        read_as_of(settings, day)  # a vintage as known that day, computed when missing
    df = _frame(ind.code, region, start, end, basis, dim, as_of, settings)
    if as_csv:
        from consumption_monitor.cellsafe import csv_frame

        csv_frame(df).to_csv(sys.stdout, index=False)
        return None
    records: list[dict[str, Any]] = [
        {str(k): clean(v) for k, v in r.items()} for r in df.to_dict(orient="records")
    ]
    if reply.json:
        return {"indicator": ind.model_dump(), "data": records, "count": len(records)}
    shown_dim = dim not in (None, "")

    def pct(v: float | None) -> str:
        return "" if v is None else f"{v:.1f}"

    rows = [
        (
            r["region"],
            r["period"],
            r["basis"],
            *((_dim_label(r["dim"], r["dim_value"], language),) if shown_dim else ()),
            format_value(r["value"], ind.unit, settings.money_unit),
            pct(r["yoy_pct"]),
            "*" if r["provisional"] else "",
            r["note"] or "",
        )
        for r in records
    ]
    print_table(
        f"{ind.name(language)} ({ind.code})",
        ["region", "period", "basis", *(["dim"] if shown_dim else []), "value", "同比%",
         "prov.", "note"],
        rows,
        caption=ind.definition(language),
    )  # fmt: skip
    if not records and not shown_dim:
        _hint_breakdowns(ind.code, as_of, settings)


def _dim_label(dim: str, value: str, lang: str) -> str:
    """A breakdown cell as people read it: the category's name (化妆品类), else ``dim=value``."""
    if dim == "category" and value:
        from consumption_monitor.catalog import load_catalog
        from consumption_monitor.errors import NotFoundError

        try:
            c = load_catalog().category(value)
        except NotFoundError:
            return f"{dim}={value}"
        return c.name_zh if lang == "zh" else c.name_en
    return f"{dim}={value}" if dim else ""


def _frame(
    code: str,
    region: str | None,
    start: str | None,
    end: str | None,
    basis: str | None,
    dim: str | None,
    as_of: str | None,
    settings: Any,
) -> Any:
    """The rows ``indicator show`` prints: the stored table, or a stored seasonal series."""
    from consumption_monitor.compute.query import indicator_frame
    from consumption_monitor.indicators import SA_SUFFIX

    if code.endswith(SA_SUFFIX):
        from consumption_monitor.catalog import load_catalog
        from consumption_monitor.seasonal.readback import adjusted_frame

        cat = load_catalog(settings.city)
        where = cat.region_code(region) if region else cat.city.code
        df = adjusted_frame(settings, code, where, start, end)
        return df if basis is None else df[df.basis == basis].reset_index(drop=True)
    wanted = "" if dim is None else (None if dim == "all" else dim)
    return indicator_frame(
        code, region, start, end, basis, dim=wanted, as_of=_date(as_of), settings=settings
    )


def _hint_breakdowns(code: str, as_of: str | None, settings: Any) -> None:
    """Say which ``--dim`` to use when an indicator is stored only as breakdowns."""
    from consumption_monitor.compute.query import indicator_frame

    dims = sorted(
        set(indicator_frame(code, dim=None, as_of=_date(as_of), settings=settings).dim) - {""}
    )
    if dims:
        console().print(
            f"[yellow]无总计行 no totals[/]: 该指标按维度存储 stored by breakdown — "
            f"use --dim {' | '.join(dims)} | all",
            highlight=False,
        )


@command(indicator_app, "revisions")
def revisions_command(
    code: Annotated[str, typer.Argument(help="Indicator code, e.g. retail_sales.")],
    region: Annotated[
        str | None, typer.Option("--region", help="Region code or name (default: all).")
    ] = None,
    *,
    reply: Reply,
) -> Answer:
    """列出指标在各数据版本之间的修订 / list old → new values between stored vintages."""
    from consumption_monitor.catalog import load_catalog
    from consumption_monitor.compute.asof import revisions
    from consumption_monitor.config import get_settings
    from consumption_monitor.indicators import load_indicators
    from consumption_monitor.indicators.format import format_value

    language = reply.lang
    settings = get_settings()
    ind = load_indicators().get(code)
    where = load_catalog(settings.city).region_code(region) if region else None
    found = revisions(settings, code, where)
    records = [
        {
            "region": r.region, "period": r.period, "basis": r.basis,
            "old_vintage": r.old_vintage.isoformat(), "old_value": r.old_value,
            "new_vintage": r.new_vintage.isoformat(), "new_value": r.new_value,
        }
        for r in found
    ]  # fmt: skip
    if reply.json:
        return {"indicator": code, "data": records, "count": len(records)}

    def show(v: float | None) -> str:
        return "—" if v is None else format_value(v, ind.unit, settings.money_unit)

    rows = [
        (r.region, r.period, r.basis, r.old_vintage.isoformat(), show(r.old_value),
         r.new_vintage.isoformat(), show(r.new_value))
        for r in found
    ]  # fmt: skip
    heads = ["地区", "期间", "口径", "原版本", "原值", "新版本", "新值"]
    if language != "zh":
        heads = ["region", "period", "basis", "old vintage", "old", "new vintage", "new"]
    print_table(
        f"{ind.name(language)} ({ind.code}) " + ("修订" if language == "zh" else "revisions"),
        heads,
        rows,
        caption="" if rows else ("无修订" if language == "zh" else "no revisions"),
    )
