"""The district map's data (#20 item 6): real boundaries for every catalogued district, and
each district's value, 同比, share and rank checked against a plain loop over the rows."""

from __future__ import annotations

from datetime import date

import pandas as pd

from consumption_monitor.catalog import load_catalog
from consumption_monitor.catalog.boundaries import district_boundaries
from consumption_monitor.compute import COLUMNS, ComputeResult, write_result
from consumption_monitor.config import Settings
from consumption_monitor.web.map_data import map_view


def test_boundaries_cover_every_catalogued_district() -> None:
    geo = district_boundaries("tianjin")
    codes = [d.code for d in load_catalog("tianjin").districts]
    assert [f["properties"]["name"] for f in geo["features"]] == codes
    assert len(codes) == 16
    for feature in geo["features"]:
        assert feature["geometry"]["type"] in ("Polygon", "MultiPolygon")
        ring = feature["geometry"]["coordinates"]
        while isinstance(ring[0][0], list):
            ring = ring[0]
        lon, lat = ring[0]
        # Tianjin lies within 116.7–118.1 E, 38.5–40.3 N
        assert 116.7 < lon < 118.1 and 38.5 < lat < 40.3, feature["properties"]


def _seed(settings: Settings, values: dict[str, float], yoy: dict[str, float]) -> None:
    rows = [
        {"indicator": "retail_sales", "region": code, "period": period, "basis": "ytd", "dim": "",
         "dim_value": "", "value": v * (1 if period == "2025-03" else 0.5), "yoy_pct": yoy[code],
         "note": "", "provisional": False}
        for code, v in values.items()
        for period in ("2025-02", "2025-03")
    ]  # fmt: skip
    table = pd.DataFrame(rows).reindex(columns=list(COLUMNS))
    table["vintage"] = date(2025, 4, 20)
    table["computed_at"] = pd.Timestamp("2025-04-20")
    write_result(settings, ComputeResult(table=table, vintage=date(2025, 4, 20)))


def test_share_and_rank_match_a_plain_loop(settings: Settings) -> None:
    values = {"120101": 300.0, "120103": 100.0, "120116": 600.0}
    yoy = {"120101": 3.0, "120103": -1.5, "120116": 8.25}
    _seed(settings, values, yoy)
    view = map_view(settings, "retail_sales", "zh")
    assert view.period == "2025-03" and view.periods == ["2025-03", "2025-02"]
    by_code = {r.code: r for r in view.rows}
    assert len(view.rows) == 16  # every district is drawn; those without a row are grey
    total = 0.0
    for v in values.values():
        total += v
    for rank, code in enumerate(sorted(values, key=lambda c: -values[c]), start=1):
        row = by_code[code]
        assert row.rank == rank
        assert row.share == f"{100 * values[code] / total:.1f}%"
        assert row.yoy == f"{yoy[code]:+.1f}%"
        assert f"排名：第{rank}/3位" in row.tip
    assert by_code["120102"].value is None and by_code["120102"].rank is None
    fig = view.figure("zh")
    assert fig is not None
    data = fig["series"][0]["data"]
    # values join on the shown district names (nameMap renames the features' admin codes)
    assert {d["name"] for d in data} == set(fig["series"][0]["nameMap"].values())
    assert fig["visualMap"]["text"][0] == "单位：元"
    earlier = map_view(settings, "retail_sales", "zh", "2025-02")
    assert {r.code: r.value for r in earlier.rows if r.value} == {
        c: v * 0.5 for c, v in values.items()
    }
