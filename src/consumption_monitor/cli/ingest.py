"""``cmon ingest`` and ``cmon template``: load files into the lake; write fill-in templates."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Annotated, Any

import typer

from consumption_monitor.cli.command import Answer, Reply, command
from consumption_monitor.cli.common import console, print_table

commands = typer.Typer()

PathsArg = Annotated[
    list[Path], typer.Argument(help="Files to load (xlsx, csv, parquet, json, jsonl).")
]
DatasetOpt = Annotated[
    str, typer.Option("--dataset", "-d", help="Target dataset, e.g. official_stats.")
]
VintageOpt = Annotated[
    str | None, typer.Option(help="Release (as-of) date YYYY-MM-DD; default today.")
]
QuarantineOpt = Annotated[
    bool, typer.Option("--quarantine", help="Load valid rows; set rejected rows aside.")
]
SheetOpt = Annotated[
    str | None, typer.Option(help="Workbook sheet to read (default: all data sheets).")
]
RegionOpt = Annotated[
    str | None,
    typer.Option(
        help="Region of a release table whose title names none, e.g. 全国 (official_stats)."
    ),
]
FormatOpt = Annotated[str, typer.Option("--format", "-f", help="xlsx (with drop-downs) or csv.")]

#: Inputs at least this large get a progress bar (bytes).
PROGRESS_MIN_BYTES = 16 << 20


@contextmanager
def _progress(paths: list[Path], enabled: bool) -> Iterator[Callable[[int], None] | None]:
    total = sum(p.stat().st_size for p in paths if p.is_file())
    if not enabled or total < PROGRESS_MIN_BYTES:
        yield None
        return
    from rich.progress import (
        BarColumn,
        DownloadColumn,
        Progress,
        TimeRemainingColumn,
        TransferSpeedColumn,
    )

    with Progress(
        "[progress.description]{task.description}",
        BarColumn(),
        DownloadColumn(),
        TransferSpeedColumn(),
        TimeRemainingColumn(),
        console=console(),
        transient=True,
    ) as bar:
        task = bar.add_task("读取 / reading", total=total)
        yield lambda n: bar.advance(task, n)


def _audit_ingest(result: Any, *, allow_future: bool = False, allow_shadowed: bool = False) -> None:
    """One ``batch.ingest`` audit row per CLI load (duplicates included: they were attempted)."""
    import getpass

    from consumption_monitor.auth.audit_events import append
    from consumption_monitor.config import load_settings

    try:
        who = f"cli:{getpass.getuser()}"
    except (KeyError, OSError):
        who = "cli"
    detail = {
        "batch": result.batch_id,
        "duplicate": result.duplicate,
        "rows_loaded": result.rows_loaded,
        "rows_rejected": result.rows_rejected,
        "files": [Path(f).name for f in result.files],
        "vintage": result.vintage.isoformat(),
        "allow_future": allow_future,
        "allow_shadowed": allow_shadowed,
    }
    append(load_settings().metadata_url, who, "batch.ingest", result.dataset, detail)


@command(commands, "ingest")
def ingest_cmd(
    paths: PathsArg,
    dataset: DatasetOpt,
    vintage: VintageOpt = None,
    quarantine: QuarantineOpt = False,
    sheet: SheetOpt = None,
    region: RegionOpt = None,
    allow_future: Annotated[
        bool,
        typer.Option(
            "--allow-future",
            help="Record a release dated after today (invisible until its day; audited). "
            "允许未来版本日期（到期前不可见，记入审计）。",
        ),
    ] = False,
    allow_shadowed: Annotated[
        bool,
        typer.Option(
            "--allow-shadowed",
            help="Load an earlier release that a later vintage supersedes, for the history. "
            "补录已被更晚版本取代的历史版本。",
        ),
    ] = False,
    *,
    reply: Reply,
) -> Answer:
    """Validate files and load them as one batch. 校验并导入数据文件（出错则整批拒绝）。

    Exit code 3 when the data is refused; nothing is written then.
    """
    from consumption_monitor.ingest import ingest

    lng = reply.lang
    with _progress(paths, not reply.json) as progress:
        result = ingest(
            paths, dataset, vintage=vintage, quarantine=quarantine, sheet=sheet,
            loaded_by="cli", progress=progress, region=region,
            allow_future=allow_future, allow_shadowed=allow_shadowed,
        )  # fmt: skip
        _audit_ingest(result, allow_future=allow_future, allow_shadowed=allow_shadowed)
    if reply.json:
        return result.model_dump(mode="json")
    typer.echo(result.message_zh if lng == "zh" else result.message_en)
    if result.problems:
        print_table(
            "隔离的问题行 / rows set aside" if lng == "zh" else "rows set aside",
            ["file", "sheet", "row", "column", "value", "reason"],
            [
                (p["file"], p["sheet"], p["row"], p["column"], p["value"],
                 p["reason_zh"] if lng == "zh" else p["reason_en"])
                for p in result.problems
            ],
            caption=f"{result.problems_total} problems",
        )  # fmt: skip


@command(commands, "template")
def template_cmd(
    dataset: Annotated[str, typer.Argument(help="Dataset name, e.g. enterprise_monthly.")],
    fmt: FormatOpt = "xlsx",
    out: Annotated[Path | None, typer.Option("--out", "-o", help="Output path.")] = None,
    unit: Annotated[
        str | None,
        typer.Option(help="The unit's own template (its tasks or indicators), e.g. 和平区."),
    ] = None,
    *,
    reply: Reply,
) -> Answer:
    """Write a fill-in template with Chinese headers. 生成带中文表头和下拉列表的填报模板。"""
    from consumption_monitor.config import get_settings
    from consumption_monitor.ingest.templates import write_template

    settings = get_settings()
    path = write_template(dataset, fmt, out, city=settings.city, unit=unit)  # type: ignore[arg-type]
    if reply.json:
        return {"dataset": dataset, "format": fmt, "path": path}
    typer.echo(f"模板已写入 / template written: {path}")
