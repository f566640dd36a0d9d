"""Consumer-side indicators from ``card_transactions``.

Business day: a transaction belongs to the day of ``txn_ts - 2 h``, so the night window
18:00–02:00 is one evening and a 01:30 payment counts for the previous evening (practice,
printed in the indicator definition). As everywhere, January is reported with February as
the Jan–Feb period ``YYYY-02``. Spending categories come from the MCC groups of the
dimension catalog (unknown MCCs fall in ``other``).

Privacy: the expression carries, per cell, the distinct merchants, distinct cards and spending
(columns :data:`COUNT_COLUMNS`, internal only). After the engine, :func:`protect_card_frames`
(pandas, so identical on every engine) hides every cell with fewer distinct merchants or cards
than ``settings.min_cell_merchants`` / ``settings.min_cell_cards`` and then the complementary
cells needed so that no hidden cell can be recovered from the published ones: per period, all
card cells form one linked table (districts under the city total; each breakdown — 商圈,
category, origin, channel — under its district total and under the city total, and the city
breakdown cells as sums of the district cells), protected with
:func:`consumption_monitor.privacy.protect_linked`. The same mask applies to every card
indicator of the period (spending, transactions, night share), so one indicator cannot reveal
another's hidden cell. Hidden cells get value, numerator and denominator null and note
``suppressed``; the counts are dropped. The CITY total is never suppressed (a city with one
reporting district therefore reveals that district's total). Totals are computed from the rows,
not from published cells, so suppression never changes them.
"""

from __future__ import annotations

from typing import Any

import ibis
import ibis.expr.types as ir
import numpy as np
import pandas as pd

from consumption_monitor.compute.frame import (
    EXPR_COLUMNS,
    fold_january,
    ratio,
    union_all,
)
from consumption_monitor.privacy import Equation, primary_mask, protect_linked

#: Card dims → column of the prepared rows.
CARD_DIMS = {
    "business_district": "business_district",
    "category": "category",
    "origin": "card_origin",
    "channel": "channel",
}
NIGHT_START_HOUR, NIGHT_END_HOUR = 18, 2
#: Internal per-cell columns of a card expression: distinct merchants, distinct cards, spending.
COUNT_COLUMNS = ("_merchants", "_cards", "_weight")
SUPPRESSED = "suppressed"


def card_rows(card: ir.Table, mcc_map: dict[str, str]) -> ir.Table:
    """Transactions with business ``day``, ``period`` (YYYY-MM), ``category`` and ``night``.

    The MCC → category map is joined as a small table (a hash join beats a CASE of ~100
    branches on every row).
    """
    codes = sorted(mcc_map)
    mapping = ibis.memtable({"_mcc": codes, "_category": [mcc_map[c] for c in codes]})
    j = card.left_join(mapping, card.mcc.cast("string") == mapping._mcc)
    ts = j.txn_ts.cast("timestamp")
    day = (ts - ibis.interval(hours=NIGHT_END_HOUR)).date()
    hour = ts.hour()
    return j.select(
        *card.columns,
        day=day,
        period=fold_january(day.strftime("%Y-%m")),
        category=j._category.fill_null("other"),
        night=(hour >= NIGHT_START_HOUR) | (hour < NIGHT_END_HOUR),
        business_district=j.business_district_id.cast("string").fill_null("none"),
    ).mutate(amount=lambda t: t.amount.cast("float64"))


