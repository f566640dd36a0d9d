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


def _by_hand(gap, demand_share, growth, interest_share=0.0, w=(0.35, 0.30, 0.20, 0.15),
             lo=-10.0, hi=20.0):  # fmt: skip
    """The formula of docs/projects.md, written out independently (shares already 0–1)."""
    r = 0.5 if growth is None else min(max((growth - lo) / (hi - lo), 0.0), 1.0)
    return 100 * (w[0] * gap + w[1] * demand_share + w[2] * r + w[3] * interest_share) / sum(w)


def test_score_recomputed_by_hand_from_the_components():
    inputs = pd.DataFrame({
        "link_key": ["a.x", "a.x", "b.y", "b.y"],
        "candidate_id": ["c1", "c2", "c3", "c4"],
        "gap_size": [1.0, 0.5, 0.25, 0.0],
        "card_yuan": [2_000_000.0, 500_000.0, 0.0, 1_000_000.0],
        "enterprise_yuan": [1e9, 4e9, 0.0, 2e9],
        "demand_yuan": [1.002e9, 4.0005e9, 0.0, 2.001e9],
        "growth_pct": [5.0, 35.0, None, -12.0],
        "first_store_count": [0.0, 10.0, 5.0, 0.0],
    })  # fmt: skip
    scored = score_candidates(inputs).set_index("candidate_id")
    hand = {}
    for r in inputs.to_dict("records"):
        # each side is a share of its own maximum; the demand term is their mean
        share = (r["card_yuan"] / 2e6 + r["enterprise_yuan"] / 4e9) / 2
        growth = None if pd.isna(r["growth_pct"]) else r["growth_pct"]
        hand[r["candidate_id"]] = _by_hand(r["gap_size"], share, growth,
                                           r["first_store_count"] / 10)  # fmt: skip
        assert scored.loc[r["candidate_id"], "score"] == pytest.approx(
            hand[r["candidate_id"]], abs=0.01
        )
    assert scored.loc["c2", "growth"] == 1.0 and scored.loc["c4", "growth"] == 0.0
    assert scored.loc["c3", "growth"] == 0.5  # missing growth is neutral
    assert hand["c3"] == pytest.approx(100 * (0.35 * 0.25 + 0.20 * 0.5 + 0.15 * 0.5))
    assert scored.sort_values("rank").index.tolist() == sorted(hand, key=lambda c: -hand[c])
    # the formula string carries the numbers of its row; the explanation names every term
    assert scored.loc["c1", "formula"].endswith(f"= {scored.loc['c1', 'score']:.2f}")
    points = sum(scored.loc["c2", f"pts_{t}"] for t in ("gap", "demand", "growth", "interest"))
    assert points == pytest.approx(scored.loc["c2", "score"], abs=0.01)
    assert all(t in scored.loc["c2", "explain_zh"] for t in ("缺口", "需求", "增长", "首店热度"))


def test_equal_scores_are_ordered_by_demand():
    inputs = pd.DataFrame({"link_key": ["a", "a"], "candidate_id": ["b_low", "a_high"],
                           "gap_size": [0.5, 0.5], "demand_yuan": [0.0, 0.0],
                           "growth_pct": [None, None]})  # fmt: skip
    ranked = score_candidates(inputs)
    assert ranked["candidate_id"].tolist() == ["a_high", "b_low"]  # tie → id
    inputs["demand_yuan"] = [1.0, 0.0]
    assert score_candidates(inputs)["candidate_id"].tolist()[0] == "b_low"


