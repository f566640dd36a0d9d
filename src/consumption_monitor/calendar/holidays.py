"""Chinese holiday calendar: lunar festival dates, official holiday blocks and 调休 working days.

Two sources, each used for what it knows:

- ``lunardate`` converts lunar dates (春节 1/1, 端午 5/5, 中秋 8/15) to solar dates for any year
  in [1900, 2100). Moving-holiday regressors only need these dates.
- ``chinese-calendar`` (1.11: years 2004–2026) holds the State Council's holiday schedules: which
  days are official holidays (incl. in-lieu days, ``is_in_lieu``) and which weekend days are
  working days (调休). Holiday blocks and working-day counts come from it.

A year ``chinese-calendar`` does not know raises :class:`~consumption_monitor.errors.CalendarError`
naming the year and telling the user to update the package: the schedule is announced each
November by the State Council and is never guessed here (METHODOLOGY §3).

Holiday block (METHODOLOGY §4): the contiguous run of non-working days (weekends included) that
contains the official holiday days of a festival. When two festivals share one run (中秋 + 国庆 in
2020, 2023, 2025) each festival's block is that whole run, so ``2023-national-day`` is
2023-09-29..10-06 as in the methodology.
"""

from __future__ import annotations

import calendar as _pycal
import datetime as dt
from dataclasses import dataclass
from enum import StrEnum
from functools import cache

import chinese_calendar
from chinese_calendar import constants as _cc_constants
from lunardate import LunarDate

from consumption_monitor.errors import CalendarError, NotFoundError


def _official_holidays() -> dict[dt.date, str]:
    """chinese-calendar's table: date -> holiday name (official days incl. in-lieu days)."""
    table: dict[dt.date, str] = _cc_constants.holidays
    return table


__all__ = [
    "Festival",
    "HolidayBlock",
    "dragon_boat_date",
    "holiday_block",
    "holiday_blocks",
    "is_workday",
    "lunar_festival_date",
    "mid_autumn_date",
    "previous_block",
    "spring_festival_date",
    "supported_years",
    "working_days",
]


class Festival(StrEnum):
    """Festivals with an official holiday; values are the slugs used in block keys."""

    NEW_YEARS_DAY = "new-years-day"
    SPRING_FESTIVAL = "spring-festival"
    TOMB_SWEEPING_DAY = "tomb-sweeping-day"
    LABOUR_DAY = "labour-day"
    DRAGON_BOAT_FESTIVAL = "dragon-boat-festival"
    NATIONAL_DAY = "national-day"
    MID_AUTUMN_FESTIVAL = "mid-autumn-festival"
    ANTI_FASCIST_70TH_DAY = "anti-fascist-70th-day"

    @property
    def name_zh(self) -> str:
        return _NAMES[self][0]

    @property
    def name_en(self) -> str:
        return _NAMES[self][1]


# chinese-calendar's Holiday enum values (English names) -> our festival.
_FROM_LIB: dict[str, Festival] = {
    chinese_calendar.Holiday.new_years_day.value: Festival.NEW_YEARS_DAY,
    chinese_calendar.Holiday.spring_festival.value: Festival.SPRING_FESTIVAL,
    chinese_calendar.Holiday.tomb_sweeping_day.value: Festival.TOMB_SWEEPING_DAY,
    chinese_calendar.Holiday.labour_day.value: Festival.LABOUR_DAY,
    chinese_calendar.Holiday.dragon_boat_festival.value: Festival.DRAGON_BOAT_FESTIVAL,
    chinese_calendar.Holiday.national_day.value: Festival.NATIONAL_DAY,
    chinese_calendar.Holiday.mid_autumn_festival.value: Festival.MID_AUTUMN_FESTIVAL,
    chinese_calendar.Holiday.anti_fascist_70th_day.value: Festival.ANTI_FASCIST_70TH_DAY,
}

_NAMES: dict[Festival, tuple[str, str]] = {
    Festival.NEW_YEARS_DAY: ("元旦", "New Year's Day"),
    Festival.SPRING_FESTIVAL: ("春节", "Spring Festival"),
    Festival.TOMB_SWEEPING_DAY: ("清明节", "Tomb-sweeping Day"),
    Festival.LABOUR_DAY: ("劳动节", "Labour Day"),
    Festival.DRAGON_BOAT_FESTIVAL: ("端午节", "Dragon Boat Festival"),
    Festival.NATIONAL_DAY: ("国庆节", "National Day"),
    Festival.MID_AUTUMN_FESTIVAL: ("中秋节", "Mid-Autumn Festival"),
    Festival.ANTI_FASCIST_70TH_DAY: ("抗战胜利70周年纪念日", "Anti-Fascist War Victory 70th Day"),
}


