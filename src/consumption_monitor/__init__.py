"""consumption-monitor (cmon): monitor a city's consumption market and steer its action plan.

Analysts use this package directly, e.g. ``import consumption_monitor as cm``.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    import pandas as pd

    from consumption_monitor.ingest.api import IngestResult

__version__ = "0.2.0"

__all__ = ["__version__", "indicator", "ingest"]


def ingest(paths: Any, dataset: str, **options: Any) -> IngestResult:
    """Load files into a dataset; see :func:`consumption_monitor.ingest.api.ingest`.

    Imported lazily so ``import consumption_monitor`` stays light.
    """
    from consumption_monitor.ingest.api import ingest as _ingest

    return _ingest(paths, dataset, **options)


def indicator(
    code: str,
    region: str | None = None,
    start: str | None = None,
    end: str | None = None,
    basis: str | None = None,
    **options: Any,
) -> pd.DataFrame:
    """One indicator from the latest computation as a long pandas DataFrame, e.g.
    ``cm.indicator("retail_sales", region="120101", start="2024-01")``; see
    :func:`consumption_monitor.compute.query.indicator_frame` for the options.
    """
    from consumption_monitor.compute.query import indicator_frame

    return indicator_frame(code, region, start, end, basis, **options)
