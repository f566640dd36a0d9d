"""Every ``cmon`` command goes through ``cli/command.py``: one place for language, errors, JSON."""

from __future__ import annotations

import ast
import json
from pathlib import Path

import typer
from typer.testing import CliRunner

from consumption_monitor.cli import COMMAND_MODULES
from consumption_monitor.cli.command import Reply, command
from consumption_monitor.errors import NotFoundError

CLI = Path(__file__).parents[2] / "src" / "consumption_monitor" / "cli"
#: The two modules that implement the shared handling; every other module uses the decorator.
OWNERS = {"common.py", "command.py"}
SHARED = {"resolve_lang", "handle_errors", "print_json"}


def _names_used(path: Path) -> set[str]:
    tree = ast.parse(path.read_text(encoding="utf-8"))
    used = {n.id for n in ast.walk(tree) if isinstance(n, ast.Name)}
    used |= {n.attr for n in ast.walk(tree) if isinstance(n, ast.Attribute)}
    used |= {a.name for n in ast.walk(tree) if isinstance(n, ast.ImportFrom) for a in n.names}
    return used


def test_no_cli_module_handles_language_errors_or_json_itself() -> None:
    modules = sorted(p for p in CLI.glob("*.py") if p.name not in OWNERS)
    assert len(modules) >= len(COMMAND_MODULES)
    offenders = {p.name: sorted(_names_used(p) & SHARED) for p in modules}
    assert {k: v for k, v in offenders.items() if v} == {}


def test_one_registration_style() -> None:
    # Each command module declares a module-level `commands` Typer and no register(app).
    for name in COMMAND_MODULES:
        tree = ast.parse((CLI / f"{name}.py").read_text(encoding="utf-8"))
        top = {n.name for n in tree.body if isinstance(n, ast.FunctionDef)}
        assigned = {
            t.id for n in tree.body if isinstance(n, ast.Assign) for t in n.targets
            if isinstance(t, ast.Name)
        }  # fmt: skip
        assert "register" not in top, name
        assert "commands" in assigned, name


def _app() -> typer.Typer:
    app = typer.Typer()

    @app.callback()
    def main() -> None:
        """Test shell."""

    @command(app, "find")
    def find(code: str, *, reply: Reply) -> object:
        """Find a thing."""
        if code != "ok":
            raise NotFoundError(f"no thing {code!r}", f"没有 {code!r}")
        if reply.json:
            return {"code": code, "lang": reply.lang}
        typer.echo(f"found {code} ({reply.lang})")
        return None

    return app


def test_the_decorator_adds_options_maps_errors_and_prints_json_once() -> None:
    runner = CliRunner()
    app = _app()
    shown = runner.invoke(app, ["find", "ok", "--lang", "en"])
    assert (shown.exit_code, shown.stdout) == (0, "found ok (en)\n")
    answered = runner.invoke(app, ["find", "ok", "--json", "--lang", "en"])
    assert json.loads(answered.stdout) == {"code": "ok", "lang": "en"}
    missing = runner.invoke(app, ["find", "nope", "--json"])
    assert missing.exit_code == 4
    assert json.loads(missing.stdout)["error"]["code"] == "not_found"
    text = runner.invoke(app, ["find", "nope", "--lang", "en"])
    assert text.exit_code == 4
    assert "no thing 'nope'" in text.output
    assert runner.invoke(app, ["find", "ok", "--lang", "fr"]).exit_code == 2