def card_rollups(
    card: ir.Table,
    mcc_map: dict[str, str],
    city: str,
    dims: dict[str, str],
    district: str = "district_code",
) -> ir.Table:
    """Sums, counts and exact distinct merchants/cards per ``period, region, dim, dim_value``.

    One aggregation per rollup (city or district × the total or each dim) straight over the
    prepared rows, then a ``UNION ALL`` of the small results: the same cells as one group-by
    over :func:`~consumption_monitor.compute.frame.explode`'s rows, but the exact distinct
    counts no longer hash every row ten times in one table. Each rollup prepares its own rows
    (:func:`card_rows` with its own MCC table): rows shared by all rollups become one SQL
    common table expression, which DuckDB materialises in full (about 1 GB per million card
    rows); unshared, every aggregation streams over the Parquet files and memory follows the
    largest single rollup. Rows without a district give a district-level cell with a null
    region; null merchants or cards are not counted (``COUNT(DISTINCT)``).
    """
    parts = []
    for dim, col in {"": "", **dims}.items():
        for region in (None, district):
            rows = card_rows(card, mcc_map)
            keys: dict[str, ir.Value] = {"period": rows.period}
            if region is not None:
                keys["_region"] = rows[region].cast("string")
            if col:
                keys["_dim_value"] = rows[col].cast("string")
            agg = rows.group_by(**keys).aggregate(
                _sum=rows.amount.sum(),
                _n=rows.count(),
                _night=rows.amount.sum(where=rows.night),
                _merchants=rows.merchant_id.nunique(),
                _cards=rows.card_hash.nunique(),
            )
            parts.append(
                agg.select(
                    "period",
                    region=agg._region if region is not None else ibis.literal(city),
                    dim=ibis.literal(dim),
                    dim_value=agg._dim_value if col else ibis.literal(""),
                    _sum=agg._sum,
                    _n=agg._n,
                    _night=agg._night,
                    _merchants=agg._merchants,
                    _cards=agg._cards,
                )
            )
    return union_all(*parts)


def card_expr(
    card: ir.Table, code: str, kind: str, params: dict[str, Any], ctx: dict[str, Any]
) -> ir.Table:
    """``card_sum`` / ``card_count`` by period × region × dim, or ``card_night_share``."""
    dims = {d: CARD_DIMS[d] for d in params.get("dims", [])}
    agg = card_rollups(card, ctx["mcc_map"], ctx["city"], dims)
    if kind == "card_night_share":
        night = agg._night.fill_null(0.0)
        agg = agg.mutate(numerator=night, denominator=agg._sum, value=ratio(night, agg._sum, 100.0))
    else:
        agg = agg.mutate(value=agg._sum if kind == "card_sum" else agg._n.cast("float64"))
    null = ibis.null().cast("float64")
    # The columns of ``finish`` plus the counts, which ride along for the privacy step after
    # the engine (:func:`protect_card_frames` drops them before anything is stored).
    return agg.select(
        indicator=ibis.literal(code, type="string"),
        region=agg.region.cast("string"),
        period=agg.period.cast("string"),
        basis=ibis.literal("month", type="string"),
        dim=agg.dim.cast("string"),
        dim_value=agg.dim_value.cast("string"),
        value=agg.value.cast("float64"),
        yoy_pct=null,
        numerator=agg.numerator.cast("float64") if "numerator" in agg.columns else null,
        denominator=agg.denominator.cast("float64") if "denominator" in agg.columns else null,
        note=ibis.literal("", type="string"),
        _merchants=agg._merchants.cast("int64"),
        _cards=agg._cards.cast("int64"),
        _weight=agg._sum.cast("float64"),
    )


def card_daily_aggregate(card: ir.Table, mcc_map: dict[str, str]) -> ir.Table:
    """Day × district × category sums and counts (the benchmark's reference aggregation)."""
    rows = card_rows(card, mcc_map)
    return rows.group_by(["day", "district_code", "category"]).aggregate(
        amount=rows.amount.sum(), n=rows.count()
    )


