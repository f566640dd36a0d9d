"""consumption-monitor (cmon): monitor a city's consumption market and steer its action plan.

Analysts use this package directly, e.g. ``import consumption_monitor as cm``.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from consumption_monitor.ingest.api import IngestResult

__version__ = "0.1.0"

__all__ = ["__version__", "ingest"]


def ingest(paths: Any, dataset: str, **options: Any) -> IngestResult:
    """Load files into a dataset; see :func:`consumption_monitor.ingest.api.ingest`.

    Imported lazily so ``import consumption_monitor`` stays light.
    """
    from consumption_monitor.ingest.api import ingest as _ingest

    return _ingest(paths, dataset, **options)
