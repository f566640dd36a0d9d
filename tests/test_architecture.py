"""docs/architecture.md's layer table is the code's: every import (module- or function-level)
points to a lower layer (adapters may import one another), and every package is in the table."""

from __future__ import annotations

import ast
import re
from pathlib import Path

import consumption_monitor

ROOT = Path(consumption_monitor.__file__).parent
DOC = Path(__file__).resolve().parents[1] / "docs" / "architecture.md"


def _layers() -> list[set[str]]:
    """The ```layers block, top line first: a set of top-level module names per line."""
    block = re.search(r"```layers\n(.*?)```", DOC.read_text(encoding="utf-8"), re.S)
    assert block, "docs/architecture.md has no ```layers block"
    out = []
    for line in block.group(1).splitlines():
        names = re.findall(r"([A-Za-z_]+)(?:/|\.py)", line.split("  ")[0])
        out.append(set(names))
    return out


def _edges() -> set[tuple[str, str, str]]:
    """(importing top-level module, imported top-level module, file) for every import."""
    out = set()
    for path in ROOT.rglob("*.py"):
        top = path.relative_to(ROOT).parts[0].removesuffix(".py")
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
                mods = [node.module]
            elif isinstance(node, ast.Import):
                mods = [a.name for a in node.names]
            else:
                continue
            for mod in mods:
                parts = mod.split(".")
                if parts[0] == "consumption_monitor" and len(parts) > 1 and parts[1] != top:
                    out.add((top, parts[1], str(path.relative_to(ROOT))))
    return out


def test_every_package_is_in_the_layer_table() -> None:
    listed = set().union(*_layers())
    present = {p.name.removesuffix(".py") for p in ROOT.iterdir()
               if p.suffix == ".py" or (p.is_dir() and (p / "__init__.py").exists())}  # fmt: skip
    assert present == listed


def test_imports_point_downward() -> None:
    layers = _layers()
    level = {name: i for i, names in enumerate(layers) for name in names}  # 0 = top
    upward = [
        f"{file}: {a} -> {b}"
        for a, b, file in sorted(_edges())
        if level[b] < level[a] or (level[b] == level[a] and level[a] != 0)
    ]
    assert upward == []