def _equations(part: pd.DataFrame, city: str) -> tuple[list[Equation], int | None]:
    """The published additive equations of one period's card cells (positions in ``part``)
    and the position of the city total."""
    keys = list(zip(part.region, part.dim, part.dim_value, strict=True))
    pos = {k: i for i, k in enumerate(keys)}
    totals = {r: i for (r, d, _), i in pos.items() if d == ""}
    in_region: dict[tuple[str, str], list[int]] = {}  # (region, dim) -> breakdown cells
    across: dict[tuple[str, str], list[int]] = {}  # (dim, value) -> district cells
    districts: list[int] = []
    for i, (region, dim, value) in enumerate(keys):
        if dim == "":
            if region != city:
                districts.append(i)
            continue
        in_region.setdefault((region, dim), []).append(i)
        if region != city:
            across.setdefault((dim, value), []).append(i)
    eqs: list[Equation] = []

    def add(parts: list[int], total: int | None) -> None:
        if total is not None and parts:
            eqs.append((np.array([*parts, total]), np.array([1.0] * len(parts) + [-1.0])))

    add(districts, totals.get(city))  # districts under the city total
    for (region, _), cells in in_region.items():  # each breakdown under its region's total
        add(cells, totals.get(region))
    for (dim, value), cells in across.items():  # city breakdown cells = sum of district cells
        add(cells, pos.get((city, dim, value)))
    return eqs, totals.get(city)


_KEY = ["period", "region", "dim", "dim_value"]
_NO_REGION = "\x00"  # rows without a district code: a district-level cell of their own


def card_privacy_mask(
    cells: pd.DataFrame, city: str, min_merchants: int, min_cards: int
) -> pd.Series:
    """``True`` for each card cell to hide (index of ``cells``).

    ``cells`` has :data:`_KEY` and :data:`COUNT_COLUMNS`, one row per cell. Primary: fewer
    merchants or cards than the thresholds (the city total excepted); complementary: see the
    module docstring. Missing counts count as zero (hidden).
    """
    out = pd.Series(False, index=cells.index)
    if cells.empty:
        return out
    frame = cells.assign(
        region=cells.region.fillna(_NO_REGION), dim_value=cells.dim_value.fillna("")
    )
    for _, group in frame.groupby("period", sort=False):
        part = group.reset_index(drop=False)
        eqs, city_total = _equations(part, city)
        primary = primary_mask(
            part["_merchants"].to_numpy(float),
            part["_cards"].to_numpy(float),
            min_merchants,
            min_cards,
        )
        eligible = np.ones(len(part), dtype=bool)
        if city_total is not None:
            primary[city_total] = False
            eligible[city_total] = False
        hidden = protect_linked(part["_weight"].to_numpy(float), primary, eqs, eligible=eligible)
        out.loc[part["index"].to_numpy()[hidden]] = True
    return out


def protect_card_frames(
    frames: dict[str, pd.DataFrame], city: str, min_merchants: int, min_cards: int
) -> dict[str, pd.DataFrame]:
    """Apply the card privacy rule to the executed frames that carry :data:`COUNT_COLUMNS`.

    All card frames share one mask per cell key (``period, region, dim, dim_value``); other
    frames pass through. Returned frames have exactly :data:`EXPR_COLUMNS`.
    """
    card = [code for code, f in frames.items() if set(COUNT_COLUMNS) <= set(f.columns)]
    if not card:
        return frames
    cells = (
        pd.concat([frames[c][[*_KEY, *COUNT_COLUMNS]] for c in card], ignore_index=True)
        .drop_duplicates(_KEY)
        .reset_index(drop=True)
    )
    mask = card_privacy_mask(cells, city, min_merchants, min_cards)
    hidden_keys = cells.loc[mask.to_numpy(), _KEY].assign(_hidden=True)
    out = dict(frames)
    for code in card:
        f = frames[code].merge(hidden_keys, on=_KEY, how="left")
        hide = f["_hidden"].fillna(False).astype(bool).to_numpy()
        f = f[list(EXPR_COLUMNS)].copy()
        for col in ("value", "numerator", "denominator"):
            f[col] = f[col].astype(float).where(~hide)
        f["note"] = np.where(hide, SUPPRESSED, f["note"].fillna("").astype(str))
        out[code] = f
    return out
