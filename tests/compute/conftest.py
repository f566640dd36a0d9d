"""Fixtures of the indicator-engine tests: the ``backend`` (DuckDB and Spark) and a small lake.

``backend`` is parametrised over both engines; the Spark case is marked ``spark`` and FAILS
(it does not skip) when pyspark or Java is missing, because CI installs both. One local[2]
SparkSession serves the whole test session.

``small_lake`` is a hand-made lake in the dataset schemas of ``catalog/data/datasets.yaml``,
small enough to check by hand, with the awkward cases in it: an enterprise entering and one
leaving the 限上 set, a January row, transactions around midnight, a revised official figure.
"""

from __future__ import annotations

import importlib.util
import shutil
from datetime import date, datetime, timedelta

import numpy as np
import pandas as pd
import pytest
from ibis.backends import BaseBackend

from consumption_monitor.config import Settings, load_settings

V1 = date(2024, 5, 20)  # first vintage of the lake
V2 = date(2024, 6, 20)  # a later vintage revising one official figure


@pytest.fixture(scope="session")
def settings(tmp_path_factory: pytest.TempPathFactory) -> Settings:
    return load_settings(
        data_dir=tmp_path_factory.mktemp("cmon"), min_cell_merchants=1, min_cell_cards=1
    )


def _spark_backend() -> BaseBackend:
    if importlib.util.find_spec("pyspark") is None:
        pytest.fail(
            "pyspark is not installed: pip install -e '.[dev]' (it pins pyspark)", pytrace=False
        )
    if shutil.which("java") is None:
        pytest.fail("Java is not installed: apt-get install openjdk-17-jre-headless", pytrace=False)
    from consumption_monitor.engine import connect, spark_session

    # One small local session for the whole test run: 1 shuffle partition, no adaptive plans.
    spark_session("local[2]", shuffle_partitions=1, adaptive=False)
    return connect(load_settings(engine="spark", spark_master="local[2]"))


@pytest.fixture(scope="session")
def spark_backend() -> BaseBackend:
    return _spark_backend()


@pytest.fixture(
    scope="session",
    params=["duckdb", pytest.param("spark", marks=pytest.mark.spark)],
)
def backend(request: pytest.FixtureRequest) -> BaseBackend:
    if request.param == "spark":
        return request.getfixturevalue("spark_backend")
    from consumption_monitor.engine import connect

    return connect(load_settings(engine="duckdb", duckdb_threads=1))


def _uscc(i: int) -> str:
    from consumption_monitor.catalog.uscc import is_valid_uscc

    body = f"91120101MA{i:07d}"
    for check in "0123456789ABCDEFGHJKLMNPQRTUWXY":
        if is_valid_uscc(body + check):
            return body + check
    raise AssertionError("no check character")