def test_weights_and_bounds_are_configurable_and_normalised():
    inputs = pd.DataFrame({"link_key": ["a"], "candidate_id": ["c"], "gap_size": [0.5],
                           "demand_yuan": [10.0], "growth_pct": [0.0]})  # fmt: skip
    scored = score_candidates(inputs, ScoreWeights(2, 0, 2, 0), GrowthBounds(-20, 20))
    assert scored.loc[0, "score"] == pytest.approx(100 * (0.5 * 0.5 + 0.5 * 0.5))
    assert (scored.loc[0, "w_gap"], scored.loc[0, "w_demand"]) == (0.5, 0.0)
    with pytest.raises(DataValidationError):
        score_candidates(inputs, ScoreWeights(0, 0, 0, 0))
    with pytest.raises(DataValidationError):
        score_candidates(inputs, ScoreWeights(1, -1, 1, 1))
    assert "formula" in scoring_method()


def test_local_inputs_from_card_spending_and_category_growth(em_rows, uscc):
    chains = load_chains()
    em = pd.DataFrame(em_rows(uscc(1), "F5234", "cosmetics", 10.0, growth=0.1))
    gaps = gap_analysis(link_strength(chains, em), chains.thresholds)
    link = chains.link("美妆", "渠道零售")
    spend = pd.DataFrame({"mcc": ["5977", "5311", "5411"], "amount": [300.0, 700.0, 999.0]})
    inputs = candidate_inputs(chains, gaps, [link], enterprise_monthly=em, card_spend=spend)
    rows = inputs.set_index("candidate_id")
    # flagship stores look at cosmetics + department-store MCCs; collection stores (offline
    # channel) at cosmetics; the enterprise side is 限上 cosmetics sales over 12 months
    assert rows.loc["flagship_first_store", "card_yuan"] == 1000.0
    assert rows.loc["beauty_collection_store", "card_yuan"] == 300.0
    twelve = 10.0 * 1.1 * 11  # 2026-02 (Jan–Feb as one period) … 2026-12, grown 10% (万元)
    assert rows.loc["flagship_first_store", "enterprise_yuan"] == pytest.approx(twelve * 1e4)
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
    # the outside demand figure stands for both sides; it is the only demand in the list
    assert row["score"] == pytest.approx(_by_hand(1.0, 1.0, 18.0), abs=0.01)
    same = override_inputs(ranked[["link_key", "candidate_id", "gap_size", "demand_yuan",
                                   "growth_pct"]], external.iloc[0:0])  # fmt: skip
    assert (same["demand_yuan_source"] == "local").all()


def test_without_link_every_weak_link_is_scored_together():
    chains = load_chains()
    gaps = gap_analysis(link_strength(chains), chains.thresholds)
    ranked = promotion_candidates(chains, gaps)
    assert set(ranked["link_key"]) == {x.key for x in chains.links()}
    assert ranked["rank"].tolist() == list(range(1, len(ranked) + 1))


def test_online_and_offline_candidates_read_their_own_channel(em_rows, uscc):
    chains = load_chains()
    em = pd.DataFrame(em_rows(uscc(1), "F5234", "cosmetics", 10.0, online=0.25))
    gaps = gap_analysis(link_strength(chains, em), chains.thresholds)
    spend = pd.DataFrame({"mcc": ["5977", "5977"], "channel": ["online", "offline"],
                          "amount": [100.0, 900.0]})  # fmt: skip
    link = chains.link("美妆", "品牌运营")
    rows = candidate_inputs(chains, gaps, [link], enterprise_monthly=em, card_spend=spend)
    rows = rows.set_index("candidate_id")
    assert rows.loc["mcn", "channel"] == "online"
    assert rows.loc["mcn", "card_yuan"] == 100.0  # online payments only
    assert rows.loc["mcn", "enterprise_yuan"] == pytest.approx(10.0 * 0.25 * 11 * 1e4)
    assert rows.loc["brand_hq", "card_yuan"] == 1000.0  # every channel
    collection = candidate_inputs(chains, gaps, [chains.link("美妆", "渠道零售")],
                                  enterprise_monthly=em, card_spend=spend)  # fmt: skip
    offline = collection.set_index("candidate_id").loc["beauty_collection_store"]
    assert offline["card_yuan"] == 900.0
    assert offline["enterprise_yuan"] == pytest.approx(10.0 * 0.75 * 11 * 1e4)


