"""The plan's programmes: 以旧换新 (trade-in), 入境消费 (tax refund, duty free, overseas cards)
and the city's own service-consumption estimate (#22).

Same rule as :mod:`.sections_market`: tables first, sentences from the cells' text. Each section
prints the 口径 of its indicators from the indicator catalog (``definition_zh/_en``), so the
report and ``docs/indicators.md`` say the same thing. A figure withheld by the growth sanity
rules (:mod:`consumption_monitor.compute.sanity`) is "—" with its reason in a note.
"""

from __future__ import annotations

from typing import Any

from consumption_monitor.compute.sanity import reason
from consumption_monitor.report.cells import level_cell, money_cell, rate_cell, text_cell
from consumption_monitor.report.context import BuildContext
from consumption_monitor.report.model import Cell, Section, Table
from consumption_monitor.report.narrative import join_list
from consumption_monitor.report.sections_market import TOP_N, named_item, num, value_growth

#: English names of the national trade-in categories (Chinese from the dataset catalog).
TRADE_IN_EN = {
    "auto_scrap": "car scrappage",
    "auto_replace": "car replacement",
    "home_appliance": "home appliances",
    "digital": "digital products",
    "home_renovation": "home renovation",
    "e_bike": "e-bikes",
}
#: Months of history in the service-consumption table.
SERVICE_MONTHS = 6


def _definition(ctx: BuildContext, code: str) -> str:
    """``口径：名称——定义`` from the indicator catalog."""
    from consumption_monitor.indicators import load_indicators

    ind = load_indicators().get(code)
    if ctx.zh:
        return f"{ind.name_zh}口径：{ind.definition_zh}"
    return f"{ind.name_en} (scope): {ind.definition_en}"


def _withheld(ctx: BuildContext, sec: Section, label: str, row: dict[str, Any] | None) -> None:
    """Add a note when a growth-sanity rule withheld ``row``'s value or growth."""
    why = reason(row.get("note") if row else None, ctx.lang)
    if why:
        sec.notes.append(ctx.t(f"注：{label}为“—”：{why}。", f"Note: {label} is '—': {why}."))


def _category_name(ctx: BuildContext, code: str) -> str:
    from consumption_monitor.catalog import load_catalog

    if not ctx.zh:
        return TRADE_IN_EN.get(code, code)
    labels = load_catalog().dataset("trade_in").column("category").labels_zh or {}
    return labels.get(code, code)


