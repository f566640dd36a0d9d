"""Calibration tables: public magnitudes the simulator is tuned to (all approximate).

Sources (rounded, for realism only — never used as official figures): Tianjin statistical
communiqués 2019–2024 (社零 about 3,500–4,000 亿元 a year, GDP 1.4–1.8 万亿元, resident population
about 1,364 万 after the 2020 census revision), NBS national releases (全国社零 about 39–49 万亿元),
and the 2025 action plan's own baselines. Years after the last table entry grow at the last rate.
"""

from __future__ import annotations

# City 社零 (retail_sales), 亿元 per calendar year: a 2020 shock (−10%), recovery in 2021, a weak
# 2022 and steady growth since; 2024 sits inside the 3,800–4,000 band the tests check.
CITY_RETAIL_YI: dict[int, float] = {
    2018: 3780.0,
    2019: 3830.0,
    2020: 3420.0,
    2021: 3690.0,
    2022: 3560.0,
    2023: 3820.0,
    2024: 3900.0,
    2025: 3975.0,
    2026: 4040.0,
}

# National 社零, 亿元 (NBS, rounded).
NATIONAL_RETAIL_YI: dict[int, float] = {
    2018: 380987.0,
    2019: 408017.0,
    2020: 391981.0,
    2021: 440823.0,
    2022: 439733.0,
    2023: 471495.0,
    2024: 487895.0,
    2025: 501000.0,
    2026: 516000.0,
}

# City GDP, 亿元 (rounded communiqué values).
CITY_GDP_YI: dict[int, float] = {
    2018: 13363.0,
    2019: 14104.0,
    2020: 14008.0,
    2021: 15695.0,
    2022: 16311.0,
    2023: 16737.0,
    2024: 18024.0,
    2025: 18800.0,
    2026: 19500.0,
}

# Resident population, 万人 (post-census series).
POPULATION_WAN: dict[int, float] = {
    2018: 1383.0,
    2019: 1385.0,
    2020: 1387.0,
    2021: 1373.0,
    2022: 1363.0,
    2023: 1364.0,
    2024: 1364.0,
    2025: 1365.0,
    2026: 1366.0,
}

# Monthly shape of 社零 within a year (share of the annual total, Jan..Dec): a December peak
# and the Spring Festival months high; Jan+Feb is what gets published (METHODOLOGY §1).
MONTH_SHAPE = (0.083, 0.072, 0.078, 0.076, 0.082, 0.083, 0.077, 0.079, 0.083, 0.088, 0.087, 0.102)

# Component shares of city 社零 (practice-level guesses calibrated to public releases).
ABOVE_SIZE_SHARE = 0.46  # 限上 consumer-goods retail / 社零
CATERING_SHARE = 0.095  # 餐饮收入 / 社零
ONLINE_GOODS_SHARE = {
    2018: 0.17,
    2019: 0.19,
    2020: 0.24,
    2021: 0.25,
    2022: 0.27,
    2023: 0.28,
    2024: 0.29,
    2025: 0.30,
    2026: 0.31,
}
# Enterprise-level online share of 限上 retail, rising toward the plan's 1/3 (2025 target).
ONLINE_ENTERPRISE_SHARE = {
    2018: 0.18,
    2019: 0.20,
    2020: 0.25,
    2021: 0.26,
    2022: 0.28,
    2023: 0.30,
    2024: 0.31,
    2025: 0.33,
    2026: 0.34,
}

# Enterprise-set change of 限上 per year (可比口径): the prior-year base of the published growth
# is the previous level times (1 + change). Non-zero so that published growth ≠ level ratio.
ENTERPRISE_SET_CHANGE = {
    2019: -0.021,
    2020: 0.014,
    2021: -0.032,
    2022: 0.018,
    2023: -0.026,
    2024: -0.017,
    2025: 0.022,
    2026: -0.019,
}
# The same for 社零 as a whole (census and sample revisions), smaller.
RETAIL_BASE_REVISION = {
    2019: -0.008,
    2020: 0.006,
    2021: -0.011,
    2022: 0.007,
    2023: -0.009,
    2024: -0.006,
    2025: 0.008,
    2026: -0.007,
}

