"""Chinese calendar: lunar festival dates, official holiday blocks, 调休 working days and the
calendar regressors used by seasonal adjustment (METHODOLOGY §3–§4)."""

from consumption_monitor.calendar.holidays import (
    Festival,
    HolidayBlock,
    dragon_boat_date,
    holiday_block,
    holiday_blocks,
    is_workday,
    mid_autumn_date,
    previous_block,
    spring_festival_date,
    supported_years,
    working_days,
)
from consumption_monitor.calendar.regressors import (
    HolidayWindow,
    holiday_regressors,
    moving_holiday_regressor,
    working_day_regressor,
)

__all__ = [
    "Festival",
    "HolidayBlock",
    "HolidayWindow",
    "dragon_boat_date",
    "holiday_block",
    "holiday_blocks",
    "holiday_regressors",
    "is_workday",
    "mid_autumn_date",
    "moving_holiday_regressor",
    "previous_block",
    "spring_festival_date",
    "supported_years",
    "working_day_regressor",
    "working_days",
]
