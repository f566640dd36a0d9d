"""``cmon remind``: push submission deadlines (填报提醒) and escalations to units and the office.

A thin adapter over :func:`consumption_monitor.monitor.submissions.obligations` (who owes what)
and :func:`consumption_monitor.monitor.reminders.send_reminders` (one message per unit and
state, each sent once). Run it daily from cron beside ``cmon report schedule --run``.
"""

from __future__ import annotations

from datetime import date
from pathlib import Path
from typing import Annotated

import typer

from consumption_monitor import clock
from consumption_monitor.cli.command import Answer, Reply, command
from consumption_monitor.cli.common import print_table
from consumption_monitor.config import get_settings
from consumption_monitor.errors import DataValidationError

commands = typer.Typer()

ConfigOpt = Annotated[
    Path,
    typer.Option("--config", help="Reminder config (channels, units, default, escalate) YAML."),
]
DateOpt = Annotated[
    str | None, typer.Option("--date", help="Judge deadlines as on this day YYYY-MM-DD.")
]
DryOpt = Annotated[bool, typer.Option("--dry-run", help="Show the messages; send nothing.")]


def _day(text: str | None) -> date:
    if text is None:
        return clock.today()
    try:
        return date.fromisoformat(text)
    except ValueError as exc:
        raise DataValidationError(
            f"--date must be YYYY-MM-DD, not {text!r}", f"--date 须为 YYYY-MM-DD，而不是“{text}”"
        ) from exc


@command(commands, "remind")
def remind_cmd(
    config: ConfigOpt,
    day: DateOpt = None,
    dry_run: DryOpt = False,
    *,
    reply: Reply,
) -> Answer:
    """Push due-soon, overdue and escalated submissions. 推送填报提醒与逾期督办。"""
    lang = reply.lang
    from consumption_monitor.monitor.reminders import load_reminder_config, send_reminders
    from consumption_monitor.monitor.submissions import obligations
    from consumption_monitor.plan import load_plan

    settings = get_settings()
    today = _day(day)
    plan = load_plan(settings=settings)
    cfg = load_reminder_config(config)
    run = send_reminders(
        plan, obligations(plan, settings, today=today), cfg,
        settings.data_dir / "reminders-sent.json", today=today, lang=lang,
        dry_run=dry_run,
    )  # fmt: skip
    if reply.json:
        return run.to_dict()
    zh = lang == "zh"
    sent = {k for k, _ in run.sent}
    rows = [
        [m.subject, "、".join(m.channels) if zh else ", ".join(m.channels), len(m.items),
         ("已发送" if zh else "sent") if m.key in sent
         else ("未发送（演练）" if zh else "not sent (dry run)") if dry_run
         else ("此前已发送" if zh else "sent before")]
        for m in run.messages
    ]  # fmt: skip
    print_table(
        "填报提醒" if zh else "Submission reminders",
        ["消息", "通道", "事项数", "结果"]
        if zh
        else ["message", "channels", "items", "result"],
        rows,
        caption=(f"截至 {today.isoformat()}；失败 {len(run.failures)} 条"
                 if zh else f"as of {today.isoformat()}; {len(run.failures)} failed"),
    )  # fmt: skip
    if run.failures:
        raise typer.Exit(1)
