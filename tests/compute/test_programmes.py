"""The plan's programmes with a home (#22): 以旧换新 (task 2), 离境退税/免税 (task 20) and the
首发经济 events (task 3). Files written the way the commerce bureau fills them in (Chinese
headers and labels) are ingested into a real lake and computed on DuckDB; the oracle is a plain
loop over the rows written."""

from __future__ import annotations

from collections import defaultdict
from datetime import date
from pathlib import Path

import pytest

from consumption_monitor.compute import compute
from consumption_monitor.config import load_settings
from consumption_monitor.engine import connect
from consumption_monitor.errors import DataValidationError
from consumption_monitor.ingest import ingest
from consumption_monitor.simulate.config import SimConfig
from consumption_monitor.simulate.programmes import inbound_rows, trade_in_rows
from consumption_monitor.simulate.registries import event_rows, first_store_rows
from consumption_monitor.simulate.writer import headers, write_xlsx

CITY = "120000"
CATEGORY = {
    "汽车报废更新": "auto_scrap", "汽车置换更新": "auto_replace", "家电": "home_appliance",
    "数码产品": "digital", "家装厨卫": "home_renovation", "电动自行车": "e_bike",
}  # fmt: skip


@pytest.fixture(scope="module")
def lake(tmp_path_factory: pytest.TempPathFactory):  # type: ignore[no-untyped-def]
    root = tmp_path_factory.mktemp("programmes")
    settings = load_settings(data_dir=root / "data")
    cfg = SimConfig.build("tiny", 7, "2024-01", "2025-12")
    stores, _ = first_store_rows(cfg)
    files = {}
    for dataset, (rows, _) in (
        ("trade_in", trade_in_rows(cfg)),
        ("inbound_spending", inbound_rows(cfg)),
        ("events", event_rows(cfg)),
        ("first_stores", ([r for y in sorted(stores) for r in stores[y]], None)),
    ):
        path = root / f"{dataset}.xlsx"
        write_xlsx(path, headers(dataset, chinese=True), rows, sheet="报送")
        ingest([path], dataset, settings=settings, vintage="2026-01-10")
        files[dataset] = rows
    codes = ["trade_in_subsidy", "trade_in_units", "trade_in_sales", "tax_refund_sales",
             "duty_free_sales", "debut_events", "debut_events_by_business_district",
             "first_stores_by_business_district"]  # fmt: skip
    con = connect(load_settings(duckdb_threads=1))
    table = compute(settings, as_of=date(2026, 1, 31), con=con, codes=codes).table
    return files, table


def _value(table, code: str, period: str, basis: str, region: str = CITY, dim: str = "",
           dim_value: str = "") -> float:  # type: ignore[no-untyped-def]  # fmt: skip
    t = table
    r = t[(t.indicator == code) & (t.period == period) & (t.basis == basis) & (t.region == region)
          & (t.dim == dim) & (t.dim_value == dim_value)]  # fmt: skip
    assert len(r) == 1, (code, period, basis, region, dim_value, len(r))
    return float(r.value.iloc[0])


def test_trade_in_sums_by_category_district_month_and_year(lake) -> None:  # type: ignore[no-untyped-def]
    rows, table = lake[0]["trade_in"], lake[1]
    year: dict[tuple[str, str], float] = defaultdict(float)
    month: dict[tuple[str, str], float] = defaultdict(float)
    units: dict[str, float] = defaultdict(float)
    for district, period, label, n, subsidy, _sales in rows:
        cat = CATEGORY[label]
        year[(period[:4], cat)] += subsidy
        month[(period, district)] += subsidy
        units[period[:4]] += n
    for (y, cat), total in year.items():
        got = _value(table, "trade_in_subsidy", y, "year", dim="category", dim_value=cat)
        assert got == pytest.approx(total, rel=1e-9)
    assert _value(table, "trade_in_subsidy", "2025-06", "month", region="120101") == pytest.approx(
        month[("2025-06", "120101")]
    )
    assert _value(table, "trade_in_units", "2025", "year") == units["2025"]
    # digital products joined the programme in 2025: none in 2024
    assert not ((table.indicator == "trade_in_subsidy") & (table.period == "2024")
                & (table.dim_value == "digital")).any()  # fmt: skip
    # Jan–Feb is one period (2025-02 holds January too), and YTD December equals the year
    jan_feb = sum(r[4] for r in rows if r[1] in ("2025-01", "2025-02"))
    assert _value(table, "trade_in_subsidy", "2025-02", "month") == pytest.approx(jan_feb)
    assert _value(table, "trade_in_subsidy", "2025-12", "ytd") == pytest.approx(
        sum(v for (y, _), v in year.items() if y == "2025")
    )


