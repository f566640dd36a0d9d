"""Real data: the national 社会消费品零售总额 2015–2025 with its real gaps adjusts (#18).

Fixture ``data/nbs_retail_monthly_2015_2025.csv``: published NBS figures, one source per row —
single months (亿元, growth % where the release was found) and cumulative (YTD) figures, the
Jan–Feb total as the February YTD row. Months we found no release for are simply absent, as
they would be for a bureau that missed a release: 2017-04, most of 2020–2023, 2025-03..09.

Old code: ``cmon seasonal retail_sales --region 全国`` stopped on the incomplete quarters.
Now a quarter the engine derives from two YTD releases fills its gap (2017Q2 = 1–6月 − 1–3月,
April never published), X-13 estimates the remaining quarters, and the adjusted series is
stored as ``retail_sales_sa`` and reads back.
"""

from __future__ import annotations

import json
from datetime import date
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from typer.testing import CliRunner

from consumption_monitor.config import get_settings, load_settings

DATA = Path(__file__).parent / "data" / "nbs_retail_monthly_2015_2025.csv"


@pytest.fixture(scope="module")
def releases() -> pd.DataFrame:
    df = pd.read_csv(DATA, dtype={"region": str, "period": str})
    assert df["source"].notna().all() and (df["source"].str.len() > 5).all()
    return df


def test_fixture_covers_2015_2025_with_sources(releases: pd.DataFrame) -> None:
    assert set(releases["region"]) == {"100000"}
    assert set(releases["indicator"]) == {"retail_sales"}
    years = releases["period"].str[:4].astype(int)
    assert years.min() == 2015 and years.max() == 2025
    assert len(releases) >= 130
    assert not releases.duplicated(["period", "basis"]).any()
    # No January row anywhere: Jan–Feb is one period (METHODOLOGY §1).
    assert not (releases["period"].str[5:] == "01").any()
    # Internal consistency of published figures: consecutive YTD differences reproduce the
    # published month within rounding (two roundings to 1 亿元).
    ytd = releases[releases.basis == "ytd"].set_index("period")["value"]
    month = releases[releases.basis == "month"].set_index("period")["value"]
    checked = 0
    for period, value in ytd.items():
        y, m = int(period[:4]), int(period[5:])
        prev = f"{y}-{m - 1:02d}"
        if m > 2 and prev in ytd.index and period in month.index:
            assert abs(value - ytd[prev] - month[period]) <= 1.0, period
            checked += 1
    assert checked >= 8


@pytest.fixture(scope="module")
def lake(tmp_path_factory: pytest.TempPathFactory, releases: pd.DataFrame) -> Path:
    from consumption_monitor.compute import FrameSource, compute
    from consumption_monitor.compute.runner import write_result
    from consumption_monitor.engine import connect

    root = tmp_path_factory.mktemp("nbs-sa")
    settings = load_settings(data_dir=root)
    frame = releases.assign(_vintage=date(2026, 1, 31))
    result = compute(
        settings,
        as_of=date(2026, 1, 31),
        con=connect(load_settings(engine="duckdb", duckdb_threads=1)),
        source=FrameSource({"official_stats": frame}),
        codes=["retail_sales"],
    )
    write_result(settings, result)
    return root


def _cli(root: Path, monkeypatch: pytest.MonkeyPatch, *args: str) -> dict:  # type: ignore[type-arg]
    from consumption_monitor.cli import app

    monkeypatch.setenv("CMON_DATA_DIR", str(root))
    get_settings.cache_clear()
    try:
        out = CliRunner().invoke(app, ["seasonal", "retail_sales", *args, "--json"])
    finally:
        get_settings.cache_clear()
    assert out.exit_code == 0, out.output
    return json.loads(out.output)  # type: ignore[no-any-return]


def test_national_series_with_real_gaps_adjusts_and_reads_back(
    lake: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from consumption_monitor.seasonal.stored import read_adjusted, stored_series

    settings = load_settings(data_dir=lake)
    months = stored_series(settings, "retail_sales", "100000")
    assert np.isnan(months["2017-04"])  # never published, not derivable month by month
    data = _cli(lake, monkeypatch, "--region", "全国")
    d = data["diagnostics"]
    assert data["region"] == "100000"
    assert d["frequency"] == "Q" and d["janfeb"] == "quarterly"
    periods = [r["period"] for r in data["data"]]
    assert periods[0] == "2015Q1" and periods[-1] == "2025Q4"
    # 2017Q2 comes from the engine's YTD-derived quarter: 172369 − 85823 (published YTDs).
    assert "2017Q2" in d["filled"]
    row = next(r for r in data["data"] if r["period"] == "2017Q2")
    assert row["observed"] == pytest.approx(172369 - 85823)
    assert row["filled"] is True and row["imputed"] is False
    # The rest of the gaps are estimated by X-13, never refused.
    assert len(d["missing"]) >= 5
    assert all(r["imputed"] == (r["period"] in d["missing"]) for r in data["data"])
    assert all(np.isfinite(r["adjusted"]) and r["adjusted"] > 0 for r in data["data"])
    # A complete published quarter: 2019Q4 = Oct + Nov + Dec as published.
    q = next(r for r in data["data"] if r["period"] == "2019Q4")
    assert q["observed"] == pytest.approx(38104.3 + 38093.8 + 38776.7)
    # Store level: the SA series is written as retail_sales_sa and reads back.
    stored = read_adjusted(settings, "retail_sales", "100000")
    assert set(stored["indicator"]) == {"retail_sales_sa"}
    assert set(stored["region"]) == {"100000"} and set(stored["basis"]) == {"quarter"}
    assert stored["period"].iloc[0] == "2015-Q1" and stored["period"].iloc[-1] == "2025-Q4"
    assert stored["value"].to_numpy() == pytest.approx([r["adjusted"] for r in data["data"]])
    assert stored["imputed"].tolist() == [r["imputed"] for r in data["data"]]
    assert stored.loc[stored["period"] == "2017-Q2", "filled"].item()


def test_from_to_cut_the_series(lake: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    data = _cli(lake, monkeypatch, "--region", "全国", "--from", "2015", "--to", "2019-12")
    periods = [r["period"] for r in data["data"]]
    assert periods[0] == "2015Q1" and periods[-1] == "2019Q4"
    assert data["diagnostics"]["missing"] == []  # 2015–2019 is complete once 2017Q2 is filled


def test_too_short_a_cut_is_refused_with_the_reason(
    lake: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from consumption_monitor.cli import app

    monkeypatch.setenv("CMON_DATA_DIR", str(lake))
    get_settings.cache_clear()
    try:
        out = CliRunner().invoke(
            app, ["seasonal", "retail_sales", "--region", "全国", "--from", "2024", "--lang", "en"]
        )
    finally:
        get_settings.cache_clear()
    assert out.exit_code != 0
    assert "three years" in out.output
