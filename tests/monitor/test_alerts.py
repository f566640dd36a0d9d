"""Alert rules, the alert lifecycle, and delivery to loopback WeCom/DingTalk/SMTP receivers."""

from __future__ import annotations

import datetime as dt
import urllib.parse
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from tests.monitor.receivers import smtp_receiver, webhook_receiver

from consumption_monitor.config import Settings
from consumption_monitor.errors import ConfigError, ConflictError, NotFoundError
from consumption_monitor.monitor.alerts import (
    AlertRule,
    AlertService,
    evaluate_rules,
    load_rules,
    parse_condition,
)
from consumption_monitor.monitor.checks import MonitorData, run_checks
from consumption_monitor.monitor.delivery import SmtpChannel, WebhookChannel

AS_OF = dt.date(2025, 6, 30)


def _metrics(yoy: list[float], region: str = "120101") -> pd.DataFrame:
    days = [AS_OF - dt.timedelta(days=len(yoy) - 1 - i) for i in range(len(yoy))]
    return pd.DataFrame(
        {
            "date": days,
            "side": "card",
            "indicator": "card_spending",
            "region": region,
            "dim": "",
            "dim_value": "",
            "value": 1.0,
            "yoy_pct": yoy,
            "zscore": np.nan,
        }
    )


def test_condition_grammar() -> None:
    assert parse_condition("missing_days >= 2") == ("missing_days", ">=", 2.0)
    for bad in ("yoy_pct <", "__import__('os') > 1", "speed > 3", "zscore => 4"):
        with pytest.raises(ConfigError):
            parse_condition(bad)


def test_window_must_hold_on_every_day_and_missing_values_never_fire() -> None:
    rule = AlertRule(name="drop", indicator="card_spending", condition="yoy_pct < -10", window=3)
    assert [h.region for h in evaluate_rules([rule], _metrics([-20, -15, -12]), AS_OF)] == [
        "120101"
    ]
    assert evaluate_rules([rule], _metrics([-20, -5, -12]), AS_OF) == []
    assert evaluate_rules([rule], _metrics([-20, np.nan, -12]), AS_OF) == []
    other = AlertRule(
        name="d", indicator="card_spending", condition="yoy_pct < -10", region="河西区"
    )
    assert evaluate_rules([other], _metrics([-20]), AS_OF) == []  # 河西区 is 120103


def test_rule_file_errors_are_located(tmp_path: Path) -> None:
    path = tmp_path / "rules.yaml"
    path.write_text(
        "rules:\n  - {name: r1, indicator: x, condition: 'yoy_pct < -1'}\n"
        "  - {name: r2, indicator: x, condition: 'bogus'}\n",
        encoding="utf-8",
    )
    with pytest.raises(ConfigError) as err:
        load_rules(path)
    assert err.value.where is not None and err.value.where.entry == "r2"
    path.write_text(
        "rules:\n  - {name: r1, indicator: x, condition: 'zscore > 4', channels: [nowhere]}\n",
        encoding="utf-8",
    )
    with pytest.raises(ConfigError, match="nowhere"):
        load_rules(path)


def test_alert_lifecycle(meta_settings: Settings) -> None:
    settings = meta_settings
    rule = AlertRule(name="drop", indicator="card_spending", condition="yoy_pct < -10")
    with AlertService(settings) as svc:
        first = svc.record(evaluate_rules([rule], _metrics([-30]), AS_OF))
        assert len(first) == 1 and first[0].status == "open" and first[0].is_new
        again = svc.record(evaluate_rules([rule], _metrics([-40]), AS_OF))
        assert again[0].id == first[0].id and not again[0].is_new  # same problem: one alert
        assert again[0].value == -40
        assert [a.id for a in svc.list_alerts("open")] == [first[0].id]
        acked = svc.acknowledge(first[0].id, by="li", note="checking the feed")
        assert (acked.status, acked.acknowledged_by, acked.note) == (
            "acknowledged",
            "li",
            "checking the feed",
        )
        with pytest.raises(ConflictError):
            svc.acknowledge(first[0].id, by="li")
        done = svc.resolve(first[0].id, by="wang")
        assert done.status == "resolved" and done.resolved_at is not None
        with pytest.raises(ConflictError):
            svc.resolve(first[0].id, by="wang")
        with pytest.raises(NotFoundError):
            svc.get(999)
        later = svc.record(evaluate_rules([rule], _metrics([-50]), AS_OF))
        assert later[0].id != first[0].id and later[0].is_new  # a resolved alert stays closed
    with AlertService(settings) as svc:  # stored: a new service (new connection) sees them
        assert {a.status for a in svc.list_alerts()} == {"resolved", "open"}


