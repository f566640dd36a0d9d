"""Growth sanity in one place (#20): a planted stub base month (3.91万元 of card spending, the
issue's case) goes through the real post step; the overview card, the API, the monthly report
and an alert rule all say the growth is withheld and why. The programme cards (#22) show their
figures with the 口径."""

from __future__ import annotations

import json
from datetime import date

import numpy as np
import pandas as pd
import pytest
from sqlalchemy.orm import Session

from consumption_monitor.compute.post import add_comparisons
from consumption_monitor.compute.sanity import IMPLAUSIBLE, SMALL_BASE
from consumption_monitor.compute.steps import ComputeResult
from consumption_monitor.config import Settings
from consumption_monitor.indicators import load_indicators
from consumption_monitor.monitor.alerts import AlertRule, default_rules, evaluate_rules
from consumption_monitor.monitor.checks import sanity_metrics
from consumption_monitor.report import build_report, load_report_data
from consumption_monitor.store.results import COLUMNS, read_result, write_result

MONTHS = [f"2025-{m:02d}" for m in range(3, 13)] + [f"2026-{m:02d}" for m in range(3, 12)]


def _series(indicator: str, values: dict[str, float], **kw: str) -> pd.DataFrame:
    return pd.DataFrame(
        {"indicator": indicator, "region": "120000", "period": list(values), "basis": "month",
         "dim": kw.get("dim", ""), "dim_value": kw.get("dim_value", ""),
         "value": list(values.values()), "yoy_pct": np.nan, "numerator": np.nan,
         "denominator": np.nan, "note": ""}
    )  # fmt: skip


def _table() -> pd.DataFrame:
    spend = dict.fromkeys(MONTHS, 170000000.0)
    spend["2025-11"] = 39_100.0  # the stub base of 2026-11: +434 683% if computed
    # A programme series that really jumps +900% on a normal base: withheld as implausible.
    trade = dict.fromkeys(MONTHS, 10000.0)
    trade["2026-11"] = 1.0e5
    raw = pd.concat(
        [_series("card_spending", spend), _series("trade_in_sales", trade),
         _series("service_consumption_est", dict.fromkeys(MONTHS, 30000000.0)),
         _series("card_spending", dict.fromkeys(MONTHS, 200000.0), dim="origin",
                 dim_value="overseas")],
        ignore_index=True,
    )  # fmt: skip
    table = add_comparisons(raw, load_indicators()).reindex(columns=list(COLUMNS))
    table["provisional"] = False
    table["vintage"] = date(2026, 12, 5)
    table["computed_at"] = pd.Timestamp("2026-12-05")
    return table


@pytest.fixture
def seeded(settings: Settings) -> Settings:
    write_result(settings, ComputeResult(table=_table(), vintage=date(2026, 12, 5)))
    return settings


def test_the_planted_stub_base_is_withheld_with_its_reason(settings: Settings) -> None:
    out = _table().set_index(["indicator", "period"])
    row = out.loc[("card_spending", "2026-11")].iloc[0]
    assert np.isnan(row["yoy_pct"]) and row["note"] == SMALL_BASE
    jump = out.loc[("trade_in_sales", "2026-11")]
    assert np.isnan(jump["yoy_pct"]) and jump["note"] == IMPLAUSIBLE
    # Unwithheld growth stays: 2026-10 against 2025-10 is 0%.
    assert out.loc[("card_spending", "2026-10")].iloc[0]["yoy_pct"] == pytest.approx(0.0)


def test_overview_card_says_why_and_programme_cards_show_scope(client, users, h, seeded) -> None:
    h.as_user(client, users.ids["viewer"])
    html = client.get("/overview").text
    card = html[html.index('data-testid="card-card_spending"') :]
    card = card[: card.index("</a>")]
    assert "— 基数过小，不计算增速" in card and "%" not in card.split("同比")[1].split("<")[1]
    assert "434" not in html  # the absurd growth appears nowhere on the page
    programmes = html[html.index('data-testid="programme-cards"') :]
    service = programmes[programmes.index('data-testid="card-service_consumption_est"') :]
    service = service[: service.index("</a>")]
    assert "3,000.00万元" in service  # 3.0e7 元
    assert load_indicators().get("service_consumption_est").definition_zh in service
    overseas = programmes[programmes.index('data-testid="card-card_spending-overseas"') :]
    assert "境外卡消费金额" in overseas[: overseas.index("</a>")]
    en = client.get("/overview?lang=en").text
    assert "base too small: no growth" in en


