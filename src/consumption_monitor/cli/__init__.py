"""The ``cmon`` command line: thin adapters over the library.

Each command group lives in its own module with a ``register(app)`` function; the list below is
the only place that knows them all, and ``docs/cli.md`` is checked against it by a test.
"""

from __future__ import annotations

import importlib
import os
import sys

import typer

from consumption_monitor import __version__
from consumption_monitor.cli.common import JsonOpt, handle_errors, print_json

app = typer.Typer(
    name="cmon",
    help="cmon: 消费市场监测与“大消费”行动方案跟踪平台 / consumption market monitor.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
)

#: Command-group modules under ``consumption_monitor.cli``; each exposes ``register(app)``.
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


@app.command()
def version(as_json: JsonOpt = False) -> None:
    """Print the installed version. 显示版本号。"""
    if as_json:
        print_json({"version": __version__})
    else:
        typer.echo(f"cmon {__version__}")


def _register_all() -> None:
    for name in COMMAND_MODULES:
        module = importlib.import_module(f"consumption_monitor.cli.{name}")
        module.register(app)


_register_all()


def main() -> None:
    """Console-script entry point.

    Errors raised before a command's own handler runs (a bad ``CMON_*`` setting read while the
    command starts) are rendered the same way, not as a traceback; the language comes from
    ``CMON_LANG`` when it is readable, since the settings themselves may be what failed.
    """
    lang = "en" if os.environ.get("CMON_LANG") == "en" else "zh"
    try:
        with handle_errors(lang):
            app()
    except typer.Exit as exc:  # raised by handle_errors with the documented exit code
        sys.exit(exc.exit_code)
