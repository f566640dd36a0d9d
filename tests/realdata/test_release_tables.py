"""Real data: release tables exactly as published load with one ``cmon ingest`` (#18 item 1).

Before: a table laid out as NBS publishes 《2025年12月份社会消费品零售总额主要数据》 (title row,
two-row merged header 12月/1-12月 × 绝对量/同比增长, 其中：/full-width indented labels, blank
cells) was refused as xlsx and as GBK CSV: the header pair was joined into "both mean yoy_pct"
and the period and region were "missing". Now it loads and every published figure reads back
by its Chinese name, unchanged. The tables are rebuilt here from
``data/published_figures.csv`` (each figure names its source); the expected values are the
fixture's, never the reader's.
"""

from __future__ import annotations

import importlib.util
import json
import sys
from collections.abc import Iterator
from pathlib import Path
from types import ModuleType
from typing import Any

import pytest
from typer.testing import CliRunner

from consumption_monitor.config import get_settings


def _builders() -> ModuleType:
    name = "realdata_release_tables"
    if name not in sys.modules:
        spec = importlib.util.spec_from_file_location(
            name, Path(__file__).parent / "release_tables.py"
        )
        assert spec is not None and spec.loader is not None
        module = importlib.util.module_from_spec(spec)
        sys.modules[name] = module
        spec.loader.exec_module(module)
    return sys.modules[name]


rt = _builders()
NATIONAL = "100000"
TIANJIN = "120000"


@pytest.fixture
def lake(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Path]:
    monkeypatch.setenv("CMON_DATA_DIR", str(tmp_path / "data"))
    get_settings.cache_clear()
    yield tmp_path
    get_settings.cache_clear()


def cmon(*args: str) -> Any:
    from consumption_monitor.cli import app

    return CliRunner().invoke(app, list(args), env={"COLUMNS": "200"})


def ingest(*args: str) -> dict[str, Any]:
    out = cmon("ingest", *args, "--dataset", "official_stats", "--json")
    assert out.exit_code == 0, out.output
    result: dict[str, Any] = json.loads(out.stdout)
    return result


def shown(name: str, region: str, basis: str) -> dict[tuple[str, str, str, str], Any]:
    out = cmon("indicator", "show", name, "--region", region, "--basis", basis, "--json")
    assert out.exit_code == 0, out.output
    return {
        (r["region"], r["indicator"], r["period"], r["basis"]): (r["value"], r["yoy_pct"])
        for r in json.loads(out.stdout)["data"]
    }


def stored() -> dict[tuple[str, str, str, str], Any]:
    """The ``official_stats`` rows in the store (what was loaded, before any computation)."""
    from consumption_monitor.store import Store

    with Store(get_settings()) as store:
        rows = store.read_arrow("official_stats").to_pylist()
    return {
        (r["region"], r["indicator"], r["period"], r["basis"]): (r["value"], r["yoy_pct"])
        for r in rows
    }


def read_back(want: dict[tuple[str, str, str, str], Any], region: str) -> dict[Any, Any]:
    """What ``cmon indicator show <中文名> --basis …`` returns for the keys of ``want``; an
    input-only series (商品零售 is stored, no indicator shows it) is read from the store."""
    from consumption_monitor.catalog import load_catalog

    cat = load_catalog()
    got: dict[Any, Any] = {}
    raw = stored()
    for ind, basis in sorted({(k[1], k[3]) for k in want}):
        entry = cat.indicator_name(ind)
        rows = shown(entry.name_zh, region, basis) if entry.computed else raw
        got.update({k: v for k, v in rows.items() if k in want and k[1] == ind and k[3] == basis})
    return got


def test_fixture_names_a_source_for_every_figure() -> None:
    rels = rt.releases("全国") + rt.releases("天津市")
    assert sum(len(r.figures) for r in rels) >= 68
    with rt.DATA.open(encoding="utf-8") as fh:
        for line in fh.readlines()[1:]:
            assert line.rstrip().split(",")[-1].startswith("http"), line


def test_nbs_tables_as_published_xlsx_load_and_read_back_exactly(lake: Path) -> None:
    rels = rt.releases("全国")
    assert len(rels) >= 6  # 2025-12, 2025-11, 2024-10, 2024-08, 2020-11, 2022-11, 2025-02
    files = [str(rt.write_xlsx(lake / f"nbs-{r.period}.xlsx", rt.grid(r))) for r in rels]
    result = ingest(*files, "--region", "全国")
    want = rt.expected(rels, NATIONAL)
    assert result["rows_loaded"] == len(want)
    assert cmon("compute", "--json").exit_code == 0
    assert read_back(want, "全国") == want


def test_nbs_table_as_gbk_csv_loads_and_reads_back_exactly(lake: Path) -> None:
    rel = next(r for r in rt.releases("全国") if r.period == "2024-10")
    path = rt.write_csv(lake / "2024年10月份社会消费品零售总额主要数据.csv", rt.grid(rel), "gbk")
    with pytest.raises(UnicodeDecodeError):
        path.read_bytes().decode("utf-8")  # really GBK, not UTF-8
    result = ingest(str(path), "--region", "全国")
    want = rt.expected([rel], NATIONAL)
    assert result["rows_loaded"] == len(want) == 10
    assert cmon("compute", "--json").exit_code == 0
    got = read_back(want, "全国")
    assert got == want
    # 2024年10月: 社零 45396 亿元, 增长 4.8 %; 1-10月 398960 亿元, 增长 3.5 %
    assert got[(NATIONAL, "retail_sales", "2024-10", "month")] == (45396.0, 4.8)
    assert got[(NATIONAL, "retail_sales", "2024-10", "ytd")] == (398960.0, 3.5)


