"""Shared pieces of the CLI adapters: output in table or JSON form, errors, exit codes.

Commands do not call :func:`resolve_lang`, :func:`handle_errors` or :func:`print_json`
themselves: :func:`consumption_monitor.cli.command.command` does, once.
"""

from __future__ import annotations

import json
import sys
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from datetime import date, datetime
from decimal import Decimal
from enum import IntEnum
from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console
from rich.table import Table

from consumption_monitor.errors import (
    AuthenticationError,
    ConsumptionMonitorError,
    DataValidationError,
    NotFoundError,
    PermissionDeniedError,
)


def console() -> Console:
    """A console for standard output, built now.

    Rich reads the width (``COLUMNS``, the terminal) and ``NO_COLOR`` when a console is built; a
    console built once at import would keep the environment of whoever imported the CLI first
    (another test's runner under ``pytest -n``, or a shell since resized).
    """
    return Console()


def err_console() -> Console:
    """A console for standard error, built now (see :func:`console`)."""
    return Console(stderr=True)


class Exit(IntEnum):
    """Exit codes that mean something to scripts."""

    OK = 0
    ERROR = 1
    USAGE = 2
    REFUSED = 3  # input data refused by validation
    NOT_FOUND = 4
    FORBIDDEN = 6


JsonOpt = Annotated[bool, typer.Option("--json", help="Print JSON for scripts instead of a table.")]
LangOpt = Annotated[
    str | None, typer.Option("--lang", help="Language of labels: zh (default) or en.")
]


def resolve_lang(lang: str | None) -> str:
    """The language to print in: the option, else the configured default."""
    if lang is None:
        from consumption_monitor.config import get_settings

        return get_settings().lang
    if lang not in ("zh", "en"):
        raise typer.BadParameter("--lang must be zh or en")
    return lang


def _default(obj: object) -> object:
    if isinstance(obj, datetime | date):
        return obj.isoformat()
    if isinstance(obj, Path):
        return obj.as_posix()
    if isinstance(obj, Decimal):
        return float(obj)
    if hasattr(obj, "model_dump"):
        return obj.model_dump(mode="json")
    if isinstance(obj, set | frozenset):
        return sorted(obj)
    raise TypeError(f"not JSON serialisable: {type(obj).__name__}")


def print_json(data: object) -> None:
    """Print ``data`` as UTF-8 JSON (Chinese kept readable)."""
    sys.stdout.write(json.dumps(data, ensure_ascii=False, indent=2, default=_default) + "\n")


def print_table(
    title: str, columns: Sequence[str], rows: Sequence[Sequence[object]], *, caption: str = ""
) -> None:
    """Print a rich table; ``None`` shows as an empty cell."""
    table = Table(title=title, caption=caption or None, show_lines=False)
    for col in columns:
        table.add_column(col, overflow="fold")
    for row in rows:
        table.add_row(*("" if v is None else str(v) for v in row))
    console().print(table)


def exit_code_for(exc: ConsumptionMonitorError) -> Exit:
    """Map an error class to the documented exit code."""
    if isinstance(exc, DataValidationError):
        return Exit.REFUSED
    if isinstance(exc, NotFoundError):
        return Exit.NOT_FOUND
    if isinstance(exc, PermissionDeniedError | AuthenticationError):
        return Exit.FORBIDDEN
    return Exit.ERROR


@contextmanager
def handle_errors(lang: str = "zh", *, as_json: bool = False) -> Iterator[None]:
    """Render platform errors once, in the chosen language, and exit with a meaningful code."""
    try:
        yield
    except ConsumptionMonitorError as exc:
        _print_error(exc, lang, as_json=as_json)
        raise typer.Exit(int(exit_code_for(exc))) from exc
    except Exception as exc:
        # A full disk, read-only database or corrupt file: one clear line, not a traceback.
        from consumption_monitor.store.faults import storage_error

        err = storage_error(exc)
        if err is None:
            raise
        _print_error(err, lang, as_json=as_json)
        raise typer.Exit(int(exit_code_for(err))) from exc


def _print_error(exc: ConsumptionMonitorError, lang: str, *, as_json: bool) -> None:
    if as_json:
        print_json({"error": exc.to_dict()})
    else:
        err_console().print(f"[bold red]错误 / error[/]: {exc.render(lang)}", highlight=False)
        for problem in getattr(exc, "problems", [])[:50]:
            err_console().print(f"  - {problem.render(lang)}", highlight=False)
