"""The status engine covers each target kind of the plan registry."""

from __future__ import annotations

from datetime import date
from typing import Any

import numpy as np
import pytest

from consumption_monitor.plan.models import Target, TargetKind, TargetValue
from consumption_monitor.targets.status import (
    Escalation,
    Evidence,
    Status,
    Thresholds,
    evaluate_target,
    evaluate_value,
    plan_path,
)

PATTERN = np.array([0.150, 0.075, 0.076, 0.080, 0.079, 0.078, 0.079, 0.081, 0.088, 0.092, 0.122])


def _target(*values: dict[str, Any], name: str = "测试指标") -> Target:
    vals = [TargetValue(source=v.pop("source", "原文"), **v) for v in values]
    return Target(
        id="T-test",
        name_zh=name,
        name_en="Test",
        indicator="test_indicator",
        tasks=[1],
        values=vals,
    )


def _monthly_evidence(levels: dict[int, float], current_year: int, month: int) -> Evidence:
    ev = Evidence()
    for year, level in levels.items():
        cum = list(np.cumsum(PATTERN) * level)
        if year == current_year:
            done = month - 1
            ev.ytd = (year, month, float(cum[done - 1]))
            cum = cum[:done] + [float("nan")] * (len(cum) - done)
            ev.cumulative_by_year[year] = cum
        else:
            ev.annual[year] = level
            ev.cumulative_by_year[year] = cum
    return ev


def test_level_target_in_progress_uses_projection_and_probability() -> None:
    t = _target({"year": 2025, "kind": "level", "comparator": ">", "value": 370, "unit": "亿元"})
    ev = _monthly_evidence({2022: 330, 2023: 345, 2024: 360, 2025: 385}, 2025, 10)
    res = evaluate_target(t, ev, date(2025, 10, 31))[0]
    assert res.status is Status.ON_TRACK
    assert res.projection == pytest.approx(385, rel=1e-6)
    assert res.probability is not None
    assert res.probability > 0.8
    assert "亿元" in res.explanation_zh
    assert "370" not in res.explanation_en or "Current value" in res.explanation_en

    behind = _monthly_evidence({2022: 330, 2023: 345, 2024: 360, 2025: 300}, 2025, 10)
    res2 = evaluate_target(t, behind, date(2025, 10, 31))[0]
    assert res2.status is Status.OFF_TRACK
    assert res2.escalation is Escalation.RED


def test_level_target_reached_early_is_achieved_and_final_year_judged() -> None:
    t = _target({"year": 2025, "kind": "level", "comparator": ">=", "value": 200, "unit": "个"})
    assert evaluate_target(t, Evidence(annual={2025: 201}), date(2026, 3, 1))[0].status is (
        Status.ACHIEVED
    )
    assert evaluate_target(t, Evidence(annual={2025: 190}), date(2026, 3, 1))[0].status is (
        Status.OFF_TRACK
    )
    assert evaluate_target(t, Evidence(), date(2026, 3, 1))[0].status is Status.NO_DATA


def test_future_level_target_compared_with_geometric_path() -> None:
    t = _target(
        {"year": 2025, "kind": "level", "comparator": ">=", "value": 2800, "unit": "亿元"},
        {"year": 2027, "kind": "level", "comparator": ">=", "value": 3000, "unit": "亿元"},
    )
    # Baseline 2024 = 2520; path to 3000 in 3 steps grows 6 % a year: 2025 → 2671.2.
    on = evaluate_target(t, Evidence(annual={2024: 2520, 2025: 2680}), date(2026, 5, 1))[1]
    assert on.status is Status.ON_TRACK
    off = evaluate_target(t, Evidence(annual={2024: 2520, 2025: 2500}), date(2026, 5, 1))[1]
    assert off.status is Status.AT_RISK  # 2500 / 2671.2 = 0.936
    assert plan_path(2520, 3000, 2025, 2027, 2025, TargetKind.LEVEL) == pytest.approx(
        2520 * (3000 / 2520) ** (1 / 3)
    )


def test_share_target_fraction_and_percent() -> None:
    t = _target(
        {"year": 2025, "kind": "share", "comparator": ">", "value": "1/3", "value_text": "三分之一",
         "unit": "fraction"},
    )  # fmt: skip
    ok = evaluate_target(t, Evidence(ytd=(2025, 9, 34.0)), date(2025, 9, 30))[0]
    assert ok.goal == pytest.approx(100 / 3)
    assert ok.status is Status.ON_TRACK
    low = evaluate_target(t, Evidence(ytd=(2025, 9, 32.9)), date(2025, 9, 30))[0]
    assert low.status is Status.WATCH  # 32.9 / 33.33 = 0.987


