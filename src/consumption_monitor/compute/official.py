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


def _totals(off: ir.Table) -> ir.Table:
    """Rows that are totals, not 限额以上 commodity-category rows (an empty ``category``; lake
    files written before the column existed have none)."""
    if "category" not in off.columns:
        return off
    return off.filter(off.category.isnull() | (off.category == ""))


def category_rows(off: ir.Table, code: str, params: dict[str, Any]) -> ir.Table | None:
    """Published category rows of ``source_indicator`` as the ``category`` breakdown.

    限上 X类零售额 rows are passed through as published (level and growth, each basis): no
    single month is derived for a category, since releases give categories' cumulative growth
    only and the catalog's 16 categories plus "of which" items do not add up to the total.
    """
    if "category" not in off.columns:
        return None
    src = off.filter(
        (off.indicator == params["source_indicator"])
        & off.category.notnull()
        & (off.category != "")
    )
    src = src.mutate(note=src.source.cast("string"), dim=ibis.literal("category"),
                     dim_value=src.category.cast("string"))  # fmt: skip
    return finish(
        src.select("region", "period", "basis", "dim", "dim_value", "value", "yoy_pct", "note"),
        indicator=code,
    )


def official_expr(off: ir.Table, code: str, params: dict[str, Any]) -> ir.Table:
    """One official indicator over all regions, with derived periods when ``derive`` is set.

    Only total rows are read; with ``category_breakdown`` the published 限额以上 category rows
    are added as the ``category`` breakdown (:func:`category_rows`).
    """
    out = _official_totals(_totals(off), code, params)
    if params.get("category_breakdown"):
        cats = category_rows(off, code, params)
        if cats is not None:
            return union_all(out, cats)
    return out


def _official_totals(off: ir.Table, code: str, params: dict[str, Any]) -> ir.Table:
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
        said = der.filter(der.value.notnull() | der.yoy_pct.notnull())
        pub = src.filter(src.basis == basis).select(*cols)
        merged = _overlay(pub, said.select(*cols))
        parts.append(finish(merged, indicator=code, basis=basis))
    return union_all(*parts)


def official_ratio_expr(off: ir.Table, code: str, params: dict[str, Any]) -> ir.Table:
    """A ratio of official levels of the same region, period and basis (same vintage).

    ``numerator`` codes are summed (all must be present: a missing part gives no value);
    ``product`` codes are multiplied and scaled by ``factor`` (per-capita × population).
    ``period`` picks the releases: ``year`` (a Q4 cumulative release counts as the year),
    ``quarter`` (``YYYY-Qn``) or ``month`` (``YYYY-MM``, single months and YTD alike).
    """
    off = _totals(off)
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
        rows = rows.mutate(_derived=ibis.literal(False))
    elif params["period"] == "month":
        # Monthly releases: single months and YTD levels (1—12月 is the year, "YYYY-12" ytd).
        rows = rows.filter(rows.period.re_search(r"^\d{4}-(0[1-9]|1[0-2])$"))
        rows = rows.mutate(_derived=ibis.literal(False))
    else:
        rows = rows.filter(rows.period.re_search(r"^\d{4}-Q[1-4]$"))
        rows = _with_single_quarters(rows)
    wide = rows.group_by(["region", "period", "basis"]).aggregate(
        **{f"_{c}": rows.value.max(where=rows.indicator == c) for c in codes},
        _derived=rows._derived.max(),
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
    note = " + ".join(num_codes) + " / " + params["denominator"]
    out = out.mutate(
        note=ibis.ifelse(
            out._derived, ibis.literal(f"{note}; derived from YTD"), ibis.literal(note)
        )
    )
    return finish(out, indicator=code)


def _with_single_quarters(rows: ir.Table) -> ir.Table:
    """Quarter rows (``basis = quarter``) of each level, derived from cumulative releases.

    GDP and value added are released cumulatively (一季度, 上半年, 前三季度, 全年 as ``YYYY-Qn``
    ytd). A single quarter is ``ytd(Qn) − ytd(Qn−1)`` of the same year (Q1 is the ytd figure);
    it needs the ytd row of the quarter before, and a published quarter row of the same
    indicator, region and period wins. Ratios of these levels give the quarter's own share
    beside the year-to-date share. Adds a boolean ``_derived``.
    """
    base = rows.select("indicator", "region", "period", "basis", "value")
    ytd = base.filter(base.basis == "ytd")
    ytd = ytd.mutate(_y=ytd.period.substr(0, 4), _q=ytd.period.substr(6, 1).cast("int64"))
    prev = ytd.select(
        _ind=ytd.indicator, _reg=ytd.region, _y2=ytd._y, _q2=ytd._q + 1, _cp=ytd.value
    )
    j = ytd.left_join(
        prev,
        [ytd.indicator == prev._ind, ytd.region == prev._reg, ytd._y == prev._y2,
         ytd._q == prev._q2],
    )  # fmt: skip
    first = j._q == 1
    derived = j.filter(first | j._q2.notnull()).select(
        indicator=j.indicator,
        region=j.region,
        period=j.period,
        basis=ibis.literal("quarter"),
        value=ibis.ifelse(first, j.value, j.value - j._cp),
    )
    published = base.filter(base.basis == "quarter")
    derived = derived.anti_join(published, ["indicator", "region", "period"])
    return union_all(
        base.mutate(_derived=ibis.literal(False)), derived.mutate(_derived=ibis.literal(True))
    )
