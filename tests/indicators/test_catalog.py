"""The indicator catalog: valid, linked to real plan targets, units and datasets."""

from __future__ import annotations

import pytest

from consumption_monitor.catalog import load_catalog
from consumption_monitor.errors import NotFoundError
from consumption_monitor.indicators import load_indicators
from consumption_monitor.indicators.format import format_money, format_value


def test_catalog_loads_with_unique_codes() -> None:
    cat = load_indicators()
    assert len(cat) == len(set(cat.codes)) >= 40
    with pytest.raises(NotFoundError):
        cat.get("no_such_indicator")


def test_sources_are_datasets() -> None:
    names = {d.name for d in load_catalog().datasets}
    for ind in load_indicators():
        assert set(ind.sources) <= names, ind.code


def test_targets_and_units_exist_in_the_plan() -> None:
    from consumption_monitor.plan import load_plan

    plan = load_plan()
    target_ids = set(plan.targets)
    unit_codes = set(plan.units.units)
    for ind in load_indicators():
        assert set(ind.targets) <= target_ids, (ind.code, set(ind.targets) - target_ids)
        assert set(ind.units) <= unit_codes, (ind.code, set(ind.units) - unit_codes)


def test_every_measurable_plan_target_has_an_indicator() -> None:
    """Quantitative targets whose measure has a dataset (unit reports, registries, releases)."""
    from consumption_monitor.plan import load_plan

    linked = {t for ind in load_indicators() for t in ind.targets}
    no_dataset = {  # no dataset carries these: ranks, milestones, counts of places
        "T-landmark-districts",
        "T-one-district-one-center",
        "T-old-community-renovation",
        "T-leasing-assets",
        "T-factoring-assets",
    }
    missing = set(load_plan().targets) - linked - no_dataset
    assert not missing, missing


def test_required_coverage() -> None:
    cat = load_indicators()
    for target in (
        "T-upgrade-share",
        "T-online-retail-share",
        "T-first-stores",
        "T-tourists",
        "T-tourism-spending",
        "T-hotel-beds",
        "T-concerts-10k",
        "T-sports-events",
        "T-exhibitions",
        "T-consumption-rate",
        "T-consumer-industries-gdp-share",
    ):
        assert cat.for_target(target), target
    labels = {i.code: i.label for i in cat}
    assert labels["consumption_rate_proxy"] == "proxy"
    assert labels["online_retail_goods"] == "old series"
    assert labels["online_goods_services"] == "new series"
    assert labels["consumer_industries_va_share_q"] != labels["consumer_industries_va_share_y"]


def test_money_formatting() -> None:
    assert format_money(471495, "yi_yuan", "yi") == "471,495.00亿元"
    assert format_money(5000.0, "wan_yuan", "yi") == "0.50亿元"
    assert format_money(12345.0, "yuan", "auto") == "1.23万元"
    assert format_value(2.5, "pp") == "2.50"
