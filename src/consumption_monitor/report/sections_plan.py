"""Plan and monitoring sections: target status, open alerts, consumer industries' share of GDP,
evaluation rankings, task progress by unit, and the holiday flash.

Judgements come in as plain rows (:mod:`.data`); ``None`` inputs print "not available".
As in :mod:`.sections_market`, tables first, then sentences from the cells.
"""

from __future__ import annotations

from collections import Counter
from datetime import date
from typing import Any

from consumption_monitor.report.cells import (
    count_cell,
    delta_cell,
    level_cell,
    rate_cell,
    text_cell,
)
from consumption_monitor.report.context import BuildContext
from consumption_monitor.report.data import HolidayInput
from consumption_monitor.report.model import Cell, Chart, Section, Table
from consumption_monitor.report.narrative import (
    cumulative_quarter_label,
    growth_phrase,
    join_list,
    printed_delta,
    same_period_last_year,
    share_change_phrase,
)

STATUS_ORDER = ("achieved", "on_track", "watch", "at_risk", "off_track", "no_data")
STATUS_LABELS = {
    "achieved": ("已达成", "achieved"), "on_track": ("正常", "on track"),
    "watch": ("关注", "watch"), "at_risk": ("预警", "at risk"),
    "off_track": ("滞后", "off track"), "no_data": ("无数据", "no data"),
}  # fmt: skip
SEVERITY_ORDER = ("red", "high", "yellow", "medium", "blue", "low")
SEVERITY_LABELS = {
    "red": ("红色", "red"), "yellow": ("黄色", "yellow"), "blue": ("蓝色", "blue"),
    "high": ("高", "high"), "medium": ("中", "medium"), "low": ("低", "low"),
}  # fmt: skip


def _label(labels: dict[str, tuple[str, str]], key: str, ctx: BuildContext) -> str:
    zh, en = labels.get(key, (key, key))
    return zh if ctx.zh else en


def _short(x: float | None) -> str:
    if x is None:
        return "—"
    return f"{x:,.2f}".rstrip("0").rstrip(".")


def _counts_phrase(ctx: BuildContext, counts: list[tuple[str, Cell]]) -> str:
    if ctx.zh:
        return "、".join(f"{label}{cell.text}项" for label, cell in counts)
    return ", ".join(f"{cell.text} {label}" for label, cell in counts)


def targets(ctx: BuildContext) -> Section:
    """Count of dated target values by status, and the list of them."""
    key, lines = "targets", ctx.data.targets
    sec = Section(key, ctx.defs.title(key, ctx.lang))
    if not lines:
        sec.paragraphs.append(ctx.sentence(key, "none"))
        return sec
    counts = Counter(line.status for line in lines)
    summary = Table(
        "target_summary",
        ctx.t("目标状态汇总", "Targets by status"),
        ctx.cols(["状态", "项数"], ["Status", "Count"]),
    )
    parts = []
    for status in STATUS_ORDER:
        if counts.get(status):
            cell = count_cell(counts[status])
            summary.rows.append([text_cell(_label(STATUS_LABELS, status, ctx)), cell])
            parts.append((_label(STATUS_LABELS, status, ctx), cell))
    total = count_cell(len(lines))
    summary.rows.append([text_cell(ctx.t("合计", "Total")), total])
    detail = Table(
        "target_detail",
        ctx.t("目标明细", "Targets"),
        ctx.cols(
            ["目标", "年份", "当前值", "目标值", "单位", "状态", "达标概率（%）"],
            ["Target", "Years", "Current", "Goal", "Unit", "Status", "P(met) (%)"],
        ),
    )
    order = {s: i for i, s in enumerate(STATUS_ORDER)}
    for line in sorted(lines, key=lambda x: (-order.get(x.status, 0), x.target_id, x.years)):
        prob = None if line.probability is None else line.probability * 100
        detail.rows.append(
            [
                text_cell(line.name_zh if ctx.zh else line.name_en),
                text_cell(line.years),
                Cell(_short(line.current), line.current),
                Cell(_short(line.goal), line.goal),
                text_cell(line.unit),
                text_cell(_label(STATUS_LABELS, line.status, ctx)),
                rate_cell(prob) if prob is not None else text_cell("—"),
            ]
        )
    sec.tables.extend([summary, detail])
    sec.paragraphs.append(
        ctx.sentence(key, "summary", total=total.text, counts=_counts_phrase(ctx, parts))
    )
    risky = sorted(
        {
            line.name_zh if ctx.zh else line.name_en
            for line in lines
            if line.status in ("at_risk", "off_track")
        }
    )
    if risky:
        sec.paragraphs.append(ctx.sentence(key, "risky", names=join_list(risky, ctx.lang)))
    sec.notes.append(ctx.note(key, "rule"))
    return sec


