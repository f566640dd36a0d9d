"""``cmon monitor`` / ``holiday`` / ``alerts`` / ``annotate``: the near-real-time monitor."""

from __future__ import annotations

import datetime as dt
import getpass
import math
from pathlib import Path
from typing import Annotated

import typer
from pydantic import ValidationError

from consumption_monitor import clock
from consumption_monitor.cli.command import Answer, Reply, command
from consumption_monitor.cli.common import console, print_table
from consumption_monitor.config import load_settings
from consumption_monitor.errors import ConfigError

DateOpt = Annotated[
    str | None, typer.Option("--date", help="Day YYYY-MM-DD (default: yesterday, T+1). 日期。")
]
ByOpt = Annotated[str | None, typer.Option("--by", help="Who does it (default: OS user). 操作人。")]
NoteOpt = Annotated[str, typer.Option("--note", help="A note kept with the alert. 备注。")]


def _day(text: str | None) -> dt.date | None:
    if text is None:
        return None
    try:
        return dt.date.fromisoformat(text)
    except ValueError as exc:
        raise ConfigError(
            f"{text!r} is not a date (YYYY-MM-DD)", f"{text!r} 不是有效日期（年-月-日）"
        ) from exc


def _user(by: str | None) -> str:
    if by:
        return by
    try:
        return getpass.getuser()
    except (KeyError, OSError):
        return "cli"


def _fmt(value: object) -> str:
    if isinstance(value, float):
        return "" if math.isnan(value) else f"{value:,.2f}"
    return "" if value is None else str(value)


commands = typer.Typer()
monitor_app = typer.Typer(help="Daily monitoring (T+1). 日监测。", no_args_is_help=True)
holiday_app = typer.Typer(
    help="Holiday monitor (METHODOLOGY §4). 节假日监测。", no_args_is_help=True
)
alerts_app = typer.Typer(
    help="Alerts: list, acknowledge, resolve, check. 告警。", no_args_is_help=True
)
annotate_app = typer.Typer(
    help="Policy and event annotations. 政策与活动标注。", no_args_is_help=True
)
commands.add_typer(monitor_app, name="monitor")
commands.add_typer(holiday_app, name="holiday")
commands.add_typer(alerts_app, name="alerts")
commands.add_typer(annotate_app, name="annotate")


@command(monitor_app, "daily")
def monitor_daily(
    date: DateOpt = None,
    region: Annotated[
        str | None,
        typer.Option("--region", help="District code/name or 商圈 id/name. 区或商圈。"),
    ] = None,
    night: Annotated[
        str, typer.Option("--night", help="Night window HH:MM-HH:MM. 夜间时段。")
    ] = "18:00-02:00",
    *,
    reply: Reply,
) -> Answer:
    """Daily card and key-enterprise figures, privacy-protected. 每日消费监测数据。"""
    from consumption_monitor.monitor.daily import NightWindow, daily_report

    lang = reply.lang
    report = daily_report(
        load_settings(), day=_day(date), region=region, window=NightWindow.parse(night)
    )
    if reply.json:
        return report.to_dict()
    rows = report.rows[report.rows["dim"] == ""]
    title = (
        f"{report.day} 日监测（{report.published_on} 发布）"
        if lang == "zh"
        else f"Daily monitor {report.day} (published {report.published_on})"
    )
    print_table(
        title,
        ["side", "indicator", "region", "value", "yoy %", "suppressed"],
        [
            [r.side, r.indicator, r.region, _fmt(r.value), _fmt(r.yoy_pct), r.suppressed]
            for r in rows.itertuples()
        ],
        caption=f"night {report.window.label()}; breakdowns: --json",
    )


@command(holiday_app, "list")
def holiday_list(
    year: Annotated[
        int | None, typer.Option("--year", help="Year (default: this year). 年份。")
    ] = None,
    *,
    reply: Reply,
) -> Answer:
    """Official holiday blocks and their comparison base. 列出法定假期。"""
    from consumption_monitor.calendar import holiday_blocks, previous_block
    from consumption_monitor.errors import CalendarError, NotFoundError

    lang = reply.lang
    rows = []
    for b in holiday_blocks(year or clock.today().year):
        try:
            base = previous_block(b)
            base_key, base_days = base.key, base.days
        except (NotFoundError, CalendarError):
            base_key, base_days = "", 0
        method = "total" if base_days == b.days else "daily_average"
        rows.append(
            {"key": b.key, "name_zh": b.name_zh, "name_en": b.name_en, "start": b.start,
             "end": b.end, "days": b.days, "base": base_key, "base_days": base_days,
             "method": method if base_key else ""}
        )  # fmt: skip
    if reply.json:
        return {"data": rows, "count": len(rows)}
    print_table(
        "法定节假日" if lang == "zh" else "Holiday blocks",
        ["key", "name", "start", "end", "days", "base", "base days", "method"],
        [[r["key"], r["name_zh"] if lang == "zh" else r["name_en"], r["start"], r["end"],
          r["days"], r["base"], r["base_days"], r["method"]] for r in rows],
    )  # fmt: skip


