"""Enterprise-side indicators from ``enterprise_monthly`` (限上联网直报) and
``key_enterprise_daily`` (重点监测企业).

Levels sum every reporting enterprise. Growth is on a comparable basis: only enterprises that
report in both the period and the same period a year earlier enter numerator and denominator
(METHODOLOGY §1: the 限上 set changes every year, so ``Y_t / Y_{t-1} - 1`` on all units is wrong).
Shares keep numerator and denominator. Rows are summed for the city and for each district, so
district values add up to the city total.
"""

from __future__ import annotations

from typing import Any

import ibis
import ibis.expr.types as ir

from consumption_monitor.compute.context import Context
from consumption_monitor.compute.frame import (
    ROLLUP_KEYS,
    expand_ytd,
    explode,
    finish,
    fold_january,
    pct_growth,
    ratio,
    shift_year,
    union_all,
)

#: Breakdown name → column of the prepared rows.
DIM_COLUMNS = {
    "category": "category",
    "format": "format",
    "business_district": "business_district",
}


def panel_aggregate(
    rows: ir.Table,
    measure: str,
    entity: str,
    city_code: str,
    dims: list[str],
) -> ir.Table:
    """Level and same-panel YoY of ``measure`` by period × region (× each dim).

    ``rows`` has ``period``, ``district_code``, ``entity`` and the dim columns. The panel is the
    set of (entity, period) present both in ``period`` and a year earlier; entities missing in
    either year count in the level but not in the growth. Growth is null when the panel's
    prior-year sum is zero or absent. Groups with no current-period row are dropped.
    """
    present = rows.select(rows[entity], rows.period).distinct().mutate(_in=ibis.literal(True))
    prior_present = present.mutate(period=shift_year(present.period))
    dim_cols = {d: DIM_COLUMNS[d] for d in dims}
    cols = [entity, "period", "district_code", *dim_cols.values(), measure]
    cur = _left(rows.select(*cols), prior_present, [entity, "period"])
    cur = cur.mutate(_cur=ibis.literal(True), _in=cur._in.fill_null(False))
    shifted = rows.select(*cols).mutate(period=shift_year(rows.period))
    prev = _left(shifted, present, [entity, "period"])
    prev = prev.mutate(_cur=ibis.literal(False), _in=prev._in.fill_null(False))
    both = union_all(cur, prev)
    long = explode(both, city_code, dim_cols, keep=[measure, "_cur", "_in"])
    m = long[measure]
    agg = long.group_by(ROLLUP_KEYS).aggregate(
        value=m.sum(where=long._cur),
        _n=long._cur.cast("int64").sum(),
        _pc=m.sum(where=long._cur & long._in),
        _pp=m.sum(where=~long._cur & long._in),
    )
    agg = agg.filter(agg._n > 0)
    return finish(agg.mutate(yoy_pct=pct_growth(agg._pc, agg._pp)))


def _left(a: ir.Table, b: ir.Table, on: list[str]) -> ir.Table:
    """Left join on equal key names, keeping the left keys only."""
    j = a.left_join(b, on)
    return j.select(*a.columns, *[c for c in b.columns if c not in on])


def share_aggregate(
    rows: ir.Table, numerator: ir.Value, denominator: str, city_code: str
) -> ir.Table:
    """``sum(numerator) / sum(denominator) * 100`` by period × region, keeping both parts."""
    rows = rows.mutate(_num=numerator, _den=rows[denominator])
    long = explode(rows, city_code, {}, keep=["_num", "_den"])
    agg = long.group_by(ROLLUP_KEYS).aggregate(
        numerator=long._num.sum(), denominator=long._den.sum()
    )
    return finish(agg.mutate(value=ratio(agg.numerator, agg.denominator, 100.0)))


def enterprise_rows(ent: ir.Table) -> ir.Table:
    """``enterprise_monthly`` with January folded into Jan–Feb."""
    return ent.mutate(period=fold_january(ent.period), category=ent.category.cast("string"))


def enterprise_expr(
    ent: ir.Table, code: str, kind: str, params: dict[str, Any], ctx: Context
) -> ir.Table:
    """``enterprise_sum`` or ``enterprise_share`` for the bases month and ytd."""
    rows = enterprise_rows(ent)
    parts = []
    for basis, r in (("month", rows), ("ytd", expand_ytd(rows))):
        if kind == "enterprise_sum":
            out = panel_aggregate(
                r, params["measure"], "enterprise_id", ctx.city, list(params.get("dims", []))
            )
        else:
            if params["numerator"] == "upgrade":
                num: ir.Value = ibis.ifelse(
                    r.category.isin(list(ctx.upgrade)), r.retail_sales, ibis.literal(0.0)
                )
            else:
                num = r[params["numerator"]].fill_null(0.0)
            out = share_aggregate(r, num, "retail_sales", ctx.city)
        note = ctx.upgrade_note if params.get("numerator") == "upgrade" else ""
        parts.append(finish(out, indicator=code, basis=basis, note=note))
    return union_all(*parts)


def key_enterprise_expr(ked: ir.Table, code: str, params: dict[str, Any], ctx: Context) -> ir.Table:
    """Monthly sums of key monitored enterprises' sales or foot traffic, same-panel growth."""
    rows = ked.mutate(
        period=fold_january(ked.date.cast("date").strftime("%Y-%m")),
        format=ked.format.cast("string"),
        business_district=ked.business_district_id.cast("string").fill_null("none"),
        _m=ked[params["measure"]].cast("float64"),
    )
    out = panel_aggregate(rows, "_m", "enterprise_id", ctx.city, list(params.get("dims", [])))
    return finish(out, indicator=code, basis="month")