def test_first_stores_in_the_candidates_formats_count_as_interest(em_rows, uscc):
    chains = load_chains()
    em = pd.DataFrame(em_rows(uscc(1), "F5234", "cosmetics", 10.0))
    gaps = gap_analysis(link_strength(chains, em), chains.thresholds)
    stores = pd.DataFrame({
        "brand": ["A", "B", "C", "D"], "category": ["美妆", "美妆", "餐饮", "美妆"],
        "open_date": pd.to_datetime(["2026-03-01", "2026-11-30", "2026-05-01", "2024-05-01"]),
    })  # fmt: skip
    links = [chains.link("美妆", "渠道零售"), chains.link("美妆", "原料研发")]
    rows = candidate_inputs(chains, gaps, links, enterprise_monthly=em, first_stores=stores)
    counts = rows.set_index("candidate_id")["first_store_count"]
    assert counts["beauty_collection_store"] == 2.0  # 美妆 within the 12 months (not 2024)
    assert counts["fragrance"] == 0.0  # an upstream link has no storefront formats


def test_candidates_of_one_link_never_declare_the_same_demand():
    """Two candidates of a link that read the same data could only tie: the catalog forbids it."""
    chains = load_chains()
    for link in chains.links():
        seen = {}
        for cand in link.candidates:
            key = (
                tuple(sorted(cand.categories if cand.categories is not None else link.categories)),
                tuple(sorted(cand.card_categories if cand.card_categories is not None
                             else link.card_categories)),
                tuple(sorted(cand.mcc if cand.mcc is not None else link.mcc)),
                tuple(sorted(cand.formats if cand.formats is not None else link.formats)),
                cand.channel,
            )  # fmt: skip
            assert key not in seen, f"{link.key}: {cand.id} reads the same data as {seen[key]}"
            seen[key] = cand.id


def test_raw_material_candidates_separate_on_city_data(em_rows, uscc):
    """The issue's tie: 功效原料研发企业 and 香精香料企业 scored 18.99 each."""
    chains = load_chains()
    em = pd.DataFrame(
        em_rows(uscc(1), "F5234", "cosmetics", 50.0, growth=0.05)
        + em_rows(uscc(2), "F5251", "medicine", 40.0, growth=0.12)
        + em_rows(uscc(3), "F5212", "daily_use", 20.0, growth=-0.02)
    )
    gaps = gap_analysis(link_strength(chains, em), chains.thresholds)
    ranked = promotion_candidates(chains, gaps, "美妆.原料研发", enterprise_monthly=em)
    scores = ranked.set_index("candidate_id")["score"]
    assert scores["active_ingredients"] != scores["fragrance"]
    # medicines sell more and grow faster than daily-use goods here, so the lab ranks first
    assert scores["active_ingredients"] > scores["fragrance"]


def test_a_planted_gap_moves_its_candidates_up(em_rows, uscc):
    """Remove every enterprise of one link: its gap grows and its candidates rise."""
    chains = load_chains()
    full = []
    for n, (industry, category) in enumerate(
        [("F5234", "cosmetics"), ("F5297", "other"), ("F5212", "grain_food")] * 4, start=1
    ):
        full += em_rows(uscc(n), industry, category, 30.0, growth=0.05)
    em = pd.DataFrame(full)

    def rank_of(frame: pd.DataFrame, candidate: str) -> int:
        gaps = gap_analysis(link_strength(chains, frame), chains.thresholds)
        everything = candidate_inputs(chains, gaps, list(chains.links()),
                                      enterprise_monthly=frame)  # fmt: skip
        ranked = score_candidates(everything).set_index("candidate_id")
        return int(ranked.loc[candidate, "rank"])

    before = rank_of(em, "beauty_collection_store")
    planted = em[em["industry"] != "F5234"]  # the city loses its cosmetics retailers
    after = rank_of(planted, "beauty_collection_store")
    assert after < before
