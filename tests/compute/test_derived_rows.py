"""Derived single periods (YTD → month, quarter, year) that would say nothing are not written.

A growth-only cumulative series (Tianjin 2020: 上半年 −21.7 %, 前三季度 −16.8 %, no level)
gives no single-quarter growth: the cumulative formula needs both levels. Such a derived row
would have neither a value nor a growth rate; it is dropped (#18 item 9), while a derived row
with a level and no growth (a level-only series) is kept. On DuckDB and on Spark.
"""

from __future__ import annotations

import math

import ibis
import pandas as pd
import pytest
from ibis.backends import BaseBackend

from consumption_monitor.compute.official import official_expr

PARAMS = {"derive": True, "source_indicator": "retail_sales"}


def _official(rows: list[tuple[str, str, str, float | None, float | None]]) -> ibis.Table:
    frame = pd.DataFrame(
        [
            {
                "region": r,
                "indicator": "retail_sales",
                "period": p,
                "basis": b,
                "value": v,
                "yoy_pct": g,
                "source": "test",
                "unit": "yi_yuan",
            }
            for r, p, b, v, g in rows
        ]
    )
    return ibis.memtable(
        frame,
        schema={
            "region": "string",
            "indicator": "string",
            "period": "string",
            "basis": "string",
            "value": "float64",
            "yoy_pct": "float64",
            "source": "string",
            "unit": "string",
        },
    )


# pyspark's toPandas passes copy= to astype, which pandas 3 deprecates (third-party, harmless).
@pytest.mark.filterwarnings("ignore:The copy keyword is deprecated:pandas.errors.Pandas4Warning")
@pytest.mark.filterwarnings("ignore:toPandas attempted Arrow optimization:UserWarning")
def test_no_derived_row_has_neither_value_nor_growth(backend: BaseBackend) -> None:
    off = _official(
        [
            # Tianjin 2020, growth only (天津市统计局, 2020年前三季度经济数据)
            ("120000", "2020-06", "ytd", None, -21.7),
            ("120000", "2020-09", "ytd", None, -16.8),
            # a level-only series: its derived quarter has a value and no growth
            ("120101", "2024-03", "ytd", 1500.0, None),
            ("120101", "2024-06", "ytd", 3000.0, None),
        ]
    )
    expr = official_expr(off, "retail_sales", PARAMS)
    out = backend.execute(expr.select("region", "period", "basis", "value", "yoy_pct"))
    empty = out[out.value.isna() & out.yoy_pct.isna()]
    assert empty.empty, empty
    got = {(r.region, r.period, r.basis) for r in out.itertuples()}
    assert ("120000", "2020-Q3", "quarter") not in got  # growth alone derives nothing
    assert {("120000", "2020-06", "ytd"), ("120000", "2020-09", "ytd")} <= got
    q2 = out[(out.region == "120101") & (out.period == "2024-Q2") & (out.basis == "quarter")]
    assert len(q2) == 1 and q2.value.iloc[0] == 1500.0 and math.isnan(q2.yoy_pct.iloc[0])
