"""Write X-13ARIMA-SEATS spec files.

We write the ``.spc`` ourselves instead of going through ``statsmodels``' ``exog=`` because
``exog=`` emits ``regression{user=(...)}`` with the default ``usertype=user``: X-13 then keeps the
regressor's effect in the seasonally adjusted series (METHODOLOGY §3, Trap 1). Holiday
regressors must be declared ``usertype=holiday`` (removed into the holiday factors, table D18)
and working-day regressors ``usertype=td`` (X-13ARIMA-SEATS Reference Manual, ``regression``
spec, argument ``usertype``).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Literal

import numpy as np
import pandas as pd

__all__ = ["MISSING_CODE", "SAVED_TABLES", "RegressorSpec", "SpecOptions", "build_spec"]

#: X-13's missing-value code (Reference Manual, ``series`` spec, ``missingcode``; -99999 is the
#: default, written explicitly). An observation with this value is estimated by the regARIMA
#: model (an additive-outlier regressor per missing point) before the X-11 filters run.
MISSING_CODE = -99999.0

#: Tables saved from the X-11 step: D10 seasonal, D11 adjusted, D12 trend, D13 irregular,
#: D16 combined seasonal + calendar factors, D18 combined holiday + trading-day factors.
SAVED_TABLES: tuple[str, ...] = ("d10", "d11", "d12", "d13", "d16", "d18")

UserType = Literal["holiday", "td", "user"]


@dataclass(frozen=True, slots=True)
class RegressorSpec:
    """Regressor values (covering data + forecast horizon) and how X-13 should treat them."""

    values: pd.DataFrame
    usertypes: tuple[UserType, ...]


@dataclass(frozen=True, slots=True)
class SpecOptions:
    """Options that change the model.

    ``transform``: ``"log"`` (multiplicative, the default for positive sales series) or
    ``"none"`` (additive). ``arima``: a fixed model such as ``"(0 1 1)(0 1 1)"``; ``None`` lets
    ``automdl`` choose (X-13's TRAMO-style automatic identification). ``forecast_months``:
    X-13's default forecast lead for X-11 extension is one year (Reference Manual, ``forecast``).
    """

    transform: Literal["log", "none"] = "log"
    arima: str | None = None
    outliers: bool = True
    forecast_months: int = 12


def _period_code(period: pd.Period) -> str:
    sub = period.month if period.freqstr.startswith("M") else period.quarter
    return f"{period.year}.{sub}"


def _format_block(rows: np.ndarray) -> str:
    # One observation per line: X-13 rejects input lines longer than 132 characters.
    if rows.ndim == 1:
        return "\n".join(f"{v:.10g}" for v in rows)
    return "\n".join(" ".join(f"{v:.10g}" for v in row) for row in rows)


def build_spec(
    values: np.ndarray,
    start: pd.Period,
    period: int,
    *,
    regressors: Sequence[RegressorSpec] = (),
    options: SpecOptions = SpecOptions(),
    title: str = "series",
    estimate_only: bool = False,
) -> str:
    """Spec text for one series. NaN in ``values`` is written as :data:`MISSING_CODE`, which
    X-13 estimates (the caller handles Jan–Feb before this).

    ``estimate_only=True`` writes only what the regARIMA estimation needs (no outlier search,
    forecast or X-11 step): the AICc of the model is the same, at a fraction of the run time.
    The window selection uses it for its candidate fits.
    """
    safe_title = "".join(ch for ch in title if ch.isascii() and ch not in '"{}')[:60] or "series"
    obs = np.asarray(values, dtype=float)
    has_missing = bool(np.isnan(obs).any())
    obs = np.where(np.isnan(obs), MISSING_CODE, obs)
    missing = f" missingcode={MISSING_CODE:.0f}" if has_missing else ""
    parts = [
        f'series{{ title="{safe_title}" start={_period_code(start)} period={period}{missing}\n'
        f"  data=(\n{_format_block(obs)}\n  ) }}",
        f"transform{{ function={options.transform} }}",
    ]
    frames = [r.values for r in regressors if r.values.shape[1] > 0]
    if frames:
        data = pd.concat(frames, axis=1)
        names = " ".join(str(c) for c in data.columns)
        types = " ".join(t for r in regressors for t in r.usertypes if r.values.shape[1] > 0)
        first = data.index[0]
        assert isinstance(first, pd.Period)
        parts.append(
            f"regression{{ user=({names}) usertype=({types}) start={_period_code(first)}\n"
            f"  data=(\n{_format_block(data.to_numpy(dtype=float))}\n  ) }}"
        )
    if options.arima is None:
        parts.append("automdl{ }")
    else:
        parts.append(f"arima{{ model={options.arima} }}")
    if estimate_only:
        parts.append("estimate{ }")
        return "\n".join(parts) + "\n"
    if options.outliers:
        parts.append("outlier{ }")
    parts.append(f"forecast{{ maxlead={options.forecast_months} }}")
    parts.append("estimate{ }")
    mode = "mult" if options.transform == "log" else "add"
    parts.append(f"x11{{ mode={mode} save=({' '.join(SAVED_TABLES)}) }}")
    return "\n".join(parts) + "\n"
