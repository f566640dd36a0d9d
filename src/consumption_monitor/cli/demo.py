"""``cmon demo``: build the synthetic Tianjin and serve the dashboard."""

from __future__ import annotations

from typing import Annotated

import typer

from consumption_monitor.cli.command import command
from consumption_monitor.cli.common import console, print_table
from consumption_monitor.config import load_settings

commands = typer.Typer()


@command(commands, "demo", json=False)
def demo(
    scale: Annotated[str, typer.Option("--scale", help="tiny, demo (default) or large.")] = "demo",
    seed: Annotated[int, typer.Option("--seed", help="Simulator seed.")] = 2025,
    end: Annotated[
        str | None, typer.Option("--end", help="Last month YYYY-MM (default: last complete).")
    ] = None,
    serve: Annotated[
        bool, typer.Option("--serve/--no-serve", help="Serve the dashboard when done.")
    ] = True,
    host: Annotated[str | None, typer.Option("--host", help="Address to bind.")] = None,
    port: Annotated[int | None, typer.Option("--port", help="Port to listen on.")] = None,
) -> None:
    """Simulate a city, ingest, compute, create demo users and serve. 一键演示。"""
    from consumption_monitor.demo import DEMO_PASSWORD, DEMO_USERS, build_demo

    settings = load_settings()
    if settings.mode == "production":
        raise typer.BadParameter("cmon demo refuses to run with CMON_MODE=production")
    out = console()
    with out.status("demo…") as status:
        result = build_demo(
            settings, scale=scale, seed=seed, end=end,
            step=lambda msg: status.update(f"[bold]demo[/]: {msg}"),
        )  # fmt: skip
    out.print(
        f"loaded {result.batches_loaded} batches ({result.batches_skipped} already loaded), "
        f"{result.indicator_rows:,} indicator rows, data in {settings.data_dir}",
        highlight=False,
    )
    print_table(
        "演示账号 / demo logins",
        ["用户名 user", "角色 role", "单位 unit", "密码 password"],
        [[u, r, label, DEMO_PASSWORD] for u, r, _unit, label in DEMO_USERS],
    )
    if not serve:
        return
    import uvicorn

    from consumption_monitor.web.app import create_app

    bind_host, bind_port = host or settings.host, port or settings.port
    from consumption_monitor.report.scheduler import start_scheduler

    out.print(f"dashboard: http://{bind_host}:{bind_port}/", highlight=False)
    scheduler = start_scheduler(settings)
    try:
        uvicorn.run(create_app(settings), host=bind_host, port=bind_port)
    finally:
        if scheduler is not None:
            scheduler.stop()