@command(holiday_app, "show")
def holiday_show(
    key: Annotated[str, typer.Argument(help="Block key, e.g. 2025-spring-festival.")],
    flash: Annotated[bool, typer.Option("--flash", help="Print the 节日快报 text. 快报。")] = False,
    *,
    reply: Reply,
) -> Answer:
    """Key-enterprise sales vs the same holiday last year. 假期销售同比。"""
    from consumption_monitor.monitor.holiday import holiday_report

    lang = reply.lang
    report = holiday_report(key, load_settings())
    if reply.json:
        return report.model_dump(mode="json")
    if flash:
        typer.echo(report.flash_zh if lang == "zh" else report.flash_en)
        return None
    figures = [report.total, *report.by_format, *report.by_business_district]
    if report.vs_2019:
        figures.append(report.vs_2019)
    title = (
        f"{report.name_zh} {report.start}..{report.end} vs {report.base_start}..{report.base_end}"
    )
    print_table(
        title,
        ["cell", "units", "sales 元", "base 元", "days", "base days", "growth %", "method"],
        [[f.label if lang == "zh" else f.label_en, f.units, _fmt(f.sales),
          _fmt(f.sales_base), f.days, f.days_base, _fmt(f.growth_pct),
          "suppressed" if f.suppressed else f.method] for f in figures],
        caption=report.panel_rule_zh if lang == "zh" else report.panel_rule_en,
    )  # fmt: skip


def _alerts(alerts: list[object], reply: Reply) -> Answer:
    """The alerts as the JSON answer, or printed as a table (``None``)."""
    from consumption_monitor.monitor.alerts import AlertOut

    items = [a for a in alerts if isinstance(a, AlertOut)]
    if reply.json:
        return {"data": [a.model_dump(mode="json") for a in items], "count": len(items)}
    print_table(
        "告警" if reply.zh else "Alerts",
        ["id", "status", "severity", "rule", "series", "dates", "message"],
        [[a.id, a.status, a.severity, a.rule,
          f"{a.indicator} {a.region} {a.dim}={a.dim_value}".strip(" ="),
          f"{a.first_date}..{a.last_date}", a.message_zh if reply.zh else a.message_en]
         for a in items],
    )  # fmt: skip


@command(alerts_app, "list")
def alerts_list(
    status: Annotated[
        str | None, typer.Option("--status", help="open, acknowledged or resolved. 状态。")
    ] = None,
    *,
    reply: Reply,
) -> Answer:
    """List stored alerts, newest first. 列出告警。"""
    from consumption_monitor.monitor.alerts import AlertService

    with AlertService(load_settings()) as svc:
        return _alerts(list(svc.list_alerts(status)), reply)


@command(alerts_app, "ack")
def alerts_ack(
    alert_id: Annotated[int, typer.Argument(help="Alert id.")],
    by: ByOpt = None,
    note: NoteOpt = "",
    *,
    reply: Reply,
) -> Answer:
    """Acknowledge an open alert. 确认告警。"""
    from consumption_monitor.monitor.alerts import AlertService

    with AlertService(load_settings()) as svc:
        return _alerts([svc.acknowledge(alert_id, by=_user(by), note=note)], reply)


@command(alerts_app, "resolve")
def alerts_resolve(
    alert_id: Annotated[int, typer.Argument(help="Alert id.")],
    by: ByOpt = None,
    note: NoteOpt = "",
    *,
    reply: Reply,
) -> Answer:
    """Resolve (close) an alert. 解除告警。"""
    from consumption_monitor.monitor.alerts import AlertService

    with AlertService(load_settings()) as svc:
        return _alerts([svc.resolve(alert_id, by=_user(by), note=note)], reply)


