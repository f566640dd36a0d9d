"""Chain definitions, membership rules, link strength and the gap analysis."""

from __future__ import annotations

import pandas as pd
import pytest

from consumption_monitor.chains import (
    chain_graph,
    chain_summary,
    derive_membership,
    gap_analysis,
    link_strength,
    load_chains,
)
from consumption_monitor.projects import normalise_projects

SIM_CHAINS = ("美妆", "宠物", "智能家居", "新能源汽车后市场", "冷链食品")


def test_bundled_chains_cover_the_plan_chains_upstream_to_downstream():
    chains = load_chains()
    assert {c.name_zh for c in chains.chains} >= set(SIM_CHAINS)
    for c in chains.chains:
        positions = [x.position for x in c.links]
        assert positions == sorted(positions) and len(c.links) >= 4
        assert c.links[0].tier == "upstream" and c.links[-1].tier == "downstream"
        for link in c.links:
            assert link.industries, link.key  # every link is matchable by GB/T 4754 code


def test_link_names_are_the_simulators():
    simulate = pytest.importorskip("consumption_monitor.simulate.projects")
    chains = load_chains()
    for chain, links in simulate.CHAINS.items():
        for link in links:
            assert chains.link(chain, link).name_zh == link


def _projects(project, rows):
    return normalise_projects(pd.DataFrame([project(f"P{i}", **r) for i, r in enumerate(rows)]))


def test_membership_by_industry_category_project_and_table(project, em_rows, uscc):
    em = pd.DataFrame(
        em_rows(uscc(1), "F5234", "化妆品类", 10.0)  # cosmetics retailer by industry code
        + em_rows(uscc(2), "F52", "cosmetics", 20.0)  # department store: 20% cosmetics
        + em_rows(uscc(2), "F52", "apparel", 80.0)
        + em_rows(uscc(3), "F52", "cosmetics", 5.0)  # 5% cosmetics: below 15%
        + em_rows(uscc(3), "F52", "apparel", 95.0)
        + em_rows(uscc(4), "O8222", "other", 1.0)  # vet hospital: O8222 beats O822
    )
    projects = _projects(project, [
        {"chain": "宠物", "link": "宠物食品", "enterprise_id": uscc(5)},
        {"chain": "宠物", "link": "宠物用品", "enterprise_id": uscc(6), "stage": "negotiating",
         "signed_date": None},
    ])  # fmt: skip
    table = pd.DataFrame({"enterprise_id": [uscc(7)], "chain": ["冷链食品"], "link": ["冷链仓储"]})
    from consumption_monitor.chains.metrics import prepare

    m = derive_membership(load_chains(), prepare(em), projects, table)
    got = {(r["enterprise_id"], r["chain_id"], r["link_id"], r["basis"])
           for r in m.to_dict("records")}  # fmt: skip
    assert got == {
        (uscc(1), "beauty", "channel_retail", "industry"),
        (uscc(2), "beauty", "channel_retail", "category"),
        (uscc(4), "pet", "pet_medical", "industry"),
        (uscc(5), "pet", "pet_food", "project"),
        (uscc(7), "cold_chain_food", "cold_storage", "table"),
    }


def test_strength_attributes_sales_and_matched_growth(project, em_rows, uscc):
    em = pd.DataFrame(
        em_rows(uscc(1), "F5234", "cosmetics", 10.0, growth=0.2, online=0.5)
        + em_rows(uscc(2), "F52", "cosmetics", 20.0, growth=0.0)
        + em_rows(uscc(2), "F52", "apparel", 80.0, growth=0.2)  # not attributed: member by mix
        # enters in 2026 only: not in the matched panel, but in current sales
        + em_rows(uscc(3), "F5234", "cosmetics", 7.0, periods=["2026-05", "2026-06"])
    )
    s = link_strength(load_chains(), em).set_index(["chain_id", "link_id"])
    row = s.loc[("beauty", "channel_retail")]
    months = 11  # 2026-02 (Jan–Feb) … 2026-12
    assert row["enterprises"] == 3
    assert row["sales"] == pytest.approx(months * (12.0 + 20.0) + 14.0)
    assert row["growth_pct"] == pytest.approx((32.0 / 30.0 - 1) * 100, abs=1e-3)
    assert row["online_share_pct"] == pytest.approx(months * 6.0 / row["sales"] * 100)


def test_gap_analysis_finds_the_empty_link(project, em_rows, uscc):
    chains = load_chains()
    rows = []
    for c in chains.chains:
        for link in c.links:
            if (c.id, link.id) == ("pet", "pet_medical"):
                continue  # left empty on purpose
            for k in range(3):
                rows.append({"chain": c.name_zh, "link": link.name_zh, "investment": 2.0,
                             "enterprise_id": f"{c.id}.{link.id}.{k}"})  # fmt: skip
    projects = _projects(project, rows)
    gaps = gap_analysis(link_strength(chains, None, projects), chains.thresholds)
    missing = gaps[gaps["status"] == "missing"]
    assert missing[["chain_id", "link_id"]].values.tolist() == [["pet", "pet_medical"]]
    first = gaps.iloc[0]
    assert (first["link_id"], first["gap_size"]) == ("pet_medical", 1.0)
    assert set(first["flags"]) == {"no_enterprises", "no_projects"}
    assert (gaps.loc[gaps["status"] != "missing", "status"] == "ok").all()
    summary = chain_summary(gaps).set_index("chain_id")
    assert summary.loc["pet", "missing_links"] == ["pet_medical"]
    assert summary.loc["beauty", "projects"] == 15


