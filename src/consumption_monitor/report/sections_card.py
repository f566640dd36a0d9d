"""Consumer-side sections from card data: card spending of the month and business districts.

Same rule as :mod:`.sections_market`: tables first, sentences from the cells' text.
"""

from __future__ import annotations

from consumption_monitor.compute.sanity import REASONS
from consumption_monitor.report.cells import money_cell, rate_cell, text_cell
from consumption_monitor.report.context import BuildContext
from consumption_monitor.report.model import Cell, Chart, Section, Table
from consumption_monitor.report.narrative import growth_phrase, join_list
from consumption_monitor.report.sections_market import (
    TOP_N,
    named_item,
    num,
    ranked,
    value_growth,
)


def card(ctx: BuildContext) -> Section:
    """Card spending of the month: total, by category, by card origin, night share."""
    d, key = ctx.data, "card"
    sec = Section(key, ctx.defs.title(key, ctx.lang))
    total = d.one("card_spending", "month", ctx.period)
    if total is None:
        sec.paragraphs.append(ctx.sentence(key, "none"))
        return sec
    month = ctx.label(ctx.period, "month", year=True)
    cols = ctx.cols(
        ["类别", "消费金额", "同比增长（%）"], ["Category", "Spending", "YoY growth (%)"]
    )
    by_cat = Table(
        "card_categories", ctx.t(f"银行卡消费（{month}）", f"Card spending ({month})"), cols
    )
    total_cell = money_cell(num(total["value"]), "yuan", ctx.lang, d.money_unit)
    by_cat.rows.append(
        [text_cell(ctx.t("合计", "Total")), total_cell, rate_cell(num(total["yoy_pct"]))]
    )
    v, g = value_growth(ctx, total_cell, num(total["yoy_pct"]))
    sec.paragraphs.append(ctx.sentence(key, "total", month=month, value=v, growth=g))
    if (why := str(total.get("note") or "")) in REASONS:  # growth withheld: say why (#20)
        sec.paragraphs.append(
            ctx.t(f"注：同比为“—”，{REASONS[why][0]}。", f"Note: YoY is '—': {REASONS[why][1]}.")
        )
    cats = ranked(ctx, "card_spending", "month", ctx.period, dim="category")
    items = []
    for r in cats.itertuples():
        if num(r.value) is None:
            continue
        name = d.name(f"card:{r.dim_value}", ctx.lang)
        cell = money_cell(num(r.value), "yuan", ctx.lang, d.money_unit)
        by_cat.rows.append([text_cell(name), cell, rate_cell(num(r.yoy_pct))])
        items.append(named_item(ctx, name, cell, num(r.yoy_pct)))
    sec.tables.append(by_cat)
    if items:
        sec.paragraphs.append(ctx.sentence(key, "top", top=join_list(items[:TOP_N], ctx.lang)))
    origin = ranked(ctx, "card_spending", "month", ctx.period, dim="origin")
    if not origin.empty:
        by_origin = Table("card_origin", ctx.t("按卡来源", "By card origin"), cols)
        parts = []
        for r in origin.itertuples():
            name = d.name(str(r.dim_value), ctx.lang)
            cell = money_cell(num(r.value), "yuan", ctx.lang, d.money_unit)
            by_origin.rows.append([text_cell(name), cell, rate_cell(num(r.yoy_pct))])
            parts.append(named_item(ctx, name, cell, num(r.yoy_pct)))
        sec.tables.append(by_origin)
        sec.paragraphs.append(ctx.sentence(key, "origin", items=join_list(parts, ctx.lang)))
    night = d.one("night_spending_share", "month", ctx.period)
    if night is not None and num(night["value"]) is not None:
        label = ctx.t("夜间消费占比（18:00—次日02:00）", "Night-time share (18:00–02:00)")
        share = rate_cell(num(night["value"]))
        sec.tables.append(
            Table(
                "card_night",
                ctx.t("夜间消费", "Night-time spending"),
                ctx.cols(["指标", "占比（%）"], ["Indicator", "Share (%)"]),
                [[text_cell(label), share]],
            )
        )
        sec.paragraphs.append(ctx.sentence(key, "night", label=label, value=share.text))
    sec.notes.append(ctx.note(key, "privacy"))
    return sec


def business_districts(ctx: BuildContext) -> Section:
    """Card spending by 商圈 in the month: the largest and the fastest-growing."""
    d, key = ctx.data, "business_districts"
    sec = Section(key, ctx.defs.title(key, ctx.lang))
    rows = ranked(ctx, "card_spending", "month", ctx.period, dim="business_district")
    rows = rows[(rows["dim_value"] != "none") & rows["value"].notna()]
    if rows.empty:
        sec.paragraphs.append(ctx.sentence(key, "none"))
        return sec
    month = ctx.label(ctx.period, "month", year=True)
    table = Table(
        "business_districts",
        ctx.t(f"重点商圈银行卡消费（{month}）", f"Card spending by business district ({month})"),
        ctx.cols(
            ["商圈", "消费金额", "同比增长（%）"],
            ["Business district", "Spending", "YoY growth (%)"],
        ),
    )
    items: list[tuple[str, Cell, float | None]] = []
    for r in rows.itertuples():
        name = d.name(str(r.dim_value), ctx.lang)
        cell = money_cell(num(r.value), "yuan", ctx.lang, d.money_unit)
        items.append((name, cell, num(r.yoy_pct)))
        table.rows.append([text_cell(name), cell, rate_cell(num(r.yoy_pct))])
    sec.tables.append(table)
    top = [named_item(ctx, n, c, None) for n, c, _ in items[:TOP_N]]
    sec.paragraphs.append(ctx.sentence(key, "top", month=month, top=join_list(top, ctx.lang)))
    growing = sorted(((g, n) for n, _, g in items if g is not None), key=lambda x: (-x[0], x[1]))
    if growing:
        sec.paragraphs.append(
            ctx.sentence(
                key, "fastest", name=growing[0][1], growth=growth_phrase(growing[0][0], ctx.lang)
            )
        )
    top10 = items[:10]
    sec.charts.append(
        Chart(
            "business_district_spending",
            ctx.t("商圈银行卡消费金额（前10）", "Card spending, top 10 business districts"),
            "barh",
            [n for n, _, _ in top10],
            {
                ctx.t("消费金额（万元）", "Spending (10k yuan)"): [
                    (c.value or 0.0) / 1e4 for _, c, _ in top10
                ]
            },
            ctx.t("万元", "10k yuan"),
        )
    )
    return sec