def test_delivery_to_wecom_dingtalk_and_smtp(settings: Settings) -> None:
    rule = AlertRule(
        name="drop",
        indicator="card_spending",
        condition="yoy_pct < -10",
        severity="critical",
        channels=["wecom", "ding", "mail", "broken"],
    )
    with (
        webhook_receiver() as (url, inbox),
        smtp_receiver() as (port, mailbox),
        webhook_receiver() as (bad_url, bad_inbox),
    ):
        bad_inbox.errcode = 93000  # the robot refuses (e.g. bad key)
        channels = {
            "wecom": WebhookChannel(
                name="wecom", kind="wecom", url=f"{url}/cgi-bin/webhook/send?key=k"
            ),
            "ding": WebhookChannel(
                name="ding",
                kind="dingtalk",
                url=f"{url}/robot/send?access_token=t",
                secret="SECabc",
            ),
            "mail": SmtpChannel(
                name="mail",
                host="127.0.0.1",
                port=port,
                sender="cmon@test.local",
                recipients=["office@test.local", "lead@test.local"],
            ),
            "broken": WebhookChannel(name="broken", kind="wecom", url=bad_url),
        }
        with AlertService(settings) as svc:
            alerts = svc.record(evaluate_rules([rule], _metrics([-30]), AS_OF))
            results = svc.deliver(alerts, channels, {"drop": rule.channels})  # type: ignore[arg-type]
            stored = svc.deliveries(alerts[0].id)
    assert [(r.channel, r.ok) for r in results] == [
        ("wecom", True),
        ("ding", True),
        ("mail", True),
        ("broken", False),
    ]
    assert "93000" in results[-1].error
    assert [(d.channel, d.ok) for d in stored] == [(r.channel, r.ok) for r in results]
    (wecom_path, wecom), (ding_path, ding) = inbox.posts
    assert wecom_path == "/cgi-bin/webhook/send?key=k"
    assert wecom["msgtype"] == "markdown" and set(wecom["markdown"]) == {"content"}
    assert "drop" in wecom["markdown"]["content"] and "120101" in wecom["markdown"]["content"]
    assert ding["msgtype"] == "markdown" and set(ding["markdown"]) == {"title", "text"}
    assert "critical" in ding["markdown"]["title"] and "yoy_pct < -10" in ding["markdown"]["text"]
    query = urllib.parse.parse_qs(urllib.parse.urlsplit(ding_path).query)
    assert query["access_token"] == ["t"] and "timestamp" in query and "sign" in query
    ((sender, rcpts, mail),) = mailbox.mails
    assert sender == "cmon@test.local" and rcpts == ["office@test.local", "lead@test.local"]
    assert "drop" in str(mail["Subject"])
    body = mail.get_content()
    assert "连续1天满足 yoy_pct < -10" in body and "as of 2025-06-30" in body


def test_run_checks_stores_and_delivers_only_new_alerts(settings: Settings, tmp_path: Path) -> None:
    days = [AS_OF - dt.timedelta(days=i) for i in range(10)]
    reports = pd.DataFrame(
        [("E1", d) for d in days] + [("E2", d) for d in days if d < AS_OF - dt.timedelta(days=2)],
        columns=["enterprise_id", "date"],
    )
    data = MonitorData(
        series=pd.DataFrame(
            columns=["date", "side", "indicator", "region", "dim", "dim_value", "value"]
        ),
        ke_reports=reports,
        card_days=[],
    )
    with webhook_receiver() as (url, inbox):
        path = tmp_path / "rules.yaml"
        path.write_text(
            f"channels:\n  ops: {{kind: wecom, url: '{url}/send'}}\n"
            "rules:\n  - {name: feed_stopped, indicator: feed, dim: enterprise_id, "
            "condition: 'missing_days >= 2', severity: critical, channels: [ops]}\n",
            encoding="utf-8",
        )
        rules = load_rules(path)
        first = run_checks(settings, rules, as_of=AS_OF, data=data)
        second = run_checks(settings, rules, as_of=AS_OF, data=data)
    assert [(a.dim_value, a.status) for a in first.alerts] == [("E2", "open")]
    assert any(d.kind == "feed_gap" and d.series["dim_value"] == "E2" for d in first.detections)
    assert [d.ok for d in first.deliveries] == [True] and second.deliveries == []
    assert len(inbox.posts) == 1 and "E2" in inbox.posts[0][1]["markdown"]["content"]


def test_bundled_rules_fire_once_per_region_and_reason_naming_the_indicators() -> None:
    """Several indicators withheld for one reason in one region are one alert (it used to be
    one metric row each, and the rule evaluation failed on the duplicate day)."""
    from consumption_monitor.monitor.alerts import default_rules
    from consumption_monitor.monitor.checks import sanity_metrics

    table = pd.DataFrame({
        "indicator": ["card_spending", "trade_in_sales", "trade_in_sales", "card_spending",
                      "card_spending"],
        "region": ["120000", "120000", "120000", "120101", "120000"],
        "note": ["small_base", "small_base", "small_base", "small_base", "incomplete"],
    })  # fmt: skip
    metrics = sanity_metrics(table, AS_OF)
    hits = evaluate_rules(default_rules().rules, metrics, AS_OF)
    got = {(h.rule, h.region, h.value) for h in hits}
    assert got == {("growth_small_base", "120000", 3.0), ("growth_small_base", "120101", 1.0)}
    city = next(h for h in hits if h.region == "120000")
    assert city.message_zh.endswith("涉及：以旧换新带动销售额2项、银行卡消费金额1项")
    assert "Sales driven by the trade-in programme (2); Card spending (1)" in city.message_en
