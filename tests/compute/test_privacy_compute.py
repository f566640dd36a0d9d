"""Card privacy in the indicator table: small cells AND their complements are hidden.

Oracle (:mod:`tests.privacy_oracle`): for each suppressed cell, ``linprog`` finds its smallest and
largest value given every published cell of the long table and every published additive
relation (districts under the city total, each breakdown under its district's and the city's
total, each city breakdown cell as the sum of the district cells). A protected cell has a
proper interval. The equations are built here, independently of the code under test.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from tests.privacy_oracle import linked_ranges

from consumption_monitor.compute.card import COUNT_COLUMNS, protect_card_frames
from consumption_monitor.compute.frame import EXPR_COLUMNS
from consumption_monitor.config import load_settings
from consumption_monitor.privacy import protect_breakdown

CITY = "120000"
KEY = ["region", "dim", "dim_value"]


def oracle_equations(t: pd.DataFrame) -> list[tuple[list[int], list[float]]]:
    """Published additive relations of one period's long card table (row positions)."""
    pos = {k: i for i, k in enumerate(zip(t.region, t.dim, t.dim_value, strict=True))}
    eqs = []
    regions = sorted({r for r, _, _ in pos})
    dims = sorted({d for _, d, _ in pos} - {""})
    districts = [r for r in regions if r != CITY]
    eqs.append(([pos[(r, "", "")] for r in districts] + [pos[(CITY, "", "")]], None))
    for d in dims:
        for r in regions:
            parts = [i for (rr, dd, _), i in pos.items() if rr == r and dd == d]
            if parts:
                eqs.append(([*parts, pos[(r, "", "")]], None))
        for v in sorted({v for (_, dd, v) in pos if dd == d}):
            parts = [pos[(r, d, v)] for r in districts if (r, d, v) in pos]
            if (CITY, d, v) in pos:
                eqs.append(([*parts, pos[(CITY, d, v)]], None))
    return [(idx, [1.0] * (len(idx) - 1) + [-1.0]) for idx, _ in eqs]


def assert_protected(internal: pd.DataFrame, published: pd.DataFrame) -> None:
    """Every hidden cell of ``published`` has a proper range given the published figures."""
    t = internal.merge(published[[*KEY, "value", "note"]], on=KEY, suffixes=("", "_pub"))
    assert len(t) == len(internal)
    hidden = (t.note_pub == "suppressed").to_numpy()
    assert np.isnan(t.value_pub[hidden]).all() and np.allclose(
        t.value_pub[~hidden], t[~hidden].value
    )
    city = ((t.region == CITY) & (t.dim == "")).to_numpy()
    assert not hidden[city].any(), "the city total is never suppressed"
    for lo, hi in linked_ranges(t.value.to_numpy(float), hidden, oracle_equations(t)):
        assert hi - lo > 1e-6, "a suppressed cell is recoverable from the published figures"


def long_table(values: np.ndarray, merchants: np.ndarray, cards: np.ndarray) -> pd.DataFrame:
    """District × category cells with their totals, as a card expression returns them."""
    recs = []
    n_rows, n_cols = values.shape
    blocks = {f"12010{r + 1}": (values[r], merchants[r], cards[r]) for r in range(n_rows)}
    blocks[CITY] = (values.sum(0), merchants.sum(0), cards.sum(0))
    for region, (v, m, c) in blocks.items():
        recs.append((region, "", "", v.sum(), m.sum(), c.sum()))
        recs += [(region, "category", f"c{j}", v[j], m[j], c[j]) for j in range(n_cols)]
    t = pd.DataFrame(recs, columns=[*KEY, "value", "_merchants", "_cards"])
    return t.assign(
        indicator="card_spending",
        period="2024-03",
        basis="month",
        yoy_pct=np.nan,
        numerator=np.nan,
        denominator=np.nan,
        note="",
        _weight=t.value.astype(float),
        value=t.value.astype(float),
    )[[*EXPR_COLUMNS, *COUNT_COLUMNS]]


def grids(r: int, c: int) -> st.SearchStrategy[list[list[int]]]:
    return st.lists(st.lists(st.integers(0, 12), min_size=c, max_size=c), min_size=r, max_size=r)