def alerts(ctx: BuildContext) -> Section:
    """Open alerts by severity, and the list."""
    key, lines = "alerts", ctx.data.alerts
    sec = Section(key, ctx.defs.title(key, ctx.lang))
    if lines is None:
        sec.paragraphs.append(ctx.sentence(key, "none"))
        return sec
    if not lines:
        sec.paragraphs.append(ctx.sentence(key, "empty"))
        return sec
    rank = {s: i for i, s in enumerate(SEVERITY_ORDER)}
    counts = Counter(a.severity for a in lines)
    summary = Table(
        "alert_summary",
        ctx.t("预警级别汇总", "Alerts by severity"),
        ctx.cols(["级别", "条数"], ["Severity", "Count"]),
    )
    parts = []
    for sev in sorted(counts, key=lambda s: (rank.get(s, 99), s)):
        cell = count_cell(counts[sev])
        summary.rows.append([text_cell(_label(SEVERITY_LABELS, sev, ctx)), cell])
        parts.append((_label(SEVERITY_LABELS, sev, ctx), cell))
    total = count_cell(len(lines))
    summary.rows.append([text_cell(ctx.t("合计", "Total")), total])
    detail = Table(
        "alert_detail",
        ctx.t("预警明细", "Alerts"),
        ctx.cols(["级别", "对象", "内容", "起始日期"], ["Severity", "Subject", "Message", "Since"]),
    )
    for a in sorted(lines, key=lambda a: (rank.get(a.severity, 99), a.subject_zh)):
        detail.rows.append(
            [
                text_cell(_label(SEVERITY_LABELS, a.severity, ctx)),
                text_cell(a.subject_zh if ctx.zh else a.subject_en),
                text_cell(a.message_zh if ctx.zh else a.message_en),
                text_cell(a.since.isoformat() if a.since else ""),
            ]
        )
    sec.tables.extend([summary, detail])
    if ctx.zh:
        counts_text = "、".join(f"{label}{cell.text}条" for label, cell in parts)
    else:
        counts_text = ", ".join(f"{cell.text} {label}" for label, cell in parts)
    sec.paragraphs.append(ctx.sentence(key, "summary", total=total.text, counts=counts_text))
    return sec


def gdp_share(ctx: BuildContext) -> Section:
    """Quarterly F+H value-added share of GDP: the quarter itself and the year to date, each
    against the same period last year (labelled; the quarter is derived from cumulative
    releases, docs/methodology.md §2)."""
    d, key = ctx.data, "gdp_share"
    sec = Section(key, ctx.defs.title(key, ctx.lang))
    quarter = ctx.quarter or ""
    code = "consumer_industries_va_share_q"
    found: dict[str, dict[str, Any]] = {}
    for basis in ("quarter", "ytd"):
        row = d.one(code, basis, quarter)
        if row is not None and row["value"] is not None:
            found[basis] = row
    if quarter.endswith("Q1") and "quarter" in found:
        found.pop("ytd", None)  # the first quarter alone is its cumulative release
    if not found:
        sec.paragraphs.append(ctx.sentence(key, "none"))
        sec.notes.append(ctx.note(key, "label"))
        return sec
    table = Table(
        "gdp_share",
        ctx.t(
            "主要消费行业增加值占GDP比重（季度口径，F+H）",
            "Consumer industries' value-added share of GDP (quarterly, F+H)",
        ),
        ctx.cols(
            ["期间", "本期（%）", "上年同期（%）", "变动（个百分点）", "F+H增加值", "地区生产总值"],
            [
                "Period",
                "This period (%)",
                "Year earlier (%)",
                "Change (pp)",
                "F+H value added",
                "GDP",
            ],
        ),
    )
    changes: dict[str, tuple[float, float | None]] = {}
    for basis, cur in found.items():
        prev = d.one(code, basis, same_period_last_year(quarter))
        v = float(cur["value"])
        p = float(prev["value"]) if prev and prev["value"] is not None else None
        changes[basis] = (v, p)
        label = ctx.label(quarter, "quarter", year=True)
        if basis == "ytd":
            label = cumulative_quarter_label(quarter, ctx.lang) + ctx.t("（累计）", " (cumulative)")
        else:
            label = label + ctx.t("（当季）", " (quarter alone)")
        table.rows.append(
            [
                text_cell(label),
                rate_cell(v),
                rate_cell(p),
                delta_cell(printed_delta(v, p) if p is not None else None),
                level_cell(cur["numerator"], "yi_yuan", ctx.lang, d.money_unit),
                level_cell(cur["denominator"], "yi_yuan", ctx.lang, d.money_unit),
            ]
        )
    sec.tables.append(table)
    v, p = changes.get("quarter", changes.get("ytd", (0.0, None)))
    change = share_change_phrase(v, p, ctx.lang) if p is not None else ""
    text = ctx.sentence(
        key,
        "main",
        period=ctx.label(quarter, "quarter", year=True),
        value=rate_cell(v).text,
        change=change,
    )
    sec.paragraphs.append(text if change else text.replace("，。", "。").replace(", .", "."))
    if "ytd" in changes and "quarter" in changes:
        yv, yp = changes["ytd"]
        ytd_change = share_change_phrase(yv, yp, ctx.lang) if yp is not None else ""
        sec.paragraphs.append(
            ctx.t(
                f"{cumulative_quarter_label(quarter, 'zh')[5:]}累计占比{rate_cell(yv).text}%"
                f"{('，' + ytd_change) if ytd_change else ''}。",
                f"{cumulative_quarter_label(quarter, 'en')[:-5]} cumulative, the share is "
                f"{rate_cell(yv).text}%"
                f"{(', ' + ytd_change) if ytd_change else ''}.",
            )
        )
    sec.notes.append(ctx.note(key, "label"))
    return sec


