"""One module per workload, each with the same small interface.

A workload module defines:

- ``NAME`` ("W1"…), ``TITLE`` and ``GOAL`` (text printed next to the result, "" for none);
- ``params(quick, rows, scale=None) -> dict``: the sizes of this run (JSON-serialisable);
  ``rows`` and ``scale`` are the command line's overrides (None when not given);
- ``prepare(p, work) -> dict``: make the inputs (files, lakes) in ``work``; the returned keys
  are merged into ``p``. Runs in a child process so the harness stays small;
- ``cases(p) -> list[Case]``: the peers measured side by side;
- ``run(case, p) -> dict``: do one case's work and return its metrics (``rows`` processed,
  ``check`` a result fingerprint to compare with the reference, anything else under ``extra``);
- optionally ``goal_met(results) -> bool | None`` and ``render(results, p) -> list[str]``.

``python -m benchmarks.workloads W1 run duckdb_sql '{...params...}'`` is the child entry point.
"""

from __future__ import annotations

import importlib
from dataclasses import dataclass
from types import ModuleType

#: Workload name -> module (import path under ``benchmarks.workloads``).
MODULES: dict[str, str] = {
    "W1": "w1_cards",
    "W2": "w2_refresh",
    "W3": "w3_ingest",
    "W4": "w4_seasonal",
    "W5": "w5_targets",
    "W6": "w6_api",
    "W7": "w7_card_memory",
}


@dataclass(frozen=True)
class Case:
    """One peer of a workload. The ``reference`` case of each ``group`` is the ratio's 1.0×."""

    key: str
    label: str
    group: str = ""
    reference: bool = False


def load(name: str) -> ModuleType:
    """The module of workload ``name`` (``W1``…)."""
    return importlib.import_module(f"benchmarks.workloads.{MODULES[name]}")
