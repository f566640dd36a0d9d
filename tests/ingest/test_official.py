"""The official_stats long format: statistics pasted in as people find them."""

from __future__ import annotations

from pathlib import Path
from types import ModuleType

import pytest

from consumption_monitor.config import Settings
from consumption_monitor.errors import DataValidationError
from consumption_monitor.ingest import ingest

HEAD = ["地区", "指标", "时期", "数值", "计量单位", "口径", "同比增长(%)", "来源", "备注"]


def _load(b: ModuleType, settings: Settings, tmp_path: Path, rows: list[list[str]],
          head: list[str] = HEAD) -> list[dict[str, object]]:  # fmt: skip
    path = b.write_csv(tmp_path / "release.csv", head, rows, "gbk")
    ingest([path], "official_stats", settings=settings, vintage="2024-11-15")
    table = b.lake_table(settings, "official_stats")
    cols = ["region", "indicator", "period", "basis", "value", "unit", "yoy_pct"]
    return sorted(table.select(cols).to_pylist(), key=lambda r: (r["region"], r["period"]))


def test_pasted_release_is_normalised(b: ModuleType, settings: Settings, tmp_path: Path) -> None:
    rows = [
        [
            "天津",
            "社会消费品零售总额",
            "2024年1-10月",
            "3,123.5",
            "亿元",
            "",
            "3.2%",
            "市统计局",
            "",
        ],
        ["全国", "社零", "2024年1-2月", "81,307", "亿元", "", "5.5", "NBS", ""],
        ["China", "retail_sales", "2024年一季度", "—", "", "", "4.7", "NBS", "growth only"],
        ["和平区", "限上社零", "2024年", "１２３．４", "亿元", "year", "-0.5", "区统计局", ""],
        ["南开", "社零", "2024-10", "55.5", "亿元", "month", "1.0", "区统计局", ""],
    ]
    got = _load(b, settings, tmp_path, rows)
    assert got == [
        {"region": "100000", "indicator": "retail_sales", "period": "2024-02", "basis": "ytd",
         "value": 81307.0, "unit": "yi_yuan", "yoy_pct": 5.5},
        {"region": "100000", "indicator": "retail_sales", "period": "2024-03", "basis": "ytd",
         "value": None, "unit": "yi_yuan", "yoy_pct": 4.7},  # 一季度 of a monthly series: 1-3月
        {"region": "120000", "indicator": "retail_sales", "period": "2024-10", "basis": "ytd",
         "value": 3123.5, "unit": "yi_yuan", "yoy_pct": 3.2},
        {"region": "120101", "indicator": "retail_sales_above_size", "period": "2024",
         "basis": "year", "value": 123.4, "unit": "yi_yuan", "yoy_pct": -0.5},
        {"region": "120104", "indicator": "retail_sales", "period": "2024-10", "basis": "month",
         "value": 55.5, "unit": "yi_yuan", "yoy_pct": 1.0},
    ]  # fmt: skip


def test_wan_yuan_in_the_header_converts_to_the_indicator_unit(
    b: ModuleType, settings: Settings, tmp_path: Path
) -> None:
    head = [*HEAD[:3], "数值(万元)", *HEAD[4:]]
    rows = [["天津", "社零", "2024年1-10月", "31,235,000", "", "ytd", "3.2", "", ""]]
    got = _load(b, settings, tmp_path, rows, head)
    assert got[0]["value"] == pytest.approx(3123.5) and got[0]["unit"] == "yi_yuan"


def test_jan_feb_may_be_given_as_month(b: ModuleType, settings: Settings, tmp_path: Path) -> None:
    rows = [["天津", "社零", "2024年1-2月", "600", "亿元", "month", "2.0", "", ""]]
    got = _load(b, settings, tmp_path, rows)
    assert (got[0]["period"], got[0]["basis"]) == ("2024-02", "month")


def test_english_headers_and_basis_column_omitted(
    b: ModuleType, settings: Settings, tmp_path: Path
) -> None:
    head = ["region", "indicator", "period", "value", "yoy_pct"]
    rows = [["Tianjin", "GDP", "2024年前三季度", "12,000", "4.8"]]
    got = _load(b, settings, tmp_path, rows, head)
    # GDP is quarterly: 前三季度 is stored as the third cumulative quarter (ingest/periods.py).
    assert got[0]["period"] == "2024-Q3" and got[0]["basis"] == "ytd"
    assert got[0]["indicator"] == "gdp" and got[0]["unit"] == "yi_yuan"


def test_every_error_is_listed_with_row_and_column(
    b: ModuleType, settings: Settings, tmp_path: Path
) -> None:
    rows = [
        ["天津", "社零", "2024年1-10月", "abc", "亿元", "", "3.2", "", ""],
        ["火星", "社零", "2024年1-9月", "1", "亿元", "", "", "", ""],
        ["天津", "幸福指数", "2024年1-9月", "", "", "", "", "", ""],
    ]
    path = b.write_csv(tmp_path / "bad.csv", HEAD, rows)
    with pytest.raises(DataValidationError) as info:
        ingest([path], "official_stats", settings=settings)
    where = {(p.where.row, p.where.column) for p in info.value.problems if p.where}
    assert {(2, "数值"), (3, "地区"), (4, "指标"), (4, "数值")} <= where
    assert "nothing was loaded" in info.value.en