tables = st.tuples(st.integers(2, 4), st.integers(2, 4)).flatmap(
    lambda s: st.tuples(
        st.lists(
            st.lists(st.integers(1, 60), min_size=s[1], max_size=s[1]), min_size=s[0], max_size=s[0]
        ),
        grids(*s),
        grids(*s),
    )
)


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(tables)
def test_no_suppressed_cell_of_the_long_table_is_recoverable(
    table: tuple[list[list[int]], list[list[int]], list[list[int]]],
) -> None:
    values, merchants, cards = (np.array(x, dtype=float) for x in table)
    internal = long_table(values, merchants, cards * 3)
    out = protect_card_frames({"card_spending": internal}, CITY, 3, 10)["card_spending"]
    assert list(out.columns) == list(EXPR_COLUMNS)  # the counts never leave the engine step
    small = ((internal._merchants < 3) | (internal._cards < 10)).to_numpy()
    city = ((internal.region == CITY) & (internal.dim == "")).to_numpy()
    assert (out.note.to_numpy()[small & ~city] == "suppressed").all()  # primary cells hidden
    assert_protected(internal[list(EXPR_COLUMNS)], out)


def test_one_small_district_gets_its_next_smallest_sibling_hidden() -> None:
    values = np.array([[100.0], [5.0], [30.0], [80.0]])
    merchants = np.array([[9.0], [1.0], [9.0], [9.0]])
    internal = long_table(values, merchants, np.full_like(values, 50.0))
    internal = internal[internal.dim == ""].reset_index(drop=True)
    night = internal.assign(
        indicator="night_spending_share",
        numerator=internal.value / 4,
        denominator=internal.value,
        value=25.0,
    )
    out = protect_card_frames({"card_spending": internal, "night": night}, CITY, 3, 10)
    spend = out["card_spending"].set_index("region")
    assert spend.note.to_dict() == {
        "120101": "",
        "120102": "suppressed",
        "120103": "suppressed",  # 30 is the smallest published sibling of the small 5
        "120104": "",
        CITY: "",
    }
    assert spend.value.isna().sum() == 2 and spend.value[CITY] == 215.0
    # The night share of the same cells is hidden too, numerator and denominator included.
    share = out["night"].set_index("region")
    assert share.loc[["120102", "120103"], ["value", "numerator", "denominator"]].isna().all().all()
    assert share.loc["120101", "denominator"] == 100.0
    assert_protected(internal[list(EXPR_COLUMNS)], out["card_spending"])
    # The 1-D helper agrees: a lone hidden cell gets the next-smallest sibling.
    hidden = protect_breakdown(values[:, 0], merchants[:, 0] < 3)
    assert hidden.tolist() == [False, True, True, False]


def test_rollups_add_up_internally_and_nothing_hidden_is_recoverable(lake) -> None:  # type: ignore[no-untyped-def]
    """The engine's internal table (before suppression) adds up to the city total; after
    suppression with real thresholds, published + hidden still equal the totals internally and
    no hidden cell of the published table can be recovered."""
    from consumption_monitor.compute import FrameSource
    from consumption_monitor.compute.context import context
    from consumption_monitor.compute.steps import indicator_expr
    from consumption_monitor.engine import connect
    from consumption_monitor.indicators import load_indicators

    s = load_settings(engine="duckdb", duckdb_threads=1, min_cell_merchants=9, min_cell_cards=30)
    con = connect(s)
    card = FrameSource(lake).read_table(con, "card_transactions")
    ctx = context(s)
    ind = load_indicators().get("card_spending")
    expr = indicator_expr(ind, {"card_transactions": card}, ctx, con)
    assert expr is not None
    internal = con.execute(expr)
    assert internal.region.notna().all()
    out = protect_card_frames({"card_spending": internal}, CITY, 9, 30)["card_spending"]
    assert (out.note == "suppressed").any()  # the thresholds bite on this lake
    for period in ("2024-03", "2023-03"):
        t = internal[internal.period == period].reset_index(drop=True)
        total = t[(t.region == CITY) & (t.dim == "")].value.item()
        assert t[(t.region != CITY) & (t.dim == "")].value.sum() == np.float64(total)
        for dim in ("business_district", "category", "origin", "channel"):
            city_parts = t[(t.region == CITY) & (t.dim == dim)].value.sum()
            assert city_parts == np.float64(total) or abs(city_parts - total) < 1e-6 * total
        pub = out[out.period == period]
        assert pub[(pub.region == CITY) & (pub.dim == "")].value.item() == total
        assert_protected(t[list(EXPR_COLUMNS)], pub)
