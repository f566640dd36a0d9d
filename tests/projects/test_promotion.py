"""Candidate scoring follows its documented formula; inputs are explained and replaceable."""

from __future__ import annotations

import pandas as pd
import pytest

from consumption_monitor.chains import (
    GrowthBounds,
    ScoreWeights,
    candidate_inputs,
    gap_analysis,
    link_strength,
    load_chains,
    override_inputs,
    promotion_candidates,
    score_candidates,
    scoring_method,
)
from consumption_monitor.errors import DataValidationError


def _by_hand(gap, demand, demand_max, growth, w=(0.4, 0.35, 0.25), lo=-10.0, hi=20.0):
    """The formula of docs/projects.md, written out independently."""
    d = demand / demand_max if demand_max > 0 else 0.0
    r = 0.5 if growth is None else min(max((growth - lo) / (hi - lo), 0.0), 1.0)
    return 100 * (w[0] * gap + w[1] * d + w[2] * r) / sum(w)


def test_score_recomputed_by_hand_from_the_components():
    inputs = pd.DataFrame({
        "link_key": ["a.x", "a.x", "b.y", "b.y"],
        "candidate_id": ["c1", "c2", "c3", "c4"],
        "gap_size": [1.0, 0.5, 0.25, 0.0],
        "demand_yuan": [2_000_000.0, 500_000.0, 0.0, 1_000_000.0],
        "growth_pct": [5.0, 35.0, None, -12.0],
    })  # fmt: skip
    scored = score_candidates(inputs).set_index("candidate_id")
    hand = {}
    for cid, gap, demand, growth in inputs[["candidate_id", "gap_size", "demand_yuan",
                                            "growth_pct"]].itertuples(index=False):  # fmt: skip
        hand[cid] = _by_hand(gap, demand, 2e6, None if pd.isna(growth) else growth)
        assert scored.loc[cid, "score"] == pytest.approx(hand[cid], abs=0.01)
    assert scored.loc["c2", "growth"] == 1.0 and scored.loc["c4", "growth"] == 0.0
    assert scored.loc["c3", "growth"] == 0.5  # missing growth is neutral
    assert hand["c3"] == pytest.approx(100 * (0.4 * 0.25 + 0.25 * 0.5))  # worked example
    assert scored.sort_values("rank").index.tolist() == sorted(hand, key=lambda c: -hand[c])
    # the formula string carries the numbers of its row
    assert scored.loc["c1", "formula"].endswith(f"= {scored.loc['c1', 'score']:.2f}")


def test_weights_and_bounds_are_configurable_and_normalised():
    inputs = pd.DataFrame({"link_key": ["a"], "candidate_id": ["c"], "gap_size": [0.5],
                           "demand_yuan": [10.0], "growth_pct": [0.0]})  # fmt: skip
    scored = score_candidates(inputs, ScoreWeights(2, 0, 2), GrowthBounds(-20, 20))
    assert scored.loc[0, "score"] == pytest.approx(100 * (0.5 * 0.5 + 0.5 * 0.5))
    assert (scored.loc[0, "w_gap"], scored.loc[0, "w_demand"]) == (0.5, 0.0)
    with pytest.raises(DataValidationError):
        score_candidates(inputs, ScoreWeights(0, 0, 0))
    assert "formula" in scoring_method()


def test_local_inputs_from_card_spending_and_category_growth(em_rows, uscc):
    chains = load_chains()
    em = pd.DataFrame(em_rows(uscc(1), "F5234", "cosmetics", 10.0, growth=0.1))
    gaps = gap_analysis(link_strength(chains, em), chains.thresholds)
    link = chains.link("美妆", "渠道零售")
    spend = pd.DataFrame({"mcc": ["5977", "5311", "5411"], "amount": [300.0, 700.0, 999.0]})
    inputs = candidate_inputs(chains, gaps, [link], enterprise_monthly=em, card_spend=spend)
    rows = inputs.set_index("candidate_id")
    # flagship stores look at cosmetics + department-store MCCs; collection stores at cosmetics
    assert rows.loc["flagship_first_store", "demand_yuan"] == 1000.0
    assert rows.loc["beauty_collection_store", "demand_yuan"] == 300.0
    assert rows.loc["beauty_collection_store", "growth_pct"] == pytest.approx(10.0, abs=1e-3)
    gap = gaps.set_index(["chain_id", "link_id"]).loc[("beauty", "channel_retail"), "gap_size"]
    assert (rows["gap_size"] == gap).all()


def test_external_inputs_replace_local_ones(em_rows, uscc):
    chains = load_chains()
    gaps = gap_analysis(link_strength(chains), chains.thresholds)
    external = pd.DataFrame({"link_key": ["pet.pet_medical"], "candidate_id": ["vet_chain"],
                             "demand_yuan": [5e7], "growth_pct": [18.0]})  # fmt: skip
    ranked = promotion_candidates(chains, gaps, "宠物.宠物医疗", external=external)
    row = ranked.set_index("candidate_id").loc["vet_chain"]
    assert (row["demand_yuan"], row["growth_pct"]) == (5e7, 18.0)
    assert row["demand_yuan_source"] == "external"
    assert row["score"] == pytest.approx(_by_hand(1.0, 5e7, 5e7, 18.0), abs=0.01)
    same = override_inputs(ranked[["link_key", "candidate_id", "gap_size", "demand_yuan",
                                   "growth_pct"]], external.iloc[0:0])  # fmt: skip
    assert (same["demand_yuan_source"] == "local").all()


def test_without_link_every_weak_link_is_scored_together():
    chains = load_chains()
    gaps = gap_analysis(link_strength(chains), chains.thresholds)
    ranked = promotion_candidates(chains, gaps)
    assert set(ranked["link_key"]) == {x.key for x in chains.links()}
    assert ranked["rank"].tolist() == list(range(1, len(ranked) + 1))
