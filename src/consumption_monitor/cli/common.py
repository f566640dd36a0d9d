"""Shared pieces of the CLI adapters: output in table or JSON form, errors, exit codes."""

from __future__ import annotations

import json
import sys
from collections.abc import Callable, Iterator, Sequence
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


class _LiveConsole(Console):
    """A console that reads the terminal width and ``COLUMNS`` when it prints, not at import.

    Rich pins the width given by ``COLUMNS`` at construction. A module-level console built at
    import would then keep the width of whichever environment imported the CLI first (another
    test's runner under ``pytest -n``, or a shell that has since been resized). Clearing the
    pinned size makes every print measure its own environment, like a console made per call.
    """

    def __init__(self, *, stderr: bool = False) -> None:
        super().__init__(stderr=stderr)
        self._width = None
        self._height = None


console: Console = _LiveConsole()
err_console: Console = _LiveConsole(stderr=True)


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
    console.print(table)


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
        err_console.print(f"[bold red]错误 / error[/]: {exc.render(lang)}", highlight=False)
        for problem in getattr(exc, "problems", [])[:50]:
            err_console.print(f"  - {problem.render(lang)}", highlight=False)


def run(fn: Callable[[], object], lang: str = "zh", *, as_json: bool = False) -> object:
    """Call ``fn`` inside :func:`handle_errors`."""
    with handle_errors(lang, as_json=as_json):
        return fn()
    return None  # pragma: no cover - handle_errors re-raises
