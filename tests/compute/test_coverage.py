"""Published series that loaded but were never shown, now indicators (#18 item 3).

Figures are real national (全国, region 100000) releases of 国家统计局 (NBS):
- 《中华人民共和国2024年国民经济和社会发展统计公报》 (2025-02-28) and NBS 《2024年12月份社会
  消费品零售总额》: 社零 487895 亿元 (+3.5%), 网上零售额 155225 亿元 (+7.2%), of which
  实物商品网上零售额 130816 亿元 (+6.5%), "占社会消费品零售总额的比重为26.8%"; 全国居民人均
  可支配收入 41314 元 (+5.3%), 城镇 54188 元 (+4.6%), 农村 23119 元 (+6.6%); 人均消费支出
  28227 元 (+5.3%), 城镇 34557 元 (+4.7%), 农村 19280 元 (+6.1%); CPI 上涨 0.2%.
- NBS 2025年12月份 release (as quoted in issue #18): 实物商品网上零售额 130923 亿元 of 社零
  501202 亿元, 26.1%.
"""

from __future__ import annotations

from datetime import date

import pandas as pd
import pytest

from consumption_monitor.compute import FrameSource, compute
from consumption_monitor.config import load_settings
from consumption_monitor.engine import connect
from consumption_monitor.indicators import load_indicators

from .conftest import lake_frames  # type: ignore[import-not-found]

CHINA = "100000"
VINTAGE = date(2026, 2, 28)


def _official() -> pd.DataFrame:
    rows = []

    def add(ind: str, period: str, basis: str, value: float, yoy: float | None, unit: str) -> None:
        rows.append({
            "region": CHINA, "indicator": ind, "period": period, "value": value, "unit": unit,
            "basis": basis, "yoy_pct": yoy, "source": "NBS", "note": None, "_vintage": VINTAGE,
        })  # fmt: skip

    add("retail_sales", "2024-12", "ytd", 487895.0, 3.5, "yi_yuan")
    add("online_retail", "2024-12", "ytd", 155225.0, 7.2, "yi_yuan")
    add("online_retail_goods", "2024-12", "ytd", 130816.0, 6.5, "yi_yuan")
    add("retail_sales", "2025-12", "ytd", 501202.0, None, "yi_yuan")
    add("online_retail_goods", "2025-12", "ytd", 130923.0, None, "yi_yuan")
    for code, value, yoy in (
        ("per_capita_disposable_income", 41314.0, 5.3),
        ("per_capita_disposable_income_urban", 54188.0, 4.6),
        ("per_capita_disposable_income_rural", 23119.0, 6.6),
        ("per_capita_consumption", 28227.0, 5.3),
        ("per_capita_consumption_urban", 34557.0, 4.7),
        ("per_capita_consumption_rural", 19280.0, 6.1),
    ):
        add(code, "2024", "year", value, yoy, "yuan")
    add("cpi", "2024", "year", 100.2, 0.2, "index")
    return pd.DataFrame(rows)


CODES = [
    "retail_sales", "online_retail", "online_retail_goods", "online_retail_goods_share",
    "online_retail_goods_in_online_share", "per_capita_disposable_income",
    "per_capita_disposable_income_urban", "per_capita_disposable_income_rural",
    "per_capita_consumption", "per_capita_consumption_urban", "per_capita_consumption_rural",
    "average_propensity_to_consume", "cpi",
]  # fmt: skip


@pytest.fixture(scope="module")
def table(tmp_path_factory: pytest.TempPathFactory) -> pd.DataFrame:
    frames = lake_frames()
    frames["official_stats"] = _official().reindex(
        columns=[*frames["official_stats"].columns.drop("_vintage", errors="ignore"), "_vintage"]
    )
    settings = load_settings(data_dir=tmp_path_factory.mktemp("cov"))
    result = compute(
        settings,
        as_of=VINTAGE,
        con=connect(load_settings(duckdb_threads=1)),
        source=FrameSource(frames),
        codes=CODES,
    )
    return result.table


def _one(table: pd.DataFrame, indicator: str, period: str) -> pd.Series:
    found = table[
        (table.indicator == indicator) & (table.region == CHINA) & (table.period == period)
        & (table.dim == "")
    ]  # fmt: skip
    assert len(found) == 1, (indicator, period, found)
    return found.iloc[0]


def test_online_retail_is_an_indicator(table: pd.DataFrame) -> None:
    row = _one(table, "online_retail", "2024-12")
    assert (row.basis, row.value, row.yoy_pct) == ("ytd", 155225.0, 7.2)


@pytest.mark.parametrize(("period", "published"), [("2024-12", 26.8), ("2025-12", 26.1)])
def test_physical_goods_share_of_retail_sales(table: pd.DataFrame, period, published) -> None:  # type: ignore[no-untyped-def]
    row = _one(table, "online_retail_goods_share", period)
    assert row.basis == "ytd"
    assert round(row.value, 1) == published  # as NBS rounds it in the release
    assert row.value == pytest.approx(row.numerator / row.denominator * 100)


def test_physical_goods_share_of_online_retail(table: pd.DataFrame) -> None:
    row = _one(table, "online_retail_goods_in_online_share", "2024-12")
    assert row.value == pytest.approx(130816 / 155225 * 100)  # 84.3%


def test_household_income_and_consumption(table: pd.DataFrame) -> None:
    assert _one(table, "per_capita_disposable_income", "2024").value == 41314.0
    assert _one(table, "per_capita_disposable_income_urban", "2024").yoy_pct == 4.6
    assert _one(table, "per_capita_consumption_rural", "2024").value == 19280.0
    apc = _one(table, "average_propensity_to_consume", "2024")
    assert apc.value == pytest.approx(28227 / 41314 * 100)  # 68.3%


def test_cpi(table: pd.DataFrame) -> None:
    row = _one(table, "cpi", "2024")
    assert (row.basis, row.value, row.yoy_pct) == ("year", 100.2, 0.2)


def test_each_new_indicator_has_its_definition_and_names() -> None:
    cat = load_indicators()
    for code in CODES:
        assert cat.get(code).definition_zh, code
    assert cat.get("网上零售额").code == "online_retail"
    assert cat.get("CPI").code == "cpi"
    assert cat.get("全体居民人均可支配收入").code == "per_capita_disposable_income"
    assert cat.get("实物商品网上零售额占社零比重").code == "online_retail_goods_share"
