"""Market sections built from the long indicator table: 社零 headline, categories, districts,
online and upgrade shares (card-side sections: :mod:`.sections_card`).

Each builder makes its tables first and then writes the paragraphs from those cells' text, so
the narrative never prints a number that is not in a table. Missing rows give a "no data"
sentence, never an exception: a late release must not stop the report.
"""

from __future__ import annotations

from typing import Any

import pandas as pd

from consumption_monitor.report.cells import (
    money_cell,
    rate_cell,
    text_cell,
)
from consumption_monitor.report.context import BuildContext
from consumption_monitor.report.model import Cell, Chart, Section, Table
from consumption_monitor.report.narrative import (
    change_phrase,
    delta_text,
    growth_phrase,
    join_list,
    previous_ytd,
    printed_delta,
    same_period_last_year,
    share_change_phrase,
)

TOP_N = 3


def num(x: Any) -> float | None:
    if x is None or pd.isna(x):
        return None
    return float(x)


def value_growth(ctx: BuildContext, value: Cell, growth: float | None) -> tuple[str, str]:
    """Sentence parts ``("3,456.78亿元，", "同比增长4.5%")`` with the joining comma only when
    both are present; a growth-only series gives ``("", "同比增长4.5%")``."""
    g = growth_phrase(growth, ctx.lang) if growth is not None else ""
    v = value.text if value.value is not None else ""
    if v and g:
        v += "，" if ctx.zh else ", "
    return v, g


def named_item(ctx: BuildContext, name: str, value: Cell, growth: float | None) -> str:
    """``粮油、食品类（12.30亿元，同比增长5.0%）`` / ``Grain (1.23 billion yuan, up 5.0% …)``."""
    v, g = value_growth(ctx, value, growth)
    inner = v + g
    if not inner:
        return name
    return f"{name}（{inner}）" if ctx.zh else f"{name} ({inner})"


def ranked(
    ctx: BuildContext, indicator: str, basis: str, period: str, *, dim: str = "", region: str = ""
) -> pd.DataFrame:
    """Rows of one breakdown sorted by value (largest first); ``region="*"`` = districts."""
    rows = ctx.data.rows(indicator, basis, period, region=region or None, dim=dim)
    if region == "*":
        rows = rows[rows["region"] != ctx.data.city]
    if dim == "category" and "dim_value" in rows:
        rows = rows[rows["dim_value"] != ""]
    return rows.sort_values(["value", "dim_value", "region"], ascending=[False, True, True])


def _unit(ctx: BuildContext, indicator: str) -> str:
    from consumption_monitor.indicators import load_indicators

    return load_indicators().get(indicator).unit


# ----------------------------------------------------------------------------- headline


def _previous(ctx: BuildContext) -> tuple[str, bool]:
    if not ctx.quarterly:
        return previous_ytd(ctx.period)
    year, month = int(ctx.period[:4]), int(ctx.period[5:7])
    return (f"{year - 1}-12", True) if month <= 3 else (f"{year}-{month - 3:02d}", False)


