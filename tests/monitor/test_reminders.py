"""Submission reminders reach loopback WeCom, DingTalk and SMTP receivers before a deadline,
an overdue unit is escalated to the office, and nothing is sent twice."""

from __future__ import annotations

import json
from datetime import date
from pathlib import Path

import pytest
import yaml
from tests.monitor.receivers import smtp_receiver, webhook_receiver
from typer.testing import CliRunner

from consumption_monitor.cli import app
from consumption_monitor.config import Settings, get_settings
from consumption_monitor.errors import ConfigError
from consumption_monitor.monitor.reminders import (
    build_messages,
    load_reminder_config,
    send_reminders,
)
from consumption_monitor.monitor.submissions import Obligation, obligations
from consumption_monitor.plan import load_plan

HEPING, HEXI = "120101", "120103"


def _config(tmp_path: Path, webhook: str, smtp_port: int) -> Path:
    path = tmp_path / "reminders.yaml"
    path.write_text(
        yaml.safe_dump(
            {
                "channels": {
                    "heping_wecom": {"kind": "wecom", "url": f"{webhook}/wecom"},
                    "hexi_ding": {"kind": "dingtalk", "url": f"{webhook}/ding"},
                    "office_mail": {
                        "kind": "smtp", "host": "127.0.0.1", "port": smtp_port,
                        "sender": "cmon@example.gov.cn", "recipients": ["office@example.gov.cn"],
                    },
                },
                "units": {"和平区": ["heping_wecom"], "河西区": ["hexi_ding"]},
                "default": ["office_mail"],
                "escalate": ["office_mail"],
            },
            allow_unicode=True,
        ),
        encoding="utf-8",
    )  # fmt: skip
    return path


def _due(unit: str, state: str, late: int = 0) -> Obligation:
    return Obligation("unit_reports", unit, "2025-10", date(2025, 11, 10), False, state, late)  # type: ignore[arg-type]


def test_due_soon_and_overdue_reach_each_units_channel_and_escalations_the_office(
    settings: Settings, tmp_path: Path
) -> None:
    plan = load_plan(settings=settings)
    items = [_due(HEPING, "due_soon"), _due(HEXI, "overdue", 3), _due("120104", "escalated", 12),
             _due(HEPING, "submitted")]  # fmt: skip
    log = tmp_path / "sent.json"
    with webhook_receiver() as (url, hooks), smtp_receiver() as (port, mail):
        cfg = load_reminder_config(_config(tmp_path, url, port))
        run = send_reminders(plan, items, cfg, log, today=date(2025, 11, 8))
        assert not run.failures
        paths = [p for p, _ in hooks.posts]
        assert paths == ["/wecom", "/ding"]
        wecom = hooks.posts[0][1]["markdown"]["content"]
        assert "填报提醒：和平区" in wecom and "2025年10月" in wecom and "2025年11月10日" in wecom
        assert "已逾期3天" in hooks.posts[1][1]["markdown"]["text"]
        subjects = sorted(str(m["Subject"]) for _, _, m in mail.mails)
        # 南开区 has no own channel: its escalation goes to the default, plus the office list
        assert subjects == ["逾期督办清单", "逾期督办：南开区"]
        office = next(m for _, _, m in mail.mails if str(m["Subject"]) == "逾期督办清单")
        assert "南开区" in office.get_content() and "12天" in office.get_content()
        # a second run the same day sends nothing: every (message, channel) was recorded
        again = send_reminders(plan, items, cfg, log, today=date(2025, 11, 8))
        assert again.sent == [] and len(again.already_sent) == 4
        assert len(hooks.posts) == 2 and len(mail.mails) == 2


def test_a_failed_channel_is_retried_next_time(settings: Settings, tmp_path: Path) -> None:
    plan = load_plan(settings=settings)
    log = tmp_path / "sent.json"
    with webhook_receiver() as (url, hooks), smtp_receiver() as (port, _mail):
        cfg = load_reminder_config(_config(tmp_path, url, port))
        hooks.errcode = 93000  # the robot refuses
        first = send_reminders(plan, [_due(HEPING, "due_soon")], cfg, log, today=date(2025, 11, 8))
        assert [c for _, c, _ in first.failures] == ["heping_wecom"] and not log.exists()
        hooks.errcode = 0
        second = send_reminders(plan, [_due(HEPING, "due_soon")], cfg, log, today=date(2025, 11, 8))
        assert [c for _, c in second.sent] == ["heping_wecom"]
        assert json.loads(log.read_text(encoding="utf-8"))["sent"]


def test_config_errors_name_the_file_and_the_channel(tmp_path: Path) -> None:
    bad = tmp_path / "r.yaml"
    bad.write_text("units: {和平区: [nowhere]}\n", encoding="utf-8")
    with pytest.raises(ConfigError) as err:
        load_reminder_config(bad)
    assert "nowhere" in str(err.value) and err.value.where is not None


def test_english_messages(settings: Settings, tmp_path: Path) -> None:
    plan = load_plan(settings=settings)
    cfg = load_reminder_config(_config(tmp_path, "http://127.0.0.1:9", 9))
    messages, _ = build_messages(plan, [_due(HEPING, "overdue", 2)], cfg, lang="en")
    assert messages[0].subject == "Overdue: Heping"
    assert "Oct 2025" in messages[0].markdown and "2 days late" in messages[0].markdown


def test_cli_on_an_empty_lake_reminds_and_escalates_every_expected_unit(
    settings: Settings, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("CMON_DATA_DIR", str(settings.data_dir))
    get_settings.cache_clear()  # the CLI must read this data directory, not a cached one
    plan = load_plan(settings=settings)
    expected = obligations(plan, settings, today=date(2025, 11, 30))
    escalated = {o.unit for o in expected if o.state == "escalated"}
    assert escalated  # nothing was submitted: October's unit reports are 20 days late
    with webhook_receiver() as (url, hooks), smtp_receiver() as (port, mail):
        cfg = _config(tmp_path, url, port)
        result = CliRunner().invoke(
            app, ["remind", "--config", str(cfg), "--date", "2025-11-30", "--json"]
        )
        assert result.exit_code == 0, result.output
        out = json.loads(result.stdout)
        office = [m for m in out["messages"] if m["unit"] == "office"]
        assert len(office) == 1 and office[0]["items"] >= len(escalated)
        assert out["failures"] == [] and len(out["sent"]) == len(hooks.posts) + len(mail.mails)
        assert (settings.data_dir / "reminders-sent.json").exists()