# ----------------------------------------------------------------------------- trade-in
def trade_in(ctx: BuildContext) -> Section:
    """以旧换新: subsidy, goods and driven sales, year to date and the month, by category."""
    d, key = ctx.data, "trade_in"
    sec = Section(key, ctx.defs.title(key, ctx.lang))
    ytd = {c: d.one(f"trade_in_{c}", "ytd", ctx.period) for c in ("subsidy", "units", "sales")}
    if all(r is None or num(r["value"]) is None for r in ytd.values()):
        sec.paragraphs.append(ctx.sentence(key, "none"))
        return sec
    ytd_label, month_label = ctx.label(ctx.period, "ytd"), ctx.label(ctx.period, "month")
    table = Table(
        "trade_in",
        ctx.t("消费品以旧换新", "Consumer-goods trade-in"),
        ctx.cols(
            ["品类", "期间", "补贴金额", "销售数量", "带动销售额", "销售额同比（%）"],
            ["Category", "Period", "Subsidy", "Goods sold", "Sales", "Sales YoY (%)"],
        ),
    )

    def row(name: str, period_text: str, basis: str, dim_value: str = "") -> list[Cell]:
        dim = "category" if dim_value else ""
        got = {
            c: d.one(f"trade_in_{c}", basis, ctx.period, dim=dim, dim_value=dim_value)
            for c in ("subsidy", "units", "sales")
        }
        value = {c: num(r["value"]) if r else None for c, r in got.items()}
        growth = num(got["sales"]["yoy_pct"]) if got["sales"] else None
        cells = [
            text_cell(name),
            text_cell(period_text),
            money_cell(value["subsidy"], "wan_yuan", ctx.lang, d.money_unit),
            level_cell(value["units"], "count", ctx.lang),
            money_cell(value["sales"], "wan_yuan", ctx.lang, d.money_unit),
            rate_cell(growth),
        ]
        table.rows.append(cells)
        return cells

    total = ctx.t("合计", "Total")
    first_period = int(ctx.period[5:7]) <= 2
    cum = row(total, ctx.label(ctx.period, "ytd", year=True), "ytd")
    v, g = value_growth(ctx, cum[4], cum[5].value)
    sec.paragraphs.append(
        ctx.sentence(
            key, "ytd", period=ytd_label, city=ctx.city_name, subsidy=cum[2].text,
            units=cum[3].text, sales=v, growth=g,
        )
    )  # fmt: skip
    if not first_period and d.one("trade_in_sales", "month", ctx.period) is not None:
        mon = row(total, ctx.label(ctx.period, "month", year=True), "month")
        v, g = value_growth(ctx, mon[4], mon[5].value)
        sec.paragraphs.append(
            ctx.sentence(key, "month", month=month_label, subsidy=mon[2].text, sales=v, growth=g)
        )
    cats = d.rows("trade_in_sales", "ytd", ctx.period, dim="category")
    cats = cats[cats["value"].notna()].sort_values(["value", "dim_value"], ascending=[False, True])
    items = []
    for r in cats.itertuples():
        name = _category_name(ctx, str(r.dim_value))
        cells = row(name, ytd_label, "ytd", str(r.dim_value))
        items.append(named_item(ctx, name, cells[4], cells[5].value))
    if items:
        sec.paragraphs.append(ctx.sentence(key, "top", top=join_list(items[:TOP_N], ctx.lang)))
    sec.tables.append(table)
    for c, got in ytd.items():
        _withheld(ctx, sec, _short(ctx, f"trade_in_{c}"), got)
    sec.notes.extend(_definition(ctx, f"trade_in_{c}") for c in ("subsidy", "units", "sales"))
    return sec


def _short(ctx: BuildContext, code: str) -> str:
    from consumption_monitor.indicators import load_indicators

    ind = load_indicators().get(code)
    return ind.name_zh if ctx.zh else ind.name_en


# ----------------------------------------------------------------------------- inbound
def inbound(ctx: BuildContext) -> Section:
    """入境消费: 离境退税 and 免税 sales (month and year to date) and overseas-card spending."""
    d, key = ctx.data, "inbound"
    sec = Section(key, ctx.defs.title(key, ctx.lang))
    table = Table(
        "inbound",
        ctx.t("入境消费", "Inbound spending"),
        ctx.cols(
            ["指标", "期间", "数值", "同比增长（%）", "占银行卡消费比重（%）"],
            ["Indicator", "Period", "Value", "YoY growth (%)", "Share of card spending (%)"],
        ),
    )
    parts: list[str] = []
    for code in ("tax_refund_sales", "duty_free_sales"):
        name = _short(ctx, code)
        bases = ["ytd"] if int(ctx.period[5:7]) <= 2 else ["ytd", "month"]
        for basis in bases:
            r = d.one(code, basis, ctx.period)
            if r is None:
                continue
            cell = money_cell(num(r["value"]), "wan_yuan", ctx.lang, d.money_unit)
            growth = num(r["yoy_pct"])
            table.rows.append(
                [
                    text_cell(name),
                    text_cell(ctx.label(ctx.period, basis, year=True)),
                    cell,
                    rate_cell(growth),
                    text_cell(""),
                ]
            )
            if basis == "ytd" and cell.value is not None:
                v, g = value_growth(ctx, cell, growth)
                parts.append(f"{name}{v}{g}" if ctx.zh else f"{name.lower()} of {v}{g}")
            _withheld(ctx, sec, name, r)
    month = ctx.label(ctx.period, "month", year=True)
    overseas = d.one("card_spending", "month", ctx.period, dim="origin", dim_value="overseas")
    total = d.one("card_spending", "month", ctx.period)
    card_sentence = ""
    if overseas is not None:
        label = ctx.t("境外卡消费金额", "Overseas-card spending")
        value, all_cards = num(overseas["value"]), num(total["value"]) if total else None
        share = value / all_cards * 100 if value is not None and all_cards else None
        cell, share_cell = money_cell(value, "yuan", ctx.lang, d.money_unit), rate_cell(share)
        growth = num(overseas["yoy_pct"])
        table.rows.append([text_cell(label), text_cell(month), cell, rate_cell(growth), share_cell])
        _withheld(ctx, sec, label, overseas)
        if cell.value is not None:
            v, g = value_growth(ctx, cell, growth)
            card_sentence = ctx.sentence(
                key, "card", month=ctx.label(ctx.period, "month"), value=v, growth=g,
                share=share_cell.text,
            )  # fmt: skip
    if not table.rows:
        sec.paragraphs.append(ctx.sentence(key, "none"))
        return sec
    if parts:
        sec.paragraphs.append(
            ctx.sentence(
                key, "sales", period=ctx.label(ctx.period, "ytd"), city=ctx.city_name,
                items=("；" if ctx.zh else "; ").join(parts),
            )
        )  # fmt: skip
    if card_sentence:
        sec.paragraphs.append(card_sentence)
    sec.tables.append(table)
    sec.notes.extend(_definition(ctx, c) for c in ("tax_refund_sales", "duty_free_sales"))
    sec.notes.append(ctx.note(key, "card"))
    return sec