def headline(ctx: BuildContext) -> Section:
    """社零 YTD level and growth, change against the previous cumulative period, the single
    month (quarter) and the above-size and catering components."""
    d, key = ctx.data, "headline"
    sec = Section(key, ctx.defs.title(key, ctx.lang))
    cur = d.one("retail_sales", "ytd", ctx.period)
    if cur is None:
        sec.paragraphs.append(ctx.sentence(key, "none"))
        return sec
    prev_period, last_year = _previous(ctx)
    prev = d.one("retail_sales", "ytd", prev_period)
    table = Table(
        "headline",
        ctx.t("社会消费品零售总额", "Total retail sales"),
        ctx.cols(
            ["指标", "期间", "数值", "同比增长（%）", "增速变动（个百分点）"],
            ["Indicator", "Period", "Value", "YoY growth (%)", "Change (pp)"],
        ),
    )
    name = ctx.t("社会消费品零售总额", "Total retail sales")
    g_cur, g_prev = num(cur["yoy_pct"]), num(prev["yoy_pct"]) if prev else None
    delta = printed_delta(g_cur, g_prev) if g_cur is not None and g_prev is not None else None
    v_cur = money_cell(num(cur["value"]), "yi_yuan", ctx.lang, d.money_unit)
    table.rows.append(
        [
            text_cell(name),
            text_cell(ctx.label(ctx.period, "ytd", year=True)),
            v_cur,
            rate_cell(g_cur),
            Cell(delta_text(delta), delta),
        ]
    )
    if prev is not None:
        table.rows.append(
            [
                text_cell(name),
                text_cell(ctx.label(prev_period, "ytd", year=True)),
                money_cell(num(prev["value"]), "yi_yuan", ctx.lang, d.money_unit),
                rate_cell(g_prev),
                text_cell(""),
            ]
        )
    value, growth = value_growth(ctx, v_cur, g_cur)
    change = ""
    if delta is not None and g_cur is not None and g_prev is not None:
        prev_label = ctx.t("上年全年", "last year") if last_year else ctx.label(prev_period, "ytd")
        change = ("，" if ctx.zh else ", ") + change_phrase(g_cur, g_prev, prev_label, ctx.lang)
    sec.paragraphs.append(
        ctx.sentence(
            key,
            "ytd",
            period=ctx.label(ctx.period, "ytd"),
            city=ctx.city_name,
            value=value,
            growth=growth,
            change=change,
        )
    )
    sub_basis, sub_period = ("quarter", ctx.quarter) if ctx.quarter else ("month", ctx.period)
    # Jan–Feb (and Q1) are both the first cumulative and the single period: said once.
    first_period = int(ctx.period[5:7]) <= (3 if ctx.quarter else 2)
    sub = None if first_period else d.one("retail_sales", sub_basis, sub_period)
    if sub is not None:
        cell = money_cell(num(sub["value"]), "yi_yuan", ctx.lang, d.money_unit)
        label = ctx.label(sub_period, sub_basis)
        table.rows.append(
            [
                text_cell(name),
                text_cell(ctx.label(sub_period, sub_basis, year=True)),
                cell,
                rate_cell(num(sub["yoy_pct"])),
                text_cell(""),
            ]
        )
        v, g = value_growth(ctx, cell, num(sub["yoy_pct"]))
        if v or g:
            sec.paragraphs.append(ctx.sentence(key, "month", month=label, value=v, growth=g))
    for code, sentence, zh, en in (
        ("retail_sales_above_size", "above_size", "限额以上单位消费品零售额", "Above-size units"),
        ("catering_revenue", "catering", "餐饮收入", "Catering revenue"),
    ):
        row = d.one(code, "ytd", ctx.period)
        if row is None:
            continue
        cell = money_cell(num(row["value"]), "yi_yuan", ctx.lang, d.money_unit)
        table.rows.append(
            [
                text_cell(ctx.t(zh, en)),
                text_cell(ctx.label(ctx.period, "ytd", year=True)),
                cell,
                rate_cell(num(row["yoy_pct"])),
                text_cell(""),
            ]
        )
        v, g = value_growth(ctx, cell, num(row["yoy_pct"]))
        if v or g:
            sec.paragraphs.append(ctx.sentence(key, sentence, value=v, growth=g))
    sec.tables.append(table)
    sec.notes.append(ctx.note(key, "basis"))
    sec.charts.extend(_headline_chart(ctx))
    return sec


def _headline_chart(ctx: BuildContext) -> list[Chart]:
    year = ctx.period[:4]
    ytd = ctx.data.rows("retail_sales", "ytd")
    ytd = ytd[(ytd["period"].str[:4] == year) & (ytd["period"] <= ctx.period)]
    if len(ytd) < 2:
        return []
    ytd = ytd.sort_values("period")
    month = ctx.data.rows("retail_sales", "month").set_index("period")["yoy_pct"]
    periods = list(ytd["period"])
    return [
        Chart(
            "headline_growth",
            ctx.t(f"{year}年社会消费品零售总额增速", f"Retail sales growth, {year}"),
            "line",
            [ctx.label(p, "month") for p in periods],
            {
                ctx.t("累计增速", "YTD growth"): [num(x) for x in ytd["yoy_pct"]],
                ctx.t("当月增速", "Monthly growth"): [num(month.get(p)) for p in periods],
            },
            "%",
        )
    ]


