"""Submission reminders that reach people: deadlines pushed through WeCom, DingTalk or e-mail.

The submission calendar (:mod:`consumption_monitor.monitor.submissions`) gives every unit's
state per dataset and period. This module turns the states into messages:

============  ===============================  =====================================
state         message                          sent to
============  ===============================  =====================================
due_soon      提醒: due on <date>              the unit's channels (else ``default``)
overdue       逾期: <n> days late               the unit's channels (else ``default``)
escalated     督办: <n> days late, escalated    the unit's channels and ``escalate``
============  ===============================  =====================================

One message per unit and state lists all its datasets and periods; the escalation message to
the office lists every escalated unit. A message is sent once: the keys of what was delivered
are kept in ``<data_dir>/reminders-sent.json``, so running the command daily (cron or the
report scheduler) reminds once per state, and a unit that stays late is escalated once.
A channel failure is reported and not recorded as sent, so the next run retries it.

Config file (``cmon remind --config reminders.yaml``)::

    channels:                         # same kinds as the alert rules (monitor/delivery.py)
      office_mail: {kind: smtp, host: 127.0.0.1, port: 25, sender: cmon@example.gov.cn,
                    recipients: [office@example.gov.cn]}
      heping_wecom: {kind: wecom, url: "https://qyapi.weixin.qq.com/cgi-bin/webhook/send?key=…"}
    units:                            # unit code, name or alias → channel names
      和平区: [heping_wecom]
    default: [office_mail]            # units without their own channels
    escalate: [office_mail]           # the office's channel for escalations
"""

from __future__ import annotations

import json
from collections import defaultdict
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import Any

import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError

from consumption_monitor.catalog import load_catalog
from consumption_monitor.errors import ConfigError, Location
from consumption_monitor.monitor.delivery import Channel, DeliveryError, build_channel
from consumption_monitor.monitor.submissions import Obligation
from consumption_monitor.plan import Plan

#: Obligation states that produce a message, in the order messages are sent.
PUSHED_STATES = ("due_soon", "overdue", "escalated")
_STATE_ZH = {"due_soon": "填报提醒", "overdue": "逾期提醒", "escalated": "逾期督办"}
_STATE_EN = {"due_soon": "Submission reminder", "overdue": "Overdue", "escalated": "Escalated"}


class ReminderConfig(BaseModel):
    """Channels and who receives what (see the module docstring)."""

    model_config = ConfigDict(extra="forbid")

    channels: dict[str, dict[str, Any]] = Field(default_factory=dict)
    units: dict[str, list[str]] = Field(default_factory=dict)
    default: list[str] = Field(default_factory=list)
    escalate: list[str] = Field(default_factory=list)


def load_reminder_config(path: Path | str) -> ReminderConfig:
    """Read and validate a reminder config; errors name the file and the field."""
    p = Path(path)
    try:
        raw = yaml.safe_load(p.read_text(encoding="utf-8")) or {}
        config = ReminderConfig.model_validate(raw)
    except (OSError, yaml.YAMLError) as exc:
        raise ConfigError(
            f"cannot read the reminder config: {exc}", f"无法读取提醒配置：{exc}",
            where=Location(file=str(p)),
        ) from exc  # fmt: skip
    except ValidationError as exc:
        first = exc.errors()[0]
        field_name = ".".join(str(x) for x in first["loc"])
        raise ConfigError(
            f"invalid reminder config: {first['msg']}", f"提醒配置无效：{first['msg']}",
            where=Location(file=str(p), field=field_name),
        ) from exc  # fmt: skip
    named = {c for names in config.units.values() for c in names}
    unknown = (named | set(config.default) | set(config.escalate)) - set(config.channels)
    if unknown:
        raise ConfigError(
            f"reminder config names unknown channels: {', '.join(sorted(unknown))}",
            f"提醒配置引用了未定义的通道：{'、'.join(sorted(unknown))}",
            where=Location(file=str(p), field="channels"),
        )
    return config


@dataclass(frozen=True)
class Message:
    """One message to deliver: a state for one unit, or the office's escalation list."""

    key: str
    state: str
    unit: str  # unit code, or "office" for the escalation list
    channels: tuple[str, ...]
    subject: str
    markdown: str
    items: tuple[Obligation, ...]


@dataclass
class ReminderRun:
    """What one run found, sent, skipped as already sent, and failed to send."""

    today: date
    messages: list[Message] = field(default_factory=list)
    sent: list[tuple[str, str]] = field(default_factory=list)  # (message key, channel)
    already_sent: list[str] = field(default_factory=list)
    failures: list[tuple[str, str, str]] = field(default_factory=list)  # (key, channel, error)
    unrouted: list[str] = field(default_factory=list)  # units with no channel at all

    def to_dict(self) -> dict[str, Any]:
        """JSON form for ``--json``."""
        return {
            "today": self.today.isoformat(),
            "messages": [
                {
                    "key": m.key,
                    "state": m.state,
                    "unit": m.unit,
                    "channels": list(m.channels),
                    "subject": m.subject,
                    "items": len(m.items),
                }
                for m in self.messages
            ],
            "sent": [{"key": k, "channel": c} for k, c in self.sent],
            "already_sent": self.already_sent,
            "failures": [{"key": k, "channel": c, "error": e} for k, c, e in self.failures],
            "unrouted": self.unrouted,
        }


def _routes(plan: Plan, config: ReminderConfig) -> dict[str, list[str]]:
    """Unit code → channel names, with names and aliases in the config resolved."""
    out: dict[str, list[str]] = {}
    for written, names in config.units.items():
        unit = plan.units.find(written)
        if unit is None:
            raise ConfigError(
                f"reminder config: unknown unit {written!r}",
                f"提醒配置：未知单位“{written}”",
                hint_en="use a unit code, name or alias from `cmon plan units`",
                hint_zh="请使用 `cmon plan units` 列出的单位代码、名称或别名",
            )
        out[unit.code] = list(names)
    return out


