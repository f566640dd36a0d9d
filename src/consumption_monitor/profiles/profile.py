"""Enterprise profile (精准画像) for targeted promotion and project follow-up.

For one enterprise (USCC): identity (name, district, industry), its chain positions, its linked
major projects, and — for viewers allowed to see unpublished data — its sales history, category
mix, online share and growth against its peers.

Access rule. An enterprise's own figures come from 联网直报 and data providers and are
**unpublished micro data**: they stay with the office. Only roles that see every unit's
unpublished data (:data:`consumption_monitor.auth.roles.ALL_UNIT_ROLES`: admin, office) get the
figures; everyone else (departments, districts, viewers, providers) gets identity, chain position
and linked projects, and the profile says that figures are withheld. Pass ``viewer_role`` or
``can_see_unpublished`` (the explicit flag wins).

Peers are the enterprises with the same industry code and district. Growth is on a matched
panel (units with sales in both windows: 12 months to the latest period and the 12 before).
The peer figure is withheld when fewer than ``min_peers`` peers are matched (default 3: a
published cell of fewer than three units would reveal individual data — statistical
confidentiality practice).
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from typing import Any

import pandas as pd

from consumption_monitor.auth.roles import ALL_UNIT_ROLES, Role
from consumption_monitor.catalog import load_catalog
from consumption_monitor.chains.metrics import in_window, latest_period, matched_growth, prepare
from consumption_monitor.chains.models import Chains, is_blank, load_chains
from consumption_monitor.errors import NotFoundError

MIN_PEERS = 3


def can_see_unpublished(viewer_role: Role | str | None) -> bool:
    """True for admin and office (the roles that see every unit's unpublished data).

    >>> can_see_unpublished("office"), can_see_unpublished("district"), can_see_unpublished(None)
    (True, False, False)
    """
    if viewer_role is None:
        return False
    try:
        return Role(str(viewer_role)) in ALL_UNIT_ROLES
    except ValueError:
        return False


@dataclass
class EnterpriseProfile:
    """One enterprise's profile; figure fields are ``None``/empty when ``restricted``."""

    enterprise_id: str
    name: str | None
    district_code: str | None
    district_zh: str | None
    industry: str | None
    restricted: bool
    latest_period: str | None = None
    chain_positions: list[dict[str, Any]] = field(default_factory=list)
    projects: list[dict[str, Any]] = field(default_factory=list)
    sales_history: list[dict[str, Any]] = field(default_factory=list)
    category_mix: list[dict[str, Any]] = field(default_factory=list)
    sales_12m: float | None = None
    online_share_pct: float | None = None
    growth_pct: float | None = None
    peers: int | None = None
    peer_growth_pct: float | None = None
    growth_gap_pp: float | None = None
    notice_zh: str = ""
    notice_en: str = ""

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready record."""
        return asdict(self)


def _projects_of(projects: pd.DataFrame | None, enterprise_id: str) -> list[dict[str, Any]]:
    if projects is None or projects.empty:
        return []
    mine = projects[projects["enterprise_id"].astype(str) == enterprise_id]
    cols = ["project_id", "name", "chain_id", "link_id", "district_code", "investment", "stage"]
    return [{k: r[k] for k in cols} for r in mine.to_dict("records")]


def enterprise_profile(
    enterprise_id: str,
    enterprise_monthly: pd.DataFrame,
    *,
    projects: pd.DataFrame | None = None,
    membership: pd.DataFrame | None = None,
    chains: Chains | None = None,
    viewer_role: Role | str | None = None,
    can_see: bool | None = None,
    min_peers: int = MIN_PEERS,
) -> EnterpriseProfile:
    """The profile of ``enterprise_id`` (see the module docstring for the access rule).

    Raises :class:`NotFoundError` when the enterprise is in neither enterprise_monthly,
    the projects nor the membership table.
    """
    chains = chains or load_chains()
    em = prepare(enterprise_monthly)
    mine = em[em["enterprise_id"] == enterprise_id]
    linked = _projects_of(projects, enterprise_id)
    positions: list[dict[str, Any]] = []
    if membership is not None and not membership.empty:
        for r in membership[membership["enterprise_id"] == enterprise_id].to_dict("records"):
            link = chains.link(r["chain_id"], r["link_id"])
            chain = chains.chain(r["chain_id"])
            positions.append({
                "chain_id": chain.id, "chain_zh": chain.name_zh, "link_id": link.id,
                "link_zh": link.name_zh, "tier": link.tier, "position": link.position,
                "basis": r["basis"],
            })  # fmt: skip
    if mine.empty and not linked and not positions:
        raise NotFoundError(
            f"no data for enterprise {enterprise_id}",
            f"未找到企业 {enterprise_id} 的数据",
            hint_en="check the 18-character unified social credit code",
            hint_zh="请核对18位统一社会信用代码",
        )
    allowed = can_see if can_see is not None else can_see_unpublished(viewer_role)
    last = mine.sort_values("period").iloc[-1] if not mine.empty else None
    district = None if last is None else str(last["district_code"])
    if district is None and linked:
        district = str(linked[0]["district_code"])
    cat = load_catalog()
    profile = EnterpriseProfile(
        enterprise_id=enterprise_id,
        name=None if last is None else _text(last.get("enterprise_name")),
        district_code=district,
        district_zh=cat.district(district).name_zh if district and cat.has_district(district)
        else None,
        industry=None if last is None else str(last["industry"]),
        restricted=not allowed,
        chain_positions=positions,
        projects=linked,
    )  # fmt: skip
    if not allowed:
        profile.notice_zh = "企业经营数据属未公开数据，仅限办公室查看。"
        profile.notice_en = "The enterprise's figures are unpublished and stay with the office."
        return profile
    if not mine.empty:
        _fill_figures(profile, em, mine, min_peers)
    return profile


def _text(value: object) -> str | None:
    return None if is_blank(value) else str(value)


def _fill_figures(
    profile: EnterpriseProfile, em: pd.DataFrame, mine: pd.DataFrame, min_peers: int
) -> None:
    latest = latest_period(mine)
    if latest is None:
        return
    profile.latest_period = latest
    hist = mine.groupby("period")[["retail_sales", "online_retail_sales"]].sum().reset_index()
    profile.sales_history = [
        {"period": r["period"], "retail_sales": round(float(r["retail_sales"]), 4),
         "online_retail_sales": round(float(r["online_retail_sales"]), 4)}
        for r in hist.sort_values("period").to_dict("records")
    ]  # fmt: skip
    cur = mine[in_window(mine["period"], latest)]
    total = float(cur["retail_sales"].sum())
    profile.sales_12m = round(total, 4)
    mix = cur.groupby("category")["retail_sales"].sum().sort_values(ascending=False)
    names = {c.code: c.name_zh for c in load_catalog().categories}
    profile.category_mix = [
        {"category": c, "category_zh": names.get(str(c), str(c)), "sales": round(float(v), 4),
         "share_pct": round(float(v) / total * 100, 2) if total > 0 else None}
        for c, v in mix.items()
    ]  # fmt: skip
    online = float(cur["online_retail_sales"].sum())
    profile.online_share_pct = round(online / total * 100, 2) if total > 0 else None
    # Peers: same industry and district, the enterprise itself excluded, over the same windows.
    peers = em[
        (em["industry"].astype(str) == profile.industry)
        & (em["district_code"].astype(str) == profile.district_code)
    ]
    now = peers[in_window(peers["period"], latest)].groupby("enterprise_id")["retail_sales"].sum()
    before = peers[in_window(peers["period"], latest, shift=12)]
    before_s = before.groupby("enterprise_id")["retail_sales"].sum()
    own, _, _ = matched_growth(now[now.index == profile.enterprise_id],
                               before_s[before_s.index == profile.enterprise_id])  # fmt: skip
    profile.growth_pct = own
    others_now = now[now.index != profile.enterprise_id]
    others_before = before_s[before_s.index != profile.enterprise_id]
    matched = others_now[others_now > 0].index.intersection(others_before[others_before > 0].index)
    profile.peers = len(matched)
    if len(matched) >= min_peers:
        profile.peer_growth_pct, _, _ = matched_growth(others_now, others_before)
    if profile.growth_pct is not None and profile.peer_growth_pct is not None:
        profile.growth_gap_pp = round(profile.growth_pct - profile.peer_growth_pct, 4)
    if profile.peer_growth_pct is None:
        profile.notice_zh = f"同行业同区可比企业少于 {min_peers} 家，不显示同行增速。"
        profile.notice_en = f"Fewer than {min_peers} comparable peers: peer growth withheld."