# 限上 commodity mix (share of 限上 goods retail) by catalog category code. The default 升级类
# set (cosmetics, jewelry, sports_entertainment, telecom, culture_office, appliances) sums to
# about 0.20, the plan's 2025 goal.
CATEGORY_MIX: dict[str, float] = {
    "automobile": 0.250,
    "petroleum": 0.115,
    "grain_food": 0.140,
    "beverages": 0.025,
    "tobacco_liquor": 0.032,
    "apparel": 0.070,
    "cosmetics": 0.030,
    "jewelry": 0.025,
    "daily_use": 0.060,
    "sports_entertainment": 0.015,
    "appliances": 0.062,
    "medicine": 0.060,
    "culture_office": 0.025,
    "furniture": 0.012,
    "telecom": 0.048,
    "building_materials": 0.012,
    "books": 0.005,
    "e_publications": 0.002,
    "other": 0.032,
}

# Quarterly GDP components as shares of GDP (F wholesale/retail, H accommodation/catering) and
# annual ones (R culture/sports, O residents' services); final consumption / GDP (expenditure).
VA_SHARES = {"va_F": 0.108, "va_H": 0.014, "va_R": 0.007, "va_O": 0.011}
FINAL_CONSUMPTION_RATE = {
    2018: 0.530,
    2019: 0.535,
    2020: 0.515,
    2021: 0.520,
    2022: 0.525,
    2023: 0.540,
    2024: 0.545,
    2025: 0.550,
    2026: 0.552,
}
PER_CAPITA_CONSUMPTION_YUAN = {
    2018: 32655.0,
    2019: 31854.0,
    2020: 28461.0,
    2021: 33188.0,
    2022: 31324.0,
    2023: 34884.0,
    2024: 36200.0,
    2025: 37400.0,
    2026: 38500.0,
}

# Plan-related annual series the statistics bureau also publishes (indicator code → level by
# year, in the catalog unit). Rough public magnitudes.
PLAN_SERIES: dict[str, dict[int, float]] = {
    "tourists": {
        2018: 23000.0,
        2019: 25000.0,
        2020: 14000.0,
        2021: 17000.0,
        2022: 13500.0,
        2023: 22000.0,
        2024: 24500.0,
    },
    "tourism_spending": {
        2018: 2700.0,
        2019: 2950.0,
        2020: 1450.0,
        2021: 1800.0,
        2022: 1300.0,
        2023: 2350.0,
        2024: 2650.0,
    },
    "commodity_sales": {
        2018: 40500.0,
        2019: 42000.0,
        2020: 40000.0,
        2021: 46000.0,
        2022: 46500.0,
        2023: 48000.0,
        2024: 49200.0,
    },
    "container_throughput": {
        2018: 1600.0,
        2019: 1730.0,
        2020: 1835.0,
        2021: 2027.0,
        2022: 2102.0,
        2023: 2219.0,
        2024: 2329.0,
    },
}


def year_value(table: dict[int, float], year: int) -> float:
    """``table[year]``, extrapolating past either end at the nearest year-on-year rate.

    >>> year_value({2020: 100.0, 2021: 110.0}, 2022)
    121.0
    >>> year_value({2020: 100.0, 2021: 110.0}, 2019)
    90.9
    """
    if year in table:
        return table[year]
    years = sorted(table)
    if year > years[-1]:
        rate = table[years[-1]] / table[years[-2]]
        return round(table[years[-1]] * rate ** (year - years[-1]), 1)
    rate = table[years[1]] / table[years[0]]
    return round(table[years[0]] / rate ** (years[0] - year), 1)


def year_share(table: dict[int, float], year: int) -> float:
    """A share or rate by year, held constant past either end."""
    years = sorted(table)
    return table[min(max(year, years[0]), years[-1])]
