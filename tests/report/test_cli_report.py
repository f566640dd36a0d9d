"""`cmon report` through typer's CliRunner on a stored computation."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

import pytest
from typer.testing import CliRunner

from consumption_monitor.cli import app
from consumption_monitor.config import Settings, get_settings

runner = CliRunner()


@pytest.fixture
def env(stored_settings: Settings, monkeypatch: pytest.MonkeyPatch) -> Iterator[Settings]:
    monkeypatch.setenv("CMON_DATA_DIR", str(stored_settings.data_dir))
    get_settings.cache_clear()
    yield stored_settings
    get_settings.cache_clear()


def test_monthly_to_folder(env: Settings, tmp_path: Path) -> None:
    out = tmp_path / "out"
    result = runner.invoke(
        app,
        [
            "report",
            "monthly",
            "--period",
            "2025-10",
            "--format",
            "html,xlsx",
            "--lang",
            "zh,en",
            "--out",
            str(out),
            "--json",
        ],
    )
    assert result.exit_code == 0, result.output
    files = json.loads(result.stdout)["data"]
    assert sorted(Path(f).name for f in files) == [
        "monthly-2025-10-en.html",
        "monthly-2025-10-en.xlsx",
        "monthly-2025-10-zh.html",
        "monthly-2025-10-zh.xlsx",
    ]
    assert "增速比1—9月加快0.2个百分点" in (out / "monthly-2025-10-zh.html").read_text("utf-8")


def test_quarterly_default_period_goes_to_the_store(env: Settings) -> None:
    result = runner.invoke(app, ["report", "quarterly", "--format", "html", "--json"])
    assert result.exit_code == 0, result.output
    files = json.loads(result.stdout)["data"]
    assert [Path(f).name for f in files] == ["quarterly-2025-Q3-zh.html"]
    listing = runner.invoke(app, ["report", "schedule", "--json"])
    assert listing.exit_code == 0, listing.output
    stored = json.loads(listing.stdout)
    assert stored["count"] == 1
    assert stored["data"][0]["period"] == "2025-Q3"


def test_holiday_from_input_file(env: Settings, tmp_path: Path) -> None:
    comparison = {
        "key": "2025-national-day",
        "name_zh": "国庆节",
        "name_en": "National Day",
        "start": "2025-10-01",
        "end": "2025-10-08",
        "previous_start": "2024-10-01",
        "previous_end": "2024-10-07",
        "figures": [
            {
                "label_zh": "销售额",
                "label_en": "Sales",
                "current": 5.2e9,
                "previous": 4.9e9,
                "unit": "yuan",
                "growth_pct": -7.14,
            }
        ],
        "daily_average": True,
    }
    path = tmp_path / "nd.json"
    path.write_text(json.dumps(comparison), encoding="utf-8")
    out = tmp_path / "out"
    result = runner.invoke(
        app, ["report", "holiday", "--input", str(path), "--format", "html", "--out", str(out)]
    )
    assert result.exit_code == 0, result.output
    html = (out / "holiday-2025-national-day-zh.html").read_text("utf-8")
    assert "按日均计算，比上年国庆节假期（7天）下降7.1%" in html


def test_errors_have_exit_codes(env: Settings, tmp_path: Path) -> None:
    bad_period = runner.invoke(app, ["report", "monthly", "--period", "2025-13"])
    assert bad_period.exit_code == 1
    assert "2025-13" in bad_period.output
    missing = runner.invoke(app, ["report", "holiday", "--input", str(tmp_path / "none.json")])
    assert missing.exit_code == 4
    bad_lang = runner.invoke(app, ["report", "monthly", "--lang", "fr"])
    assert bad_lang.exit_code == 2


def test_holiday_without_input_reads_the_lake(env: Settings) -> None:
    result = runner.invoke(app, ["report", "holiday", "--period", "2025-spring-festival"])
    assert result.exit_code == 4  # the fixed lake has no key-enterprise data
    assert "2025-spring-festival" in result.output
