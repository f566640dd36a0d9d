"""Official holiday blocks and 调休 working days against METHODOLOGY §4."""

from __future__ import annotations

import datetime as dt

import pytest

from consumption_monitor.calendar import (
    holiday_block,
    holiday_blocks,
    is_workday,
    previous_block,
    spring_festival_date,
    working_days,
)
from consumption_monitor.errors import CalendarError, NotFoundError

D = dt.date

# METHODOLOGY §4, verbatim.
EXPECTED = {
    "2023-spring-festival": (D(2023, 1, 21), D(2023, 1, 27), 7),
    "2024-spring-festival": (D(2024, 2, 10), D(2024, 2, 17), 8),
    "2025-spring-festival": (D(2025, 1, 28), D(2025, 2, 4), 8),
    "2026-spring-festival": (D(2026, 2, 15), D(2026, 2, 23), 9),
    "2023-national-day": (D(2023, 9, 29), D(2023, 10, 6), 8),
    "2024-national-day": (D(2024, 10, 1), D(2024, 10, 7), 7),
    "2025-national-day": (D(2025, 10, 1), D(2025, 10, 8), 8),
}


@pytest.mark.parametrize("key", sorted(EXPECTED))
def test_blocks_match_methodology(key: str) -> None:
    block = holiday_block(key)
    assert (block.start, block.end, block.days) == EXPECTED[key]
    by_year = {b.key: b for b in holiday_blocks(block.year)}
    assert by_year[key] == block


@pytest.mark.parametrize("year", [2023, 2024, 2025, 2026])
def test_block_is_a_maximal_non_working_run(year: int) -> None:
    for block in holiday_blocks(year):
        assert not any(is_workday(d) for d in block.dates())
        assert is_workday(block.start - dt.timedelta(days=1))
        assert is_workday(block.end + dt.timedelta(days=1))


def test_spring_festival_block_contains_lunar_new_year() -> None:
    for year in range(2005, 2027):
        block = holiday_block(f"{year}-spring-festival")
        assert block.start <= spring_festival_date(year) <= block.end


def test_previous_block_is_same_festival_last_year() -> None:
    prev = previous_block(holiday_block("2026-spring-festival"))
    assert prev.key == "2025-spring-festival"
    assert (prev.start, prev.days) == (D(2025, 1, 28), 8)


def test_working_days_count_tiaoxiu() -> None:
    # Naive oracle: weekdays minus listed holidays plus listed make-up Saturdays/Sundays.
    feb_2025_off = {D(2025, 2, 3), D(2025, 2, 4)}
    weekdays = [D(2025, 2, d) for d in range(1, 29) if D(2025, 2, d).weekday() < 5]
    expected = len([d for d in weekdays if d not in feb_2025_off]) + 1  # Sat 02-08 worked
    assert working_days(2025, 2) == expected == 19
    assert is_workday(D(2025, 1, 26))  # Sunday 调休 working day


@pytest.mark.parametrize("year", [2027, 2030])
def test_unknown_year_fails_loudly(year: int) -> None:
    with pytest.raises(CalendarError) as info:
        holiday_blocks(year)
    err = info.value
    for text in (err.render("en"), err.render("zh")):
        assert str(year) in text
        assert "chinese-calendar" in text
    assert "update" in err.render("en")
    assert "升级" in err.render("zh")
    with pytest.raises(CalendarError):
        is_workday(D(year, 3, 2))
    with pytest.raises(CalendarError):
        working_days(year, 1)
    with pytest.raises(CalendarError):
        holiday_block(f"{year}-spring-festival")


def test_unknown_festival_key() -> None:
    with pytest.raises(NotFoundError):
        holiday_block("2025-christmas")
    with pytest.raises(NotFoundError):
        holiday_block("2016-anti-fascist-70th-day")
