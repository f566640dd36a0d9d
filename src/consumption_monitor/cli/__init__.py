"""The ``cmon`` command line: thin adapters over the library.

Each command module declares its commands with :func:`~consumption_monitor.cli.command.command`
on a module-level ``commands`` Typer; the list below is the only place that knows them all, and
``docs/cli.md`` is checked against it by a test.
"""

from __future__ import annotations

import importlib
import sys

import typer

from consumption_monitor import __version__
from consumption_monitor.cli.command import Answer, Reply, command, startup_errors

app = typer.Typer(
    name="cmon",
    help="cmon: 消费市场监测与“大消费”行动方案跟踪平台 / consumption market monitor.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
)

#: Command modules under ``consumption_monitor.cli``; each exposes a ``commands`` Typer.
COMMAND_MODULES: tuple[str, ...] = (
    "plan",
    "indicators",
    "targets",
    "evaluate",
    "composite",
    "seasonal",
    "batches",
    "simulate",
    "ingest",
    "web",
    "projects",
    "report",
    "monitor",
    "demo",
    "remind",
)


@command(app, lang=False)
def version(*, reply: Reply) -> Answer:
    """Print the installed version. 显示版本号。"""
    if reply.json:
        return {"version": __version__}
    typer.echo(f"cmon {__version__}")


def _register_all() -> None:
    for name in COMMAND_MODULES:
        module = importlib.import_module(f"consumption_monitor.cli.{name}")
        app.add_typer(module.commands)


_register_all()


def main() -> None:
    """Console-script entry point.

    Errors raised before a command's own handler runs are rendered the same way, not as a
    traceback (:func:`~consumption_monitor.cli.command.startup_errors`).
    """
    try:
        with startup_errors():
            app()
    except typer.Exit as exc:  # raised by handle_errors with the documented exit code
        sys.exit(exc.exit_code)
