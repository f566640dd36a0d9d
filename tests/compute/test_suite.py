"""The indicator suite on a small lake, on both engines, against independent oracles."""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest

from consumption_monitor.catalog import load_catalog
from consumption_monitor.indicators.formulas import single_period_growth

CITY = "120000"


@pytest.fixture
def table(backend, suite_on) -> pd.DataFrame:  # type: ignore[no-untyped-def]
    return suite_on(backend).table


def rows(df: pd.DataFrame, **eq: object) -> pd.DataFrame:
    mask = np.ones(len(df), dtype=bool)
    for k, v in eq.items():
        mask &= (df[k] == v).to_numpy()
    return df[mask]


def one(df: pd.DataFrame, **eq: object) -> pd.Series:
    found = rows(df, **eq)
    assert len(found) == 1, (eq, found)
    return found.iloc[0]


def test_no_january_and_jan_feb_is_first_period(table: pd.DataFrame) -> None:
    assert not table.period.str.endswith("-01").any()
    jf = one(table, indicator="retail_sales", region=CITY, period="2024-02", basis="month")
    assert jf.value == 1000.0 and jf.yoy_pct == 5.0  # Jan–Feb single period = YTD


def test_single_month_derived_from_ytd(table: pd.DataFrame) -> None:
    r = one(table, indicator="retail_sales", region=CITY, period="2024-03", basis="month")
    assert r.value == 500.0
    expected = single_period_growth(1500.0, 0.04, 1000.0, 0.05) * 100
    assert r.yoy_pct == pytest.approx(float(expected), rel=1e-12)
    assert r.note == "derived from YTD"


def test_published_month_takes_precedence(table: pd.DataFrame) -> None:
    r = one(table, indicator="retail_sales", region=CITY, period="2024-04", basis="month")
    derived = single_period_growth(2000.0, 0.035, 1500.0, 0.04) * 100
    assert r.yoy_pct == 1.9 and not math.isclose(r.yoy_pct, float(derived), rel_tol=1e-6)


def test_quarter_and_growth_only(table: pd.DataFrame) -> None:
    q1 = one(table, indicator="retail_sales", region=CITY, period="2024-Q1", basis="quarter")
    assert (q1.value, q1.yoy_pct) == (1500.0, 4.0)
    sr = one(table, indicator="service_retail_growth", region=CITY, period="2024-03")
    assert math.isnan(sr.value) and sr.yoy_pct == 6.1


def test_contribution_of_catering(table: pd.DataFrame) -> None:
    r = one(table, indicator="catering_contribution", region=CITY, period="2024-03", basis="ytd")
    b_i, b_t = 180 / 1.09, 1500 / 1.04
    assert r.value == pytest.approx((180 - b_i) / b_t * 100, rel=1e-9)


def test_consumption_rate_and_proxy_and_va_shares(table: pd.DataFrame) -> None:
    assert one(table, indicator="consumption_rate", period="2023").value == pytest.approx(50.0)
    assert one(table, indicator="household_consumption_rate").value == pytest.approx(37.5)
    assert one(table, indicator="government_consumption_rate").value == pytest.approx(12.5)
    proxy = one(table, indicator="consumption_rate_proxy", period="2023")
    assert proxy.value == pytest.approx(33000 * 1364 / 1e4 / 16700 * 100)
    q = one(table, indicator="consumer_industries_va_share_q", period="2024-Q1", basis="ytd")
    assert (q.numerator, q.denominator, q.value) == (440.0, 4000.0, pytest.approx(11.0))
    # The quarter alone: Q1 is its cumulative release; Q2 is H1 minus Q1 of each level.
    q1 = one(table, indicator="consumer_industries_va_share_q", period="2024-Q1", basis="quarter")
    assert (q1.numerator, q1.denominator) == (440.0, 4000.0)
    q2 = one(table, indicator="consumer_industries_va_share_q", period="2024-Q2", basis="quarter")
    assert (q2.numerator, q2.denominator) == (pytest.approx(475.0), pytest.approx(4300.0))
    assert q2.value == pytest.approx(475 / 4300 * 100) and q2.note.endswith("derived from YTD")
    h1 = one(table, indicator="consumer_industries_va_share_q", period="2024-Q2", basis="ytd")
    assert h1.value == pytest.approx(915 / 8300 * 100) and "derived" not in h1.note
    y = one(table, indicator="consumer_industries_va_share_y", period="2023")
    assert y.value == pytest.approx(2050 / 16700 * 100)  # the year row, not the Q4 release
    y22 = one(table, indicator="consumer_industries_va_share_y", period="2022")
    assert y22.value == pytest.approx((1400 + 230 + 110 + 170) / 16000 * 100)
    gdp_q4 = one(table, indicator="gdp", region=CITY, period="2022-Q4", basis="ytd")
    assert (gdp_q4.value, gdp_q4.yoy_pct) == (16000.0, 1.5)


