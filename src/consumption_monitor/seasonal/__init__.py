"""Seasonal adjustment with X-13ARIMA-SEATS and Chinese moving holidays (METHODOLOGY §3).

>>> from consumption_monitor.seasonal import adjust, adjust_many
"""

from consumption_monitor.seasonal.adjust import AdjustmentResult, Diagnostics, adjust
from consumption_monitor.seasonal.batch import SeasonalAdjuster, adjust_many
from consumption_monitor.seasonal.janfeb import SplitWeights

__all__ = [
    "AdjustmentResult",
    "Diagnostics",
    "SeasonalAdjuster",
    "SplitWeights",
    "adjust",
    "adjust_many",
]