def test_new_items_in_year_and_cumulative_span() -> None:
    t = _target(
        {"year": 2025, "kind": "new_in_year", "comparator": ">", "value": 300, "unit": "家"},
        {
            "span": [2025, 2027],
            "kind": "cumulative",
            "comparator": ">",
            "value": 1000,
            "unit": "家",
        },
    )
    counts = {2022: 250.0, 2023: 270.0, 2024: 290.0}
    ev = _monthly_evidence({**counts, 2025: 330.0}, 2025, 6)
    new, cum = evaluate_target(t, ev, date(2025, 6, 30))
    assert new.status is Status.ON_TRACK
    # Cumulative: 2025 so far (Jan–May share of 330) against 1000 × (0.5 year / 3 years).
    assert cum.current == pytest.approx(ev.ytd[2] if ev.ytd else 0)
    assert cum.path_value == pytest.approx(1000 * 0.5 / 3)
    done = evaluate_target(t, Evidence(annual={2025: 400, 2026: 450, 2027: 200}), date(2028, 1, 5))
    assert done[1].status is Status.ACHIEVED
    late = evaluate_target(t, Evidence(annual={2025: 300, 2026: 300, 2027: 300}), date(2028, 1, 5))
    assert late[1].status is Status.OFF_TRACK


def test_recurring_annual_target_judges_the_current_year() -> None:
    t = _target(
        {"span": [2025, 2027], "kind": "annual", "comparator": ">=", "value": 20, "unit": "场次"}
    )
    res = evaluate_target(t, Evidence(annual={2025: 22, 2026: 18}), date(2027, 1, 10))[0]
    assert res.years == "2025-2027"
    # 2027 has no data yet, but 2026 missed its 每年 goal, which cannot be made up.
    assert res.status is Status.OFF_TRACK
    assert res.current == 18
    fine = evaluate_target(t, Evidence(annual={2025: 22, 2026: 21}), date(2027, 1, 10))[0]
    assert fine.status is Status.NO_DATA
    past = evaluate_target(t, Evidence(annual={2025: 22, 2026: 18}), date(2026, 12, 31))[0]
    assert past.status is Status.OFF_TRACK
    assert past.current == 18


def test_stock_to_maintain() -> None:
    t = _target({"year": 2027, "kind": "stock", "comparator": ">=", "value": 200, "unit": "个"})
    held = evaluate_target(t, Evidence(ytd=(2027, 6, 205)), date(2027, 6, 30))[0]
    assert held.status is Status.ON_TRACK
    slipped = evaluate_target(t, Evidence(ytd=(2027, 6, 185)), date(2027, 6, 30))[0]
    assert slipped.status is Status.AT_RISK


def test_rank_and_share_of_national_total() -> None:
    lead = _target({"year": 2025, "kind": "rank", "comparator": "rank", "value_text": "全国领先"})
    assert evaluate_target(lead, Evidence(annual={2025: 2}), date(2025, 12, 1))[0].status is (
        Status.ON_TRACK
    )
    assert evaluate_target(lead, Evidence(annual={2025: 5}), date(2025, 12, 1))[0].status is (
        Status.AT_RISK
    )
    first = _target({"year": 2025, "kind": "rank", "comparator": "rank", "value_text": "全国首位"})
    assert evaluate_target(first, Evidence(annual={2025: 2}), date(2025, 12, 1))[0].status is (
        Status.AT_RISK
    )
    quarter = _target(
        {"year": 2027, "kind": "rank", "comparator": ">", "value": "1/4", "unit": "fraction"}
    )
    assert evaluate_target(quarter, Evidence(annual={2026: 26.0}), date(2027, 3, 1))[0].status is (
        Status.ON_TRACK
    )


def test_trend_target() -> None:
    t = _target({"year": 2025, "kind": "trend", "comparator": "trend", "value_text": "稳步提升"})
    up = Evidence(annual={2023: 100, 2024: 104})
    flat = Evidence(annual={2023: 100, 2024: 100.2})
    down = Evidence(annual={2023: 100, 2024: 95})
    assert [evaluate_target(t, e, date(2025, 3, 1))[0].status for e in (up, flat, down)] == [
        Status.ON_TRACK, Status.WATCH, Status.AT_RISK,
    ]  # fmt: skip


def test_milestone_takes_status_from_task_progress() -> None:
    t = _target(
        {"span": [2025, 2027], "kind": "milestone", "comparator": "=", "value_text": "如期完成"}
    )
    half_way = date(2026, 6, 30)  # 18 of 36 months elapsed → 50 % expected
    assert evaluate_target(t, Evidence(task_progress=[60, 50]), half_way)[0].status is (
        Status.ON_TRACK
    )
    assert evaluate_target(t, Evidence(task_progress=[40, 30]), half_way)[0].status is (
        Status.OFF_TRACK
    )
    assert evaluate_target(t, Evidence(task_progress=[100, 100]), half_way)[0].status is (
        Status.ACHIEVED
    )
    assert evaluate_target(t, Evidence(), half_way)[0].status is Status.NO_DATA


