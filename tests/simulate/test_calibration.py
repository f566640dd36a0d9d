"""Magnitudes and shapes the simulator is calibrated to (docs/simulator.md)."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.csv as pacsv
import pyarrow.parquet as pq

from consumption_monitor.calendar.holidays import spring_festival_date
from consumption_monitor.catalog import load_catalog
from consumption_monitor.simulate import SimulationResult


def official(sim: SimulationResult) -> pd.DataFrame:
    cat = load_catalog()
    names = {c.zh: c.name for c in cat.dataset("official_stats").columns}
    frames = [
        pd.read_csv(p, encoding="utf-8-sig", dtype={"时期": str, "地区": str})
        for p in sim.files["official_stats"]
        if "revision" not in p.name
    ]
    df = pd.concat(frames).rename(columns=names)
    df["region"] = df["region"].map(cat.region_code)
    df["indicator"] = df["indicator"].map(lambda x: cat.indicator_name(x).code)
    return df


def enterprise(sim: SimulationResult, year: int) -> pd.DataFrame:
    path = next(p for p in sim.files["enterprise_monthly"] if p.stem.endswith(str(year)))
    return pd.read_csv(path, encoding="gbk" if year == 2019 else "utf-8")


def test_city_retail_2024_in_published_band(sim: SimulationResult) -> None:
    df = official(sim)
    city = df[(df.region == "120000") & (df.indicator == "retail_sales") & (df.period == "2024-12")]
    assert 3800 <= float(city.value.iloc[0]) <= 4000


def test_districts_add_up_to_city(sim: SimulationResult) -> None:
    df = official(sim)
    for ind in ("retail_sales", "retail_sales_above_size"):
        rows = df[(df.indicator == ind) & (df.period == "2024-12")]
        city = float(rows[rows.region == "120000"].value.iloc[0])
        districts = rows[rows.region.str.match(r"^1201\d\d$") & (rows.region != "120000")]
        assert len(districts) == 16
        assert abs(districts.value.sum() / city - 1) < 0.01


def test_jan_feb_combined_and_december_peak(sim: SimulationResult) -> None:
    df = official(sim)
    city = df[(df.region == "120000") & (df.indicator == "retail_sales")]
    assert not city.period.str.endswith("-01").any()
    ytd = city[city.period.str.startswith("2024")].set_index("period").value.astype(float)
    single = ytd.diff().dropna()  # March..December single months
    assert single.idxmax() == "2024-12"
    assert single["2024-12"] > ytd["2024-02"] / 2  # above the Jan–Feb monthly average too


def test_published_growth_differs_from_level_ratio(sim: SimulationResult) -> None:
    df = official(sim)
    for ind in ("retail_sales", "retail_sales_above_size"):
        rows = df[(df.region == "120000") & (df.indicator == ind)].set_index("period")
        level_ratio = (rows.value["2024-12"] / rows.value["2023-12"] - 1) * 100
        assert abs(rows.yoy_pct["2024-12"] - level_ratio) > 0.5


def test_growth_only_service_retail_and_annual_rows(sim: SimulationResult) -> None:
    df = official(sim)
    service = df[df.indicator == "service_retail"]
    assert len(service) > 0 and service.value.isna().all() and service.yoy_pct.notna().all()
    annual = df[df.basis == "year"]
    assert {
        "final_consumption",
        "gdp_expenditure",
        "va_R",
        "va_O",
        "per_capita_consumption",
        "resident_population",
    } <= set(annual.indicator)
    quarters = df[df.period.str.contains("Q")]
    assert {"gdp", "va_F", "va_H"} <= set(quarters.indicator)
    assert ((df.region == "100000") & (df.indicator == "retail_sales")).any()


def test_enterprises_add_up_to_above_size(sim: SimulationResult) -> None:
    df = official(sim)
    published = df[(df.region == "120000") & (df.indicator == "retail_sales_above_size")]
    total_yi = enterprise(sim, 2024).retail_sales.sum() / 1e4  # 万元 → 亿元
    value = float(published[published.period == "2024-12"].value.iloc[0])
    assert abs(total_yi / value - 1) < 0.03


def test_upgrade_share_and_online_trend(sim: SimulationResult) -> None:
    cat = load_catalog()
    upgrade = {cat.category(c).name_zh for c in cat.upgrade_default}
    e24 = enterprise(sim, 2024)
    share = e24[e24.category.isin(upgrade)].retail_sales.sum() / e24.retail_sales.sum()
    assert 0.17 <= share <= 0.25
    e19 = enterprise(sim, 2019)
    e25 = enterprise(sim, 2025)
    online = [e.online_retail_sales.sum() / e.retail_sales.sum() for e in (e19, e24, e25)]
    assert online[0] < online[1] < online[2]
    assert 0.25 <= online[2] <= 0.40


def _cards(sim: SimulationResult, columns: list[str]) -> pa.Table:
    tables = []
    for p in sim.files["card_transactions"]:
        if p.suffix == ".parquet":
            tables.append(pq.read_table(p, columns=columns))
        else:
            opts = pacsv.ConvertOptions(
                column_types={
                    "txn_ts": pa.timestamp("ms"),
                    "mcc": pa.string(),
                    "district_code": pa.string(),
                    "merchant_id": pa.string(),
                    "txn_id": pa.string(),
                    "card_hash": pa.string(),
                }
            )
            tables.append(pacsv.read_csv(p, convert_options=opts).select(columns))
    return pa.concat_tables(tables)


def test_night_share_of_card_spending(sim: SimulationResult) -> None:
    df = _cards(sim, ["txn_ts", "amount"]).to_pandas()
    hour = df.txn_ts.dt.hour
    night = df.amount[(hour >= 18) | (hour < 2)].sum() / df.amount.sum()
    assert 0.25 <= night <= 0.35


def test_card_origins_and_channels(sim: SimulationResult) -> None:
    df = _cards(sim, ["card_origin", "channel"]).to_pandas()
    shares = df.card_origin.value_counts(normalize=True)
    assert shares["local"] > 0.6 and 0.1 < shares["other_province"] < 0.35
    assert 0 < shares["overseas"] < 0.03
    assert 0.2 < (df.channel == "online").mean() < 0.4


def test_spring_festival_visible_in_key_enterprise_daily(sim: SimulationResult) -> None:
    path = next(p for p in sim.files["key_enterprise_daily"] if p.stem.endswith("2024"))
    df = pq.read_table(path).to_pandas()
    df = df[df.format.isin(["department_store", "shopping_mall", "supermarket"])]
    daily = df.groupby("date").sales.sum()
    sf = spring_festival_date(2024)

    def mean(lo: int, hi: int) -> float:
        days = [sf + dt.timedelta(days=k) for k in range(lo, hi + 1)]
        return float(daily.loc[[d for d in days if d in daily.index]].mean())

    around = np.mean([mean(-45, -25), mean(30, 50)])
    assert mean(-10, -2) > 1.2 * around  # pre-festival shopping rush
    assert mean(-1, 2) < 0.8 * mean(-10, -2)  # shops close over the eve and first days


def test_key_enterprise_daily_starts_2019(sim: SimulationResult) -> None:
    first = min(Path(p).stem for p in sim.files["key_enterprise_daily"])
    assert first.endswith("2019")
