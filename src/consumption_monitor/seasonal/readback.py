"""Stored seasonally adjusted series read back as indicator rows (``<code>_sa``).

``cmon seasonal CODE`` stores ``CODE_sa`` beside the long indicator table
(:mod:`consumption_monitor.seasonal.stored`); this turns it into rows of the long table's shape
so ``cmon indicator show CODE_sa`` and the Python API print it like any indicator. There is no
published growth for an adjusted series: ``yoy_pct`` is null and ``mom_pct`` is the adjusted
series' 环比.
"""

from __future__ import annotations

import pandas as pd

from consumption_monitor.config import Settings
from consumption_monitor.indicators import SA_SUFFIX
from consumption_monitor.seasonal.stored import read_adjusted


def adjusted_frame(
    settings: Settings,
    code: str,
    region: str,
    start: str | None = None,
    end: str | None = None,
) -> pd.DataFrame:
    """Rows of the stored ``<code>_sa`` series of ``region`` (``code`` with or without the
    suffix), filtered to ``start``–``end`` like :func:`compute.query.indicator_frame`.

    Raises :class:`~consumption_monitor.errors.NotFoundError` (with the command to run) when
    the series was never adjusted.
    """
    base = code.removesuffix(SA_SUFFIX)
    df = read_adjusted(settings, base, region)
    out = pd.DataFrame(
        {
            "indicator": base + SA_SUFFIX,
            "region": region,
            "period": df["period"].astype(str),
            "basis": df["basis"].astype(str),
            "dim": "",
            "dim_value": "",
            "value": df["value"].astype(float),
            "yoy_pct": float("nan"),
            "mom_pct": df["mom_pct"].astype(float),
            "note": df["note"].astype(str)
            + df["estimated"].map(lambda e: "; estimated" if e else ""),
            "provisional": False,
        }
    )
    if start is not None:
        out = out[out.period.str[: len(start)] >= start]
    if end is not None:
        out = out[out.period.str[: len(end)] <= end]
    return out.reset_index(drop=True)
