"""Series from the computed indicator table in, seasonally adjusted series back to the lake.

The input is an indicator's single-month values (``basis = month``) for one region, as the
indicator engine stores them: there is no January row, and the February row is the Jan–Feb
total (METHODOLOGY §1). That layout is what :func:`consumption_monitor.seasonal.adjust` detects
as Jan–Feb combined and adjusts quarterly.

Gaps: a quarter with a month never published can still exist as the engine's own value derived
from two YTD releases (``basis = quarter``, e.g. Q2 = 1–6月 − 1–3月); :func:`stored_quarters`
returns those, and ``cmon seasonal`` passes them to ``adjust(fill=...)``.

Adjusted series are stored as derived indicators ``<code>_sa`` in
``lake/_derived/seasonal/<code>/region=<region>.parquet`` (written to a temp name, then renamed;
on an object store uploaded whole under that name), one long table per series with the model in
``note``, the ``filled``/``imputed`` flags, and the input ``fingerprint`` with the chosen
``windows`` so that the next run of an unchanged series reuses the choice
(:func:`stored_choice`).
"""

from __future__ import annotations

from pathlib import PurePath

import pandas as pd
import pyarrow as pa

from consumption_monitor.config import Settings
from consumption_monitor.errors import NotFoundError
from consumption_monitor.seasonal.adjust import AdjustmentResult
from consumption_monitor.seasonal.choice import WindowChoice
from consumption_monitor.store.fs import lake_root

SEASONAL_DIR = ("_derived", "seasonal")


def _rows(settings: Settings, code: str, region: str, basis: str) -> pd.DataFrame:
    from consumption_monitor.store.results import read_result, select

    rows = select(read_result(settings), code, region=region, basis=basis)
    return rows[rows["value"].notna()]


def stored_quarters(settings: Settings, code: str, region: str) -> pd.Series:
    """Quarterly values of ``code`` in ``region`` (``YYYY-Qn`` rows, published or derived from
    YTD releases) on a quarterly PeriodIndex; empty when there are none."""
    rows = _rows(settings, code, region, "quarter")
    rows = rows[rows["period"].astype(str).str.fullmatch(r"\d{4}-Q[1-4]")]
    if rows.empty:
        return pd.Series(dtype=float)
    index = pd.PeriodIndex(rows["period"].astype(str).str.replace("-", "", regex=False), freq="Q")
    return pd.Series(rows["value"].to_numpy(dtype=float), index=index, name=code).sort_index()


def stored_series(settings: Settings, code: str, region: str) -> pd.Series:
    """Single-month values of ``code`` in ``region`` on a monthly PeriodIndex (January NaN;
    a month with no value, published or derived, is NaN)."""
    rows = _rows(settings, code, region, "month")
    if rows.empty:
        raise NotFoundError(
            f"no monthly values of {code} for region {region}; run `cmon compute` or pass --input",
            f"指标 {code}（地区 {region}）暂无月度数值；请先运行 `cmon compute` 或用 --input 指定",
        )
    index = pd.PeriodIndex(rows["period"].astype(str), freq="M")
    series = pd.Series(rows["value"].to_numpy(dtype=float), index=index, name=code).sort_index()
    full = pd.period_range(series.index[0].asfreq("Y").asfreq("M", "s"), series.index[-1], freq="M")
    return series.reindex(full)


def _relative(code: str, region: str) -> str:
    return "/".join((*SEASONAL_DIR, code, f"region={region}.parquet"))


def adjusted_path(settings: Settings, code: str, region: str) -> PurePath:
    """Where the adjusted series of ``code`` in ``region`` is stored: a local path, or the
    path inside the lake's filesystem on an object store (``CMON_LAKE_URL``)."""
    return lake_root(settings).pure(_relative(code, region))


def store_adjusted(
    settings: Settings, code: str, region: str, result: AdjustmentResult
) -> PurePath:
    """Write ``result`` as the derived indicator ``<code>_sa`` (atomic replace)."""
    table = result.table
    freq = "quarter" if str(getattr(table.index, "freqstr", "M")).startswith("Q") else "month"
    out = pd.DataFrame(
        {
            "indicator": f"{code}_sa",
            "region": region,
            "period": [str(p).replace("Q", "-Q") if freq == "quarter" else str(p)
                       for p in table.index],
            "basis": freq,
            "value": table["adjusted"].to_numpy(dtype=float),
            "seasonal_factor": table["seasonal"].to_numpy(dtype=float),
            "mom_pct": table["mom_pct"].to_numpy(dtype=float),
            "estimated": table["estimated"].to_numpy(dtype=bool),
            "filled": table["filled"].to_numpy(dtype=bool),
            "imputed": table["imputed"].to_numpy(dtype=bool),
            "note": f"X-13ARIMA-SEATS {result.diagnostics.model}; "
            f"windows {result.diagnostics.windows}",
            "fingerprint": result.diagnostics.fingerprint,
            "windows": result.diagnostics.windows,
        }
    )  # fmt: skip
    rel = _relative(code, region)
    lake = lake_root(settings)
    lake.write_parquet(pa.Table.from_pandas(out, preserve_index=False), rel)
    return lake.pure(rel)


def read_adjusted(settings: Settings, code: str, region: str) -> pd.DataFrame:
    """The stored adjusted series (NotFoundError when it was never computed)."""
    lake = lake_root(settings)
    if not lake.exists(_relative(code, region)):
        raise NotFoundError(
            f"no adjusted series for {code} in {region}; run `cmon seasonal {code}`",
            f"{code}（{region}）尚无季节调整结果；请运行 `cmon seasonal {code}`",
        )
    path = adjusted_path(settings, code, region)
    return pd.read_parquet(str(path), filesystem=lake.arrow_filesystem())


def stored_choice(settings: Settings, code: str, region: str) -> WindowChoice | None:
    """The window choice stored with the last adjusted series (None if there is none, or it
    was written before choices were stored)."""
    try:
        table = read_adjusted(settings, code, region)
    except NotFoundError:
        return None
    if table.empty or "fingerprint" not in table.columns:
        return None
    return WindowChoice(str(table["fingerprint"].iloc[0]), str(table["windows"].iloc[0]))
