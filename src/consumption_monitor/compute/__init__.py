"""Every indicator once, as an Ibis expression over the lake, plus the runner that stores the
long indicator table. See :mod:`.runner` for the entry points."""

from __future__ import annotations

from consumption_monitor.compute.runner import (
    COLUMNS,
    ComputeResult,
    compute,
    indicator_expr,
    progress_to,
    read_result,
    write_result,
)
from consumption_monitor.compute.source import FrameSource, Source

__all__ = [
    "COLUMNS",
    "ComputeResult",
    "FrameSource",
    "Source",
    "compute",
    "indicator_expr",
    "progress_to",
    "read_result",
    "write_result",
]
