"""Ingestion: read files (CSV, XLSX, Parquet, JSON, JSON Lines), normalise, validate, load.

>>> from consumption_monitor.ingest import ingest  # doctest: +SKIP
>>> ingest(["release.xlsx"], "official_stats", vintage="2025-03-17")  # doctest: +SKIP

See ``docs/ingestion.md`` for the formats, rules and exit codes.
"""

from __future__ import annotations

import sys
import types
from typing import Any

from consumption_monitor.ingest.api import (
    IngestResult,
    ValidationReport,
    check,
    content_hash,
    ingest,
)
from consumption_monitor.ingest.normalise import Period, parse_date, parse_number, parse_period
from consumption_monitor.ingest.problems import Problem, ProblemLog

__all__ = [
    "IngestResult",
    "Period",
    "Problem",
    "ProblemLog",
    "ValidationReport",
    "check",
    "content_hash",
    "ingest",
    "parse_date",
    "parse_number",
    "parse_period",
]


class _CallableModule(types.ModuleType):
    """Importing this subpackage rebinds ``consumption_monitor.ingest`` from the top-level
    function to the module; making the module callable keeps ``cm.ingest(...)`` working."""

    def __call__(self, *args: Any, **kwargs: Any) -> IngestResult:
        return ingest(*args, **kwargs)


sys.modules[__name__].__class__ = _CallableModule