def _enterprise_oracle(lake: dict[str, pd.DataFrame], period: str, district: str | None):
    ent = lake["enterprise_monthly"].copy()
    ent["period"] = ent.period.str.replace(r"-01$", "-02", regex=True)
    if district:
        ent = ent[ent.district_code == district]
    prev_period = f"{int(period[:4]) - 1}{period[4:]}"
    cur = ent[ent.period == period]
    prev = ent[ent.period == prev_period]
    panel = set(cur.enterprise_id) & set(prev.enterprise_id)
    level = cur.retail_sales.sum()
    growth = (
        cur[cur.enterprise_id.isin(panel)].retail_sales.sum()
        / prev[prev.enterprise_id.isin(panel)].retail_sales.sum()
        - 1
    ) * 100
    return level, growth


@pytest.mark.parametrize("district", [None, "120101", "120116"])
def test_enterprise_same_panel_growth(table, lake, district) -> None:  # type: ignore[no-untyped-def]
    level, growth = _enterprise_oracle(lake, "2024-03", district)
    r = one(
        table,
        indicator="ent_retail_sales",
        region=district or CITY,
        period="2024-03",
        basis="month",
        dim="",
    )
    assert r.value == pytest.approx(level, rel=1e-12)
    assert r.yoy_pct == pytest.approx(growth, rel=1e-9)


def test_january_folded_into_jan_feb(table, lake) -> None:  # type: ignore[no-untyped-def]
    ent = lake["enterprise_monthly"]
    expected = ent[ent.period.isin(["2024-01", "2024-02"])].retail_sales.sum()
    r = one(
        table, indicator="ent_retail_sales", region=CITY, period="2024-02", basis="month", dim=""
    )
    assert r.value == pytest.approx(expected)


@pytest.mark.parametrize(
    ("indicator", "dim"),
    [
        ("ent_retail_sales", "category"),
        ("card_spending", "business_district"),
        ("card_spending", "category"),
        ("card_spending", "origin"),
        ("card_transactions", "channel"),
        ("first_stores_new", "tier"),
        ("key_enterprise_sales", "format"),
    ],
)
def test_rollups_add_up_to_city(table, indicator, dim) -> None:  # type: ignore[no-untyped-def]
    city_codes = {d.code for d in load_catalog().districts}
    t = rows(table, indicator=indicator)
    city = t[(t.region == CITY) & (t.dim == "")].set_index(["period", "basis"]).value
    districts = (
        t[t.region.isin(city_codes) & (t.dim == "")]
        .groupby(["period", "basis"])
        .value.sum(min_count=1)
    )
    # min_count=1: an incomplete period (blanked everywhere, compute/sanity.py) stays blank.
    parts = (
        t[(t.region == CITY) & (t.dim == dim)].groupby(["period", "basis"]).value.sum(min_count=1)
    )
    assert len(city) > 0
    pd.testing.assert_series_equal(
        districts.sort_index(), city.sort_index(), check_names=False, rtol=1e-12
    )
    pd.testing.assert_series_equal(
        parts.sort_index(), city.sort_index(), check_names=False, rtol=1e-12
    )


