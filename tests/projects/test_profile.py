"""Enterprise profile: figures, peers on a matched panel, and the office-only access rule."""

from __future__ import annotations

import pandas as pd
import pytest

from consumption_monitor.chains import derive_membership, load_chains
from consumption_monitor.chains.metrics import prepare
from consumption_monitor.errors import NotFoundError
from consumption_monitor.profiles import can_see_unpublished, enterprise_profile
from consumption_monitor.projects import normalise_projects


@pytest.fixture
def data(em_rows, uscc, project):
    rows = em_rows(uscc(1), "F5234", "cosmetics", 30.0, growth=0.3, online=0.25) + em_rows(
        uscc(1), "F5234", "daily_use", 10.0, growth=0.3
    )
    for k, g in zip(range(2, 6), (0.0, 0.1, 0.2, 0.1), strict=True):  # four peers
        rows += em_rows(uscc(k), "F5234", "cosmetics", 20.0, growth=g)
    rows += em_rows(uscc(9), "F5234", "cosmetics", 99.0, district="120102")  # other district
    em = prepare(pd.DataFrame(rows))
    projects = normalise_projects(pd.DataFrame([project("P1", enterprise_id=uscc(1))]))
    chains = load_chains()
    return em, projects, derive_membership(chains, em, projects), chains


def _profile(data, eid, **kw):
    em, projects, membership, chains = data
    return enterprise_profile(eid, em, projects=projects, membership=membership, chains=chains,
                              **kw)  # fmt: skip


def test_office_sees_figures_and_growth_against_peers(data, uscc):
    p = _profile(data, uscc(1), viewer_role="office")
    assert not p.restricted and p.district_zh == "和平区" and p.industry == "F5234"
    months = 11
    assert p.sales_12m == pytest.approx(months * 40.0 * 1.3)
    assert p.online_share_pct == pytest.approx(30 * 0.25 / 40 * 100)
    assert [c["category"] for c in p.category_mix] == ["cosmetics", "daily_use"]
    assert p.category_mix[0]["share_pct"] == 75.0
    assert p.growth_pct == pytest.approx(30.0, abs=1e-3)
    assert p.peers == 4
    assert p.peer_growth_pct == pytest.approx((20 * 4.4 / 80 - 1) * 100, abs=1e-3)
    assert p.growth_gap_pp == pytest.approx(30.0 - 10.0, abs=1e-3)
    assert p.chain_positions[0]["link_id"] == "channel_retail"
    assert [x["project_id"] for x in p.projects] == ["P1"]
    assert len(p.sales_history) == 22 and p.sales_history[0]["period"] == "2025-02"


@pytest.mark.parametrize("role", ["district", "department", "viewer", "provider", None])
def test_other_roles_get_no_unpublished_figures(data, uscc, role):
    p = _profile(data, uscc(1), viewer_role=role)
    assert p.restricted
    assert p.sales_history == [] and p.category_mix == [] and p.sales_12m is None
    assert p.growth_pct is None and p.peer_growth_pct is None and p.online_share_pct is None
    assert p.chain_positions and p.projects  # identity, chain position and projects remain
    assert "办公室" in p.notice_zh


def test_explicit_flag_wins_over_role(data, uscc):
    assert _profile(data, uscc(1), viewer_role="viewer", can_see=True).sales_12m is not None
    assert _profile(data, uscc(1), viewer_role="office", can_see=False).restricted
    assert can_see_unpublished("admin") and not can_see_unpublished("nobody")


def test_peer_growth_withheld_below_three_peers(data, uscc):
    p = _profile(data, uscc(9), viewer_role="office")
    assert p.peers == 0 and p.peer_growth_pct is None and "少于" in p.notice_zh


def test_unknown_enterprise_is_not_found(data, uscc):
    with pytest.raises(NotFoundError):
        _profile(data, uscc(77), viewer_role="office")
