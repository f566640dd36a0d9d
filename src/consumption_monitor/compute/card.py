"""Consumer-side indicators from ``card_transactions``.

Business day: a transaction belongs to the day of ``txn_ts - 2 h``, so the night window
18:00–02:00 is one evening and a 01:30 payment counts for the previous evening (practice,
printed in the indicator definition). As everywhere, January is reported with February as
the Jan–Feb period ``YYYY-02``. Spending categories come from the MCC groups of the
dimension catalog (unknown MCCs fall in ``other``). Cells with fewer distinct merchants or
cards than the privacy thresholds are suppressed (value null, note ``suppressed``); the city
totals are computed from the rows, not from published cells, so suppression never changes them.
"""

from __future__ import annotations

from typing import Any

import ibis
import ibis.expr.types as ir

from consumption_monitor.compute.frame import ROLLUP_KEYS, explode, finish, fold_january, ratio

#: Card dims → column of the prepared rows.
CARD_DIMS = {
    "business_district": "business_district",
    "category": "category",
    "origin": "card_origin",
    "channel": "channel",
}
NIGHT_START_HOUR, NIGHT_END_HOUR = 18, 2


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


def card_expr(
    card: ir.Table, code: str, kind: str, params: dict[str, Any], ctx: dict[str, Any]
) -> ir.Table:
    """``card_sum`` / ``card_count`` by period × region × dim, or ``card_night_share``."""
    rows = card_rows(card, ctx["mcc_map"])
    dims = {d: CARD_DIMS[d] for d in params.get("dims", [])}
    long = explode(rows, ctx["city"], dims, keep=["amount", "night", "merchant_id", "card_hash"])
    agg = long.group_by(ROLLUP_KEYS).aggregate(
        _sum=long.amount.sum(),
        _n=long.count(),
        _night=long.amount.sum(where=long.night),
        _merchants=long.merchant_id.nunique(),
        _cards=long.card_hash.nunique(),
    )
    if kind == "card_night_share":
        night = agg._night.fill_null(0.0)
        agg = agg.mutate(numerator=night, denominator=agg._sum, value=ratio(night, agg._sum, 100.0))
    else:
        agg = agg.mutate(value=agg._sum if kind == "card_sum" else agg._n.cast("float64"))
    # The city total is never suppressed; district and breakdown cells are.
    small = (agg._merchants < ctx["min_merchants"]) | (agg._cards < ctx["min_cards"])
    hidden = small & ((agg.region != ctx["city"]) | (agg.dim != ""))
    agg = agg.mutate(
        value=ibis.ifelse(hidden, ibis.null().cast("float64"), agg.value),
        note=ibis.ifelse(hidden, ibis.literal("suppressed"), ibis.literal("")),
    )
    return finish(agg, indicator=code, basis="month")


def card_daily_aggregate(card: ir.Table, mcc_map: dict[str, str]) -> ir.Table:
    """Day × district × category sums and counts (the benchmark's reference aggregation)."""
    rows = card_rows(card, mcc_map)
    return rows.group_by(["day", "district_code", "category"]).aggregate(
        amount=rows.amount.sum(), n=rows.count()
    )
