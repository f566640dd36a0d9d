"""Indicators read from official releases (``official_stats``).

Published values and growth rates are authoritative (METHODOLOGY §1): they pass through
unchanged. Where a period is released only cumulatively, single months, quarters and years are
derived from the YTD series with the cumulative formula; a published figure for the same period
always wins over a derived one (column by column: a published level without growth keeps the
derived growth). Growth-only series (``value`` null) stay growth-only; a derived period that
would have neither a value nor a growth rate is not written.
"""

from __future__ import annotations

from typing import Any

import ibis
import ibis.expr.types as ir

from consumption_monitor.compute.frame import (
    finish,
    month_of,
    month_period,
    ratio,
    union_all,
    year_of,
)

_NULL_F = ibis.null().cast("float64")


def _cum_growth(c: Any, g: Any, cp: Any, gp: Any) -> Any:
    """Ibis form of ``(C - Cp) / (C/(1+G) - Cp/(1+Gp)) - 1`` in percent; null on a zero base."""
    base = c / (1.0 + g / 100.0) - cp / (1.0 + gp / 100.0)
    return ibis.ifelse(base != 0, ((c - cp) / base - 1.0) * 100.0, _NULL_F)


def _derive(ytd: ir.Table, step: int, first_month: int) -> ir.Table:
    """Single periods of ``step`` months from YTD rows at months ``first_month, +step, …``.

    The first period equals the YTD figure (Jan–Feb for months, Q1 for quarters); each later
    period needs the YTD row exactly ``step`` months earlier, else no row is derived.
    """
    rows = ytd.filter((ytd._m - first_month) % step == 0)
    prev = rows.select(
        region=rows.region, _y2=rows._y, _m2=rows._m + step, _cp=rows.value, _gp=rows.yoy_pct
    )
    j = rows.left_join(prev, [rows.region == prev.region, rows._y == prev._y2, rows._m == prev._m2])
    first = j._m == first_month
    value = ibis.ifelse(first, j.value, j.value - j._cp)
    yoy = ibis.ifelse(first, j.yoy_pct, _cum_growth(j.value, j.yoy_pct, j._cp, j._gp))
    out = j.filter(first | j._m2.notnull())
    return out.select(
        region=out.region, _y=out._y, _m=out._m, value=value, yoy_pct=yoy, note=out.note
    )


def _overlay(published: ir.Table, derived: ir.Table) -> ir.Table:
    """Published rows win column by column over derived rows of the same region and period."""
    j = published.outer_join(
        derived,
        [published.region == derived.region, published.period == derived.period],
    )
    pub_missing = j.value.isnull() & j.yoy_pct.isnull()
    return j.select(
        region=ibis.coalesce(j.region, j.region_right),
        period=ibis.coalesce(j.period, j.period_right),
        value=ibis.coalesce(j.value, j.value_right),
        yoy_pct=ibis.coalesce(j.yoy_pct, j.yoy_pct_right),
        note=ibis.ifelse(pub_missing, j.note_right, j.note),
    )


def official_expr(off: ir.Table, code: str, params: dict[str, Any]) -> ir.Table:
    """One official indicator over all regions, with derived periods when ``derive`` is set."""
    src = off.filter(off.indicator == params["source_indicator"])
    if params.get("growth_only"):
        src = src.mutate(value=_NULL_F)
    src = src.mutate(note=src.source.cast("string"))
    parts: list[ir.Table] = []
    cols = ["region", "period", "value", "yoy_pct", "note"]
    is_month_period = src.period.re_search(r"^\d{4}-\d{2}$")
    ytd = src.filter((src.basis == "ytd") & is_month_period)
    parts.append(finish(ytd.select(*cols), indicator=code, basis="ytd"))
    if not params.get("derive"):
        # Quarterly cumulative releases (GDP: 一季度, 上半年, 前三季度, 全年) are kept as they are.
        is_quarter = src.period.re_search(r"^\d{4}-Q[1-4]$")
        ytd_q = src.filter((src.basis == "ytd") & is_quarter)
        parts.append(finish(ytd_q.select(*cols), indicator=code, basis="ytd"))
        for basis in ("month", "quarter", "year"):
            pub = src.filter(src.basis == basis).select(*cols)
            parts.append(finish(pub, indicator=code, basis=basis))
        return union_all(*parts)
    ytd = ytd.mutate(
        _y=year_of(ytd.period), _m=month_of(ytd.period), note=ibis.literal("derived from YTD")
    )
    month = _derive(ytd, 1, 2)
    quarter = _derive(ytd, 3, 3)
    year = ytd.filter(ytd._m == 12)
    derived = {
        "month": month.mutate(period=month_period(month._y, month._m)),
        "quarter": quarter.mutate(
            period=quarter._y.cast("string").concat("-Q", (quarter._m // 3).cast("string"))
        ),
        "year": year.mutate(period=year._y.cast("string")),
    }
    for basis, der in derived.items():
        # A derived period with neither a level nor a growth rate (a growth-only YTD series
        # gives no single-month growth) says nothing and is not written.
        der = der.filter(der.value.notnull() | der.yoy_pct.notnull())
        pub = src.filter(src.basis == basis).select(*cols)
        merged = _overlay(pub, der.select(*cols))
        parts.append(finish(merged, indicator=code, basis=basis))
    return union_all(*parts)


def official_ratio_expr(off: ir.Table, code: str, params: dict[str, Any]) -> ir.Table:
    """A ratio of official levels of the same region, period and basis (same vintage).

    ``numerator`` codes are summed (all must be present: a missing part gives no value);
    ``product`` codes are multiplied and scaled by ``factor`` (per-capita × population).
    """
    num_codes: list[str] = list(params.get("numerator", [])) or list(params.get("product", []))
    codes = [*num_codes, params["denominator"]]
    rows = off.filter(off.indicator.isin(codes) & off.value.notnull())
    if params["period"] == "year":
        # A fourth-quarter cumulative release (全年, "YYYY-Q4" ytd) is the year's value too; a
        # year row, where one is published, wins (same region, year and indicator).
        annual = rows.filter((rows.basis == "year") & rows.period.re_search(r"^\d{4}$"))
        q4 = rows.filter((rows.basis == "ytd") & rows.period.re_search(r"^\d{4}-Q4$"))
        q4 = q4.mutate(period=q4.period.substr(0, 4), basis=ibis.literal("year"))
        q4 = q4.anti_join(annual, ["region", "period", "indicator"])
        rows = annual.union(q4.select(*annual.columns).cast(annual.schema()))
    else:
        rows = rows.filter(rows.period.re_search(r"^\d{4}-Q[1-4]$"))
    wide = rows.group_by(["region", "period", "basis"]).aggregate(
        **{f"_{c}": rows.value.max(where=rows.indicator == c) for c in codes}
    )
    if "product" in params:
        num: Any = ibis.literal(float(params.get("factor", 1.0)))
        for c in num_codes:
            num = num * wide[f"_{c}"]
    else:
        num = wide[f"_{num_codes[0]}"]
        for c in num_codes[1:]:
            num = num + wide[f"_{c}"]
    den = wide[f"_{params['denominator']}"]
    out = wide.mutate(numerator=num, denominator=den)
    out = out.mutate(value=ratio(out.numerator, out.denominator, float(params.get("scale", 100))))
    out = out.filter(out.value.notnull())
    return finish(out, indicator=code, note=" + ".join(num_codes) + " / " + params["denominator"])
