"""What a seasonal adjustment returns: the table of X-13 outputs and its diagnostics."""

from __future__ import annotations

from dataclasses import dataclass, field

import pandas as pd

from consumption_monitor.seasonal.x13 import Coefficient

__all__ = ["AdjustmentResult", "Diagnostics"]


@dataclass(slots=True)
class Diagnostics:
    """What X-13 chose and how well it did.

    ``filled``: periods filled from the engine's derived values; ``missing``: periods X-13
    estimated; ``unscheduled``: months (data or forecast horizon) in years chinese-calendar
    does not know, which carry no 调休 working-day adjustment; ``fingerprint`` identifies the
    input for :class:`~.choice.WindowChoice`; ``windows_reused`` is True when the stored choice
    was used instead of a new selection.
    """

    model: str
    transform: str
    aicc: float
    windows: str
    window_selection: dict[str, float]
    working_days: bool
    frequency: str
    janfeb: str
    outliers: list[str]
    coefficients: list[Coefficient]
    quality: dict[str, float]
    warnings: list[str] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    filled: list[str] = field(default_factory=list)
    missing: list[str] = field(default_factory=list)
    unscheduled: list[str] = field(default_factory=list)
    fingerprint: str = ""
    windows_reused: bool = False

    def to_dict(self) -> dict[str, object]:
        return {
            "model": self.model,
            "transform": self.transform,
            "aicc": self.aicc,
            "windows": self.windows,
            "window_selection": self.window_selection,
            "windows_reused": self.windows_reused,
            "working_days": self.working_days,
            "frequency": self.frequency,
            "janfeb": self.janfeb,
            "outliers": self.outliers,
            "coefficients": [
                {
                    "group": c.group,
                    "name": c.name,
                    "estimate": c.estimate,
                    "std_error": c.std_error,
                    "t_value": c.t_value,
                }
                for c in self.coefficients
            ],
            "quality": self.quality,
            "filled": self.filled,
            "missing": self.missing,
            "unscheduled": self.unscheduled,
            "fingerprint": self.fingerprint,
            "warnings": self.warnings,
            "notes": self.notes,
        }


@dataclass(slots=True)
class AdjustmentResult:
    """``table`` is indexed by period with columns ``observed`` (NaN where X-13 estimated the
    value), ``adjusted`` (D11), ``seasonal`` (D10), ``calendar`` (D18: holiday and working-day
    factors, 1.0 — or 0.0 when additive — if none), ``combined`` (D16), ``trend`` (D12),
    ``irregular`` (D13), ``mom_pct`` (环比 of the adjusted series, %; NaN for the first
    period), ``estimated`` (True where the observed value was split from a Jan–Feb total),
    ``filled`` (taken from the engine's derived values) and ``imputed`` (missing, estimated by
    X-13)."""

    name: str
    table: pd.DataFrame
    diagnostics: Diagnostics

    @property
    def adjusted(self) -> pd.Series:
        return self.table["adjusted"]
