"""CLI adapters: holiday list/show, alerts list/ack/resolve, annotate add/list, daily."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path

import pytest
from tests.monitor.conftest import DUCKDB_DEPRECATION
from tests.monitor.test_alerts import AS_OF, _metrics
from typer.testing import CliRunner

from consumption_monitor.cli import app
from consumption_monitor.config import load_settings
from consumption_monitor.monitor.alerts import AlertRule, AlertService, evaluate_rules

pytestmark = pytest.mark.filterwarnings(DUCKDB_DEPRECATION)


@pytest.fixture
def runner(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> CliRunner:
    monkeypatch.setenv("CMON_DATA_DIR", str(tmp_path / "data"))
    monkeypatch.delenv("CMON_DATABASE_URL", raising=False)
    return CliRunner()


def test_holiday_list_and_show(runner: CliRunner) -> None:
    out = runner.invoke(app, ["holiday", "list", "--year", "2026", "--json"])
    assert out.exit_code == 0, out.output
    rows = {r["key"]: r for r in json.loads(out.output)["data"]}
    sf = rows["2026-spring-festival"]
    assert (sf["days"], sf["base"], sf["base_days"], sf["method"]) == (
        9, "2025-spring-festival", 8, "daily_average",
    )  # fmt: skip
    shown = runner.invoke(app, ["holiday", "show", "2026-spring-festival", "--json"])
    assert shown.exit_code == 0, shown.output
    data = json.loads(shown.output)
    assert data["total"]["units"] == 0 and data["total"]["growth_pct"] is None  # empty lake
    bad = runner.invoke(app, ["holiday", "show", "2026-no-such-day", "--json"])
    assert bad.exit_code == 4 and json.loads(bad.output)["error"]["code"] == "not_found"


def test_alert_commands(runner: CliRunner, tmp_path: Path) -> None:
    settings = load_settings(data_dir=tmp_path / "data", database_url=None)
    rule = AlertRule(name="drop", indicator="card_spending", condition="yoy_pct < -10")
    with AlertService(settings) as svc:
        (alert,) = svc.record(evaluate_rules([rule], _metrics([-30]), AS_OF))
    listed = json.loads(runner.invoke(app, ["alerts", "list", "--json"]).output)
    assert [a["id"] for a in listed["data"]] == [alert.id]
    acked = runner.invoke(app, ["alerts", "ack", str(alert.id), "--by", "li", "--json"])
    assert json.loads(acked.output)["data"][0]["status"] == "acknowledged"
    again = runner.invoke(app, ["alerts", "ack", str(alert.id), "--json"])
    assert again.exit_code == 1 and json.loads(again.output)["error"]["code"] == "conflict"
    done = runner.invoke(app, ["alerts", "resolve", str(alert.id), "--json"])
    assert json.loads(done.output)["data"][0]["status"] == "resolved"
    assert runner.invoke(app, ["alerts", "resolve", "999"]).exit_code == 4


def test_annotate_and_daily(runner: CliRunner) -> None:
    added = runner.invoke(
        app,
        ["annotate", "add", "海河国际消费季", "--start", "2025-04-28", "--end", "2025-06-30",
         "--kind", "event", "--json"],
    )  # fmt: skip
    assert added.exit_code == 0, added.output
    listed = json.loads(runner.invoke(app, ["annotate", "list", "--json"]).output)
    assert [a["name"] for a in listed["data"]] == ["海河国际消费季"]
    bad = runner.invoke(app, ["annotate", "add", "x", "--start", "2025-05-02", "--end",
                              "2025-05-01", "--json"])  # fmt: skip
    assert bad.exit_code == 1 and "start" in bad.output
    day = runner.invoke(app, ["monitor", "daily", "--date", "2025-06-10", "--json"])
    assert day.exit_code == 0, day.output
    payload = json.loads(day.output)
    assert payload["published_on"] == (dt.date(2025, 6, 11)).isoformat()
    assert payload["count"] == 0 and payload["night_window"] == "18:00-02:00"