def test_night_share_and_business_day(table, lake) -> None:  # type: ignore[no-untyped-def]
    card = lake["card_transactions"].copy()
    day = (card.txn_ts - pd.Timedelta(hours=2)).dt.strftime("%Y-%m")
    hour = card.txn_ts.dt.hour
    night = (hour >= 18) | (hour < 2)
    sel = day == "2024-03"
    expected = card.amount[sel & night].sum() / card.amount[sel].sum() * 100
    r = one(table, indicator="night_spending_share", region=CITY, period="2024-03")
    assert r.value == pytest.approx(expected, rel=1e-12)
    # 01:30 on 1 April is the evening of 31 March (counted above); the 02:00 payment is all
    # April has, so April is an incomplete month: no share of one payment (#20), blanked.
    april = one(table, indicator="night_spending_share", region=CITY, period="2024-04")
    assert np.isnan(april.value) and np.isnan(april.denominator)
    assert april.note == "incomplete"


def test_shares_keep_parts_and_print_upgrade_set(table, lake) -> None:  # type: ignore[no-untyped-def]
    ent = lake["enterprise_monthly"]
    cur = ent[ent.period == "2024-03"]
    r = one(table, indicator="online_retail_share", region=CITY, period="2024-03", basis="month")
    assert (r.numerator, r.denominator) == (cur.online_retail_sales.sum(), cur.retail_sales.sum())
    u = one(table, indicator="upgrade_goods_share", region=CITY, period="2024-03", basis="month")
    assert u.numerator == cur[cur.category == "cosmetics"].retail_sales.sum()
    assert "化妆品类" in u.note and "金银珠宝类" in u.note


def test_registries_and_unit_reports(table) -> None:  # type: ignore[no-untyped-def]
    assert one(table, indicator="concerts_10k", region=CITY, period="2024", basis="year").value == 1
    fs = rows(table, indicator="first_stores_new", region=CITY, dim="")
    assert fs.set_index(["basis", "period"]).value.to_dict() == {
        ("month", "2024-02"): 1.0,
        ("month", "2024-03"): 2.0,
        ("ytd", "2024-02"): 1.0,
        ("ytd", "2024-03"): 3.0,
        ("year", "2024"): 3.0,
    }
    t = one(table, indicator="tourists", region=CITY, period="2024-03")
    assert (t.basis, t.value) == ("ytd", 5000.0)
    assert t.yoy_pct == pytest.approx((5000 / 4600 - 1) * 100)
    assert one(table, indicator="tourists", region="120101", period="2024-03").value == 800.0
    beds = one(table, indicator="hotel_beds_3star", period="2024")
    assert (beds.basis, beds.value) == ("year", 3.6)
    revenue = one(table, indicator="catering_accommodation_revenue", period="2024-03")
    assert (revenue.region, revenue.basis, revenue.value) == (CITY, "ytd", 420.0)


def test_comparisons(table) -> None:  # type: ignore[no-untyped-def]
    r = one(table, indicator="retail_sales", region=CITY, period="2024-03", basis="ytd")
    assert r.vs_2019_pct == pytest.approx((1500 / 1200 - 1) * 100)
    assert r.yoy_2y_avg_pct == pytest.approx((math.sqrt(1.04 * 1.02) - 1) * 100)
    may = one(table, indicator="retail_sales", region=CITY, period="2024-05", basis="month")
    assert may.mom_pct == pytest.approx((520 / 500 - 1) * 100)
    march = one(table, indicator="retail_sales", region=CITY, period="2024-03", basis="month")
    assert math.isnan(march.mom_pct)  # Jan–Feb is two months: no 环比 for March


def test_provisional_rule(table) -> None:  # type: ignore[no-untyped-def]
    s = rows(table, indicator="retail_sales", region=CITY, basis="ytd").set_index("period")
    assert s.provisional["2024-05"] and not s.provisional["2024-02"]
