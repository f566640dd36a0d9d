"""The output schema of every indicator expression and small Ibis helpers on period strings.

Each indicator expression returns exactly :data:`EXPR_COLUMNS`. ``dim``/``dim_value`` carry a
breakdown (``category``/``apparel``, ``business_district``/``BD001``…); both are the empty
string for the total. Periods are strings: ``YYYY-MM`` (Jan–Feb is ``YYYY-02`` and there is no
``YYYY-01``), ``YYYY-Qn`` and ``YYYY``.
"""

from __future__ import annotations

from typing import Any

import ibis
import ibis.expr.types as ir

#: Columns every indicator expression yields, in this order.
EXPR_COLUMNS: tuple[str, ...] = (
    "indicator", "region", "period", "basis", "dim", "dim_value",
    "value", "yoy_pct", "numerator", "denominator", "note",
)  # fmt: skip

_FLOAT = ("value", "yoy_pct", "numerator", "denominator")


def finish(t: ir.Table, **constants: Any) -> ir.Table:
    """Project ``t`` onto :data:`EXPR_COLUMNS` with fixed types; missing columns become null
    (floats), ``""`` (dim columns) or the given ``constants``."""
    cols: dict[str, ir.Value] = {}
    for name in EXPR_COLUMNS:
        if name in constants:
            cols[name] = ibis.literal(constants[name], type="string")
        elif name in t.columns:
            cols[name] = t[name].cast("float64" if name in _FLOAT else "string")
        elif name in _FLOAT:
            cols[name] = ibis.null().cast("float64")
        elif name in ("dim", "dim_value"):
            cols[name] = ibis.literal("", type="string")
        else:
            cols[name] = ibis.null().cast("string")
    return t.select(**cols)


def loose(t: ir.Table) -> ir.Table:
    """``t`` with every column nullable: set operations need equal schemas, and the store's
    empty tables declare required columns non-nullable."""
    schema = t.schema()
    return t.cast({c: schema[c].copy(nullable=True) for c in t.columns})


def union_all(*tables: ir.Table) -> ir.Table:
    """``UNION ALL`` of tables that differ at most in nullability."""
    return ibis.union(*[loose(t) for t in tables])


def year_of(period: ir.StringValue) -> ir.IntegerValue:
    """The year of a period string as an integer."""
    return period.substr(0, 4).cast("int64")


def month_of(period: ir.StringValue) -> ir.IntegerValue:
    """The month of a ``YYYY-MM`` period as an integer."""
    return period.substr(5, 2).cast("int64")


def month_period(year: ir.IntegerValue, month: ir.IntegerValue) -> ir.StringValue:
    """``YYYY-MM`` from integer year and month."""
    mm = month.cast("string").lpad(2, "0")
    return year.cast("string").concat("-", mm)


def fold_january(period: ir.StringValue) -> ir.StringValue:
    """Map ``YYYY-01`` to ``YYYY-02``: Jan and Feb are one period (METHODOLOGY §1)."""
    return ibis.ifelse(period.substr(5, 2) == "01", period.substr(0, 5).concat("02"), period)


def shift_year(period: ir.StringValue, years: int = 1) -> ir.StringValue:
    """The same period ``years`` later (``2024-03`` → ``2025-03``; works for all formats)."""
    return (year_of(period) + years).cast("string").concat(period.substr(4))


def pct_growth(cur: ir.NumericValue, prev: ir.NumericValue) -> ir.FloatingValue:
    """``(cur / prev - 1) * 100``; null when ``prev`` is null or not positive."""
    return ibis.ifelse(prev > 0, (cur / prev - 1.0) * 100.0, ibis.null().cast("float64"))


def ratio(num: ir.NumericValue, den: ir.NumericValue, scale: float) -> ir.FloatingValue:
    """``num / den * scale``; null for a zero or null denominator."""
    return ibis.ifelse(den != 0, num / den * scale, ibis.null().cast("float64"))


def expand_ytd(t: ir.Table, period: str = "period") -> ir.Table:
    """Rows of ``YYYY-MM`` periods repeated under every later period-end of the same year.

    The result's ``period`` is the YTD end (``2024-05`` holds Jan–May). Period ends are the
    months present in ``t``; Jan–Feb counts as month 2.
    """
    ends = t.select(_end=t[period]).distinct()
    joined = t.inner_join(
        ends,
        [
            year_of(t[period]) == year_of(ends._end),
            month_of(t[period]) <= month_of(ends._end),
        ],
    )
    return joined.mutate(**{period: joined._end}).drop("_end")


def explode(
    rows: ir.Table,
    city: str,
    dims: dict[str, str],
    keep: list[str],
    district: str = "district_code",
) -> ir.Table:
    """Each row once for the city and once for its district, times the total and each dim.

    Adds ``region``, ``dim`` and ``dim_value`` (``""`` for the total) and keeps ``period`` and
    ``keep``. One
    group-by over the result then gives every rollup in a single pass (one shuffle on Spark)
    instead of one aggregation per rollup.
    """
    parts = []
    for dim, col in {"": "", **dims}.items():
        dim_value = rows[col].cast("string") if col else ibis.literal("")
        for region in (ibis.literal(city), rows[district].cast("string")):
            parts.append(
                rows.select(
                    "period", *keep, region=region, dim=ibis.literal(dim), dim_value=dim_value
                )
            )
    return union_all(*parts)


ROLLUP_KEYS = ["period", "region", "dim", "dim_value"]
