"""The shared card cells against a naive loop over the payments.

:func:`consumption_monitor.compute.card.card_cells` computes every cell (period × city or
district × total or dim value) in two passes: fine cells with exact distinct counts, then
exact counts only where the bounds from the fine cells straddle a privacy threshold. The
oracle here walks the payments one by one, collects each cell's merchants and cards in Python
sets, and caps their sizes at the thresholds.
"""

from __future__ import annotations

from collections import defaultdict
from datetime import datetime, timedelta
from typing import Any

import ibis
import pandas as pd
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from ibis.backends import BaseBackend

from consumption_monitor.compute.card import CARD_DIMS, card_cells
from consumption_monitor.compute.context import Context
from consumption_monitor.engine import connect, register_frame

CITY = "120000"
MCC = {"5411": "grocery", "5812": "catering", "5311": "department"}
START = datetime(2024, 1, 30, 0, 0)
PAYMENT_SCHEMA = ibis.schema(
    {"txn_ts": "timestamp", "amount": "float64"}
    | dict.fromkeys(
        [
            "merchant_id",
            "mcc",
            "channel",
            "card_origin",
            "card_hash",
            "district_code",
            "business_district_id",
        ],
        "string",
    )
)


def naive_cells(rows: list[dict[str, Any]], min_m: int, min_c: int) -> pd.DataFrame:
    """Cells from a loop: business day = ts - 2 h, Jan folded into Feb, sets capped."""
    acc: dict[tuple[Any, ...], dict[str, Any]] = defaultdict(
        lambda: {"sum": 0.0, "n": 0, "night": 0.0, "m": set(), "c": set()}
    )
    for r in rows:
        day = r["txn_ts"] - timedelta(hours=2)
        period = f"{day.year}-{2 if day.month == 1 else day.month:02d}"
        night = r["txn_ts"].hour >= 18 or r["txn_ts"].hour < 2
        values = {
            "business_district": r["business_district_id"] or "none",
            "category": MCC.get(r["mcc"], "other"),
            "origin": r["card_origin"],
            "channel": r["channel"],
        }
        for region in (CITY, r["district_code"]):
            for dim in ("", *CARD_DIMS):
                cell = acc[(period, region, dim, values[dim] if dim else "")]
                cell["sum"] += r["amount"]
                cell["n"] += 1
                cell["night"] += r["amount"] if night else 0.0
                if r["merchant_id"] is not None:
                    cell["m"].add(r["merchant_id"])
                if r["card_hash"] is not None:
                    cell["c"].add(r["card_hash"])
    return pd.DataFrame(
        [
            {
                "period": p,
                "region": region,
                "dim": dim,
                "dim_value": value,
                "_sum": a["sum"],
                "_n": a["n"],
                "_night": a["night"],
                "_merchants": min(len(a["m"]), min_m),
                "_cards": min(len(a["c"]), min_c),
            }
            for (p, region, dim, value), a in acc.items()
        ]
    )


def _key(df: pd.DataFrame) -> pd.DataFrame:
    out = df.copy()
    for col in ("region", "dim_value"):
        out[col] = out[col].astype(object).where(out[col].notna(), "<null>")
    return out.sort_values(["period", "region", "dim", "dim_value"]).reset_index(drop=True)


def check(
    rows: list[dict[str, Any]],
    min_m: int,
    min_c: int,
    con: BaseBackend | None = None,
    partitions: int | None = None,
) -> pd.DataFrame:
    con = con or connect(engine="duckdb")
    card = register_frame(con, "cards", pd.DataFrame(rows), schema=PAYMENT_SCHEMA)
    ctx = Context(
        city=CITY, mcc_map=MCC, upgrade=(), upgrade_note="", district_names={},
        min_merchants=min_m, min_cards=min_c,
    )  # fmt: skip
    got = _key(card_cells(con, card, ctx, partitions=partitions))
    want = _key(naive_cells(rows, min_m, min_c))
    assert len(got) == len(want)
    keys = ["period", "region", "dim", "dim_value"]
    assert got[keys].astype(str).equals(want[keys].astype(str))
    for col in ("_n", "_merchants", "_cards"):
        assert got[col].astype(int).tolist() == want[col].astype(int).tolist(), col
    for col in ("_sum", "_night"):
        assert (got[col] - want[col]).abs().max() < 1e-6, col
    return got


payment = st.fixed_dictionaries(
    {
        "txn_ts": st.integers(0, 60 * 24 * 4 - 1).map(lambda m: START + timedelta(minutes=m * 15)),
        "merchant_id": st.sampled_from(["M1", "M2", "M3", "M4", "M5", None]),
        "mcc": st.sampled_from([*MCC, "9999"]),
        "amount": st.integers(1, 500),
        "channel": st.sampled_from(["online", "offline", None]),
        "card_origin": st.sampled_from(["local", "domestic", "foreign"]),
        "card_hash": st.sampled_from([f"C{i}" for i in range(12)] + [None]),
        "district_code": st.sampled_from(["120101", "120102", "120103"]),
        "business_district_id": st.sampled_from(["BD1", "BD2", None]),
    }
)


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    rows=st.lists(payment, min_size=1, max_size=80),
    min_m=st.integers(1, 6),
    min_c=st.integers(1, 12),
    partitions=st.sampled_from([None, 1, 3, 7]),
)
def test_card_cells_equal_a_naive_loop(
    rows: list[dict[str, Any]], min_m: int, min_c: int, partitions: int | None
) -> None:
    check(rows, min_m, min_c, partitions=partitions)


def test_straddling_cells_are_counted_exactly(backend: BaseBackend) -> None:
    """A city cell whose fine cells each hold 2 of the same 3 cards: the bounds (2 from the
    largest fine cell, 6 from the sum) straddle the threshold 3, so only the exact second pass
    gives 3 — neither bound would. On DuckDB and on Spark."""
    rows = [
        {
            "txn_ts": START + timedelta(days=3, hours=12),
            "merchant_id": f"M{i}",
            "mcc": "5411",
            "amount": 10.0,
            "channel": "offline",
            "card_origin": "local",
            "card_hash": card,
            "district_code": district,
            "business_district_id": "BD1",
        }
        for i, (district, card) in enumerate(
            [
                ("120101", "C1"),
                ("120101", "C2"),
                ("120102", "C2"),
                ("120102", "C3"),
                ("120103", "C3"),
                ("120103", "C1"),
            ]
        )
    ]
    got = check(rows, min_m=50, min_c=3, con=backend)
    city = got[(got.region == CITY) & (got.dim == "")]
    assert city._cards.tolist() == [3]
    assert city._merchants.tolist() == [6]


@pytest.mark.parametrize("min_c", [1, 2, 5])
def test_caps_hold_for_a_crowded_cell(min_c: int) -> None:
    rows = [
        {
            "txn_ts": START + timedelta(days=5, hours=h),
            "merchant_id": "M1",
            "mcc": "5812",
            "amount": 1.0,
            "channel": "online",
            "card_origin": "foreign",
            "card_hash": f"C{h}",
            "district_code": "120101",
            "business_district_id": None,
        }
        for h in range(3, 20)
    ]
    got = check(rows, min_m=2, min_c=min_c)
    assert set(got._cards) == {min_c}
    assert set(got._merchants) == {1}