def test_api_values_carry_the_reason(client, db: Session, users, h, seeded) -> None:
    secret = h.token_for(db, "office", [])
    url = "/api/v1/indicators/card_spending/values?basis=month&start=2026-11&end=2026-11"
    body = client.get(url, headers=h.bearer(secret)).json()
    assert body["count"] == 1
    row = body["data"][0]
    assert row["yoy_pct"] is None and row["reason"] == SMALL_BASE
    assert (
        row["reason_zh"] == "基数过小，不计算增速"
        and row["reason_en"] == "base too small: no growth"
    )
    ok = client.get(url.replace("2026-11", "2026-10"), headers=h.bearer(secret)).json()["data"][0]
    assert ok["reason"] is None and ok["yoy_pct"] == pytest.approx(0.0)


def test_report_cell_is_a_dash_with_the_reason(seeded: Settings) -> None:
    data = load_report_data(seeded, targets=None, tasks=None)
    rep = build_report("monthly", data, "2026-11", "zh")
    card = next(s for s in rep.sections if s.key == "card")
    total = card.tables[0].rows[0]
    assert total[0].text == "合计" and total[2].text == "—"
    assert any("基数过小，不计算增速" in p for p in card.paragraphs)
    assert "434" not in "".join(p for s in rep.sections for p in s.paragraphs)


def test_an_alert_rule_fires_on_withheld_figures(seeded: Settings) -> None:
    metrics = sanity_metrics(read_result(seeded), date(2026, 12, 7))
    rule = AlertRule(name="growth_sanity", indicator="growth_sanity", dim="*",
                     condition="value > 0", severity="warning")  # fmt: skip
    hits = evaluate_rules([rule], metrics, date(2026, 12, 7))
    withheld = {(h.region, h.dim_value) for h in hits}
    assert ("120000", SMALL_BASE) in withheld and ("120000", IMPLAUSIBLE) in withheld
    clean = metrics.iloc[0:0]
    assert evaluate_rules([rule], clean, date(2026, 12, 7)) == []


def test_the_bundled_rules_raise_an_alert_on_the_stub_base(
    seeded: Settings, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Out of the box (no rule file): `cmon alerts check` stores an alert for the stub base and
    for the +900% jump, and none for merely incomplete card periods."""
    from typer.testing import CliRunner

    from consumption_monitor.cli import app

    monkeypatch.setenv("CMON_DATA_DIR", str(seeded.data_dir))
    monkeypatch.setenv("CMON_DATABASE_URL", seeded.database_url or "")
    out = CliRunner().invoke(app, ["alerts", "check", "--date", "2026-12-07", "--json"])
    assert out.exit_code == 0, out.output
    alerts = json.loads(out.output)["alerts"]
    fired = {(a["rule"], a["region"], a["dim_value"]) for a in alerts}
    assert fired == {
        ("growth_small_base", "120000", SMALL_BASE),
        ("growth_implausible", "120000", IMPLAUSIBLE),
    }
    assert all(a["severity"] == "warning" and a["status"] == "open" for a in alerts)
    listed = CliRunner().invoke(app, ["alerts", "list", "--json"])
    assert {a["rule"] for a in json.loads(listed.output)["data"]} == {
        "growth_small_base", "growth_implausible",
    }  # fmt: skip
    assert {r.name for r in default_rules().rules} >= {"growth_small_base", "growth_implausible"}


def test_the_daily_check_sees_the_computation_of_its_publication_day(
    settings: Settings, monkeypatch: pytest.MonkeyPatch
) -> None:
    """`cmon alerts check` runs for yesterday (T+1); the indicators computed this morning carry
    today's vintage and must be read (on the demo no growth alert ever fired before)."""
    from typer.testing import CliRunner

    from consumption_monitor import clock
    from consumption_monitor.cli import app

    today = clock.today()
    write_result(settings, ComputeResult(table=_table(), vintage=today))
    monkeypatch.setenv("CMON_DATA_DIR", str(settings.data_dir))
    monkeypatch.setenv("CMON_DATABASE_URL", settings.database_url or "")
    yesterday = (today - pd.Timedelta(days=1)).isoformat()
    out = CliRunner().invoke(app, ["alerts", "check", "--date", yesterday, "--json"])
    assert out.exit_code == 0, out.output
    assert {a["rule"] for a in json.loads(out.output)["alerts"]} == {
        "growth_small_base", "growth_implausible",
    }  # fmt: skip
