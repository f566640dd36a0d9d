"""DuckDB/Spark parity: the whole suite, every value, from the same small lake."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from consumption_monitor.compute import COLUMNS
from consumption_monitor.indicators import load_indicators

KEY = ["indicator", "region", "basis", "dim", "dim_value", "period"]
FLOATS = [
    "value",
    "yoy_pct",
    "mom_pct",
    "vs_2019_pct",
    "yoy_2y_avg_pct",
    "numerator",
    "denominator",
]


@pytest.mark.spark
def test_full_suite_parity(suite_on, spark_backend) -> None:  # type: ignore[no-untyped-def]
    from consumption_monitor.config import load_settings
    from consumption_monitor.engine import connect

    duck = suite_on(connect(load_settings(engine="duckdb", duckdb_threads=1)))
    spark = suite_on(spark_backend)
    assert duck.skipped == spark.skipped == {}
    a = duck.table.sort_values(KEY).reset_index(drop=True)
    b = spark.table.sort_values(KEY).reset_index(drop=True)
    assert list(a.columns) == list(b.columns) == list(COLUMNS)
    pd.testing.assert_frame_equal(a[KEY], b[KEY])
    for col in FLOATS:
        x, y = a[col].to_numpy(float), b[col].to_numpy(float)
        assert np.array_equal(np.isnan(x), np.isnan(y)), col
        ok = ~np.isnan(x)
        np.testing.assert_allclose(x[ok], y[ok], rtol=1e-9, err_msg=col)
    assert (a.note.fillna("") == b.note.fillna("")).all()
    assert (a.provisional == b.provisional).all()
    # Every computed indicator of the catalog is in the suite (nothing silently dropped).
    computed = {i.code for i in load_indicators()} - set(a.indicator)
    not_in_small_lake = {
        "tourism_spending",
        "old_brands",
        "cross_border_ecommerce",
        "sports_consumption",
        "commodity_sales",
        "elevator_renewal",
        "community_elderly_institutions",
        "nursing_bed_share",
        "vocational_training",
        "lectures",
        "container_throughput",
        "airport_cargo",
        "business_services_revenue",
        "creative_design_teams",
        "integration_bases",
        "exhibitions",
        "retail_sales_above_size",
        "online_retail_goods",
        "online_goods_services",
        # official macro series the small lake does not publish
        "average_propensity_to_consume",
        "cpi",
        "foreign_trade",
        "general_budget_revenue",
        "online_retail",
        "online_retail_goods_in_online_share",
        "online_retail_goods_share",
        "per_capita_consumption_rural",
        "per_capita_consumption_urban",
        "per_capita_disposable_income",
        "per_capita_disposable_income_rural",
        "per_capita_disposable_income_urban",
    }
    assert computed == not_in_small_lake
