"""``cmon simulate``: write a synthetic Tianjin (every dataset) as provider files."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer
from rich.progress import BarColumn, Progress, TextColumn, TimeElapsedColumn

from consumption_monitor.cli.command import Answer, Reply, command
from consumption_monitor.cli.common import console, print_table

commands = typer.Typer()


@command(commands, "simulate")
def simulate_cmd(
    out: Annotated[Path, typer.Option("--out", help="Output folder. 输出目录。")],
    scale: Annotated[str, typer.Option("--scale", help="tiny | demo | large. 数据规模。")] = "tiny",
    seed: Annotated[int, typer.Option("--seed", help="Random seed. 随机种子。")] = 0,
    start: Annotated[str, typer.Option("--start", help="First month YYYY-MM.")] = "2019-01",
    end: Annotated[
        str | None,
        typer.Option("--end", help="Last month YYYY-MM (default: latest complete month)."),
    ] = None,
    *,
    reply: Reply,
) -> Answer:
    """Generate synthetic data files for every dataset. 生成全部数据集的模拟数据文件。"""
    from consumption_monitor.simulate import simulate

    language = reply.lang
    if reply.json:
        result = simulate(out, scale, seed, start, end)
    else:
        columns = (TextColumn("{task.description}"), BarColumn(), TimeElapsedColumn())
        with Progress(*columns, console=console()) as bar:
            task = bar.add_task("simulate", total=1)

            def report(step: str, done: int, total: int) -> None:
                bar.update(task, description=step, completed=done, total=max(total, 1))

            result = simulate(out, scale, seed, start, end, progress=report)
    counts = {ds: len(paths) for ds, paths in result.files.items()}
    if reply.json:
        return {
            "files": {ds: [p.as_posix() for p in paths] for ds, paths in result.files.items()},
            "truth": result.truth_path.as_posix(),
            "manifest": result.manifest_path.as_posix(),
        }
    title = "模拟数据文件 / simulated files" if language == "zh" else "Simulated files"
    print_table(
        title,
        ["dataset", "files"],
        sorted(counts.items()),
        caption=f"truth: {result.truth_path}  manifest: {result.manifest_path}",
    )
