"""Every plan target on the simulated city is judged from data, and every open numeric value
has a probability (#19): run on one tiny demo build for the module."""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any

import pytest
from typer.testing import CliRunner

from consumption_monitor.config import Settings, get_settings, load_settings
from consumption_monitor.indicators.format import english_quantity

END = "2026-09"
#: Kinds whose goal is a number to reach (a rank value with a numeric comparator counts too).
NUMERIC = {"level", "share", "stock", "new_in_year", "cumulative", "annual", "growth"}


@pytest.fixture(scope="module")
def targets(tmp_path_factory: pytest.TempPathFactory) -> Iterator[list[dict[str, Any]]]:
    from consumption_monitor.cli import app
    from consumption_monitor.demo import build_demo

    settings: Settings = load_settings(data_dir=tmp_path_factory.mktemp("cover"))
    build_demo(settings, scale="tiny", seed=5, end=END)
    mp = pytest.MonkeyPatch()
    mp.setenv("CMON_DATA_DIR", str(settings.data_dir))
    get_settings.cache_clear()
    try:
        res = CliRunner().invoke(app, ["targets", "--json", "--as-of", "2026-10-06"])
        assert res.exit_code == 0, res.output
        yield json.loads(res.stdout)["data"]
    finally:
        mp.undo()
        get_settings.cache_clear()


def _values(targets: list[dict[str, Any]]) -> list[tuple[str, dict[str, Any]]]:
    return [(t["id"], v) for t in targets for v in t["values"]]


def test_at_most_one_target_value_without_data(targets: list[dict[str, Any]]) -> None:
    empty = sorted({tid for tid, v in _values(targets) if v["status"] == "no_data"})
    # T-landmark-districts reads the 商圈 catalog (#22); everything else has data, including the
    # national ranks a unit reports (leasing, factoring, service retail growth).
    assert len(empty) <= 1, empty
    assert "T-landmark-districts" not in empty
    assert "T-service-retail-growth-rank" not in empty


def test_every_open_numeric_value_has_a_probability(targets: list[dict[str, Any]]) -> None:
    open_values = [
        (tid, v)
        for tid, v in _values(targets)
        if int(v["years"][-4:]) >= 2026  # not over on the as-of day
        and v["status"] not in ("achieved", "no_data")
        and v["goal"] is not None
        and (v["kind"] in NUMERIC or v["kind"] == "rank")
    ]
    assert len(open_values) >= 15
    missing = [(tid, v["years"]) for tid, v in open_values if v["probability"] is None]
    assert not missing, missing
    for _, v in open_values:
        assert 0.0 <= v["probability"] <= 1.0


def test_values_without_a_probability_say_why(targets: list[dict[str, Any]]) -> None:
    for tid, v in _values(targets):
        if int(v["years"][-4:]) >= 2026 and v["status"] != "achieved" and v["probability"] is None:
            assert v["probability_note_zh"] and v["probability_note_en"], (tid, v["years"])


def test_a_share_of_the_national_total_is_judged_in_percent(
    targets: list[dict[str, Any]],
) -> None:
    leasing = next(t for t in targets if t["id"] == "T-leasing-assets")
    share = next(v for v in leasing["values"] if v["years"] == "2027")
    assert share["goal"] == pytest.approx(25.0)  # 四分之一, not 0.25 against a percent
    assert share["current"] < 25.0 and share["status"] != "achieved"
    assert "share_of_national" not in share["explanation_zh"]


def test_english_explanations_write_amounts_the_english_way(
    targets: list[dict[str, Any]],
) -> None:
    tourists = next(t for t in targets if t["id"] == "T-tourists")
    text = " ".join(v["explanation_en"] for v in tourists["values"])
    assert "100 million" not in text and "million visits" in text
    assert english_quantity(2.5594, "100 million visits") == "255.94 million visits"