def official_frame() -> pd.DataFrame:
    rows = []

    def add(
        ind: str,
        region: str,
        period: str,
        basis: str,
        value: float | None,
        yoy: float | None,
        vintage: date = V1,
    ) -> None:
        rows.append(
            {
                "region": region,
                "indicator": ind,
                "period": period,
                "value": value,
                "unit": "yi_yuan",
                "basis": basis,
                "yoy_pct": yoy,
                "source": "test",
                "note": None,
                "_vintage": vintage,
            }
        )

    # City retail sales, YTD only (a growth-and-level cumulative series).
    ytd24 = [(2, 1000.0, 5.0), (3, 1500.0, 4.0), (4, 2000.0, 3.5), (5, 2520.0, 3.6)]
    ytd23 = [(2, 950.0, 3.0), (3, 1440.0, 2.0), (4, 1930.0, 2.5), (5, 2430.0, 2.6)]
    for year, series in ((2024, ytd24), (2023, ytd23)):
        for m, v, g in series:
            add("retail_sales", "120000", f"{year}-{m:02d}", "ytd", v, g)
    # April 2024 single month is also published: it must win over the derived one.
    add("retail_sales", "120000", "2024-04", "month", 500.0, 1.9)
    # 2019 same periods for the vs-2019 comparison.
    add("retail_sales", "120000", "2019-02", "ytd", 800.0, 8.0)
    add("retail_sales", "120000", "2019-03", "ytd", 1200.0, 8.5)
    # Catering revenue YTD (component of retail sales).
    for year, series in (
        (2024, [(2, 120.0, 10.0), (3, 180.0, 9.0)]),
        (2023, [(2, 109.0, 12.0), (3, 165.0, 11.0)]),
    ):
        for m, v, g in series:
            add("catering_revenue", "120000", f"{year}-{m:02d}", "ytd", v, g)
    # Service retail: growth only.
    add("service_retail", "120000", "2024-03", "ytd", None, 6.1)
    # Annual accounts and quarterly value added.
    add("final_consumption", "120000", "2023", "year", 8000.0, None)
    add("gdp_expenditure", "120000", "2023", "year", 16000.0, None)
    add("household_consumption", "120000", "2023", "year", 6000.0, None)
    add("government_consumption", "120000", "2023", "year", 2000.0, None)
    add("gdp", "120000", "2023", "year", 16700.0, 4.3)
    add("per_capita_consumption", "120000", "2023", "year", 33000.0, None)
    add("resident_population", "120000", "2023", "year", 1364.0, None)
    for c, v in (("va_F", 1500.0), ("va_H", 250.0), ("va_R", 120.0), ("va_O", 180.0)):
        add(c, "120000", "2023", "year", v, None)
    add("gdp", "120000", "2024-Q1", "ytd", 4000.0, 5.0)
    # 2022 GDP, F and H come only as fourth-quarter cumulative releases (全年): they stand for
    # the year. For 2023 a year row exists and must win over a differing Q4 release.
    add("gdp", "120000", "2022-Q4", "ytd", 16000.0, 1.5)
    add("va_F", "120000", "2022-Q4", "ytd", 1400.0, None)
    add("va_H", "120000", "2022-Q4", "ytd", 230.0, None)
    add("va_R", "120000", "2022", "year", 110.0, None)
    add("va_O", "120000", "2022", "year", 170.0, None)
    add("gdp", "120000", "2023-Q4", "ytd", 16650.0, 4.2)
    add("va_F", "120000", "2024-Q1", "ytd", 380.0, 4.0)
    add("va_H", "120000", "2024-Q1", "ytd", 60.0, 6.0)
    # 上半年 cumulative release: the second quarter alone is H1 minus Q1 (docs/methodology.md §2).
    add("gdp", "120000", "2024-Q2", "ytd", 8300.0, 5.1)
    add("va_F", "120000", "2024-Q2", "ytd", 790.0, 4.2)
    add("va_H", "120000", "2024-Q2", "ytd", 125.0, 6.1)
    # Revision at V2: May YTD restated.
    add("retail_sales", "120000", "2024-05", "ytd", 2530.0, 3.8, V2)
    return pd.DataFrame(rows)


def enterprise_frame() -> pd.DataFrame:
    rng = np.random.default_rng(7)
    rows = []
    districts = ["120101", "120103", "120116"]
    cats = ["cosmetics", "grain_food", "automobile"]
    periods = ["2023-02", "2023-03", "2024-01", "2024-02", "2024-03"]
    for i in range(6):
        eid = _uscc(i + 1)
        for period in periods:
            if i == 4 and period.startswith("2023"):
                continue  # entered the 限上 set in 2024
            if i == 5 and period.startswith("2024"):
                continue  # left the set
            for cat in cats:
                sales = float(rng.integers(50, 500))
                rows.append(
                    {
                        "enterprise_id": eid,
                        "enterprise_name": f"E{i}",
                        "district_code": districts[i % 3],
                        "industry": "F52",
                        "period": period,
                        "category": cat,
                        "retail_sales": sales,
                        "online_retail_sales": float(rng.integers(0, int(sales))),
                        "_vintage": V1,
                    }
                )
    return pd.DataFrame(rows)


