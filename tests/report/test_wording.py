"""Wording rules of the narrative: 增长/下降, 加快/回落/持平, 个百分点, 1—2月, rounding."""

from __future__ import annotations

import pytest

from consumption_monitor.report.model import Cell, Section, Table
from consumption_monitor.report.narrative import (
    FLAT_TOLERANCE_PP,
    change_phrase,
    check_numbers,
    delta_text,
    full_period_label,
    growth_phrase,
    numbers_in,
    period_label,
    previous_ytd,
    printed_delta,
    rate_text,
    share_change_phrase,
)


@pytest.mark.parametrize(
    ("g", "zh", "en"),
    [
        (4.46, "同比增长4.5%", "up 4.5% year on year"),
        (-3.24, "同比下降3.2%", "down 3.2% year on year"),
        (0.0, "与上年同期持平", "flat year on year"),
        (0.04, "与上年同期持平", "flat year on year"),  # prints as 0.0
        (-0.04, "与上年同期持平", "flat year on year"),  # no "-0.0", no 下降0.0%
        (0.05, "同比增长0.1%", "up 0.1% year on year"),  # 四舍五入, half up
        (-0.05, "同比下降0.1%", "down 0.1% year on year"),
        (1.25, "同比增长1.3%", "up 1.3% year on year"),  # binary 1.25 would round to 1.2
        (120.0, "同比增长120.0%", "up 120.0% year on year"),
    ],
)
def test_growth_phrase_sign_words(g: float, zh: str, en: str) -> None:
    assert growth_phrase(g, "zh") == zh
    assert growth_phrase(g, "en") == en
    assert "-" not in growth_phrase(g, "zh")


def test_growth_phrase_without_yoy() -> None:
    assert growth_phrase(-2.0, yoy=False) == "下降2.0%"
    assert growth_phrase(0.0, yoy=False) == "持平"


@pytest.mark.parametrize(
    ("cur", "prev", "zh"),
    [
        (4.5, 4.2, "增速比1—9月加快0.3个百分点"),
        (4.2, 4.5, "增速比1—9月回落0.3个百分点"),
        (4.52, 4.48, "增速与1—9月持平"),  # both print 4.5: Δ = 0
        (4.54, 4.46, "增速与1—9月持平"),  # raw Δ 0.08, but both print 4.5
        (4.55, 4.54, "增速比1—9月加快0.1个百分点"),  # raw Δ 0.01, but 4.6 vs 4.5 is printed
        (-2.0, -3.1, "降幅比1—9月收窄1.1个百分点"),
        (-3.1, -2.0, "降幅比1—9月扩大1.1个百分点"),
        (-1.0, 2.0, "增速比1—9月回落3.0个百分点"),  # from growth into decline
        (2.0, -1.0, "增速比1—9月加快3.0个百分点"),  # from decline into growth
        (0.0, 0.0, "增速与1—9月持平"),
        (0.0, -0.5, "增速比1—9月加快0.5个百分点"),  # 0.0 is not negative
    ],
)
def test_change_phrase(cur: float, prev: float, zh: str) -> None:
    assert change_phrase(cur, prev, "1—9月", "zh") == zh


def test_change_phrase_english() -> None:
    assert change_phrase(4.5, 4.2, "Jan–Sep", "en") == (
        "growth 0.3 percentage points faster than in Jan–Sep"
    )
    assert change_phrase(-2.0, -3.1, "Jan–Sep", "en") == (
        "the decline narrowed by 1.1 percentage points from Jan–Sep"
    )
    assert change_phrase(3.0, 3.0, "Jan–Sep", "en") == "growth unchanged from Jan–Sep"


def test_flat_tolerance_is_documented_value() -> None:
    assert FLAT_TOLERANCE_PP == 0.05
    # Δ is taken between the printed one-decimal rates, so text and table always agree
    assert printed_delta(4.52, 4.48) == 0.0
    assert printed_delta(3.35, 3.24) == 0.2  # 3.4 - 3.2
    assert change_phrase(-0.04, 0.04, "1—9月") == "增速与1—9月持平"  # both print 0.0


def test_share_change() -> None:
    assert share_change_phrase(28.34, 27.52) == "比上年同期提高0.8个百分点"
    assert share_change_phrase(21.07, 21.1) == "与上年同期持平"
    assert share_change_phrase(20.0, 21.25) == "比上年同期降低1.3个百分点"
    assert (
        share_change_phrase(20.0, 21.25, "en") == "down 1.3 percentage points from a year earlier"
    )


@pytest.mark.parametrize(
    ("period", "basis", "zh", "en"),
    [
        ("2025-02", "ytd", "1—2月", "Jan–Feb"),
        ("2025-02", "month", "1—2月", "Jan–Feb"),  # Jan–Feb is one period
        ("2025-03", "ytd", "1—3月", "Jan–Mar"),
        ("2025-03", "month", "3月", "Mar"),
        ("2025-10", "ytd", "1—10月", "Jan–Oct"),
        ("2025-12", "ytd", "1—12月", "Jan–Dec"),
        ("2025-Q1", "quarter", "一季度", "Q1"),
        ("2025", "year", "全年", "full year"),
    ],
)
def test_period_labels(period: str, basis: str, zh: str, en: str) -> None:
    assert period_label(period, basis, "zh") == zh
    assert period_label(period, basis, "en") == en
    assert "—" in period_label("2025-05", "ytd")  # the Chinese dash, not "-" or "~"


def test_quarterly_cumulative_labels() -> None:
    labels = [period_label(f"2025-{m:02d}", "ytd", quarterly=True) for m in (3, 6, 9, 12)]
    assert labels == ["一季度", "上半年", "前三季度", "全年"]
    assert full_period_label("2025-09", "ytd", "en", quarterly=True) == "Q1–Q3 2025"


def test_previous_cumulative_period() -> None:
    assert previous_ytd("2025-03") == ("2025-02", False)  # March follows Jan–Feb
    assert previous_ytd("2025-02") == ("2024-12", True)  # Jan–Feb: last year's full year
    assert previous_ytd("2025-01") == ("2024-12", True)


def test_rate_and_delta_text() -> None:
    assert rate_text(-0.04) == "0.0"
    assert rate_text(float("nan")) == "—"
    assert delta_text(0.31) == "+0.3"
    assert delta_text(-0.04) == "0.0"
    assert delta_text(-1.06) == "-1.1"


def test_numbers_in_and_checker() -> None:
    assert numbers_in("共3,377.01亿元，下降0.70%，01") == ["3377.01", "0.70", "1"]
    table = Table("t", "表", ["a", "b"], [[Cell("2025年1—10月"), Cell("3,377.01亿元", 3377.01)]])
    ok = Section("s", "S", ["1—10月，总额3,377.01亿元。"], [table])
    assert check_numbers(ok) == []
    bad = Section("s", "S", ["1—10月，总额3,377.02亿元，增长4.1%。"], [table])
    problems = check_numbers(bad)
    assert len(problems) == 2
    assert "3377.02" in problems[0]
    assert "4.1" in problems[1]
