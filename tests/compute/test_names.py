"""One name look-up for `cmon indicator`, the API and the explorer (#18 items 2 and 3).

Before: ingest accepted 社会消费品零售总额, 社零 and 限额以上单位消费品零售额, but
`cmon indicator show` refused them as unknown; 地区生产总值(GDP) was refused everywhere; and
`indicator show category_contribution` printed 0 rows (it is stored only by category) with no
way to ask for the breakdown.
"""

from __future__ import annotations

import json

import pytest
from typer.testing import CliRunner

from consumption_monitor.catalog import Catalog, IndicatorName, load_catalog
from consumption_monitor.compute import FrameSource, compute, write_result
from consumption_monitor.config import get_settings, load_settings
from consumption_monitor.engine import connect
from consumption_monitor.errors import AmbiguousNameError, NotFoundError

from .conftest import V1, lake_frames  # type: ignore[import-not-found]


@pytest.fixture
def stored(tmp_path, monkeypatch):  # type: ignore[no-untyped-def]
    monkeypatch.setenv("CMON_DATA_DIR", str(tmp_path))
    get_settings.cache_clear()
    settings = load_settings(data_dir=tmp_path)
    result = compute(
        settings,
        as_of=V1,
        con=connect(load_settings(duckdb_threads=1)),
        source=FrameSource(lake_frames()),
        codes=["retail_sales", "gdp", "ent_retail_sales", "category_contribution"],
    )
    write_result(settings, result)
    yield result.table
    get_settings.cache_clear()


def _show(*args: str) -> dict:  # type: ignore[type-arg]
    from consumption_monitor.cli import app

    out = CliRunner().invoke(app, ["indicator", "show", *args, "--json"])
    assert out.exit_code == 0, out.output
    return json.loads(out.stdout)  # type: ignore[no-any-return]


@pytest.mark.parametrize("name", ["社会消费品零售总额", "社零", "retail_sales", "其中：社零"])
def test_show_by_official_name_and_short_name(stored, name) -> None:  # type: ignore[no-untyped-def]
    got = _show(name, "--basis", "ytd", "--region", "天津")
    assert got["indicator"]["code"] == "retail_sales"
    # The small lake's city YTD retail sales (tests/compute/conftest.py).
    assert {r["period"]: r["value"] for r in got["data"]}["2024-03"] == 1500.0


@pytest.mark.parametrize(
    "name",
    ["地区生产总值", "GDP", "地区生产总值(GDP)", "地区生产总值（GDP）", "地区生产总值（ＧＤＰ）"],
)
def test_gdp_with_parenthesised_alias(stored, name) -> None:  # type: ignore[no-untyped-def]
    got = _show(name, "--basis", "ytd")
    assert got["indicator"]["code"] == "gdp"
    assert {r["period"]: r["value"] for r in got["data"]}["2024-Q1"] == 4000.0


def test_above_size_by_its_published_name(stored) -> None:  # type: ignore[no-untyped-def]
    assert _show("限额以上单位消费品零售额")["indicator"]["code"] == "retail_sales_above_size"


def test_dim_shows_the_breakdown(stored) -> None:  # type: ignore[no-untyped-def]
    from consumption_monitor.cli import app

    table = stored
    expected = table[table.indicator == "category_contribution"]
    assert len(expected) > 0 and set(expected.dim) == {"category"}
    assert _show("category_contribution")["count"] == 0  # no totals stored
    by_category = _show("category_contribution", "--dim", "category")
    assert by_category["count"] == len(expected)
    assert {r["dim"] for r in by_category["data"]} == {"category"}
    assert _show("category_contribution", "--dim", "all")["count"] == len(expected)
    hint = CliRunner().invoke(app, ["indicator", "show", "category_contribution", "--lang", "en"])
    assert hint.exit_code == 0 and "--dim category" in hint.stdout


def test_ambiguous_name_is_refused_with_candidates() -> None:
    cat = Catalog("tianjin")
    # A second indicator claiming 社零 (as a careless catalog edit would).
    cat.indicators = [
        *cat.indicators,
        IndicatorName(code="retail_sales_x", name_zh="社零（试算）", name_en="x", unit="yi_yuan",
                      aliases=["社零"]),
    ]  # fmt: skip
    cat._build_indexes()
    with pytest.raises(AmbiguousNameError) as err:
        cat.indicator_name("社零")
    assert err.value.candidates == ["retail_sales", "retail_sales_x"]
    assert "retail_sales (社会消费品零售总额)" in err.value.render("en")
    assert "有歧义" in err.value.render("zh")
    assert isinstance(err.value, NotFoundError)  # every refusal path for unknown names holds
    assert cat.indicator_name("社会消费品零售总额").code == "retail_sales"  # unique names work


def test_shipped_catalog_has_no_ambiguous_name() -> None:
    assert load_catalog().ambiguous_indicator_names == {}


def test_unit_in_parentheses_is_accepted_but_another_indicator_is_not() -> None:
    cat = load_catalog()
    assert cat.indicator_name("社会消费品零售总额（亿元）").code == "retail_sales"
    with pytest.raises(NotFoundError):
        cat.indicator_name("社会消费品零售总额(餐饮收入)")
