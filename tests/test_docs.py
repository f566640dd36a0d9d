"""Docs are tested: every CLI command has help text and appears in docs/cli.md."""

from __future__ import annotations

from pathlib import Path

from consumption_monitor.cli.reference import cli_markdown, command_tree, walk

ROOT = Path(__file__).resolve().parents[1]


def test_every_command_has_help() -> None:
    missing = [path for path, cmd in walk(command_tree()) if not (cmd.help or "").strip()]
    assert missing == []


def test_cli_reference_is_current() -> None:
    doc = (ROOT / "docs" / "cli.md").read_text(encoding="utf-8")
    for path, _ in walk(command_tree()):
        assert f"`{path}`" in doc, f"{path} is not documented in docs/cli.md (run `make docs`)"
    assert doc == cli_markdown(), "docs/cli.md is stale: run `make docs`"


def test_readme_points_to_the_docs_that_exist() -> None:
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    for line in readme.splitlines():
        if "](docs/" in line:
            target = line.split("](", 1)[1].split(")", 1)[0]
            assert (ROOT / target).exists(), target
