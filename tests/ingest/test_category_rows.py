"""限额以上 commodity-category rows of official releases load and read back (#18 item 3/4).

Before: every Tianjin row labelled `限上 化妆品类零售额` or `限上 金银珠宝类零售额` was refused
("unknown indicator"): `official_stats` had no category dimension. Now the label splits into
the indicator (限额以上单位消费品零售额) and the NBS category, and the rows read back as its
`category` breakdown.

Figures: NBS 《2024年12月份社会消费品零售总额主要数据》, 限额以上单位商品零售 1—12月 (全国):
化妆品类 4357 亿元, −1.1 %; 金银珠宝类 3536 亿元, −3.1 %; written with Tianjin's labels.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from consumption_monitor.config import get_settings

ROWS = """地区,指标,时期,数值,计量单位,同比增长,来源
全国,限上 化妆品类零售额,2024年1-12月,4357,亿元,-1.1,国家统计局
全国,限上 金银珠宝类零售额,2024年1-12月,3536,亿元,-3.1,国家统计局
全国,限额以上单位消费品零售额,2024年1-12月,191979,亿元,2.7,国家统计局
"""


@pytest.fixture
def lake(tmp_path: Path, monkeypatch: pytest.MonkeyPatch):  # type: ignore[no-untyped-def]
    monkeypatch.setenv("CMON_DATA_DIR", str(tmp_path / "data"))
    get_settings.cache_clear()
    yield tmp_path
    get_settings.cache_clear()


def _cmon(*args: str) -> object:
    from consumption_monitor.cli import app

    return CliRunner().invoke(app, list(args), env={"COLUMNS": "200"})


def test_category_rows_load_and_read_back_as_the_breakdown(lake: Path) -> None:
    path = lake / "tj.csv"
    path.write_text(ROWS, encoding="utf-8")
    out = _cmon("ingest", str(path), "--dataset", "official_stats", "--json")
    assert out.exit_code == 0, out.output  # type: ignore[attr-defined]
    assert json.loads(out.stdout)["rows_loaded"] == 3  # type: ignore[attr-defined]
    assert _cmon("compute", "--json").exit_code == 0  # type: ignore[attr-defined]
    shown = _cmon("indicator", "show", "限额以上单位消费品零售额", "--region", "全国",
                  "--dim", "category", "--json")  # fmt: skip
    data = json.loads(shown.stdout)["data"]  # type: ignore[attr-defined]
    got = {(r["dim_value"], r["period"], r["basis"]): (r["value"], r["yoy_pct"]) for r in data}
    assert got == {
        ("cosmetics", "2024-12", "ytd"): (4357.0, -1.1),
        ("jewelry", "2024-12", "ytd"): (3536.0, -3.1),
    }
    # The total is untouched by its category rows (not summed into it, not duplicated).
    total = _cmon("indicator", "show", "retail_sales_above_size", "--region", "全国",
                  "--basis", "ytd", "--json")  # fmt: skip
    rows = json.loads(total.stdout)["data"]  # type: ignore[attr-defined]
    assert [(r["period"], r["value"], r["dim"]) for r in rows] == [("2024-12", 191979.0, "")]
    table = _cmon("indicator", "show", "限上社零", "--region", "全国", "--dim", "category",
                  "--lang", "zh")  # fmt: skip
    assert "化妆品类" in table.stdout and "金银珠宝类" in table.stdout  # type: ignore[attr-defined]


def test_category_rows_are_refused_in_unit_reports_and_on_a_clash(lake: Path) -> None:
    reports = lake / "r.csv"
    reports.write_text("报送单位,指标,时期,数值\n市商务局,限上 化妆品类零售额,2024-12,4357\n",
                       encoding="utf-8")  # fmt: skip
    out = _cmon("ingest", str(reports), "--dataset", "unit_reports", "--json")
    assert out.exit_code == 3, out.output  # type: ignore[attr-defined]
    assert "official_stats" in out.output  # type: ignore[attr-defined]
    clash = lake / "c.csv"
    clash.write_text("地区,指标,时期,同比增长,商品类别\n全国,限上 化妆品类零售额,2024年1-12月,-1.1,"
                     "金银珠宝类\n", encoding="utf-8")  # fmt: skip
    out = _cmon("ingest", str(clash), "--dataset", "official_stats", "--json")
    assert out.exit_code == 3, out.output  # type: ignore[attr-defined]
    assert "商品类别与指标名称中的类别不一致" in out.output  # type: ignore[attr-defined]
