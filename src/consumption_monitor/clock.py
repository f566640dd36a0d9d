"""One clock for every date the platform stamps: today and now in the city's time zone.

Vintages, as-of dates, result labels, deadlines and "today" checks all come from here, so a
server on UTC does not disagree with the bureau about which day it is (between 16:00 and 24:00
UTC it is already tomorrow in Beijing). The zone is ``CMON_TIMEZONE`` (default Asia/Shanghai;
also a field of :class:`consumption_monitor.config.Settings`, which validates it).

>>> from datetime import datetime, UTC
>>> local_date(datetime(2025, 11, 30, 17, 0, tzinfo=UTC)).isoformat()   # 01:00 in Beijing
'2025-12-01'
"""

from __future__ import annotations

import os
from datetime import UTC, date, datetime
from functools import lru_cache
from zoneinfo import ZoneInfo

DEFAULT_TIMEZONE = "Asia/Shanghai"


@lru_cache(maxsize=8)
def _zone(name: str) -> ZoneInfo:
    return ZoneInfo(name)


def zone() -> ZoneInfo:
    """The platform's time zone (``CMON_TIMEZONE``, default Asia/Shanghai)."""
    return _zone(os.environ.get("CMON_TIMEZONE") or DEFAULT_TIMEZONE)


def now() -> datetime:
    """The current time, aware, in the platform's zone."""
    return datetime.now(UTC).astimezone(zone())


def now_local() -> datetime:
    """The current local wall-clock time without a zone (how timestamps are stored)."""
    return now().replace(tzinfo=None)


def today() -> date:
    """Today's date in the platform's zone."""
    return now().date()


def local_date(moment: datetime) -> date:
    """The local date of an aware moment."""
    return moment.astimezone(zone()).date()