@dataclass(frozen=True, slots=True)
class HolidayBlock:
    """One official holiday block: ``key`` like ``"2025-spring-festival"``, inclusive dates."""

    key: str
    festival: Festival
    year: int
    name_zh: str
    name_en: str
    start: dt.date
    end: dt.date

    @property
    def days(self) -> int:
        """Length in calendar days, both ends included."""
        return (self.end - self.start).days + 1

    def dates(self) -> list[dt.date]:
        """Every date of the block in order."""
        return [self.start + dt.timedelta(days=i) for i in range(self.days)]


# --------------------------------------------------------------------------- lunar dates


def lunar_festival_date(year: int, month: int, day: int) -> dt.date:
    """Solar date of a lunar ``month``/``day`` in lunar ``year`` (no leap-month handling needed
    for 1/1, 5/5, 8/15).

    >>> lunar_festival_date(2025, 1, 1)
    datetime.date(2025, 1, 29)

    Years outside lunardate's table [1900, 2100) raise :class:`CalendarError`.
    """
    try:
        solar: dt.date = LunarDate(year, month, day).to_solar_date()
    except ValueError as exc:
        raise CalendarError(
            f"lunar calendar has no data for year {year}: {exc}",
            f"农历表没有 {year} 年的数据：{exc}",
            hint_en="lunardate covers 1900–2099.",
            hint_zh="lunardate 仅覆盖 1900–2099 年。",
        ) from exc
    return solar


def spring_festival_date(year: int) -> dt.date:
    """Solar date of 春节 (lunar 1/1) in ``year``.

    >>> spring_festival_date(2024)
    datetime.date(2024, 2, 10)
    """
    return lunar_festival_date(year, 1, 1)


def dragon_boat_date(year: int) -> dt.date:
    """Solar date of 端午 (lunar 5/5).

    >>> dragon_boat_date(2025)
    datetime.date(2025, 5, 31)
    """
    return lunar_festival_date(year, 5, 5)


def mid_autumn_date(year: int) -> dt.date:
    """Solar date of 中秋 (lunar 8/15).

    >>> mid_autumn_date(2025)
    datetime.date(2025, 10, 6)
    """
    return lunar_festival_date(year, 8, 15)


# --------------------------------------------------------------------------- official schedule


def supported_years() -> tuple[int, int]:
    """First and last year the installed ``chinese-calendar`` knows (1.11: 2004, 2026)."""
    years = [d.year for d in _official_holidays()]
    return min(years), max(years)


def _unknown_year(year: int) -> CalendarError:
    first, last = supported_years()
    return CalendarError(
        f"the official holiday schedule for {year} is not known to the installed "
        f"chinese-calendar package (it covers {first}–{last}); refusing to guess",
        f"已安装的 chinese-calendar 软件包没有 {year} 年的法定节假日安排"
        f"（仅覆盖 {first}–{last} 年），不做猜测",
        hint_en=(
            f"update the `chinese-calendar` package (pip install -U chinese-calendar) once the "
            f"State Council has published the {year} schedule"
        ),
        hint_zh=f"待国务院办公厅公布 {year} 年放假安排后，升级 `chinese-calendar` 软件包"
        "（pip install -U chinese-calendar）",
    )


def _check_year(year: int) -> None:
    first, last = supported_years()
    if not first <= year <= last:
        raise _unknown_year(year)


def is_workday(day: dt.date) -> bool:
    """True if ``day`` is an official working day (调休 weekend working days included).

    >>> is_workday(dt.date(2025, 1, 26))  # Sunday made a working day for 春节 2025
    True
    >>> is_workday(dt.date(2025, 1, 28))
    False

    A year outside the installed schedule raises :class:`CalendarError`.
    """
    _check_year(day.year)
    return bool(chinese_calendar.is_workday(day))


def working_days(year: int, month: int) -> int:
    """Official working days in a month (weekdays minus holidays plus 调休 weekend days).

    >>> working_days(2025, 2)  # 20 weekdays, 02-03/04 off (春节), Saturday 02-08 worked
    19
    """
    _check_year(year)
    last = _pycal.monthrange(year, month)[1]
    days = chinese_calendar.get_workdays(
        dt.date(year, month, 1), dt.date(year, month, last), include_weekends=True
    )
    return len(days)


