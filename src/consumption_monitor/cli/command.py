"""One way to declare a ``cmon`` command: language, errors and JSON output are handled here once.

A command module declares its commands on a module-level ``commands`` Typer (top-level
commands, and the groups it adds there) with :func:`command`::

    commands = typer.Typer()

    @command(commands, "compute")
    def compute_command(as_of: AsOfOpt = None, *, reply: Reply) -> Answer:
        result = ...
        if reply.json:
            return {"rows": len(result)}  # printed as JSON by the decorator
        print_table(...)

:func:`command` adds ``--json`` (unless ``json=False``) and ``--lang`` (unless ``lang=False``)
to the command's options, resolves the language once (the option, else ``CMON_LANG``), maps
platform errors to the documented exit code with a message in that language (or a JSON
``{"error": …}`` under ``--json``), and prints what the function returns as JSON when ``--json``
is set. ``cli/__init__.py`` adds every module's ``commands`` to the ``cmon`` app.
"""

from __future__ import annotations

import functools
import inspect
import os
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any, TypeVar

import typer

from consumption_monitor.cli.common import (
    JsonOpt,
    LangOpt,
    handle_errors,
    print_json,
    resolve_lang,
)

F = TypeVar("F", bound=Callable[..., Any])

#: What a command function returns: printed as JSON under ``--json``; ``None`` prints nothing.
Answer = Any


@dataclass
class Reply:
    """How a command answers: in which language, as JSON or as text, and with which exit code.

    ``lang`` may be changed by the command (``cmon report`` takes its own ``--lang zh,en``); an
    error is rendered in the language set when it is raised. A non-zero ``exit_code`` set by
    the command is the process's exit status after the output is printed.
    """

    lang: str = "zh"
    json: bool = False
    exit_code: int = 0

    @property
    def zh(self) -> bool:
        """True when labels are printed in Chinese."""
        return self.lang == "zh"


def command(
    parent: typer.Typer, name: str | None = None, *, json: bool = True, lang: bool = True
) -> Callable[[F], F]:
    """Register the decorated function as command ``name`` of ``parent``.

    The function may take a keyword ``reply: Reply``; its return value, when ``--json`` is set
    and it is not ``None``, is printed as JSON. Without ``lang`` the reply's language is zh
    until the command sets it.
    """

    def decorate(fn: F) -> F:
        signature = inspect.signature(fn, eval_str=True)
        takes_reply = "reply" in signature.parameters
        params = [p for p in signature.parameters.values() if p.name != "reply"]
        kw = inspect.Parameter.KEYWORD_ONLY
        if json:
            params.append(inspect.Parameter("as_json", kw, default=False, annotation=JsonOpt))
        if lang:
            params.append(inspect.Parameter("lang", kw, default=None, annotation=LangOpt))

        @functools.wraps(fn)
        def run(*args: Any, **kwargs: Any) -> None:
            as_json = bool(kwargs.pop("as_json", False))
            reply = Reply(resolve_lang(kwargs.pop("lang", None)) if lang else "zh", as_json)
            if takes_reply:
                kwargs["reply"] = reply
            try:
                data = fn(*args, **kwargs)
            except Exception:
                # Rendered in the reply's language as it is now (a command may set it).
                with handle_errors(reply.lang, as_json=reply.json):
                    raise
            if as_json and data is not None:
                print_json(data)
            if reply.exit_code:
                raise typer.Exit(reply.exit_code)

        run.__signature__ = signature.replace(  # type: ignore[attr-defined]
            parameters=params, return_annotation=None
        )
        run.__annotations__ = {p.name: p.annotation for p in params} | {"return": None}
        parent.command(name)(run)
        return fn

    return decorate


@contextmanager
def startup_errors() -> Iterator[None]:
    """Errors raised before a command's own handler runs (a bad ``CMON_*`` setting read while
    the command starts), rendered the same way, in ``CMON_LANG`` when it is readable: the
    settings themselves may be what failed."""
    with handle_errors("en" if os.environ.get("CMON_LANG") == "en" else "zh"):
        yield