# --- breakdowns by category, district and share ---------------------------------------


def categories(ctx: BuildContext) -> Section:
    """Above-size retail sales by commodity category: level, growth, contribution (拉动)."""
    d, key = ctx.data, "categories"
    sec = Section(key, ctx.defs.title(key, ctx.lang))
    rows = ranked(ctx, "ent_retail_sales", "ytd", ctx.period, dim="category")
    if rows.empty:
        sec.paragraphs.append(ctx.sentence(key, "none"))
        return sec
    contrib = d.rows("category_contribution", "ytd", ctx.period, dim="category")
    pp = dict(zip(contrib["dim_value"], contrib["value"], strict=True))
    table = Table(
        "categories",
        ctx.t(
            f"分类别限额以上企业零售额（{ctx.label(ctx.period, 'ytd', year=True)}）",
            f"Above-size retail sales by category ({ctx.label(ctx.period, 'ytd', year=True)})",
        ),
        ctx.cols(
            ["类别", "零售额", "同比增长（%）", "拉动（个百分点）"],
            ["Category", "Retail sales", "YoY growth (%)", "Contribution (pp)"],
        ),
    )
    cells: dict[str, tuple[str, Cell, float | None, Cell]] = {}
    for r in rows.itertuples():
        name = d.name(str(r.dim_value), ctx.lang)
        value = money_cell(num(r.value), "wan_yuan", ctx.lang, d.money_unit)
        c = rate_cell(num(pp.get(r.dim_value)))
        cells[str(r.dim_value)] = (name, value, num(r.yoy_pct), c)
        table.rows.append([text_cell(name), value, rate_cell(num(r.yoy_pct)), c])
    sec.tables.append(table)
    top = [named_item(ctx, n, v, g) for n, v, g, _ in list(cells.values())[:TOP_N]]
    sec.paragraphs.append(
        ctx.sentence(key, "top", period=ctx.label(ctx.period, "ytd"), top=join_list(top, ctx.lang))
    )
    with_growth = [(g, code) for code, (_, _, g, _) in cells.items() if g is not None]
    if with_growth:
        best = max(with_growth)[1]
        name, _, g, c = cells[best]
        contribution = ""
        if c.value is not None and float(c.text) != 0:
            size, up = c.text.removeprefix("-"), float(c.text) > 0
            if ctx.zh:
                contribution = f"，{'拉动' if up else '下拉'}限上零售额增速{size}个百分点"
            else:
                verb = "adding" if up else "taking"
                to = "to" if up else "from"
                contribution = f", {verb} {size} percentage points {to} above-size retail growth"
        sec.paragraphs.append(
            ctx.sentence(
                key,
                "fastest",
                name=name,
                growth=growth_phrase(g or 0.0, ctx.lang),
                contribution=contribution,
            )
        )
        worst_g, worst = min(with_growth)
        if float(f"{worst_g:.1f}") < 0 and worst != best:
            sec.paragraphs.append(
                ctx.sentence(
                    key, "weakest", name=cells[worst][0], growth=growth_phrase(worst_g, ctx.lang)
                )
            )
    sec.notes.append(ctx.note(key, "basis"))
    sec.charts.append(
        Chart(
            "category_growth",
            ctx.t("分类别零售额增速", "Growth by category"),
            "barh",
            [v[0] for v in cells.values()],
            {ctx.t("同比增长", "YoY growth"): [v[2] for v in cells.values()]},
            "%",
        )
    )
    return sec