def card_frame() -> pd.DataFrame:
    rng = np.random.default_rng(11)
    rows = []
    mccs = ["5812", "5977", "5411", "7011", "5999", "9999"]
    base_days = [datetime(2023, 3, 1), datetime(2024, 3, 1)]
    n = 0
    for base in base_days:
        for _ in range(240):
            ts = base + timedelta(minutes=int(rng.integers(0, 31 * 24 * 60)))
            n += 1
            rows.append(
                {
                    "txn_id": f"T{n:06d}",
                    "txn_ts": ts,
                    "merchant_id": f"M{int(rng.integers(0, 12)):03d}",
                    "mcc": mccs[int(rng.integers(0, len(mccs)))],
                    "amount": float(rng.integers(10, 2000)),
                    "channel": ["online", "offline"][int(rng.integers(0, 2))],
                    "card_origin": ["local", "other_province", "overseas"][int(rng.integers(0, 3))],
                    "card_hash": f"C{int(rng.integers(0, 60)):04d}",
                    "district_code": ["120101", "120104", "120116"][int(rng.integers(0, 3))],
                    "business_district_id": [None, "BD001", "BD005"][int(rng.integers(0, 3))],
                    "_vintage": V1,
                }
            )
    # Edge cases: 01:30 on 1 April is the night of 31 March; 02:00 starts a new day.
    for k, ts in enumerate([datetime(2024, 4, 1, 1, 30), datetime(2024, 4, 1, 2, 0)]):
        rows.append(
            {
                "txn_id": f"E{k}",
                "txn_ts": ts,
                "merchant_id": "M001",
                "mcc": "5812",
                "amount": 100.0,
                "channel": "offline",
                "card_origin": "local",
                "card_hash": "C0001",
                "district_code": "120101",
                "business_district_id": "BD001",
                "_vintage": V1,
            }
        )
    return pd.DataFrame(rows)


def key_enterprise_frame() -> pd.DataFrame:
    rows = []
    for year in (2023, 2024):
        for day in range(1, 4):
            for i, (fmt, bd) in enumerate((("supermarket", "BD001"), ("catering", None))):
                if year == 2023 and i == 1:
                    continue  # the restaurant reports only in 2024
                rows.append(
                    {
                        "enterprise_id": _uscc(20 + i),
                        "enterprise_name": f"K{i}",
                        "date": date(year, 3, day),
                        "format": fmt,
                        "district_code": "120101",
                        "business_district_id": bd,
                        "sales": 1000.0 * (1 + i) + year - 2023,
                        "foot_traffic": 100 + i,
                        "_vintage": V1,
                    }
                )
    return pd.DataFrame(rows)