def test_tax_refund_and_duty_free_sales(lake) -> None:  # type: ignore[no-untyped-def]
    rows, table = lake[0]["inbound_spending"], lake[1]
    totals: dict[tuple[str, str], float] = defaultdict(float)
    for _district, period, label, sales, *_ in rows:
        totals[(period[:4], label)] += sales
    assert _value(table, "tax_refund_sales", "2025", "year") == pytest.approx(
        totals[("2025", "离境退税")]
    )
    assert _value(table, "duty_free_sales", "2024", "year") == pytest.approx(
        totals[("2024", "免税")]
    )


def test_debut_events_counted_by_kind_and_held_in_landmark_districts(lake) -> None:  # type: ignore[no-untyped-def]
    rows, table = lake[0]["events"], lake[1]
    debut = {"首发": "debut_launch", "首秀": "debut_show", "首展": "debut_exhibition"}
    counts: dict[tuple[str, str], int] = defaultdict(int)
    for row in rows:
        if row[2] in debut:
            counts[(str(row[3])[:4], debut[row[2]])] += 1
            assert row[8], "a debut event names its 商圈"
    for (y, kind), n in counts.items():
        assert _value(table, "debut_events", y, "year", dim="kind", dim_value=kind) == n
    assert _value(table, "debut_events", "2025", "year") == sum(
        n for (y, _), n in counts.items() if y == "2025"
    )


def test_debut_events_and_first_stores_by_business_district(lake) -> None:  # type: ignore[no-untyped-def]
    """首发经济 by 商圈: each 商圈's debut events and first stores against a plain loop; rows
    outside any 商圈 are ``none``, and the 商圈 parts add up to the city total."""
    files, table = lake
    debut = {"首发", "首秀", "首展"}
    events: dict[str, int] = defaultdict(int)
    for row in files["events"]:
        if row[2] in debut and str(row[3]).startswith("2025"):
            events[str(row[8] or "none")] += 1
    stores: dict[str, int] = defaultdict(int)
    for row in files["first_stores"]:
        if str(row[2]).startswith("2025"):
            stores[str(row[4] or "none")] += 1
    assert len(events) >= 2 and "none" in stores  # the plain loop sees several 商圈
    for code, want in (("debut_events_by_business_district", events),
                       ("first_stores_by_business_district", stores)):  # fmt: skip
        got = table[(table.indicator == code) & (table.period == "2025") & (table.basis == "year")
                    & (table.region == CITY) & (table.dim == "business_district")]  # fmt: skip
        assert dict(zip(got.dim_value, got.value.astype(int), strict=True)) == dict(want), code
        assert _value(table, code, "2025", "year") == sum(want.values())
    assert _value(table, "debut_events_by_business_district", "2025", "year") == _value(
        table, "debut_events", "2025", "year"
    )


def test_an_implausible_trade_in_row_is_refused_with_its_cell(tmp_path: Path) -> None:
    settings = load_settings(data_dir=tmp_path / "data")
    path = tmp_path / "trade_in.xlsx"
    row = ["和平区", "2025-03", "家电", 120, -5.0, 38.0]
    write_xlsx(path, headers("trade_in", chinese=True), [row], sheet="以旧换新")
    with pytest.raises(DataValidationError) as err:
        ingest([path], "trade_in", settings=settings)
    (problem,) = err.value.problems
    where = problem.to_dict()
    assert where["where"]["row"] == 2 and "补贴金额" in str(where["where"]), where
    assert "-5" in str(problem) and problem.zh