def evaluation(ctx: BuildContext) -> Section:
    """Composite evaluation: rank, unit, score, change of rank."""
    d, key = ctx.data, "evaluation"
    sec = Section(key, ctx.defs.title(key, ctx.lang))
    if not d.rankings:
        sec.paragraphs.append(ctx.sentence(key, "none"))
        return sec
    table = Table(
        "rankings",
        ctx.t("综合评价得分与排名", "Scores and ranks"),
        ctx.cols(["排名", "单位", "得分", "排名变化"], ["Rank", "Unit", "Score", "Rank change"]),
    )
    named = []
    for r in d.rankings:
        name = d.name(r.unit, ctx.lang)
        score = Cell(f"{r.score:.2f}", r.score)
        change = "—" if r.rank_change is None else f"{r.rank_change:+d}".replace("+0", "0")
        table.rows.append([count_cell(r.rank), text_cell(name), score, Cell(change)])
        named.append((name, score, r))
    sec.tables.append(table)
    unit_word = ("{}（{}分）", "{} ({} points)")[0 if ctx.zh else 1]
    top = [unit_word.format(n, s.text) for n, s, _ in named[:3]]
    scheme = d.ranking_scheme or ctx.t("评价方案", "the evaluation scheme")
    sec.paragraphs.append(ctx.sentence(key, "top", scheme=scheme, top=join_list(top, ctx.lang)))
    movers = [(r.rank_change, n) for n, _, r in named if r.rank_change and r.rank_change > 0]
    if movers:
        places, name = max(movers, key=lambda x: (x[0], x[1]))
        sec.paragraphs.append(ctx.sentence(key, "mover", name=name, places=str(places)))
    return sec


def tasks(ctx: BuildContext) -> Section:
    """Task progress by responsible unit, slowest first."""
    d, key = ctx.data, "tasks"
    sec = Section(key, ctx.defs.title(key, ctx.lang))
    if not d.tasks:
        sec.paragraphs.append(ctx.sentence(key, "none"))
        return sec
    table = Table(
        "task_progress",
        ctx.t("各责任单位任务进度", "Task progress by unit"),
        ctx.cols(
            ["责任单位", "任务数", "平均进度（%）", "滞后任务数"],
            ["Unit", "Tasks", "Mean progress (%)", "Tasks behind"],
        ),
    )
    rows = sorted(d.tasks, key=lambda t: (t.mean_percent, t.unit))
    cells = []
    for t in rows:
        name = d.name(t.unit, ctx.lang)
        pct, behind = rate_cell(t.mean_percent), count_cell(t.behind)
        table.rows.append([text_cell(name), count_cell(t.tasks), pct, behind])
        cells.append((name, pct, behind, t))
    sec.tables.append(table)
    fmt = "{}（{}%）" if ctx.zh else "{} ({}%)"
    low = [fmt.format(n, p.text) for n, p, _, _ in cells[:3]]
    sec.paragraphs.append(ctx.sentence(key, "low", units=join_list(low, ctx.lang)))
    worst = max(cells, key=lambda c: (c[3].behind, -c[3].mean_percent))
    if worst[3].behind > 0:
        sec.paragraphs.append(ctx.sentence(key, "behind", unit=worst[0], behind=worst[2].text))
    return sec