def districts(ctx: BuildContext) -> Section:
    """Above-size retail sales by district (enterprise side): level and growth."""
    d, key = ctx.data, "districts"
    sec = Section(key, ctx.defs.title(key, ctx.lang))
    rows = ranked(ctx, "ent_retail_sales", "ytd", ctx.period, region="*")
    if rows.empty:
        sec.paragraphs.append(ctx.sentence(key, "none"))
        return sec
    table = Table(
        "districts",
        ctx.t(
            f"各区限额以上企业零售额（{ctx.label(ctx.period, 'ytd', year=True)}）",
            f"Above-size retail sales by district ({ctx.label(ctx.period, 'ytd', year=True)})",
        ),
        ctx.cols(["区", "零售额", "同比增长（%）"], ["District", "Retail sales", "YoY growth (%)"]),
    )
    items: list[tuple[str, Cell, float | None]] = []
    for r in rows.itertuples():
        name = d.name(str(r.region), ctx.lang)
        value = money_cell(num(r.value), "wan_yuan", ctx.lang, d.money_unit)
        items.append((name, value, num(r.yoy_pct)))
        table.rows.append([text_cell(name), value, rate_cell(num(r.yoy_pct))])
    sec.tables.append(table)
    top = [named_item(ctx, n, v, None) for n, v, _ in items[:TOP_N]]
    sec.paragraphs.append(
        ctx.sentence(key, "top", period=ctx.label(ctx.period, "ytd"), top=join_list(top, ctx.lang))
    )
    growing = sorted(((g, n) for n, _, g in items if g is not None), key=lambda x: (-x[0], x[1]))
    if len(growing) >= 2:
        (hg, hn), (lg, ln) = growing[0], growing[-1]
        sec.paragraphs.append(
            ctx.sentence(
                key,
                "range",
                high=hn,
                high_growth=growth_phrase(hg, ctx.lang),
                low=ln,
                low_growth=growth_phrase(lg, ctx.lang),
            )
        )
    sec.charts.append(
        Chart(
            "district_growth",
            ctx.t("各区限上零售额增速", "Growth by district"),
            "bar",
            [n for n, _, _ in items],
            {ctx.t("同比增长", "YoY growth"): [g for _, _, g in items]},
            "%",
        )
    )
    return sec


def online_upgrade(ctx: BuildContext) -> Section:
    """Online retail share and upgrade-goods share against the same period last year."""
    d, key = ctx.data, "online_upgrade"
    sec = Section(key, ctx.defs.title(key, ctx.lang))
    last = same_period_last_year(ctx.period)
    table = Table(
        "shares",
        ctx.t(
            f"占比（{ctx.label(ctx.period, 'ytd', year=True)}）",
            f"Shares ({ctx.label(ctx.period, 'ytd', year=True)})",
        ),
        ctx.cols(
            ["指标", "本期（%）", "上年同期（%）", "变动（个百分点）"],
            ["Indicator", "This period (%)", "Year earlier (%)", "Change (pp)"],
        ),
    )
    for code, sentence, zh, en in (
        ("online_retail_share", "online", "网络零售额占限上零售额比重（旧口径）",
         "Online share of above-size retail (old series)"),
        ("upgrade_goods_share", "upgrade", "升级类商品零售额占比", "Upgrade goods share"),
    ):  # fmt: skip
        cur, prev = d.one(code, "ytd", ctx.period), d.one(code, "ytd", last)
        if cur is None or num(cur["value"]) is None:
            continue
        v = float(cur["value"])
        p = num(prev["value"]) if prev else None
        delta = printed_delta(v, p) if p is not None else None
        table.rows.append(
            [text_cell(ctx.t(zh, en)), rate_cell(v), rate_cell(p), Cell(delta_text(delta), delta)]
        )
        change = share_change_phrase(v, p, ctx.lang) if p is not None else ""
        text = ctx.sentence(
            key,
            sentence,
            period=ctx.label(ctx.period, "ytd"),
            value=rate_cell(v).text,
            change=change,
        )
        sec.paragraphs.append(text if change else text.replace("，。", "。").replace(", .", "."))
    if not table.rows:
        sec.paragraphs.append(ctx.sentence(key, "none"))
        return sec
    upgrade_set = d.upgrade_set_zh if ctx.zh else d.upgrade_set_en
    table.note = ctx.note(key, "upgrade_set", set=upgrade_set)
    sec.tables.append(table)
    sec.notes.extend([ctx.note(key, "upgrade_set", set=upgrade_set), ctx.note(key, "online")])
    return sec
