"""The computation's structure: every indicator kind has one builder, and the compute package
has no import cycle (module- or function-level), so the full run and the refresh depend on the
shared steps only."""

from __future__ import annotations

import ast
from pathlib import Path
from typing import get_args

import consumption_monitor.compute as compute_pkg
from consumption_monitor.compute.incremental import POST_KINDS
from consumption_monitor.compute.steps import BUILDERS
from consumption_monitor.indicators.models import Kind

PKG = Path(compute_pkg.__file__).parent


def test_every_kind_has_exactly_one_way_to_be_computed() -> None:
    kinds = set(get_args(Kind))
    assert set(BUILDERS) | set(POST_KINDS) == kinds
    assert not set(BUILDERS) & set(POST_KINDS)


def _imports(path: Path) -> set[str]:
    """Modules of the compute package imported anywhere in ``path`` (any nesting level)."""
    out: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.ImportFrom) and node.module:
            mod = node.module
        elif isinstance(node, ast.Import):
            mod = node.names[0].name
        else:
            continue
        if mod.startswith("consumption_monitor.compute."):
            out.add(mod.split(".")[2])
    return out


def test_the_compute_package_has_no_import_cycle() -> None:
    graph = {p.stem: _imports(p) for p in PKG.glob("*.py") if p.stem != "__init__"}
    # the oracle: a plain depth-first search for a back edge
    state: dict[str, int] = {}

    def visit(node: str, path: list[str]) -> None:
        state[node] = 1
        for nxt in graph.get(node, set()):
            assert state.get(nxt) != 1, "import cycle: " + " -> ".join([*path, node, nxt])
            if nxt not in state:
                visit(nxt, [*path, node])
        state[node] = 2

    for node in graph:
        if node not in state:
            visit(node, [])
    assert "incremental" not in graph["full"] and "api" not in graph["incremental"]
    assert not graph["steps"] & {"full", "incremental", "api"}
    assert "runner" not in graph  # the old hub is gone
