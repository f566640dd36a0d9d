"""Small-cell and complementary suppression for card-derived (and unit-level) outputs.

The algorithm lives at the foundation level in :mod:`consumption_monitor.privacy` (so that the
indicator computation below this layer can use it too); this module keeps the monitoring
layer's public API: :func:`suppress` (the table-level entry point used by the monitor, the API,
the pages and the exports), :func:`complementary_suppression` and :func:`primary_mask`.
"""

from __future__ import annotations

from consumption_monitor.privacy import (
    COMPLEMENTARY,
    PRIMARY,
    SuppressionResult,
    complementary_suppression,
    primary_mask,
    suppress,
)

__all__ = [
    "COMPLEMENTARY",
    "PRIMARY",
    "SuppressionResult",
    "complementary_suppression",
    "primary_mask",
    "suppress",
]