# ----------------------------------------------------------------------------- services
def service_consumption(ctx: BuildContext) -> Section:
    """服务消费额（本市估算）: the latest months' level, growth and share of card spending."""
    d, key = ctx.data, "service_consumption"
    sec = Section(key, ctx.defs.title(key, ctx.lang))
    rows = d.rows("service_consumption_est", "month")
    rows = rows[rows["period"] <= ctx.period].sort_values("period").tail(SERVICE_MONTHS)
    current = d.one("service_consumption_est", "month", ctx.period)
    if rows.empty or current is None:
        sec.paragraphs.append(ctx.sentence(key, "none"))
        sec.notes.append(_definition(ctx, "service_consumption_est"))
        return sec
    table = Table(
        "service_consumption",
        ctx.t("服务消费额（本市估算）", "Service consumption (city estimate)"),
        ctx.cols(
            ["月份", "服务消费额", "同比增长（%）", "占银行卡消费比重（%）"],
            ["Month", "Service consumption", "YoY growth (%)", "Share of card spending (%)"],
        ),
    )
    last: list[Cell] = []
    for r in rows.itertuples():
        share = d.one("service_consumption_share", "month", str(r.period))
        month_name = ctx.label(str(r.period), "month", year=True)
        if str(r.period) != ctx.period:
            _withheld(ctx, sec, month_name, {"note": r.note})
        last = [
            text_cell(ctx.label(str(r.period), "month", year=True)),
            money_cell(num(r.value), "yuan", ctx.lang, d.money_unit),
            rate_cell(num(r.yoy_pct)),
            rate_cell(num(share["value"]) if share else None),
        ]
        table.rows.append(last)
    sec.tables.append(table)
    if str(rows["period"].iloc[-1]) == ctx.period and last[1].value is not None:
        v, g = value_growth(ctx, last[1], last[2].value)
        sec.paragraphs.append(
            ctx.sentence(
                key, "main", month=ctx.label(ctx.period, "month"), city=ctx.city_name,
                value=v.rstrip("，, "), growth=("，" if ctx.zh else ", ") + g if g else "",
                share=last[3].text,
            )
        )  # fmt: skip
    _withheld(ctx, sec, ctx.label(ctx.period, "month", year=True), current)
    sec.notes.append(ctx.note(key, "estimate"))
    sec.notes.extend(
        _definition(ctx, c) for c in ("service_consumption_est", "service_consumption_share")
    )
    return sec
