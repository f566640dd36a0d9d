"""Growth sanity (#20): a month the card feed covers only in part is never a point nor a base,
and a stub base gives no growth. Worked examples, checked by hand."""

from __future__ import annotations

from datetime import date

import numpy as np
import pandas as pd

from consumption_monitor.compute.post import add_comparisons
from consumption_monitor.compute.sanity import (
    BASE_INCOMPLETE,
    INCOMPLETE,
    SMALL_BASE,
    mark_incomplete,
    month_span,
    reason,
)
from consumption_monitor.indicators import load_indicators


def _rows(indicator: str, values: dict[str, float]) -> pd.DataFrame:
    return pd.DataFrame(
        {
            "indicator": indicator, "region": "120000", "period": list(values), "basis": "month",
            "dim": "", "dim_value": "", "value": list(values.values()), "yoy_pct": np.nan,
            "numerator": np.nan, "denominator": np.nan, "note": "",
        }
    )  # fmt: skip


def test_a_two_hour_stub_month_is_neither_a_point_nor_a_base() -> None:
    # The case: the feed starts 2025-09-01 00:00, so 2025-08 holds only the first two
    # hours of 1 September (3.91万元); 2026-08 against it would be +439 924%.
    catalog = load_indicators()
    kinds = {i.code: i.kind for i in catalog}
    df = _rows("card_spending", {"2025-08": 39_100.0, "2025-09": 1.7e8, "2026-08": 1.72e8,
                                 "2026-09": 1.8e8})  # fmt: skip
    df = mark_incomplete(df, kinds, (date(2025, 9, 1), date(2026, 9, 30)))
    out = add_comparisons(df, catalog).set_index("period")
    assert np.isnan(out.loc["2025-08", "value"]) and out.loc["2025-08", "note"] == INCOMPLETE
    assert np.isnan(out.loc["2026-08", "yoy_pct"]) and out.loc["2026-08", "note"] == BASE_INCOMPLETE
    # A complete base keeps its growth: 1.8e8 / 1.7e8 - 1 = 5.882…%.
    assert abs(out.loc["2026-09", "yoy_pct"] - (1.8 / 1.7 - 1) * 100) < 1e-9
    assert reason(out.loc["2026-08", "note"], "zh") == "基期数据不完整，不计算增速"


def test_a_partial_last_month_is_blank_and_jan_feb_needs_january() -> None:
    kinds = {"card_spending": "card_sum", "retail_sales": "official"}
    df = pd.concat(
        [_rows("card_spending", {"2026-02": 5.0, "2026-03": 9.0, "2026-04": 4.0}),
         _rows("retail_sales", {"2026-02": 5.0})], ignore_index=True,
    )  # fmt: skip
    out = mark_incomplete(df, kinds, (date(2026, 1, 15), date(2026, 4, 10)))
    notes = dict(zip(out.indicator + " " + out.period, out.note, strict=True))
    assert notes["card_spending 2026-02"] == INCOMPLETE  # Jan–Feb starts on 1 January
    assert notes["card_spending 2026-03"] == ""
    assert notes["card_spending 2026-04"] == INCOMPLETE  # the feed stops on 10 April
    assert notes["retail_sales 2026-02"] == ""  # official figures are not the card feed's
    assert month_span("2026-04") == (date(2026, 4, 1), date(2026, 4, 30))


def test_a_stub_base_gives_no_growth_but_official_rates_are_kept() -> None:
    catalog = load_indicators()
    months = {f"2025-{m:02d}": 100.0 for m in range(3, 13)}
    months.update({f"2026-{m:02d}": 110.0 for m in range(3, 13)})
    months["2025-05"] = 2.0  # 2% of the median: a stub, not a comparable month
    out = add_comparisons(_rows("card_spending", months), catalog).set_index("period")
    assert np.isnan(out.loc["2026-05", "yoy_pct"]) and out.loc["2026-05", "note"] == SMALL_BASE
    assert abs(out.loc["2026-06", "yoy_pct"] - 10.0) < 1e-9
    assert np.isnan(out.loc["2025-06", "mom_pct"]) and out.loc["2025-06", "note"] == SMALL_BASE
    official = _rows("retail_sales", {"2025-05": 2.0, "2026-05": 110.0})
    official.loc[1, "yoy_pct"] = 6.1  # a published rate is never recomputed nor withheld
    kept = add_comparisons(official, catalog).set_index("period")
    assert kept.loc["2026-05", "yoy_pct"] == 6.1


def test_a_business_districts_few_openings_may_grow_sevenfold() -> None:
    """首店 per 商圈 count a handful a year: 1 → 7 (+600%) is kept there (growth_cap_pct), while
    the same jump of a city-wide series stays withheld as implausible."""
    catalog = load_indicators()
    months = {f"2025-{m:02d}": 4.0 for m in range(3, 13)}
    months.update({f"2026-{m:02d}": 4.0 for m in range(3, 13)})
    months["2025-06"], months["2026-06"] = 1.0, 7.0
    cases = {"first_stores_by_business_district": True, "debut_events_by_business_district": True,
             "card_spending": False}  # fmt: skip
    for code, kept in cases.items():
        out = add_comparisons(_rows(code, months), catalog).set_index("period")
        if kept:
            assert abs(out.loc["2026-06", "yoy_pct"] - 600.0) < 1e-9, code
        else:
            assert np.isnan(out.loc["2026-06", "yoy_pct"]), code
            assert out.loc["2026-06", "note"] == "implausible_growth"
