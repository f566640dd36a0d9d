"""consumption-monitor (cmon): monitor a city's consumption market and steer its action plan.

Analysts use this package directly, e.g. ``import consumption_monitor as cm``.
"""

from __future__ import annotations

__version__ = "0.1.0"

__all__ = ["__version__"]
