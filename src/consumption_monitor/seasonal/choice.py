"""A stored Spring Festival window choice, reused while the series has not changed.

The window selection is 13 of the 14 X-13 runs of a monthly series. When the same series is
adjusted again with the same options (a report re-run, a page refresh), the AICc comparison
would pick the same windows, so the stored choice is reused and only the final run is made.
"Same" is a fingerprint: a SHA-256 over the observed values (missing ones included), the first
period, the options that change the model and the installed chinese-calendar range (a new
package version changes the working-day regressor). Any change refits; ``refit=True`` forces it.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass

import numpy as np
import pandas as pd

from consumption_monitor.calendar.holidays import supported_years
from consumption_monitor.calendar.regressors import HolidayWindow
from consumption_monitor.seasonal.windows import candidate_window_sets, describe

__all__ = ["WindowChoice", "fingerprint", "windows_from_label"]


@dataclass(frozen=True, slots=True)
class WindowChoice:
    """The windows chosen for the series with ``fingerprint`` (``label`` as :func:`describe`)."""

    fingerprint: str
    label: str


def fingerprint(values: pd.Series, options: tuple[object, ...]) -> str:
    """Hex digest identifying ``values`` (with its start period) under ``options``."""
    h = hashlib.sha256()
    h.update(str(values.index[0]).encode())
    h.update(np.ascontiguousarray(values.to_numpy(dtype=float)).tobytes())
    h.update(repr((options, supported_years())).encode())
    return h.hexdigest()


def windows_from_label(label: str) -> tuple[HolidayWindow, ...] | None:
    """The candidate window set described by ``label``; None if no candidate has it."""
    for cand in candidate_window_sets():
        if describe(cand) == label:
            return cand
    return None