def registry_frames() -> dict[str, pd.DataFrame]:
    stores = pd.DataFrame(
        [
            {
                "brand": "A",
                "tier": "national",
                "open_date": date(2024, 1, 15),
                "district_code": "120101",
                "business_district_id": "BD001",
                "category": None,
                "address": None,
                "_vintage": V1,
            },
            {
                "brand": "B",
                "tier": "city",
                "open_date": date(2024, 3, 2),
                "district_code": "120104",
                "business_district_id": None,
                "category": None,
                "address": None,
                "_vintage": V1,
            },
            {
                "brand": "C",
                "tier": "city",
                "open_date": date(2024, 3, 9),
                "district_code": "120101",
                "business_district_id": None,
                "category": None,
                "address": None,
                "_vintage": V1,
            },
        ]
    )
    events = pd.DataFrame(
        [
            {
                "event_id": "EV1",
                "name": "Concert",
                "kind": "concert",
                "start_date": date(2024, 3, 5),
                "end_date": None,
                "venue": "Stadium",
                "district_code": "120104",
                "attendance": 30000,
                "business_district_id": None,
                "_vintage": V1,
            },
            {
                "event_id": "EV2",
                "name": "Small gig",
                "kind": "concert",
                "start_date": date(2024, 3, 6),
                "end_date": None,
                "venue": "Club",
                "district_code": "120101",
                "attendance": 800,
                "business_district_id": None,
                "_vintage": V1,
            },
            {
                "event_id": "EV3",
                "name": "Marathon",
                "kind": "sports_event",
                "start_date": date(2024, 4, 14),
                "end_date": None,
                "venue": "City",
                "district_code": "120101",
                "attendance": 20000,
                "business_district_id": None,
                "_vintage": V1,
            },
            {
                "event_id": "EV4",
                "name": "New model debut",
                "kind": "debut_launch",
                "start_date": date(2024, 3, 9),
                "end_date": None,
                "venue": "Mall",
                "district_code": "120101",
                "attendance": 500,
                "business_district_id": "BD001",
                "_vintage": V1,
            },
        ]
    )
    standing = [
        {"reporting_unit": "local_finance", "indicator": code, "period": "2023", "value": v,
         "unit": unit, "note": None, "evidence_url": None, "_vintage": V1}
        for code, v, unit in (
            ("leasing_assets_rank", 3.0, "rank"),
            ("leasing_assets_national_share", 12.5, "pct"),
            ("factoring_assets", 31.5, "pct"),
            ("factoring_assets_rank", 5.0, "rank"),
        )
    ] + [
        {"reporting_unit": "statistics", "indicator": "service_retail_growth_rank",
         "period": "2023", "value": 7.0, "unit": "rank", "note": None, "evidence_url": None,
         "_vintage": V1}
    ]  # fmt: skip
    reports = pd.DataFrame(
        [
            *standing,
            {
                "reporting_unit": "culture_tourism",
                "indicator": "tourists",
                "period": "2024-03",
                "value": 5000.0,
                "unit": "wan_persons",
                "note": None,
                "evidence_url": None,
                "_vintage": V1,
            },
            {
                "reporting_unit": "culture_tourism",
                "indicator": "tourists",
                "period": "2023-03",
                "value": 4600.0,
                "unit": "wan_persons",
                "note": None,
                "evidence_url": None,
                "_vintage": V1,
            },
            {
                "reporting_unit": "120101",
                "indicator": "tourists",
                "period": "2024-03",
                "value": 800.0,
                "unit": "wan_persons",
                "note": None,
                "evidence_url": None,
                "_vintage": V1,
            },
            {
                "reporting_unit": "culture_tourism",
                # The code ingestion stores for 三星及以上和知名品牌酒店床位数 (and 住餐营业额
                # below): the compute catalog once read other names and found nothing (#19).
                "indicator": "hotel_beds_3star",
                "period": "2024",
                "value": 3.6,
                "unit": "wan_beds",
                "note": None,
                "evidence_url": None,
                "_vintage": V1,
            },
            {
                "reporting_unit": "commerce",
                "indicator": "catering_accommodation_revenue",
                "period": "2024-03",
                "value": 420.0,
                "unit": "yi_yuan",
                "note": None,
                "evidence_url": None,
                "_vintage": V1,
            },
        ]
    )
    trade_in = pd.DataFrame(
        [
            {"district_code": d, "period": p, "category": c, "units": n, "subsidy": 1.5 * n,
             "sales": 15.0 * n, "_vintage": V1}
            for d, p, c, n in (
                ("120101", "2024-02", "auto_scrap", 10),
                ("120101", "2024-03", "auto_scrap", 12),
                ("120104", "2024-03", "home_appliance", 40),
                ("120101", "2023-03", "auto_scrap", 8),
            )
        ]
    )  # fmt: skip
    inbound = pd.DataFrame(
        [
            {"district_code": d, "period": p, "kind": k, "sales": v,
             "refund": 0.09 * v if k == "tax_refund" else None, "buyers": None, "stores": None,
             "_vintage": V1}
            for d, p, k, v in (
                ("120101", "2024-03", "tax_refund", 300.0),
                ("120116", "2024-03", "duty_free", 800.0),
                ("120101", "2023-03", "tax_refund", 200.0),
            )
        ]
    )  # fmt: skip
    return {
        "first_stores": stores,
        "events": events,
        "unit_reports": reports,
        "trade_in": trade_in,
        "inbound_spending": inbound,
    }


def lake_frames() -> dict[str, pd.DataFrame]:
    return {
        "official_stats": official_frame(),
        "enterprise_monthly": enterprise_frame(),
        "card_transactions": card_frame(),
        "key_enterprise_daily": key_enterprise_frame(),
        **registry_frames(),
    }


@pytest.fixture(scope="session")
def lake() -> dict[str, pd.DataFrame]:
    return lake_frames()


_SUITES: dict[str, object] = {}


@pytest.fixture(scope="session")
def suite_on(settings: Settings, lake: dict[str, pd.DataFrame]):  # type: ignore[no-untyped-def]
    """``suite_on(backend)``: the full suite on the small lake as of V1, computed once per
    engine for the whole test session (the Spark run is the slow part of these tests)."""
    from consumption_monitor.compute import FrameSource, compute
    from consumption_monitor.engine import engine_of

    def run(con: BaseBackend):  # type: ignore[no-untyped-def]
        name = engine_of(con)
        if name not in _SUITES:
            _SUITES[name] = compute(settings, as_of=V1, con=con, source=FrameSource(lake))
        return _SUITES[name]

    return run


__all__ = ["V1", "V2", "lake_frames"]


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """py4j leaves pooled sockets to the garbage collector; their ResourceWarning is py4j's."""
    for item in items:
        if "spark" in item.keywords:
            item.add_marker(pytest.mark.filterwarnings("ignore::ResourceWarning"))
            item.add_marker(
                pytest.mark.filterwarnings("ignore::pytest.PytestUnraisableExceptionWarning")
            )
