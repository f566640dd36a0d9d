"""Real data: each period form of a real release is stored in one canonical form (#18 item 9).

Before: ``2024年上半年`` and ``2024年前三季度`` became YTD months (``2024-06``) while
``2024年一季度`` became a quarter (``2024-Q1``), whatever the series. A half-year GDP figure
(the 上半年 release) was then stored as ``2023-06`` and the quarterly GDP share, which reads
``YYYY-Qn``, silently dropped it. Now the series' frequency decides the form: GDP and income
(quarterly) as ``YYYY-Qn``, 社零 (monthly) as ``YYYY-MM``. The figures and their published
labels are in ``data/published_period_forms.csv``, each with its source.
"""

from __future__ import annotations

import csv
import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from typer.testing import CliRunner

from consumption_monitor.catalog import load_catalog
from consumption_monitor.config import get_settings
from consumption_monitor.ingest.normalise import NormaliseError
from consumption_monitor.ingest.periods import PERIOD_FORMS, canonical_period, period_form
from consumption_monitor.store import Store

DATA = Path(__file__).parent / "data" / "published_period_forms.csv"
HEAD = ["地区", "指标", "时期", "数值", "计量单位", "同比增长(%)", "来源"]


def figures() -> list[dict[str, str]]:
    with DATA.open(encoding="utf-8") as fh:
        return list(csv.DictReader(fh))


@pytest.fixture
def lake(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Path]:
    monkeypatch.setenv("CMON_DATA_DIR", str(tmp_path / "data"))
    get_settings.cache_clear()
    yield tmp_path
    get_settings.cache_clear()


def cmon(*args: str) -> Any:
    from consumption_monitor.cli import app

    return CliRunner().invoke(app, list(args), env={"COLUMNS": "200"})


def _write(path: Path, rows: list[list[str]]) -> Path:
    with path.open("w", encoding="gbk", newline="") as fh:
        w = csv.writer(fh)
        w.writerow(HEAD)
        w.writerows(rows)
    return path


def _ingest(path: Path) -> dict[str, Any]:
    out = cmon("ingest", str(path), "--dataset", "official_stats", "--json")
    assert out.exit_code == 0, out.output
    result: dict[str, Any] = json.loads(out.stdout)
    return result


def _stored() -> dict[tuple[str, str, str, str], tuple[Any, Any]]:
    with Store(get_settings()) as store:
        rows = store.read_arrow("official_stats").to_pylist()
    return {
        (r["region"], r["indicator"], r["period"], r["basis"]): (r["value"], r["yoy_pct"])
        for r in rows
    }


def test_fixture_names_a_source_for_every_figure() -> None:
    rows = figures()
    assert len(rows) >= 15
    assert all(r["source_title"] and r["source_url"].startswith("http") for r in rows)
    forms = {period_form(r["label"]) for r in rows}
    assert {"q1", "h1", "q1_q3", "full_year", "quarter", "month_range"} <= forms


@pytest.mark.parametrize("row", figures(), ids=lambda r: f"{r['indicator']}-{r['label']}")
def test_each_published_label_maps_to_its_canonical_period(row: dict[str, str]) -> None:
    frequency = load_catalog().indicator_name(row["indicator"]).frequency
    p = canonical_period(row["label"], frequency)
    assert (p.code, p.basis) == (row["canonical_period"], row["canonical_basis"])


def test_the_same_label_is_stored_by_the_series_frequency() -> None:
    # 上半年 of GDP (quarterly) and of 社零 (monthly): one label, two canonical forms
    assert canonical_period("2023年上半年", "quarterly").code == "2023-Q2"
    assert canonical_period("2023年上半年", "monthly").code == "2023-06"
    assert canonical_period("2023年一季度", "monthly").code == "2023-03"
    assert {f.form for f in PERIOD_FORMS} >= {"q1", "h1", "q1_q3", "full_year", "refused"}


def test_ambiguous_labels_are_refused_with_the_reason() -> None:
    with pytest.raises(NormaliseError) as exc:
        canonical_period("2023年下半年", "quarterly")
    assert "下半年" in exc.value.zh and "cumulative" in exc.value.en
    with pytest.raises(NormaliseError) as exc:
        canonical_period("2023年5月", "quarterly")  # GDP has no single month
    assert "季度指标" in exc.value.zh


