"""``cmon report``: monthly, quarterly and holiday analysis reports (.docx/.xlsx/.pdf/.html).

Thin adapters over :mod:`consumption_monitor.report`: read the stored indicator table, build
the report in each language, write the files to ``--out`` (or into the report store under
``CMON_DATA_DIR/reports`` when ``--out`` is not given), print what was written.
"""

from __future__ import annotations

from datetime import date
from pathlib import Path
from typing import Annotated, Any

import typer
from pydantic import TypeAdapter, ValidationError

from consumption_monitor import clock
from consumption_monitor.cli.command import Answer, Reply, command
from consumption_monitor.cli.common import print_table
from consumption_monitor.errors import DataValidationError, NotFoundError

commands = typer.Typer()
report_app = typer.Typer(
    help="Analysis reports (.docx/.xlsx/.pdf/.html). 月度、季度、节假日分析报告。",
    no_args_is_help=True,
)
commands.add_typer(report_app, name="report")

PeriodOpt = Annotated[
    str | None,
    typer.Option(
        "--period", help="Period: 2025-10 (monthly), 2025-Q3 (quarterly). Default: latest."
    ),
]
FormatOpt = Annotated[
    str, typer.Option("--format", help="Comma-separated formats: docx,xlsx,pdf,html.")
]
ReportLangOpt = Annotated[
    str, typer.Option("--lang", help="Report language(s): zh, en or zh,en. 报告语言。")
]
OutOpt = Annotated[
    Path | None,
    typer.Option("--out", help="Output folder (default: the report store in CMON_DATA_DIR)."),
]
AsOfOpt = Annotated[
    str | None, typer.Option("--as-of", help="Use the indicators as known on this date (vintage).")
]


def _langs(text: str) -> list[str]:
    langs = [x.strip() for x in text.split(",") if x.strip()]
    if not langs or any(x not in ("zh", "en") for x in langs):
        raise typer.BadParameter("--lang must be zh, en or zh,en")
    return list(dict.fromkeys(langs))


def _as_of(text: str | None) -> date | None:
    if text is None:
        return None
    try:
        return date.fromisoformat(text)
    except ValueError as exc:
        raise typer.BadParameter("--as-of must be a date like 2025-11-15") from exc


def _holiday_input(path: Path) -> Any:
    from consumption_monitor.report import HolidayInput

    if not path.is_file():
        raise NotFoundError(f"holiday input {path} not found", f"找不到节日比较数据文件 {path}")
    try:
        return TypeAdapter(HolidayInput).validate_json(path.read_bytes())
    except ValidationError as exc:
        raise DataValidationError(
            f"holiday input {path} is invalid: {exc.errors()[0]['msg']}",
            f"节日比较数据文件 {path} 无效：{exc.errors()[0]['msg']}",
            hint_en="see docs/reports.md (holiday input JSON)",
            hint_zh="格式见 docs/reports.md",
        ) from exc


def _monitor_holiday(key: str) -> Any:
    from consumption_monitor.config import get_settings
    from consumption_monitor.report.data import monitor_holiday

    comparison = monitor_holiday(get_settings(), key)
    if comparison is None:
        raise NotFoundError(
            f"no key-enterprise data for the holiday {key}",
            f"没有 {key} 节假日的重点企业监测数据",
            hint_en="ingest key_enterprise_daily for both years, or pass --input",
            hint_zh="请导入两年的重点企业日报数据，或用 --input 提供比较数据",
        )
    return comparison


def _generate(
    kind: str,
    period: str | None,
    formats: str,
    lang: str,
    out: Path | None,
    as_of: str | None,
    reply: Reply,
    **inputs: Any,
) -> Answer:
    """Write the reports; the JSON answer lists the files (the table is printed)."""
    from consumption_monitor.config import get_settings
    from consumption_monitor.report import build_report, load_report_data
    from consumption_monitor.report.render import parse_formats, write_report
    from consumption_monitor.report.schedule import latest_period, store_report

    langs = _langs(lang)
    reply.lang = langs[0]
    settings = get_settings()
    wanted = parse_formats(formats)
    data = load_report_data(settings, _as_of(as_of), **inputs)
    period = period or latest_period(data, kind)
    if period is None:
        raise NotFoundError(
            "no retail sales data to report on",
            "没有可用于报告的社零数据",
            hint_en="run `cmon compute` first",
            hint_zh="请先运行 `cmon compute`",
        )
    if out is None:
        stored = store_report(settings, data, kind, period, formats=wanted, langs=langs)
        root = settings.data_dir / "reports"
        paths = [root / s.path for s in stored]
    else:
        paths = []
        for lg in langs:
            paths += write_report(build_report(kind, data, period, lg), out, wanted)
    if reply.json:
        return {"data": [p.as_posix() for p in paths], "count": len(paths)}
    print_table("报告 / reports", ["文件 / file"], [[p.as_posix()] for p in paths])


