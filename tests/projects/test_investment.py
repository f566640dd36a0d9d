"""Investment by stage / district / chain adds up: checked against a naive loop."""

from __future__ import annotations

from collections import defaultdict

import pandas as pd
from hypothesis import given, settings
from hypothesis import strategies as st

from consumption_monitor.projects import STAGES, investment_by, normalise_projects, stage_matrix
from consumption_monitor.projects.summary import TOTAL, UNASSIGNED

DISTRICTS = ["120101", "120102", "120116"]
CHAINS = [("美妆", "包装"), ("宠物", "宠物服务"), ("冷链食品", "冷链物流"), (None, None)]

row = st.fixed_dictionaries({
    "district_code": st.sampled_from(DISTRICTS),
    "chain_link": st.sampled_from(CHAINS),
    "stage": st.sampled_from([s.value for s in STAGES]),
    "investment": st.floats(min_value=0, max_value=500, allow_nan=False).map(lambda x: round(x, 2)),
})  # fmt: skip


def _frame(rows):
    records = [
        {"project_id": f"P{i}", "name": "x", "chain": r["chain_link"][0],
         "link": r["chain_link"][1], "district_code": r["district_code"],
         "investment": r["investment"], "stage": r["stage"]}
        for i, r in enumerate(rows)
    ]  # fmt: skip
    return normalise_projects(pd.DataFrame(records))


def _naive(df, col):
    sums, counts = defaultdict(float), defaultdict(int)
    for r in df.to_dict("records"):
        key = r[col] if isinstance(r[col], str) else UNASSIGNED
        sums[key] += r["investment"]
        counts[key] += 1
    return sums, counts


@settings(max_examples=40, deadline=None)
@given(st.lists(row, min_size=1, max_size=25))
def test_groups_match_a_naive_loop_and_sum_to_the_total(rows):
    df = _frame(rows)
    total = sum(r["investment"] for r in rows)
    for col in ("stage", "district_code", "chain_id"):
        table = investment_by(df, [col]).set_index(col)
        sums, counts = _naive(df, col)
        for key, value in sums.items():
            assert abs(table.loc[key, "investment"] - value) < 1e-6
            assert table.loc[key, "projects"] == counts[key]
        body = table.drop(index=TOTAL)
        assert abs(body["investment"].sum() - total) < 1e-6
        assert abs(table.loc[TOTAL, "investment"] - total) < 1e-6
        assert table.loc[TOTAL, "projects"] == len(rows)
    matrix = stage_matrix(df, "district_code").set_index("district_code")
    for d in set(df["district_code"]):
        for s in STAGES:
            expected = sum(r["investment"] for r in rows
                           if r["district_code"] == d and r["stage"] == s.value)  # fmt: skip
            assert abs(matrix.loc[d, s.value] - expected) < 1e-6
    assert abs(matrix.loc[TOTAL, TOTAL] - total) < 1e-6


def test_every_stage_is_listed_in_pipeline_order_even_when_empty():
    df = _frame([{"district_code": "120101", "chain_link": CHAINS[0], "stage": "operation",
                  "investment": 3.0}])  # fmt: skip
    table = investment_by(df)
    assert table["stage"].tolist() == [s.value for s in STAGES] + [TOTAL]
    assert table["investment"].tolist() == [0.0, 0.0, 0.0, 3.0, 0.0, 3.0]
