"""A fixed indicator long table (hand-built, stable) and the plain inputs of the plan sections."""

from __future__ import annotations

from datetime import date

import pandas as pd
import pytest

from consumption_monitor.report import (
    AlertLine,
    HolidayFigure,
    HolidayInput,
    RankingLine,
    ReportData,
    TargetLine,
    TaskLine,
    make_report_data,
)

CITY = "120000"
COLUMNS = [
    "indicator",
    "region",
    "period",
    "basis",
    "dim",
    "dim_value",
    "value",
    "yoy_pct",
    "numerator",
    "denominator",
    "note",
]


def _row(ind, period, basis, value, yoy, region=CITY, dim="", dv="", num=None, den=None, note=""):
    return [ind, region, period, basis, dim, dv, value, yoy, num, den, note]


def fixed_table() -> pd.DataFrame:
    """社零 Jan–Feb … Jan–Oct 2025 (亿元), categories and districts (万元), shares, card data."""
    rows = []
    ytd = {  # month: (YTD level 亿元, YTD growth %)
        2: (650.0, -1.25),
        3: (980.4, 0.6),
        4: (1302.1, 1.8),
        5: (1650.3, 2.4),
        6: (1990.7, 2.9),
        7: (2320.2, 3.1),
        8: (2655.9, 3.3),
        9: (3012.55, 3.36),
        10: (3377.01, 3.64),
    }
    for m, (v, g) in ytd.items():
        rows.append(_row("retail_sales", f"2025-{m:02d}", "ytd", v, g))
    rows.append(_row("retail_sales", "2024-12", "ytd", 4020.5, 2.1))
    month = {3: 2.9, 4: 5.4, 5: 4.9, 6: 5.3, 7: 4.4, 8: 4.7, 9: 3.8, 10: 6.0}
    prev = 650.0
    for m, g in month.items():
        v = ytd[m][0] - prev
        prev = ytd[m][0]
        rows.append(_row("retail_sales", f"2025-{m:02d}", "month", round(v, 2), g))
    rows.append(_row("retail_sales", "2025-Q3", "quarter", 1021.85, 4.3))
    rows.append(_row("retail_sales_above_size", "2025-10", "ytd", 1388.4, -0.74))
    rows.append(_row("catering_revenue", "2025-10", "ytd", 412.3, 7.05))
    cats = {  # code: (万元, growth %, contribution pp)
        "grain_food": (2_150_000.0, 6.2, 1.10),
        "automobile": (3_020_000.0, -4.8, -1.32),
        "appliances": (905_000.0, 18.4, 1.25),
        "petroleum": (1_310_000.0, -2.1, -0.25),
        "apparel": (760_000.0, 0.03, 0.0),
        "telecom": (430_000.0, 21.7, 0.68),
    }
    for code, (v, g, c) in cats.items():
        rows.append(_row("ent_retail_sales", "2025-10", "ytd", v, g, dim="category", dv=code))
        rows.append(
            _row("category_contribution", "2025-10", "ytd", c, None, dim="category", dv=code)
        )
    rows.append(_row("ent_retail_sales", "2025-10", "ytd", 8_575_000.0, 1.9))
    dists = {
        "120101": (1_210_000.0, 3.3),
        "120116": (2_480_000.0, -1.7),
        "120104": (860_000.0, 5.25),
        "120102": (655_000.0, 0.0),
        "120113": (940_000.0, 2.8),
    }
    for code, (v, g) in dists.items():
        rows.append(_row("ent_retail_sales", "2025-10", "ytd", v, g, region=code))
    for ind, cur, last in (
        ("online_retail_share", 28.34, 27.52),
        ("upgrade_goods_share", 21.07, 21.1),
    ):
        rows.append(_row(ind, "2025-10", "ytd", cur, None))
        rows.append(_row(ind, "2024-10", "ytd", last, None))
    rows.append(_row("card_spending", "2025-10", "month", 15_730_000_000.0, 4.2))
    for code, v, g in (
        ("catering", 3_100_000_000.0, 8.1),
        ("grocery", 4_200_000_000.0, 1.2),
        ("apparel", 1_500_000_000.0, -3.4),
    ):
        rows.append(_row("card_spending", "2025-10", "month", v, g, dim="category", dv=code))
    for code, v, g in (
        ("local", 12_400_000_000.0, 2.5),
        ("other_province", 3_100_000_000.0, 11.9),
        ("overseas", 230_000_000.0, 35.0),
    ):
        rows.append(_row("card_spending", "2025-10", "month", v, g, dim="origin", dv=code))
    for code, v, g in (
        ("BD001", 820_000_000.0, 6.6),
        ("BD002", 510_000_000.0, 12.4),
        ("BD007", 640_000_000.0, -2.0),
    ):
        rows.append(
            _row("card_spending", "2025-10", "month", v, g, dim="business_district", dv=code)
        )
    rows.append(_row("night_spending_share", "2025-10", "month", 31.46, None))
    rows.append(
        _row(
            "consumer_industries_va_share_q",
            "2025-Q3",
            "quarter",
            12.84,
            None,
            num=1540.8,
            den=12000.0,
        )
    )
    rows.append(
        _row(
            "consumer_industries_va_share_q",
            "2024-Q3",
            "quarter",
            12.5,
            None,
            num=1437.5,
            den=11500.0,
        )
    )
    # the cumulative (前三季度) share, as the engine writes it from cumulative GDP releases
    rows.append(
        _row("consumer_industries_va_share_q", "2025-Q3", "ytd", 12.4, None, num=4464.0,
             den=36000.0)
    )  # fmt: skip
    rows.append(
        _row("consumer_industries_va_share_q", "2024-Q3", "ytd", 12.2, None, num=4148.0,
             den=34000.0)
    )  # fmt: skip
    df = pd.DataFrame(rows, columns=COLUMNS)
    for c in ("value", "yoy_pct", "numerator", "denominator"):
        df[c] = df[c].astype("float64")
    # September breakdowns for the quarterly report: levels x0.9, growth -0.5 pp
    official = ("retail_sales", "retail_sales_above_size", "catering_revenue")
    sep = df[df.period.isin(["2025-10", "2024-10"]) & ~df.indicator.isin(official)].copy()
    sep["period"] = sep.period.str[:5] + "09"
    level = ~sep.indicator.str.endswith("share") & (sep.indicator != "category_contribution")
    sep.loc[level, "value"] = (sep.loc[level, "value"] * 0.9).round(0)
    sep["yoy_pct"] = sep.yoy_pct - 0.5
    return pd.concat([df, sep], ignore_index=True)


