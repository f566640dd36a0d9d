"""Generate docs/cli.md from the command tree itself (a test keeps it current)."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import typer.main

from consumption_monitor.cli import app


def walk(cmd: Any, path: tuple[str, ...] = ("cmon",)) -> Iterator[tuple[str, Any]]:
    """Every command and group below ``cmd`` as ``("cmon plan tasks", command)``, sorted.

    Typer ships its own copy of click, so groups are recognised by their ``commands`` mapping.
    """
    yield " ".join(path), cmd
    commands = getattr(cmd, "commands", None)
    if commands:
        for name in sorted(commands):
            yield from walk(commands[name], (*path, name))


def _options(cmd: Any) -> list[str]:
    rows = []
    for param in cmd.params:
        kind = getattr(param, "param_type_name", "")
        if kind == "option" and not getattr(param, "hidden", False):
            flags = ", ".join(f"`{o}`" for o in [*param.opts, *param.secondary_opts])
            help_text = " ".join((getattr(param, "help", None) or "").split())
            rows.append(f"| {flags} | {help_text} |")
        elif kind == "argument":
            rows.append(f"| `{param.name.upper()}` | argument |")
    return rows


def command_tree() -> Any:
    """The click command built from the typer app."""
    return typer.main.get_command(app)


def cli_markdown() -> str:
    """The CLI reference as Markdown."""
    lines = [
        "# Command-line reference",
        "",
        "Generated from the `cmon` command tree by `make docs`; a test fails when a command is",
        "missing here or has no help text. Every listing takes `--json`; `--lang en` switches",
        "labels to English. Exit codes: 0 ok, 1 error, 2 usage, 3 input refused by validation,",
        "4 not found, 6 forbidden.",
        "",
    ]
    for path, cmd in walk(command_tree()):
        depth = path.count(" ")
        heading = "#" * min(depth + 2, 4)
        help_text = "\n".join(line.strip() for line in (cmd.help or "").strip().splitlines())
        lines += [f"{heading} `{path}`", "", help_text, ""]
        options = _options(cmd)
        if options:
            lines += ["| option | meaning |", "|---|---|", *options, ""]
    return "\n".join(lines).rstrip() + "\n"