def test_real_releases_load_in_their_canonical_form(lake: Path) -> None:
    rows = figures()
    table = [
        [r["region"], r["indicator"], r["label"], r["value"], r["unit"], r["yoy_pct"],
         r["source_title"]]
        for r in rows
    ]  # fmt: skip
    assert _ingest(_write(lake / "releases.csv", table))["rows_loaded"] == len(rows)
    cat = load_catalog()
    want = {
        (cat.region_code(r["region"]), r["indicator"], r["canonical_period"],
         r["canonical_basis"]): (float(r["value"]) if r["value"] else None, float(r["yoy_pct"]))
        for r in rows
    }  # fmt: skip
    assert _stored() == want


def test_a_half_year_gdp_release_reaches_the_quarterly_share(lake: Path) -> None:
    """Tianjin GDP 2023: 一季度 3715.38 亿元, 上半年 7842.83 亿元 (real, see the fixture). The
    share of 批发零售+住宿餐饮 in GDP must exist for the half year and for the second quarter
    alone. The value-added rows are made up for the test (round shares of GDP), only the GDP
    figures are published."""
    rel = {r["label"]: r for r in figures() if r["region"] == "天津市" and r["indicator"] == "gdp"}
    q1, h1 = float(rel["2023年一季度"]["value"]), float(rel["2023年上半年"]["value"])
    rows = [
        ["天津市", "地区生产总值", "2023年一季度", f"{q1}", "亿元", "5.5", "天津市统计局"],
        ["天津市", "地区生产总值", "2023年上半年", f"{h1}", "亿元", "4.8", "天津市统计局"],
        ["天津市", "批发和零售业增加值", "2023年一季度", "400", "亿元", "", "test"],
        ["天津市", "批发和零售业增加值", "2023年上半年", "820", "亿元", "", "test"],
        ["天津市", "住宿和餐饮业增加值", "2023年一季度", "60", "亿元", "", "test"],
        ["天津市", "住宿和餐饮业增加值", "2023年上半年", "130", "亿元", "", "test"],
    ]
    assert _ingest(_write(lake / "gdp.csv", rows))["rows_loaded"] == 6
    assert cmon("compute", "--json").exit_code == 0
    got = {}
    for basis in ("ytd", "quarter"):
        out = cmon("indicator", "show", "consumer_industries_va_share_q", "--region", "天津市",
                   "--basis", basis, "--json")  # fmt: skip
        assert out.exit_code == 0, out.output
        got.update({(r["period"], r["basis"]): r["value"] for r in json.loads(out.stdout)["data"]})
    assert got[("2023-Q2", "ytd")] == pytest.approx((820 + 130) / h1 * 100)
    assert got[("2023-Q2", "quarter")] == pytest.approx((420 + 70) / (h1 - q1) * 100)
    assert got[("2023-Q1", "ytd")] == pytest.approx(460 / q1 * 100)


@pytest.mark.parametrize("form", [f for f in PERIOD_FORMS if f.form != "code"], ids=str)
def test_the_rule_table_says_what_canonical_period_does(form: Any) -> None:
    """Each row's first example gives what the table says, in each frequency column."""
    label = form.examples.split(",")[0].split(" (")[0].strip()
    assert period_form(label) == form.form
    for frequency, said in (("monthly", form.monthly), ("quarterly", form.quarterly),
                            ("annual", form.annual)):  # fmt: skip
        if said.startswith("refused"):
            with pytest.raises(NormaliseError):
                canonical_period(label, frequency)
            continue
        p = canonical_period(label, frequency)
        assert f"{p.code} {p.basis}" == " ".join(said.split()[:2]), (frequency, said)


def test_the_rule_table_is_printed_in_the_docs() -> None:
    docs = (Path(__file__).parents[2] / "docs" / "ingestion.md").read_text(encoding="utf-8")
    assert "### Period labels" in docs
    for f in PERIOD_FORMS:
        assert f"| `{f.form}` | {f.examples} | {f.monthly} | {f.quarterly} | {f.annual} |" in docs
