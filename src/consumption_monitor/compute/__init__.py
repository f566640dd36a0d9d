"""Every indicator once, as an Ibis expression over the lake, and the computation that stores
the long indicator table.

- :mod:`.context` — the run's frozen facts (city, MCC map, upgrade set, privacy floors);
- :mod:`.steps` — the steps every computation is made of (select, load, expression per kind,
  execute, privacy, post steps);
- :mod:`.full` — a full computation; :mod:`.incremental` — a refresh of what new batches touch;
- :mod:`.api` — :func:`compute`, full or incremental;
- the stored table itself is :mod:`consumption_monitor.store.results`.
"""

from __future__ import annotations

from consumption_monitor.compute.api import compute
from consumption_monitor.compute.context import Context, context
from consumption_monitor.compute.source import FrameSource, Source
from consumption_monitor.compute.steps import ComputeResult, indicator_expr, progress_to
from consumption_monitor.store.results import COLUMNS, read_result, result_path, write_result

__all__ = [
    "COLUMNS",
    "ComputeResult",
    "Context",
    "FrameSource",
    "Source",
    "compute",
    "context",
    "indicator_expr",
    "progress_to",
    "read_result",
    "result_path",
    "write_result",
]
