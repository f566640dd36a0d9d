"""Small-cell and complementary suppression for card-derived (and unit-level) outputs.

The algorithm lives at the foundation level in :mod:`consumption_monitor.privacy` (so that the
indicator computation below this layer can use it too); this module keeps the monitoring
layer's public API: :func:`suppress` (the table-level entry point used by the monitor, the API,
the pages and the exports), :func:`complementary_suppression` and :func:`primary_mask`, and
the daily monitor's protection: each day's cells form ONE linked table
(:func:`protect_card_day`, :func:`protect_ke_day`, with
:func:`consumption_monitor.privacy.protect_linked`), and the counts of hidden cells are
dropped (:func:`hide_counts`).
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from consumption_monitor.config import Settings
from consumption_monitor.privacy import (
    COMPLEMENTARY,
    PRIMARY,
    SuppressionResult,
    breakdown_equations,
    complementary_suppression,
    primary_mask,
    protect_linked,
    recoverable,
    suppress,
)

__all__ = [
    "COMPLEMENTARY",
    "COUNT_COLUMNS",
    "PRIMARY",
    "SuppressionResult",
    "complementary_suppression",
    "hide_counts",
    "primary_mask",
    "protect_card_day",
    "protect_ke_day",
    "suppress",
]

#: Count columns of the daily rows (never shown for a hidden cell).
COUNT_COLUMNS = ("merchants", "cards", "units")
_NO_REGION = "\x00"  # payments without a district code: a district-level cell of their own


def hide_counts(long: pd.DataFrame) -> pd.DataFrame:
    """Counts of a hidden cell are as telling as its value: null them (shown as below
    threshold / protected by :meth:`~consumption_monitor.monitor.daily.DailyReport.to_dict`)."""
    hidden = long["suppressed"] != ""
    for col in COUNT_COLUMNS:
        if col in long.columns:
            long[col] = long[col].astype(float).where(~hidden)
    return long


def _linked_mask(
    part: pd.DataFrame, weight: str, primary: np.ndarray, city: str
) -> tuple[np.ndarray, np.ndarray]:
    """Hidden mask of one day's linked table (all breakdowns under their totals, the city
    breakdowns as sums of the district cells) and the (still) recoverable cells."""
    keys = list(
        zip(
            part["region"].fillna(_NO_REGION).astype(str),
            part["dim"].astype(str),
            part["dim_value"].fillna("").astype(str),
            strict=True,
        )
    )
    eqs, city_total = breakdown_equations(keys, city)
    prim = primary.copy()
    eligible = np.ones(len(part), dtype=bool)
    if city_total is not None:  # the city total is always published
        prim[city_total] = False
        eligible[city_total] = False
    hidden = protect_linked(part[weight].to_numpy(float), prim, eqs, eligible=eligible)
    return hidden, recoverable(hidden, eqs)


def _label(hidden: np.ndarray, primary: np.ndarray) -> np.ndarray:
    return np.where(primary & hidden, PRIMARY, np.where(hidden, COMPLEMENTARY, ""))


def protect_card_day(cells: pd.DataFrame, settings: Settings, city: str) -> pd.DataFrame:
    """Protect each day's card cells as ONE linked table; returns the cells with ``suppressed``
    (spending and transactions) and ``night_suppressed`` (night share), hidden values NaN.

    Spending and transactions share one mask (cells with too few merchants or cards, then
    complements until no hidden cell follows from the published equations). Night spending is
    a second linked table over the same cells: a night share is published with the spending,
    so it reveals the night spending, and night spending adds up like spending. Its primary
    cells are the cells hidden above plus those whose night part is too thin; complements are
    then chosen among the night shares only.
    """
    pieces = []
    for _, group in cells.groupby("date", sort=False):
        part = group.reset_index(drop=True)
        primary = primary_mask(
            part["merchants"].to_numpy(float),
            part["cards"].to_numpy(float),
            settings.min_cell_merchants,
            settings.min_cell_cards,
        )
        hidden, _ = _linked_mask(part, "spending", primary, city)
        thin = primary_mask(
            part["night_merchants"].to_numpy(float),
            part["night_cards"].to_numpy(float),
            settings.min_cell_merchants,
            settings.min_cell_cards,
        )
        night_primary = hidden | thin
        night_hidden, _ = _linked_mask(part, "night_spending", night_primary, city)
        suppressed = _label(hidden, primary)
        night = np.where(hidden, suppressed, _label(night_hidden, thin))
        part = part.assign(suppressed=suppressed, night_suppressed=night)
        for col in ("spending", "txns"):
            part[col] = part[col].astype(float).where(~hidden)
        part["night_spending"] = part["night_spending"].astype(float).where(~night_hidden)
        pieces.append(part)
    return pd.concat(pieces, ignore_index=True)


def protect_ke_day(cells: pd.DataFrame, settings: Settings, city: str) -> pd.DataFrame:
    """Key-enterprise cells protected per day as one linked table (sales, foot traffic and the
    unit counts share the mask: cells with fewer than ``min_cell_merchants`` units, then
    complements); the city total is always published."""
    pieces = []
    for _, group in cells.groupby("date", sort=False):
        part = group.reset_index(drop=True)
        primary = primary_mask(part["units"].to_numpy(float), None, settings.min_cell_merchants, 0)
        hidden, _ = _linked_mask(part, "sales", primary, city)
        part = part.assign(suppressed=_label(hidden, primary))
        for col in ("sales", "foot_traffic"):
            part[col] = part[col].astype(float).where(~hidden)
        pieces.append(part)
    return pd.concat(pieces, ignore_index=True)
