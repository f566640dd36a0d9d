"""Consumer-side indicators from ``card_transactions``.

Business day: a transaction belongs to the day of ``txn_ts - 2 h``, so the night window
18:00–02:00 is one evening and a 01:30 payment counts for the previous evening (practice,
printed in the indicator definition). As everywhere, January is reported with February as
the Jan–Feb period ``YYYY-02``. Spending categories come from the MCC groups of the
dimension catalog (unknown MCCs fall in ``other``).

Aggregation: all card indicators read one cell table, :func:`card_cells`, computed once per
run (a fixed three or four scans of the payments whatever the number of breakdowns; see its
docstring).

Privacy: the expressions carry, per cell, the distinct merchants and cards (capped at the
thresholds, which is all the rule reads) and the spending (columns :data:`COUNT_COLUMNS`,
internal only). After the engine, :func:`protect_card_frames`
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

from collections.abc import Mapping
from typing import Any

import ibis
import ibis.expr.types as ir
import numpy as np
import pandas as pd
from ibis.backends import BaseBackend

from consumption_monitor.compute.context import Context
from consumption_monitor.compute.frame import EXPR_COLUMNS, fold_january, ratio
from consumption_monitor.privacy import (
    Equation,
    breakdown_equations,
    primary_mask,
    protect_linked,
)

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


def card_rows(card: ir.Table, mcc_map: Mapping[str, str]) -> ir.Table:
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


#: Finest cell of the card rows: every published cell is a union of these.
FINE_KEYS = ("period", "_district", "business_district", "category", "_origin", "_channel")
#: Fine-key column of each card dim.
_DIM_KEY = {
    "business_district": "business_district",
    "category": "category",
    "origin": "_origin",
    "channel": "_channel",
}
#: Stand-in for a null key, so that fine cells join on plain equality (SQL's NULL never does).
_NULL = "\x00"
#: Internal cell table of the card indicators: one row per published cell.
CELL_SCHEMA = ibis.schema(
    {
        "period": "string",
        "region": "string",
        "dim": "string",
        "dim_value": "string",
        "_sum": "float64",
        "_n": "int64",
        "_night": "float64",
        "_merchants": "int64",
        "_cards": "int64",
    }
)
CELLS_TABLE = "cmon_card_cells"
_EXACT_TABLE = "cmon_card_exact"


def fine_rows(card: ir.Table, mcc_map: Mapping[str, str]) -> ir.Table:
    """:func:`card_rows` with the :data:`FINE_KEYS` as strings, nulls replaced by a stand-in."""
    rows = card_rows(card, mcc_map)

    def key(v: ir.Value) -> ir.StringValue:
        return v.cast("string").fill_null(_NULL)

    return rows.mutate(
        period=key(rows.period),
        _district=key(rows.district_code),
        business_district=key(rows.business_district),
        category=key(rows.category),
        _origin=key(rows.card_origin),
        _channel=key(rows.channel),
    )


def card_cells(
    con: BaseBackend,
    card: ir.Table,
    ctx: Context,
    dims: dict[str, str] | None = None,
    partitions: int | None = None,
) -> pd.DataFrame:
    """Every card cell (:data:`CELL_SCHEMA`): sums, counts and capped distinct counts.

    Cells are ``period × (city | district) × (total | each dim value)`` for the card ``dims``
    (default: all of :data:`CARD_DIMS`). ``_sum``, ``_n`` and ``_night`` (spending, payments,
    night spending) are exact. ``_merchants`` and ``_cards`` are the distinct merchants and
    cards **capped at the privacy thresholds** ``ctx.min_merchants`` / ``ctx.min_cards``:
    ``min(distinct, threshold)``, which is all the privacy rule reads, and exact below it.

    Two steps instead of one distinct count per rollup:

    1. The finest cells (:data:`FINE_KEYS`): one aggregation of the sums and counts, and for
       merchants and for cards a ``GROUP BY`` of the distinct (fine cell, id) pairs, which
       gives exact distinct counts per fine cell. Each published cell is a union of fine
       cells, so its distinct count lies between the largest and the sum of its fine cells'
       counts; its sums add up exactly.
    2. Only the cells whose bounds straddle a threshold (the largest fine count is below it and
       the sum is above the largest) are counted exactly, from the rows of their fine cells
       (an inner join with the list of those fine cells; skipped when there are none).

    The rollups run in pandas on the fine cells (thousands per month), so the payments are
    scanned three or four times whatever the number of dims, and the rows Spark shuffles do
    not multiply with the rollups. Rows without a district give a district-level cell with a
    null region; null merchants or cards are not counted.

    Memory: the distinct counts of both steps run once per hash partition of the ids
    (``partitions``; default :func:`distinct_partitions` of the payments and the engine's
    memory limit), each query holding only its partition's (cell, id) pairs, and add up. An id
    falls in exactly one partition, so the sums are exact whatever the partition count; each
    extra partition costs one more scan of the payments per id column.
    """
    from consumption_monitor.engine import (
        memory_limit_bytes,
        quiet_engine_warnings,
        register_frame,
        unregister_frame,
    )

    dims = CARD_DIMS if dims is None else dims
    min_m, min_c, city = ctx.min_merchants, ctx.min_cards, ctx.city
    rows = fine_rows(card, ctx.mcc_map)
    keys = list(FINE_KEYS)
    plain = rows.group_by(keys).aggregate(
        _sum=rows.amount.sum(), _n=rows.count(), _night=rows.amount.sum(where=rows.night)
    )
    with quiet_engine_warnings():
        fine: pd.DataFrame = con.execute(plain)
    n = partitions or distinct_partitions(int(fine["_n"].sum()), memory_limit_bytes(con))
    with quiet_engine_warnings():
        for col, name in (("merchant_id", "_m"), ("card_hash", "_c")):
            counts = _partitioned_pair_counts(con, rows, keys, col, name, n)
            fine = fine.merge(counts, on=keys, how="left")
    fine[["_m", "_c"]] = fine[["_m", "_c"]].fillna(0).astype("int64")
    fine["_has_sum"] = fine["_sum"].notna()
    cells: list[pd.DataFrame] = []
    members: list[pd.DataFrame] = []  # fine cells of the cells that need an exact count
    offset = 0
    for dim in ("", *dims):
        for level in ("city", "district"):
            by = ["period"] + (["_district"] if level == "district" else [])
            if dim:
                by.append(_DIM_KEY[dim])
            cell_id = fine.groupby(by, sort=False).ngroup().to_numpy() + offset
            agg = (
                fine.assign(_cell=cell_id)
                .groupby("_cell", sort=True)
                .agg(
                    period=("period", "first"),
                    _region=("_district", "first"),
                    _dim_value=(_DIM_KEY[dim] if dim else "period", "first"),
                    _sum=("_sum", "sum"),
                    _has_sum=("_has_sum", "any"),
                    _n=("_n", "sum"),
                    _night=("_night", "sum"),
                    _m_lo=("_m", "max"),
                    _m_hi=("_m", "sum"),
                    _c_lo=("_c", "max"),
                    _c_hi=("_c", "sum"),
                )
            )
            need = ((agg._m_lo < min_m) & (agg._m_hi > agg._m_lo)) | (
                (agg._c_lo < min_c) & (agg._c_hi > agg._c_lo)
            )
            picked = need.to_numpy()[cell_id - offset]
            members.append(
                fine.loc[picked, list(FINE_KEYS)].assign(_cell=cell_id[picked].astype("int64"))
            )
            cells.append(
                pd.DataFrame(
                    {
                        "_cell": agg.index.to_numpy(),
                        "period": agg.period.to_numpy(),
                        "region": agg._region.to_numpy() if level == "district" else city,
                        "dim": dim,
                        "dim_value": agg._dim_value.to_numpy() if dim else "",
                        "_sum": agg._sum.where(agg._has_sum).to_numpy(),
                        "_n": agg._n.to_numpy(),
                        "_night": agg._night.to_numpy(),
                        "_merchants": agg._m_lo.to_numpy(),
                        "_cards": agg._c_lo.to_numpy(),
                        "_exact": need.to_numpy(),
                    }
                )
            )
            offset += len(agg)
    out = pd.concat(cells, ignore_index=True) if cells else _empty_cells()
    exact = pd.concat(members, ignore_index=True) if members else pd.DataFrame()
    if len(exact):
        table = register_frame(con, _EXACT_TABLE, exact)
        try:
            j = rows.inner_join(table, list(FINE_KEYS))
            parts = []
            with quiet_engine_warnings():
                for part in range(n):
                    # Each id falls in exactly one partition, so per-partition distinct
                    # counts add up to the exact count; each query holds 1/n of the ids.
                    m, c = j.merchant_id, j.card_hash
                    parts.append(
                        con.execute(
                            j.group_by("_cell").aggregate(
                                _m=m.nunique(where=_in_partition(m, part, n)),
                                _c=c.nunique(where=_in_partition(c, part, n)),
                            )
                        )
                    )
            counts = pd.concat(parts).groupby("_cell").sum()
        finally:
            unregister_frame(con, _EXACT_TABLE)
        ids = out.loc[out._exact, "_cell"]
        out.loc[out._exact, "_merchants"] = counts._m.reindex(ids).fillna(0).to_numpy()
        out.loc[out._exact, "_cards"] = counts._c.reindex(ids).fillna(0).to_numpy()
    out["_merchants"] = out["_merchants"].clip(upper=min_m)
    out["_cards"] = out["_cards"].clip(upper=min_c)
    for col in ("period", "region", "dim_value"):
        out[col] = out[col].where(out[col] != _NULL, None)
    return out[list(CELL_SCHEMA.names)].astype(
        {"_n": "int64", "_merchants": "int64", "_cards": "int64", "_sum": "float64"}
    )


#: Bytes of query state per distinct (fine cell, id) pair, measured on DuckDB 1.x/2.0 with the
#: W1 generator (benchmarks/workloads/w7_card_memory.py; docs/sizing.md): the pairs are
#: about as many as the payments, so this is also the cost per payment of one unpartitioned pass.
PAIR_BYTES = 160
#: Share of the engine's memory limit one partition's pairs may fill: the scan, the other
#: aggregation and the result need the rest. Half, not less: each extra partition costs
#: about the one-pass time again (W7: 0.4–2.4×), while DuckDB spills a slight overshoot cheaply.
PAIR_BUDGET = 0.5
#: Upper bound on partitions (each is one more scan of the payments per id column).
MAX_PARTITIONS = 64


def distinct_partitions(rows: int, memory_bytes: int | None) -> int:
    """How many hash partitions keep one partition's (cell, id) pairs within budget.

    ``ceil(rows × PAIR_BYTES / (PAIR_BUDGET × memory_bytes))``, at least 1 and at most
    :data:`MAX_PARTITIONS`. Without a memory limit (Spark, which shuffles and spills the pairs
    by itself) or without rows: 1.

    >>> distinct_partitions(10_000_000, 4 * 10**9), distinct_partitions(20_000_000, 4 * 10**9)
    (1, 2)
    >>> distinct_partitions(0, 4 * 10**9), distinct_partitions(10**9, None)
    (1, 1)
    >>> distinct_partitions(10**12, 10**9)
    64
    """
    if not memory_bytes or rows <= 0:
        return 1
    need = -(-rows * PAIR_BYTES // int(PAIR_BUDGET * memory_bytes))
    return max(1, min(MAX_PARTITIONS, need))


def _in_partition(col: ir.Column, part: int, n: int) -> ir.BooleanValue:
    """``True`` where ``col`` hashes into partition ``part`` of ``n`` (always, for ``n == 1``).

    ``hash`` is signed on both engines (DuckDB's unsigned 64-bit hash cast to BIGINT by Ibis,
    Spark's 32-bit Murmur3), so the remainder is shifted into ``0 … n-1``.
    """
    if n == 1:
        return ibis.literal(True)
    return (((col.hash() % n) + n) % n) == part


def _partitioned_pair_counts(
    con: BaseBackend, rows: ir.Table, keys: list[str], col: str, name: str, n: int
) -> pd.DataFrame:
    """Distinct non-null ``col`` per ``keys`` cell as column ``name``, one query per partition.

    Each query is a ``GROUP BY`` of the distinct (cell, id) pairs of one partition, an
    ordinary aggregation that DuckDB spills to disk (its ``COUNT(DISTINCT)`` per group is held
    in memory) and Spark plans without multiplying the rows for two distinct columns.
    """
    parts: list[pd.DataFrame] = []
    for part in range(n):
        kept = rows.filter(rows[col].notnull(), _in_partition(rows[col], part, n))
        pairs = kept.select(*keys, col).distinct()
        parts.append(con.execute(pairs.group_by(keys).aggregate(**{name: pairs.count()})))
    if n == 1:
        return parts[0]
    merged = pd.concat(parts, ignore_index=True)
    return merged.groupby(keys, as_index=False, sort=False).agg({name: "sum"})


def _empty_cells() -> pd.DataFrame:
    return pd.DataFrame(
        {"_cell": pd.Series(dtype="int64"), "_exact": pd.Series(dtype=bool)}
        | {n: pd.Series(dtype=t.to_pandas()) for n, t in CELL_SCHEMA.items()}
    )


def card_cells_table(con: BaseBackend, card: ir.Table, ctx: Context) -> ir.Table:
    """:func:`card_cells` for all dims as a temporary table of ``con`` (name
    :data:`CELLS_TABLE`, replaced by the next call), which the card indicator expressions read."""
    from consumption_monitor.engine import register_frame

    return register_frame(con, CELLS_TABLE, card_cells(con, card, ctx), schema=CELL_SCHEMA)


def card_expr(
    cells: ir.Table, code: str, kind: str, params: dict[str, Any], ctx: Context
) -> ir.Table:
    """``card_sum`` / ``card_count`` by period × region × dim, or ``card_night_share``, read
    from the cell table of :func:`card_cells_table`."""
    agg = cells.filter(cells.dim.isin(["", *params.get("dims", [])]))
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
    and the position of the city total (:func:`consumption_monitor.privacy.breakdown_equations`)."""
    keys = list(zip(part.region, part.dim, part.dim_value, strict=True))
    return breakdown_equations(keys, city)


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
