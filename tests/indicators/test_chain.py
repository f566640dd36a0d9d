"""Every plan target → indicator → dataset → field chain is whole (#17, #19).

The chain breaks silently when two names disagree: T-hotel-beds and
T-catering-accommodation-revenue once read nothing because the compute catalog's
``source_indicator`` said ``hotel_beds`` and ``accommodation_catering_revenue`` while ingestion
stores ``hotel_beds_3star`` and ``catering_accommodation_revenue``. This walks the chain from
the plan and names the broken link.
"""

from __future__ import annotations

from consumption_monitor.catalog import load_catalog
from consumption_monitor.indicators import Indicator, load_indicators
from consumption_monitor.plan import load_plan
from consumption_monitor.targets.catalog_evidence import LANDMARK_INDICATOR

CAT = load_catalog()
IND = load_indicators()

#: Targets the plan sets that no dataset measures yet; each must say why. Keeping this set exact
#: (see the last assert) means a fixed chain must leave it, and a new break cannot hide in it.
NOT_MEASURED = {
    "T-one-district-one-center": "district commercial centres: milestones, not a series",
    "T-old-community-renovation": "a completion rate tracked as task progress",
}

#: Card breakdowns → the card_transactions column they come from (compute/card.py).
_CARD_DIM_COLUMNS = {
    "business_district": "business_district_id",
    "category": "mcc",
    "origin": "card_origin",
    "channel": "channel",
}
_KEY_DIM_COLUMNS = {"format": "format", "business_district": "business_district_id"}


def _columns(dataset: str) -> set[str]:
    return set(CAT.dataset(dataset).column_names)


def _breaks(ind: Indicator, seen: frozenset[str] = frozenset()) -> list[str]:
    """The broken links below ``ind`` (empty when the chain reaches stored fields)."""
    out: list[str] = []
    p = ind.params
    for ds in ind.sources:
        try:
            CAT.dataset(ds)
        except KeyError:
            out.append(f"{ind.code}: unknown dataset {ds}")
            return out

    def series(code: str) -> None:
        # A stored series: ingestion must accept the code in the dataset's `indicator` column.
        if code not in CAT.recorded_indicators:
            out.append(f"{ind.code}: reads series {code!r}, which ingestion never stores")
        for ds in ind.sources:
            if "indicator" not in _columns(ds):
                out.append(f"{ind.code}: {ds} has no indicator column")

    if ind.kind in ("official", "unit_report"):
        series(p["source_indicator"])
        fields = {"value"} if not p.get("growth_only") else {"yoy_pct"}
        for ds in ind.sources:
            out += [f"{ind.code}: {ds} lacks {f}" for f in fields - _columns(ds)]
    elif ind.kind == "official_ratio":
        for code in [*p.get("numerator", []), *p.get("product", []), p["denominator"]]:
            series(code)
    elif ind.kind == "contribution":
        for code in (p["component"], p["total"]):
            if code in seen:
                continue
            if code not in IND.codes:
                out.append(f"{ind.code}: component {code!r} is not a computed indicator")
            else:
                out += _breaks(IND.get(code), seen | {ind.code})
    elif ind.kind in ("enterprise_sum", "enterprise_share"):
        cols = _columns("enterprise_monthly")
        wanted = {p.get("measure", "retail_sales"), *p.get("dims", [])}
        if p.get("numerator") not in (None, "upgrade"):
            wanted.add(p["numerator"])
        out += [f"{ind.code}: enterprise_monthly lacks {c}" for c in wanted - cols]
    elif ind.kind.startswith("card_"):
        cols = _columns("card_transactions")
        wanted = {"amount", "txn_ts", *(_CARD_DIM_COLUMNS[d] for d in p.get("dims", []))}
        out += [f"{ind.code}: card_transactions lacks {c}" for c in wanted - cols]
    elif ind.kind == "key_enterprise_sum":
        cols = _columns("key_enterprise_daily")
        wanted = {p["measure"], *(_KEY_DIM_COLUMNS[d] for d in p.get("dims", []))}
        out += [f"{ind.code}: key_enterprise_daily lacks {c}" for c in wanted - cols]
    elif ind.kind == "registry_count":
        cols = _columns(p["dataset"])
        when = p.get("date_column") or p["period_column"]
        wanted = {when, *([p.get("dim_column", p["dim"])] if p.get("dim") else [])}
        if p.get("value_column"):
            wanted.add(p["value_column"])
        if p.get("kinds"):
            wanted.add(p.get("kind_column", "kind"))
        if p.get("min_attendance"):
            wanted.add("attendance")
        out += [f"{ind.code}: {p['dataset']} lacks {c}" for c in wanted - cols]
    else:  # pragma: no cover - a new kind must be taught to this walk
        out.append(f"{ind.code}: kind {ind.kind} is not walked")
    return out


def test_every_plan_target_reaches_a_stored_field() -> None:
    plan = load_plan()
    broken: dict[str, list[str]] = {}
    for tid, target in plan.targets.items():
        if target.indicator == LANDMARK_INDICATOR:
            # Fed by the 商圈 catalog's flags (targets/catalog_evidence.py), each with a source.
            flags = [b for b in CAT.business_districts if b.landmark]
            if not flags or any(not b.landmark_source or not b.landmark_since for b in flags):
                broken[tid] = ["landmark flags without landmark_since/landmark_source"]
        elif not target.indicator:
            broken[tid] = ["names no indicator"]
        elif target.indicator not in IND.codes:
            broken[tid] = [f"{target.indicator!r} is not a computed indicator"]
        else:
            links = _breaks(IND.get(target.indicator))
            if links:
                broken[tid] = links
    wrong = {t: why for t, why in broken.items() if t not in NOT_MEASURED}
    assert not wrong, wrong
    assert set(broken) == set(NOT_MEASURED), "fixed targets must leave NOT_MEASURED"


def test_every_computed_indicator_reaches_a_stored_field() -> None:
    assert [b for ind in IND for b in _breaks(ind)] == []


def test_hotel_beds_and_catering_revenue_read_what_ingestion_stores() -> None:
    # What a 市商务局 report writes in its 指标 column, through ingestion's own look-up.
    beds = CAT.indicator_name("三星及以上和知名品牌酒店床位数").code
    revenue = CAT.indicator_name("住宿和餐饮业营业额").code
    assert IND.get("hotel_beds_3star").params["source_indicator"] == beds
    assert IND.get("catering_accommodation_revenue").params["source_indicator"] == revenue