def test_parity_with_gdp_growth() -> None:
    t = _target(
        {"span": [2025, 2027], "kind": "parity", "comparator": "=", "value_text": "保持同步"}
    )
    ev = Evidence(growth={2025: 5.2, 2026: 5.0}, reference_growth={2025: 5.0, 2026: 5.1})
    assert evaluate_target(t, ev, date(2026, 12, 31))[0].status is Status.ON_TRACK
    lag = Evidence(growth={2025: 3.0}, reference_growth={2025: 5.0})
    assert evaluate_target(t, lag, date(2025, 12, 31))[0].status is Status.OFF_TRACK


def test_escalation_by_deadline_and_thresholds_are_configurable() -> None:
    t = _target({"year": 2027, "kind": "stock", "comparator": ">=", "value": 200, "unit": "个"})
    watch_far = evaluate_value(t, t.values[0], Evidence(ytd=(2027, 1, 196)), date(2027, 1, 31))
    assert watch_far.status is Status.WATCH
    assert watch_far.escalation is Escalation.BLUE
    watch_near = evaluate_value(t, t.values[0], Evidence(ytd=(2027, 9, 196)), date(2027, 9, 30))
    assert watch_near.escalation is Escalation.YELLOW
    strict = Thresholds(ratio_at_risk=0.99)
    assert evaluate_value(
        t, t.values[0], Evidence(ytd=(2027, 9, 196)), date(2027, 9, 30), strict
    ).status is (Status.AT_RISK)


def test_every_kind_of_the_tianjin_plan_is_handled() -> None:
    from consumption_monitor.plan import load_plan

    plan = load_plan()
    kinds = {v.kind for t in plan.targets.values() for v in t.values}
    assert kinds <= set(TargetKind)
    for target in plan.targets.values():
        for res in evaluate_target(target, Evidence(), date(2025, 6, 30)):
            assert res.status is Status.NO_DATA, target.id
            assert res.explanation_zh


def test_late_data_still_judges_the_year_it_covers() -> None:
    # As of March 2026 the data only reach October 2025: 2025 is projected from its YTD value,
    # not reported as missing.
    t = _target({"year": 2025, "kind": "level", "comparator": ">", "value": 370, "unit": "亿元"})
    ev = _monthly_evidence({2022: 330, 2023: 345, 2024: 360, 2025: 385}, 2025, 10)
    res = evaluate_target(t, ev, date(2026, 3, 31))[0]
    assert res.status is Status.ON_TRACK
    assert res.projection == pytest.approx(385, rel=1e-6)


def test_future_value_uses_the_current_year_and_needs_news_since_the_baseline() -> None:
    t = _target(
        {"year": 2025, "kind": "share", "comparator": ">=", "value": 20, "unit": "%"},
        {"year": 2027, "kind": "share", "comparator": ">=", "value": 25, "unit": "%"},
    )
    # Baseline 2024 = 19 %; path to 25 % by 2027 is 21 % in 2025. A 2025 share of 20.9 % is
    # 0.995 of the path (watch); only the baseline year known → no data on the way.
    ahead = evaluate_target(
        t, Evidence(annual={2024: 19.0}, ytd=(2025, 9, 20.9)), date(2025, 9, 30)
    )
    assert ahead[1].path_value == pytest.approx(21.0)
    assert ahead[1].status is Status.WATCH
    only_baseline = evaluate_target(t, Evidence(annual={2024: 19.0}), date(2025, 3, 1))[1]
    assert only_baseline.status is Status.NO_DATA


def test_year_in_progress_reports_required_growth_and_seasonal_pace() -> None:
    from consumption_monitor.targets.projection import required_growth

    t = _target({"year": 2025, "kind": "level", "comparator": ">", "value": 380, "unit": "亿元"})
    ev = _monthly_evidence({2022: 330, 2023: 345, 2024: 360, 2025: 370}, 2025, 6)
    ev.ytd_growth_by_year[2025] = [2.0] * 11  # published YTD growth 2 % at every period
    res = evaluate_target(t, ev, date(2025, 6, 30))[0]
    assert ev.ytd is not None
    current = ev.ytd[2]
    share = float(PATTERN[:5].sum())  # Jan–Feb … June is five periods
    assert res.progress_pct == pytest.approx(current / 380 * 100)
    assert res.benchmark_pct == pytest.approx(share * 100)
    assert res.required_growth_pct == pytest.approx(
        required_growth(360, 380 / 360 - 1, current, 0.02) * 100
    )
    assert "序时进度" in res.explanation_zh
    assert "余下时段增长" in res.explanation_zh