def _run_around(day: dt.date) -> tuple[dt.date, dt.date]:
    """The contiguous non-working run containing the non-working ``day``."""
    one = dt.timedelta(days=1)
    start = day
    while not is_workday(start - one):
        start -= one
    end = day
    while not is_workday(end + one):
        end += one
    return start, end


@cache
def _blocks_by_year() -> dict[int, dict[Festival, HolidayBlock]]:
    """All blocks the schedule can delimit, keyed by year then festival.

    A run touching the edge of the schedule (e.g. New Year 2004, whose run may reach into 2003)
    cannot be delimited; it is left out here and asking for it raises :class:`CalendarError`.
    """
    runs: dict[tuple[dt.date, dt.date], set[Festival]] = {}
    for day, lib_name in _official_holidays().items():
        festival = _FROM_LIB.get(str(lib_name))
        if festival is None:  # pragma: no cover - a new enum member in a future package
            continue
        try:
            run = _run_around(day)
        except CalendarError:
            continue
        runs.setdefault(run, set()).add(festival)
    out: dict[int, dict[Festival, HolidayBlock]] = {}
    for (start, end), festivals in sorted(runs.items()):
        year = end.year  # a New Year run starting in late December belongs to the new year
        for festival in festivals:
            block = HolidayBlock(
                key=f"{year}-{festival.value}",
                festival=festival,
                year=year,
                name_zh=festival.name_zh,
                name_en=festival.name_en,
                start=start,
                end=end,
            )
            previous = out.setdefault(year, {}).get(festival)
            if previous is not None and previous.days >= block.days:
                continue  # two separate runs for one festival: keep the longer
            out[year][festival] = block
    return out


def holiday_blocks(year: int) -> list[HolidayBlock]:
    """Official holiday blocks of ``year`` in date order.

    >>> [(b.key, b.days) for b in holiday_blocks(2025)][:2]
    [('2025-new-years-day', 1), ('2025-spring-festival', 8)]

    Raises :class:`CalendarError` for a year the installed ``chinese-calendar`` does not know.
    """
    _check_year(year)
    blocks = _blocks_by_year().get(year, {})
    return sorted(blocks.values(), key=lambda b: (b.start, b.festival.value))


def _parse_key(key: str) -> tuple[int, Festival]:
    year_text, _, slug = key.partition("-")
    try:
        return int(year_text), Festival(slug)
    except ValueError as exc:
        slugs = ", ".join(f.value for f in Festival)
        raise NotFoundError(
            f"unknown holiday block key {key!r}; expected YEAR-FESTIVAL with festival one of "
            f"{slugs}",
            f"无法识别的节假日键 {key!r}，格式应为 年份-节日，节日为 {slugs} 之一",
        ) from exc


def holiday_block(key: str) -> HolidayBlock:
    """The block with ``key`` such as ``"2026-spring-festival"``.

    >>> b = holiday_block("2026-spring-festival")
    >>> (b.start.isoformat(), b.end.isoformat(), b.days)
    ('2026-02-15', '2026-02-23', 9)

    Unknown festival or a festival without a holiday that year raises NotFoundError; a year
    outside the schedule raises CalendarError.
    """
    year, festival = _parse_key(key)
    _check_year(year)
    block = _blocks_by_year().get(year, {}).get(festival)
    if block is None:
        first, _ = supported_years()
        if year == first:
            raise CalendarError(
                f"the {key} block may start in {year - 1}, which chinese-calendar does not know",
                f"{key} 假期可能始于 {year - 1} 年，chinese-calendar 没有该年数据",
            )
        raise NotFoundError(
            f"no official {festival.name_en} holiday in {year}",
            f"{year} 年没有{festival.name_zh}法定假期",
        )
    return block


def previous_block(block: HolidayBlock) -> HolidayBlock:
    """The same festival's block one year earlier (the comparison base of METHODOLOGY §4).

    For 春节 this is lunar-aligned by construction: block years follow the lunar new year.

    >>> previous_block(holiday_block("2025-spring-festival")).start
    datetime.date(2024, 2, 10)
    """
    return holiday_block(f"{block.year - 1}-{block.festival.value}")
