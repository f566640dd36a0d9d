"""Reading the stored indicator table: one indicator, filtered, as a pandas frame."""

from __future__ import annotations

from datetime import date

import pandas as pd

from consumption_monitor.catalog import load_catalog
from consumption_monitor.config import Settings, get_settings
from consumption_monitor.errors import NotFoundError
from consumption_monitor.indicators import load_indicators
from consumption_monitor.store.results import read_result, select


def indicator_frame(
    code: str,
    region: str | None = None,
    start: str | None = None,
    end: str | None = None,
    basis: str | None = None,
    *,
    dim: str | None = "",
    as_of: date | None = None,
    settings: Settings | None = None,
) -> pd.DataFrame:
    """Rows of indicator ``code`` from the latest computation (at or before ``as_of``).

    ``code`` is a code or any catalog name of the indicator (the catalog's alias look-up).
    ``region`` takes a code or a name (天津, 和平区, China); ``start``/``end`` are inclusive
    period strings compared as text within one form (``2024-01`` ≤ period ≤ ``2024-12``);
    ``dim=""`` keeps totals only, ``None`` keeps every breakdown, a dim name (``category``)
    keeps that breakdown. An unknown code raises :class:`NotFoundError`, an ambiguous name
    :class:`~consumption_monitor.errors.AmbiguousNameError`; no rows is an empty frame.
    """
    settings = settings or get_settings()
    # A name (社会消费品零售总额, 社零, 地区生产总值(GDP)) resolves to its code; an unknown or
    # ambiguous one raises before anything is read.
    code = load_indicators().get(code).code
    where = None if region is None else load_catalog(settings.city).region_code(region)
    df = select(
        read_result(settings, as_of=as_of),
        code,
        region=where,
        basis=basis,
        dim=dim,
        start=start,
        end=end,
    )
    return df.reset_index(drop=True)


__all__ = ["NotFoundError", "indicator_frame"]