def plain_inputs() -> dict[str, object]:
    """Target statuses, alerts, rankings, task progress and a holiday comparison."""
    return {
        "targets": [
            TargetLine(
                "T-retail",
                "社零增速与GDP同步",
                "Retail growth in step with GDP",
                "2025",
                "watch",
                -0.4,
                None,
                "个百分点",
            ),
            TargetLine(
                "T-first-stores",
                "新增首店",
                "New first stores",
                "2025",
                "on_track",
                96,
                120,
                "家",
                0.86,
            ),
            TargetLine(
                "T-concerts",
                "万人以上演唱会",
                "Concerts 10k+",
                "2025",
                "at_risk",
                31,
                60,
                "场",
                0.27,
            ),
            TargetLine(
                "T-online",
                "网络零售占比",
                "Online share",
                "2025-2027",
                "achieved",
                28.34,
                27.0,
                "%",
            ),
        ],
        "alerts": [
            AlertLine(
                "red",
                "汽车类零售额",
                "Auto retail sales",
                "连续3个月同比下降",
                "Down year on year for 3 months",
                date(2025, 8, 1),
            ),
            AlertLine(
                "yellow",
                "滨海新区",
                "Binhai New Area",
                "增速低于全市",
                "Growth below the city",
                date(2025, 10, 1),
            ),
        ],
        "rankings": [
            RankingLine("120101", 86.42, 1, 2),
            RankingLine("120104", 81.05, 2, -1),
            RankingLine("120116", 77.9, 3, 0),
            RankingLine("120102", 60.33, 4, None),
        ],
        "ranking_scheme": "区级默认方案",
        "tasks": [
            TaskLine("市商务局", 12, 78.5, 1),
            TaskLine("市文化和旅游局", 8, 52.25, 3),
            TaskLine("市体育局", 6, 64.0, 0),
        ],
        "holiday": HolidayInput(
            "2025-spring-festival",
            "春节",
            "Spring Festival",
            date(2025, 1, 28),
            date(2025, 2, 4),
            date(2024, 2, 10),
            date(2024, 2, 17),
            [
                HolidayFigure("销售额", "Sales", 4_860_000_000.0, 4_610_000_000.0, "yuan", 5.42),
                HolidayFigure(
                    "客流量", "Foot traffic", 21_350_000.0, 20_980_000.0, "person_times", 1.76
                ),
                HolidayFigure(
                    "餐饮企业销售额", "Catering sales", 910_000_000.0, 930_000_000.0, "yuan", -2.15
                ),
            ],
            daily_average=False,
            matched_panel=412,
        ),
    }


def fixed_data(**overrides: object) -> ReportData:
    """The fixed table plus the plain inputs, Tianjin catalog, auto money unit."""
    inputs = plain_inputs()
    inputs.update(overrides)
    return make_report_data(fixed_table(), **inputs)


@pytest.fixture
def data() -> ReportData:
    return fixed_data()


@pytest.fixture
def table() -> pd.DataFrame:
    return fixed_table()


@pytest.fixture(scope="session")
def make_data():  # type: ignore[no-untyped-def]
    """Factory: ``make_data(**overrides)`` → :func:`fixed_data`."""
    return fixed_data


@pytest.fixture(scope="session")
def data_from_table():  # type: ignore[no-untyped-def]
    """Factory: ``data_from_table(table)`` → report data of ``table`` with the plain inputs."""
    return lambda table: make_report_data(table, **plain_inputs())


def store_fixed_result(settings: object, computed_at: str = "2025-11-16 08:00:00") -> None:
    """Write the fixed table as a stored computation (vintage 2025-11-16) under ``settings``."""
    from consumption_monitor.compute.runner import COLUMNS as STORED
    from consumption_monitor.compute.runner import ComputeResult, write_result

    df = fixed_table()
    for col in STORED:
        if col not in df:
            df[col] = float("nan") if col.endswith("_pct") else None
    df["vintage"] = date(2025, 11, 16)
    df["provisional"] = False
    df["computed_at"] = pd.Timestamp(computed_at)
    write_result(settings, ComputeResult(table=df[list(STORED)], vintage=date(2025, 11, 16)))  # type: ignore[arg-type]


@pytest.fixture
def stored_settings(tmp_path):  # type: ignore[no-untyped-def]
    """Settings on a fresh data dir that holds the fixed table as the latest computation."""
    from consumption_monitor.config import load_settings

    settings = load_settings(data_dir=tmp_path / "data")
    store_fixed_result(settings)
    return settings