def _period_text(period: str, lang: str) -> str:
    year, _, rest = period.partition("-")
    if rest.startswith("Q"):
        return f"{year}年第{rest[1]}季度" if lang == "zh" else f"{rest} {year}"
    if lang == "zh":
        return f"{year}年{int(rest)}月"
    return f"{date(int(year), int(rest), 1):%b %Y}"


def _line(o: Obligation, lang: str) -> str:
    ds = load_catalog().dataset(o.dataset)
    when = _period_text(o.period, lang)
    if lang == "zh":
        late = f"，已逾期{o.days_late}天" if o.days_late else ""
        return f"- {ds.name_zh}（{when}），截止{o.due:%Y年%m月%d日}{late}"
    late = f", {o.days_late} days late" if o.days_late else ""
    return f"- {ds.name_en} ({when}), due {o.due.isoformat()}{late}"


def _unit_name(plan: Plan, code: str, lang: str) -> str:
    unit = plan.units.units.get(code)
    if unit is None:
        return code
    return unit.name_zh if lang == "zh" else unit.name_en


def build_messages(
    plan: Plan, items: Iterable[Obligation], config: ReminderConfig, *, lang: str = "zh"
) -> tuple[list[Message], list[str]]:
    """Messages for the due-soon, overdue and escalated obligations, and units with no route."""
    routes = _routes(plan, config)
    grouped: dict[tuple[str, str], list[Obligation]] = defaultdict(list)
    for o in items:
        if o.state in PUSHED_STATES:
            grouped[(o.unit, o.state)].append(o)
    messages: list[Message] = []
    unrouted: list[str] = []
    names = _STATE_ZH if lang == "zh" else _STATE_EN
    for (unit, state), group in sorted(
        grouped.items(), key=lambda kv: (PUSHED_STATES.index(kv[0][1]), kv[0][0])
    ):
        group.sort(key=lambda o: (o.dataset, o.period))
        channels = tuple(routes.get(unit, config.default))
        if not channels:
            unrouted.append(unit)
            continue
        who = _unit_name(plan, unit, lang)
        subject = f"{names[state]}：{who}" if lang == "zh" else f"{names[state]}: {who}"
        intro = (
            f"**{who}**，以下报送事项请及时在平台“数据填报”中提交：" if lang == "zh"
            else f"**{who}**, please submit the following under Data submission:"
        )  # fmt: skip
        body = "\n".join([intro, *(_line(o, lang) for o in group)])
        key = f"{state}|{unit}|" + ",".join(f"{o.dataset}:{o.period}" for o in group)
        messages.append(Message(key, state, unit, channels, subject, body, tuple(group)))
    escalated = [o for o in items if o.state == "escalated"]
    if escalated and config.escalate:
        escalated.sort(key=lambda o: (-o.days_late, o.unit, o.dataset))
        lines = [
            f"- {_unit_name(plan, o.unit, lang)}：{_line(o, lang)[2:]}" if lang == "zh"
            else f"- {_unit_name(plan, o.unit, lang)}: {_line(o, lang)[2:]}"
            for o in escalated
        ]  # fmt: skip
        title = "逾期督办清单" if lang == "zh" else "Escalated submissions"
        count = (
            f"共{len(escalated)}项逾期超过督办期限：" if lang == "zh"
            else f"{len(escalated)} submissions are past the escalation limit:"
        )  # fmt: skip
        key = "escalate|office|" + ",".join(f"{o.unit}:{o.dataset}:{o.period}" for o in escalated)
        messages.append(
            Message(key, "escalated", "office", tuple(config.escalate), title,
                    "\n".join([count, *lines]), tuple(escalated))
        )  # fmt: skip
    return messages, unrouted


def _sent_log(path: Path) -> set[str]:
    if not path.exists():
        return set()
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return set()  # an unreadable log only means a reminder may be sent again
    return {str(k) for k in data.get("sent", [])}


def send_reminders(
    plan: Plan,
    items: Iterable[Obligation],
    config: ReminderConfig,
    log_path: Path,
    *,
    today: date,
    lang: str = "zh",
    dry_run: bool = False,
    channels: Mapping[str, Channel] | None = None,
) -> ReminderRun:
    """Build the messages, send each new one through its channels and record what went out.

    ``channels`` overrides the config's channel objects (tests); ``dry_run`` sends nothing and
    records nothing. A (message, channel) pair is recorded only after a successful send.
    """
    messages, unrouted = build_messages(plan, list(items), config, lang=lang)
    run = ReminderRun(today=today, messages=messages, unrouted=unrouted)
    built = dict(channels) if channels is not None else {
        name: build_channel(name, spec) for name, spec in config.channels.items()
    }  # fmt: skip
    done = _sent_log(log_path)
    for m in messages:
        for name in m.channels:
            pair = f"{m.key}|{name}"
            if pair in done:
                run.already_sent.append(pair)
                continue
            if dry_run:
                continue
            try:
                built[name].send(m.subject, m.markdown)
            except DeliveryError as exc:
                run.failures.append((m.key, name, exc.render(lang)))
                continue
            done.add(pair)
            run.sent.append((m.key, name))
    if run.sent:
        log_path.parent.mkdir(parents=True, exist_ok=True)
        tmp = log_path.with_suffix(".tmp")
        tmp.write_text(json.dumps({"sent": sorted(done)}, ensure_ascii=False), encoding="utf-8")
        tmp.replace(log_path)
    return run
