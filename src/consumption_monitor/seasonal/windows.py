"""Candidate Spring Festival window sets (METHODOLOGY §3).

The Spring Festival effect on retail runs from roughly ten to twenty days before new year's day
(pre-holiday shopping) to two or three weeks after. Candidate windows, relative to lunar 1/1:
pre-holiday ``-20…-1`` or ``-10…-1``, holiday week ``0…+6``, after ``+7…+20``. Every combination
(including "no pre", "no after" and the empty set) is a candidate; the set with the lowest AICc
is kept.
"""

from __future__ import annotations

from itertools import product

from consumption_monitor.calendar.regressors import HolidayWindow

__all__ = [
    "DEFAULT_WINDOWS",
    "SF_AFTER",
    "SF_HOLIDAY",
    "SF_PRE10",
    "SF_PRE20",
    "candidate_window_sets",
    "describe",
]

SF_PRE20 = HolidayWindow("sf_pre20", "spring", -20, -1)
SF_PRE10 = HolidayWindow("sf_pre10", "spring", -10, -1)
SF_HOLIDAY = HolidayWindow("sf_hol", "spring", 0, 6)
SF_AFTER = HolidayWindow("sf_post", "spring", 7, 20)

_PRE = (None, SF_PRE20, SF_PRE10)
_HOLIDAY = (None, SF_HOLIDAY)
_AFTER = (None, SF_AFTER)

#: Used when selection is switched off: pre-holiday, holiday week and after-holiday windows.
DEFAULT_WINDOWS: tuple[HolidayWindow, ...] = (SF_PRE10, SF_HOLIDAY, SF_AFTER)


def candidate_window_sets() -> list[tuple[HolidayWindow, ...]]:
    """All 3 × 2 × 2 = 12 combinations, the empty set first.

    >>> [describe(s) for s in candidate_window_sets()][:3]
    ['none', 'spring[+7,+20]', 'spring[+0,+6]']
    """
    out: list[tuple[HolidayWindow, ...]] = []
    for pre, hol, after in product(_PRE, _HOLIDAY, _AFTER):
        out.append(tuple(w for w in (pre, hol, after) if w is not None))
    return out


def describe(windows: tuple[HolidayWindow, ...]) -> str:
    """Readable label, e.g. ``spring[-10,-1]+spring[+0,+6]``; ``none`` for the empty set."""
    return "+".join(w.label for w in windows) or "none"