def test_utf8_bom_csv_without_region_option_takes_the_region_from_the_title(lake: Path) -> None:
    rel = next(r for r in rt.releases("全国") if r.period == "2025-12")
    rows = rt.grid(rel)
    rows[0][0] = "全国" + str(rows[0][0])
    path = rt.write_csv(lake / "nbs.csv", rows, "utf-8-sig")
    ingest(str(path))
    assert cmon("compute", "--json").exit_code == 0
    got = shown("社会消费品零售总额", "全国", "month")
    assert got[(NATIONAL, "retail_sales", "2025-12", "month")] == (45136.0, 0.9)


def _tianjin_growth_only(lake: Path) -> list[str]:
    """Tianjin bureau releases publish growth only: one 同比增长（%） column per period."""
    rels = {r.period: r for r in rt.releases("天津市")}
    dec = rels["2019-12"]  # 2019年12月份 全市社零 同比增长 1.9 %
    rows = rt.grid(dec, growth_only=True)
    rows[0][0] = "天津市2019年12月份社会消费品零售总额"
    first = rt.write_xlsx(lake / "tj-2019-12.xlsx", rows)
    # 2020年前三季度 全市社零 下降 16.8 %: one measure column, the period from the title, the
    # region after the period.
    second = rt.write_csv(
        lake / "tj-2020q3.csv",
        [
            ["2020年前三季度天津市社会消费品零售总额", ""],
            ["指标", "同比增长（%）"],
            ["社会消费品零售总额", "-16.8"],
        ],
        "gbk",
    )
    return [str(first), str(second)]


def test_tianjin_growth_only_tables_load_and_read_back_growth_without_a_level(
    lake: Path,
) -> None:
    result = ingest(*_tianjin_growth_only(lake))  # the region comes from the titles
    assert result["rows_loaded"] == 2
    assert cmon("compute", "--json").exit_code == 0
    month = shown("社零", "天津市", "month")
    assert month[(TIANJIN, "retail_sales", "2019-12", "month")] == (None, 1.9)
    ytd = shown("社会消费品零售总额", "天津市", "ytd")
    assert ytd == {(TIANJIN, "retail_sales", "2020-09", "ytd"): (None, -16.8)}


def test_growth_only_tianjin_rows_flow_into_target_tracking_without_a_crash(
    lake: Path,
) -> None:
    ingest(*_tianjin_growth_only(lake))
    assert cmon("compute", "--json").exit_code == 0
    for args in (("targets", "--json"), ("target", "show", "T-retail-sales-growth-parity")):
        out = cmon(*args)
        assert out.exit_code == 0, out.output
        assert "Traceback" not in out.output and "max()" not in out.output


def test_growth_only_ytd_series_derives_no_empty_quarter(lake: Path) -> None:
    """Tianjin 2020 上半年 −21.7 % and 前三季度 −16.8 % (growth only, no level): a third quarter
    cannot be derived from growth alone, so no 2020Q3 row with neither value nor growth is
    written (before: an empty derived row was stored and shown)."""
    rels = {r.period: r for r in rt.releases("天津市")}
    half, q3 = (rels[p].figures[("retail_sales", "ytd")][1] for p in ("2020-06", "2020-09"))
    assert (half, q3) == (-21.7, -16.8)
    path = rt.write_csv(
        lake / "tj-2020.csv",
        [
            ["天津市2020年社会消费品零售总额", "", ""],
            ["指标", "上半年", "前三季度"],
            ["", "同比增长（%）", "同比增长（%）"],
            ["社会消费品零售总额", f"{half:g}", f"{q3:g}"],
        ],
        "gbk",
    )
    assert ingest(str(path))["rows_loaded"] == 2
    assert cmon("compute", "--json").exit_code == 0
    assert shown("社零", "天津市", "ytd") == {
        (TIANJIN, "retail_sales", "2020-06", "ytd"): (None, -21.7),
        (TIANJIN, "retail_sales", "2020-09", "ytd"): (None, -16.8),
    }
    for basis in ("quarter", "month", "year"):
        rows = shown("社零", "天津市", basis)
        assert all(v != (None, None) for v in rows.values()), (basis, rows)


def test_one_row_header_naming_its_periods_with_line_breaks_loads(lake: Path) -> None:
    """The other published layout: 指标 | 本月 | 比去年同月↵增长(%) | 1-本月 | 比去年同期↵增长(%)
    (one header row naming its periods), the unit in the label (社会消费品零售总额(亿元)),
    quoted line breaks in a GBK CSV."""
    rel = next(r for r in rt.releases("全国") if r.period == "2025-12")
    inds = ["retail_sales", "catering_revenue"]
    rows: list[list[object]] = [
        [rt.title(rel), "", "", "", ""],
        ["指标", "本月", "比去年同月\n增长(%)", "1-本月", "比去年同期\n增长(%)"],
    ]
    for ind in inds:
        (mv, mg), (yv, yg) = rel.figures[(ind, "month")], rel.figures[(ind, "ytd")]
        rows.append([f"{rt.LABELS[ind]}(亿元)", mv, mg, yv, yg])
    path = rt.write_csv(lake / "nbs-2025-12-single-header.csv", rows, "gbk")
    assert ingest(str(path), "--region", "全国")["rows_loaded"] == 4
    want = {k: v for k, v in rt.expected([rel], NATIONAL).items() if k[1] in inds}
    assert stored() == want
    # 2025年12月 餐饮收入 5738 亿元, 增长 2.2 %; 1-12月 57982 亿元, 增长 3.2 %
    assert want[(NATIONAL, "catering_revenue", "2025-12", "month")] == (5738.0, 2.2)
