"""Counts from the registries (``first_stores``, ``events``), sums from the programme reports
(``trade_in``, ``inbound_spending``) and levels from ``unit_reports``.

Registry rows count in the month of their date column (opening date, start date; January counts
in the Jan–Feb period ``YYYY-02`` like every monthly series here); YTD and year
counts add the months of the same year. Unit reports keep the reported value: a report by a
district government (its admin code, or its name) is that district's value; a report by a city
department is the city's value (district reports are not summed into the city).
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
    union_all,
)


def registry_expr(t: ir.Table, code: str, params: dict[str, Any], ctx: Context) -> ir.Table:
    """Counts (or sums of ``value_column``) by month, YTD and year, for the city and each
    district (× ``dim``).

    The month of a row is that of ``date_column`` (a date) or ``period_column`` (a ``YYYY-MM``
    period column, programme reports); ``kinds`` keeps the rows whose ``kind_column`` (default
    ``kind``) is one of them. ``dim`` names the breakdown; ``dim_column`` (default: ``dim``)
    is the column it reads, empty cells counting as ``none``.
    """
    if "kinds" in params:
        t = t.filter(t[params.get("kind_column", "kind")].isin(list(params["kinds"])))
    if "min_attendance" in params:
        t = t.filter(t.attendance >= int(params["min_attendance"]))
    if "period_column" in params:
        month = t[params["period_column"]].cast("string").substr(0, 7)
    else:
        month = t[params["date_column"]].cast("date").strftime("%Y-%m")
    value = params.get("value_column")
    rows = t.mutate(
        period=fold_january(month),
        district_code=t.district_code.cast("string"),
        _v=(t[value].cast("float64") if value else ibis.literal(1.0)),
    )
    dim = params.get("dim", "")
    if dim and "dim_column" in params:
        # A breakdown named apart from its column (``business_district`` from
        # ``business_district_id``, as on the card side); an empty cell is ``none`` (outside any
        # 商圈), never the total's "".
        # 商圈 outside the lake's schema (batches stored before the column existed): all none.
        col = params["dim_column"]
        raw = rows[col].cast("string") if col in rows.columns else ibis.null("string")
        rows = rows.mutate(**{dim: ibis.coalesce(raw.nullif(""), ibis.literal("none"))})
    ytd = expand_ytd(rows)
    year = rows.mutate(period=rows.period.substr(0, 4))
    parts = []
    for basis, r in (("month", rows), ("ytd", ytd), ("year", year)):
        parts.append(
            r.select(
                "period",
                "district_code",
                "_v",
                *([dim] if dim else []),
                _basis=ibis.literal(basis),
            )
        )
    both = union_all(*parts)
    long = explode(both, ctx.city, {dim: dim} if dim else {}, keep=["_basis", "_v"])
    agg = long.group_by([*ROLLUP_KEYS, "_basis"]).aggregate(value=long._v.sum().cast("float64"))
    return finish(agg.rename(basis="_basis"), indicator=code)


def unit_report_expr(t: ir.Table, code: str, params: dict[str, Any], ctx: Context) -> ir.Table:
    """Reported values of one indicator; basis from the period form and the indicator's flow."""
    t = t.filter(t.indicator == params["source_indicator"])
    unit = t.reporting_unit.cast("string")
    region = unit.substitute(dict(ctx.district_names), else_=ibis.literal(ctx.city))
    month_basis = "ytd" if params.get("flow", True) else "month"
    basis = ibis.cases(
        (t.period.re_search(r"^\d{4}$"), "year"),
        (t.period.re_search(r"^\d{4}-Q[1-4]$"), "quarter"),
        else_=month_basis,
    )
    rows = t.mutate(region=region, basis=basis, value=t.value.cast("float64"))
    agg = rows.group_by(["region", "period", "basis"]).aggregate(value=rows.value.sum())
    return finish(agg, indicator=code, note="unit report")