@command(alerts_app, "check")
def alerts_check(
    rules: Annotated[
        Path | None,
        typer.Option(
            "--rules",
            help="Alert rules YAML (default: the bundled growth-sanity rules). 告警规则文件"
            "（默认：内置增速核查规则）。",
        ),
    ] = None,
    date: DateOpt = None,
    deliver: Annotated[
        bool, typer.Option("--deliver/--no-deliver", help="Send new alerts. 是否推送。")
    ] = True,
    *,
    reply: Reply,
) -> Answer:
    """Detect anomalies and feed gaps, apply rules, store and send alerts. 运行监测检查。"""
    from consumption_monitor.monitor.alerts import default_rules, load_rules
    from consumption_monitor.monitor.checks import run_checks
    from consumption_monitor.monitor.daily import publish_day

    lang = reply.lang
    ruleset = load_rules(rules) if rules else default_rules()
    result = run_checks(
        load_settings(), ruleset, as_of=_day(date) or publish_day(), deliver=deliver
    )
    if reply.json:
        return {
            "as_of": result.as_of,
            "detections": [d.to_dict() for d in result.detections],
            "alerts": [a.model_dump(mode="json") for a in result.alerts],
            "deliveries": [d.model_dump() for d in result.deliveries],
        }
    print_table(
        f"异常检测 / detections as of {result.as_of}",
        ["kind", "series", "start", "end", "score"],
        [[d.kind, " ".join(v for v in d.series.values() if v), d.start, d.end,
          f"{d.score:.1f}"] for d in result.detections],
    )  # fmt: skip
    _alerts(list(result.alerts), Reply(lang))
    for d in result.deliveries:
        console().print(f"delivery alert #{d.alert_id} → {d.channel}: {'ok' if d.ok else d.error}")


@command(annotate_app, "add")
def annotate_add(
    name: Annotated[str, typer.Argument(help="Name, e.g. 海河国际消费季.")],
    start: Annotated[str, typer.Option("--start", help="First day YYYY-MM-DD. 开始日期。")],
    end: Annotated[str, typer.Option("--end", help="Last day YYYY-MM-DD. 结束日期。")],
    kind: Annotated[
        str, typer.Option("--kind", help="policy, voucher, event, promotion, festival, other.")
    ] = "policy",
    region: Annotated[str, typer.Option("--region", help="District or 商圈; empty: city.")] = "",
    note: Annotated[str, typer.Option("--note", help="Free text. 说明。")] = "",
    by: ByOpt = None,
    *,
    reply: Reply,
) -> Answer:
    """Add an annotation. 新增标注。"""
    from consumption_monitor.monitor.annotations import AnnotationIn, add_annotation

    try:
        item = AnnotationIn.model_validate(
            {"name": name, "kind": kind, "start": _day(start), "end": _day(end),
             "region": region, "note": note}
        )  # fmt: skip
    except ValidationError as exc:
        first = exc.errors()[0]
        raise ConfigError(
            f"invalid annotation: {first['msg']}", f"标注无效：{first['msg']}"
        ) from exc
    out = add_annotation(item, load_settings(), by=_user(by))
    if reply.json:
        return out.model_dump(mode="json")
    typer.echo(f"annotation {out.id}: {out.name} {out.start}..{out.end}")


@command(annotate_app, "list")
def annotate_list(
    kind: Annotated[str | None, typer.Option("--kind", help="Only this kind. 类型。")] = None,
    readout: Annotated[
        bool, typer.Option("--readout", help="Add the before/after read-out. 前后对比。")
    ] = False,
    *,
    reply: Reply,
) -> Answer:
    """List annotations (optionally with their read-out). 列出标注。"""
    from consumption_monitor.monitor.annotations import annotation_readout, list_annotations

    lang = reply.lang
    settings = load_settings()
    items = list_annotations(settings, kind=kind)
    texts = {}
    if readout:
        for a in items:
            r = annotation_readout(a, settings)
            texts[a.id] = r.text_zh if lang == "zh" else r.text_en
    if reply.json:
        data = [{**a.model_dump(mode="json"), "readout": texts.get(a.id)} for a in items]
        return {"data": data, "count": len(data)}
    print_table(
        "标注" if lang == "zh" else "Annotations",
        ["id", "name", "kind", "region", "start", "end", "read-out"],
        [[a.id, a.name, a.kind, a.region, a.start, a.end, texts.get(a.id, "")]
         for a in items],
    )  # fmt: skip