@command(report_app, "monthly", lang=False)
def monthly(
    period: PeriodOpt = None,
    formats: FormatOpt = "docx,xlsx,pdf,html",
    lang: ReportLangOpt = "zh",
    out: OutOpt = None,
    as_of: AsOfOpt = None,
    *,
    reply: Reply,
) -> Answer:
    """Monthly analysis: 社零, categories, districts, shares, card side, 商圈, targets."""
    return _generate("monthly", period, formats, lang, out, as_of, reply)


@command(report_app, "quarterly", lang=False)
def quarterly(
    period: PeriodOpt = None,
    formats: FormatOpt = "docx,xlsx,pdf,html",
    lang: ReportLangOpt = "zh",
    out: OutOpt = None,
    as_of: AsOfOpt = None,
    *,
    reply: Reply,
) -> Answer:
    """Quarterly analysis: the monthly sections plus GDP share, rankings and task progress."""
    return _generate("quarterly", period, formats, lang, out, as_of, reply)


@command(report_app, "holiday", lang=False)
def holiday(
    input_path: Annotated[
        Path | None,
        typer.Option(
            "--input",
            help="Holiday comparison JSON (see docs/reports.md); default: computed from "
            "the key-enterprise data in the lake.",
        ),
    ] = None,
    period: Annotated[
        str | None,
        typer.Option("--period", help="Holiday block key, e.g. 2025-spring-festival."),
    ] = None,
    holiday_key: Annotated[str | None, typer.Option("--holiday", help="Same as --period.")] = None,
    formats: FormatOpt = "docx,pdf,html",
    lang: ReportLangOpt = "zh",
    out: OutOpt = None,
    as_of: AsOfOpt = None,
    *,
    reply: Reply,
) -> Answer:
    """Holiday flash report: a holiday block against the same holiday last year."""
    reply.lang = _langs(lang)[0]
    key = period or holiday_key
    if input_path is not None:
        comparison = _holiday_input(input_path)
    elif key is None:
        raise typer.BadParameter("give --period KEY (e.g. 2025-spring-festival) or --input")
    else:
        comparison = _monitor_holiday(key)
    key = key or comparison.key
    return _generate("holiday", key, formats, lang, out, as_of, reply, holiday=comparison)


@command(report_app, "schedule", lang=False)
def schedule(
    run: Annotated[
        bool, typer.Option("--run", help="Generate the reports that are due now.")
    ] = False,
    *,
    reply: Reply,
) -> Answer:
    """Show the report schedule and stored reports; with --run generate what is due."""
    from consumption_monitor.config import get_settings
    from consumption_monitor.report.schedule import (
        list_reports,
        load_schedule,
        run_due_reports,
        schedule_path,
    )

    settings = get_settings()
    path = schedule_path(settings)
    plan = load_schedule(path)
    result = run_due_reports(settings, clock.now()) if run else None
    stored = list_reports(settings)
    if reply.json:
        return {
            "schedule": path.as_posix(),
            "entries": [e.model_dump() for e in plan.reports],
            "run": result.model_dump(mode="json") if result else None,
            "data": [s.model_dump(mode="json") for s in stored],
            "count": len(stored),
        }
    print_table(
        f"报告计划 / schedule ({path})",
        ["name", "kind", "when", "formats", "langs"],
        [[e.name, e.kind, e.when, ",".join(e.formats), ",".join(e.langs)] for e in plan.reports],
    )
    if result is not None:
        rows = [[g.path, "generated"] for g in result.generated]
        rows += [[k, v] for k, v in result.skipped.items()]
        print_table("本次运行 / this run", ["report", "result"], rows)
    print_table(
        "已生成报告 / stored reports",
        ["id", "kind", "period", "lang", "format", "created"],
        [
            [
                s.id,
                s.kind,
                s.period,
                s.lang,
                s.format,
                s.created_at.isoformat(timespec="seconds"),
            ]
            for s in stored[:50]
        ],
    )