def test_weak_links_by_documented_thresholds(project, uscc):
    chains = load_chains()
    th = chains.thresholds
    rows = [{"chain": "美妆", "link": link, "investment": inv, "enterprise_id": f"{link}{k}"}
            for link, inv, n in [("原料研发", 4.0, 3), ("生产制造", 4.0, 3), ("包装", 4.0, 1),
                                 ("品牌运营", 0.2, 3), ("渠道零售", 4.0, 3)]
            for k in range(n)]  # fmt: skip
    gaps = gap_analysis(link_strength(chains, None, _projects(project, rows)), th)
    g = gaps[gaps["chain_id"] == "beauty"].set_index("link_id")
    assert g.loc["packaging", "flags"] == ["few_enterprises"]
    assert g.loc["packaging", "enterprise_shortfall"] == pytest.approx(1 - 1 / th.min_enterprises)
    # brand_operation: 3 projects × 0.2 = 0.6 亿元 against 25% of the median (12.0) = 3.0
    assert g.loc["brand_operation", "flags"] == ["low_investment"]
    assert g.loc["brand_operation", "investment_shortfall"] == pytest.approx(1 - 0.6 / 3.0)
    assert g.loc["raw_materials", "status"] == "ok"
    # packaging reports no retail sales: gap size = mean of the two applicable shortfalls
    assert pd.isna(g.loc["packaging", "sales_shortfall"])
    assert g.loc["packaging", "investment_shortfall"] == 0.0  # 4.0 ≥ 0.25 × median 12.0
    assert g.loc["packaging", "gap_size"] == pytest.approx((1 - 1 / 3 + 0.0) / 2, abs=1e-4)


def test_gap_analysis_finds_the_simulators_empty_link():
    sim = pytest.importorskip("consumption_monitor.simulate.projects")
    from consumption_monitor.simulate.config import SimConfig

    cfg = SimConfig.build("tiny", 7, "2024-01", "2025-12")
    rows, truth = sim.project_rows(cfg)
    from consumption_monitor.catalog import load_catalog

    cols = load_catalog().dataset("projects").column_names
    projects = normalise_projects(pd.DataFrame(rows, columns=cols))
    chains = load_chains()
    gaps = gap_analysis(link_strength(chains, None, projects), chains.thresholds)
    gap_link = chains.link(truth["chain"], truth["link"])
    row = gaps[(gaps["chain_id"] == gap_link.chain_id) & (gaps["link_id"] == gap_link.id)]
    assert row["status"].item() == "missing"
    assert "no_projects" in row["flags"].item()


def test_graph_has_every_link_and_edges_downstream(project):
    chains = load_chains()
    gaps = gap_analysis(link_strength(chains), chains.thresholds)
    g = chain_graph(chains.chain("美妆"), gaps)
    assert [n["link_id"] for n in g["nodes"]] == [x.id for x in chains.chain("beauty").links]
    pos = {n["id"]: n["position"] for n in g["nodes"]}
    assert all(pos[e["source"]] < pos[e["target"]] for e in g["edges"])
    assert len(g["edges"]) == 4


def test_unmeasured_sales_are_a_dash_with_the_reason_not_zero(project, em_rows, uscc):
    # One cosmetics retailer reports (渠道零售, 12 × 10 万元 in its window); the 美妆 makers are
    # members through projects only and report no retail: their sales are not measured (#22).
    from consumption_monitor.chains.strength import sales_text

    em = pd.DataFrame(em_rows(uscc(1), "F5234", "化妆品类", 10.0))
    projects = _projects(project, [{"link": "生产制造", "enterprise_id": uscc(2)}])
    chains = load_chains()
    s = link_strength(chains, em, projects).set_index(["chain_id", "link_id"])
    retail, making = s.loc[("beauty", "channel_retail")], s.loc[("beauty", "manufacturing")]
    assert retail["sales_measured"] and retail["sales"] > 0 and retail["sales_note"] == ""
    assert not making["sales_measured"] and making["sales_note"] == "not_reported"
    assert sales_text(None, making["sales_note"], "zh") == "—（未测度：该环节企业不报送零售额）"
    graph = chain_graph(chains.chain("beauty"), gap_analysis(s.reset_index(), chains.thresholds))
    nodes = {n["link_id"]: n for n in graph["nodes"]}
    assert nodes["manufacturing"]["sales"] is None
    assert nodes["channel_retail"]["sales"] == pytest.approx(retail["sales"])
    # A chain no member of which reports retail has no sales figure, not 0.
    summary = chain_summary(gap_analysis(link_strength(chains, None, projects), chains.thresholds))
    beauty = summary.set_index("chain_id").loc["beauty"]
    assert beauty["sales"] is None and beauty["sales_note"] == "no_reports"
    assert sales_text(beauty["sales"], beauty["sales_note"], "en").startswith("— (not measured")
