"""Industry chains (产业链图谱): definitions, membership, strength, gaps and promotion candidates.

Typical use (pure functions on DataFrames; loaders in :mod:`consumption_monitor.projects.sources`)::

    chains = load_chains()
    strength = link_strength(chains, enterprise_monthly, projects)
    gaps = gap_analysis(strength, chains.thresholds)
    ranked = promotion_candidates(chains, gaps, "美妆.渠道零售", card_spend=spend)
"""

from consumption_monitor.chains.membership import derive_membership, read_membership
from consumption_monitor.chains.models import (
    Candidate,
    Chain,
    Chains,
    GapThresholds,
    Link,
    load_chains,
)
from consumption_monitor.chains.promotion import (
    GrowthBounds,
    ScoreWeights,
    candidate_inputs,
    override_inputs,
    promotion_candidates,
    score_candidates,
    scoring_method,
)
from consumption_monitor.chains.strength import (
    chain_graph,
    chain_summary,
    gap_analysis,
    link_strength,
    records,
)

__all__ = [
    "Candidate",
    "Chain",
    "Chains",
    "GapThresholds",
    "GrowthBounds",
    "Link",
    "ScoreWeights",
    "candidate_inputs",
    "chain_graph",
    "chain_summary",
    "derive_membership",
    "gap_analysis",
    "link_strength",
    "load_chains",
    "override_inputs",
    "promotion_candidates",
    "read_membership",
    "records",
    "score_candidates",
    "scoring_method",
]