def _dates(start: date, end: date, lang: str) -> str:
    """``2025年1月28日—2月4日`` / ``28 Jan–4 Feb 2025``."""
    months = ("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec")
    if lang == "zh":
        tail = f"{end.year}年" if end.year != start.year else ""
        return f"{start.year}年{start.month}月{start.day}日—{tail}{end.month}月{end.day}日"
    left = f"{start.day} {months[start.month - 1]}" + (
        f" {start.year}" if end.year != start.year else ""
    )
    return f"{left}–{end.day} {months[end.month - 1]} {end.year}"


def holiday(ctx: BuildContext) -> Section:
    """Holiday flash: this year's block against the same holiday last year."""
    key, h = "holiday", ctx.data.holiday
    sec = Section(key, ctx.defs.title(key, ctx.lang))
    if h is None or not h.figures:
        sec.paragraphs.append(ctx.sentence(key, "none"))
        return sec
    sec.title = f"{h.name_zh}假期消费" if ctx.zh else f"{h.name_en} holiday consumption"
    table = _holiday_table(ctx, h)
    sec.tables.append(table)
    dates, days, prev_days = (table.rows[0][1].text, table.rows[1][1].text, table.rows[1][2].text)
    main = h.figures[0]
    value = table.rows[2][1]
    basis = ""
    if h.daily_average:
        basis = "按日均计算，" if ctx.zh else " (by daily average)"
    growth = (
        growth_phrase(main.growth_pct, ctx.lang, yoy=False) if main.growth_pct is not None else ""
    )
    name = h.name_zh if ctx.zh else h.name_en
    sec.paragraphs.append(
        ctx.sentence(
            key,
            "main",
            name=name,
            dates=dates,
            days=days,
            value=value.text,
            basis=basis,
            previous_days=prev_days,
            growth=growth,
        )
    )
    items = []
    for fig, row in zip(h.figures[1:], table.rows[3 : 2 + len(h.figures)], strict=True):
        g = growth_phrase(fig.growth_pct, ctx.lang, yoy=False) if fig.growth_pct is not None else ""
        v = row[1].text if row[1].value is not None else ""
        if v or g:
            label = fig.label_zh if ctx.zh else fig.label_en
            joined = ("，" if ctx.zh else ", ").join(x for x in (v, g) if x)
            items.append(f"{label}{joined}" if ctx.zh else f"{label} {joined}")
    if items:
        sec.paragraphs.append(
            ctx.sentence(key, "items", items=("；" if ctx.zh else "; ").join(items))
        )
    sec.notes.append(ctx.note(key, "method"))
    sec.charts.append(
        Chart(
            "holiday_growth",
            ctx.t("节日消费增速（与上年同一节日比较）", "Growth on last year's holiday"),
            "barh",
            [f.label_zh if ctx.zh else f.label_en for f in h.figures],
            {ctx.t("增长", "Growth"): [f.growth_pct for f in h.figures]},
            "%",
        )
    )
    return sec


def _holiday_table(ctx: BuildContext, h: HolidayInput) -> Table:
    d = ctx.data
    table = Table(
        "holiday",
        f"{h.name_zh}（{h.key}）" if ctx.zh else f"{h.name_en} ({h.key})",
        ctx.cols(
            ["项目", "本年", "上年", "增长（%）"], ["Item", "This year", "Last year", "Growth (%)"]
        ),
    )
    table.rows.append(
        [
            text_cell(ctx.t("假期", "Holiday block")),
            text_cell(_dates(h.start, h.end, ctx.lang)),
            text_cell(_dates(h.previous_start, h.previous_end, ctx.lang)),
            text_cell(""),
        ]
    )
    table.rows.append(
        [
            text_cell(ctx.t("天数", "Days")),
            count_cell(h.days),
            count_cell(h.previous_days),
            text_cell(""),
        ]
    )
    for f in h.figures:
        table.rows.append(
            [
                text_cell(f.label_zh if ctx.zh else f.label_en),
                level_cell(f.current, f.unit, ctx.lang, d.money_unit),
                level_cell(f.previous, f.unit, ctx.lang, d.money_unit),
                rate_cell(f.growth_pct),
            ]
        )
    if h.matched_panel is not None:
        table.rows.append(
            [
                text_cell(ctx.t("同一企业样本（家）", "Matched panel (enterprises)")),
                count_cell(h.matched_panel),
                count_cell(h.matched_panel),
                text_cell(""),
            ]
        )
    return table
