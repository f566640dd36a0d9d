"""Target and unit models: exact values, kinds, years, comparators, unit resolution."""

from __future__ import annotations

from fractions import Fraction

import pytest
from hypothesis import given
from hypothesis import strategies as st
from pydantic import ValidationError

from consumption_monitor.errors import NotFoundError
from consumption_monitor.plan import Plan, Target, TargetKind, TargetValue
from consumption_monitor.plan.records import describe_value, exact, number, value_record


def value(**fields: object) -> TargetValue:
    base: dict[str, object] = {"year": 2025, "kind": "level", "comparator": ">=", "source": "x"}
    return TargetValue.model_validate({**base, **fields, "value": fields.get("value", 1)})


@given(st.fractions(min_value=-(10**6), max_value=10**6, max_denominator=1000))
def test_fraction_text_round_trips(frac: Fraction) -> None:
    assert value(value=f"{frac.numerator}/{frac.denominator}").value == frac
    assert Fraction(exact(frac) or "") == frac


def test_decimals_are_exact_not_binary() -> None:
    assert value(value=0.1).value == Fraction(1, 10)
    assert value(value="5.2").value == Fraction(26, 5)
    assert number(Fraction(1, 3)) == pytest.approx(1 / 3)
    assert exact(Fraction(1, 3)) == "1/3"
    assert exact(Fraction(5, 2)) == "2.5"


@pytest.mark.parametrize(
    "fields",
    [
        {"value": "many"},
        {"value": [1]},
        {"comparator": "~"},
        {"kind": "hope"},
        {"year": 1999},
        {"year": None, "span": [2027, 2025]},
        {"year": 2025, "span": [2025, 2027]},
        {"kind": "cumulative"},  # a cumulative goal needs a span
    ],
)
def test_malformed_values_are_refused(fields: dict[str, object]) -> None:
    with pytest.raises(ValidationError):
        value(**fields)


def test_worded_goals_need_no_number() -> None:
    trend = TargetValue(
        year=2027, kind="trend", comparator="trend", value_text="稳步提升", source="稳步提升"
    )
    assert trend.value is None
    assert describe_value(trend) == "趋势 稳步提升"
    with pytest.raises(ValidationError):
        TargetValue(year=2027, kind="trend", comparator="trend", source="稳步提升")


def test_span_covers_its_years() -> None:
    annual = value(kind="annual", year=None, span=[2025, 2027], value=20)
    assert [y for y in range(2024, 2029) if annual.covers(y)] == [2025, 2026, 2027]
    assert annual.years_label == "2025-2027"
    assert value_record(annual)["span"] == [2025, 2027]


def test_target_kind_is_the_final_values_kind(plan: Plan) -> None:
    first_stores = plan.target("T-first-stores")
    assert first_stores.kind is TargetKind.CUMULATIVE
    assert first_stores.kinds == {TargetKind.NEW_IN_YEAR, TargetKind.CUMULATIVE}
    assert plan.target("T-old-brands").kind is TargetKind.STOCK
    assert plan.target("T-old-community-renovation").kind is TargetKind.MILESTONE
    assert plan.target("T-airport-cargo").kind is TargetKind.TREND
    assert plan.target("T-vocational-training").kind is TargetKind.ANNUAL
    leasing = plan.target("T-leasing-assets").values
    assert (leasing[1].kind, leasing[1].comparator, leasing[1].value) == (
        TargetKind.RANK,
        ">",
        Fraction(1, 4),
    )
    assert plan.target("T-nursing-bed-share").values[1].comparator == "maintain"


def test_every_kind_is_used(plan: Plan) -> None:
    used = {v.kind for t in plan.targets.values() for v in t.values}
    # Tianjin's plan sets no "增长X%" goal; the growth kind is for other plans and work reports
    # (tests/targets/test_kinds_issue19.py loads one)
    assert used == set(TargetKind) - {TargetKind.GROWTH}


def test_target_id_and_indicator_shape() -> None:
    with pytest.raises(ValidationError):
        Target(id="tourists", name_zh="a", name_en="a", indicator="x", values=[value()])
    with pytest.raises(ValidationError):
        Target(id="T-x", name_zh="a", name_en="a", indicator="Bad Code", values=[value()])


def test_unit_lookup_by_name_alias_code_and_city_prefix(plan: Plan) -> None:
    sport = plan.unit("市体育局")
    assert plan.unit("sport") == plan.unit("天津市体育局") == plan.unit(" 市体育局　") == sport
    assert plan.unit("天津市消防救援总队").code == "fire_rescue"
    assert plan.unit("和平区").code == "120101"
    assert plan.unit("和平区人民政府").code == "120101"
    with pytest.raises(NotFoundError):
        plan.unit("市魔法局")


def test_and_others_suffix_and_scopes(plan: Plan) -> None:
    links = plan.task(48).links
    assert [(link.unit, link.and_others) for link in links] == [
        ("commerce", False),
        ("industry_it", False),
        ("transport", True),
    ]
    relevant = [link for link in plan.task(19).links if link.via == "relevant_districts"]
    assert len(relevant) == 16
    assert {link.phrase for link in relevant} == {"有关区人民政府"}
    item = plan.safeguard_item("S1-1")
    assert {link.via for link in item.links} == {"named", "all_districts"}
    assert [link.unit for link in item.links if link.and_others] == ["sport"]


def test_targets_for_task_and_units_for_target(plan: Plan) -> None:
    assert [t.id for t in plan.targets_for_task(12)] == [
        "T-catering-accommodation-revenue",
        "T-hotel-beds",
    ]
    # row 2 shares row 1's merged 工作目标 cell
    assert [t.id for t in plan.targets_for_task(2)] == ["T-upgrade-share"]
    units = [u.code for u in plan.units_for_target(plan.target("T-commodity-sales"))]
    assert units[:3] == ["development_reform", "commerce", "investment_promotion"]
    assert "industry_it" in units  # from task 37
    with pytest.raises(NotFoundError):
        plan.task(0)
