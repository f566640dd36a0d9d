"""When each responsible unit submits (填报时效): one punctuality profile per unit and seed.

A unit is *punctual* (on time in 95 % of periods), *usual* (75 %) or *late-prone* (40 %); the
profiles are drawn once per seed, about half, a third and a fifth of the units. An on-time
submission arrives 5 or 1 days before the deadline, a late one 7 or 21 days after it. The days
are snapped to those four offsets so that one period's submissions fit in at most four files (one
batch per arrival day, as the office forwards them). A submission that would arrive after the
data's as-of day has not arrived yet and is not written, so no vintage lies in the future.

>>> import datetime as dt
>>> rng = np.random.default_rng(1)
>>> day = arrival("punctual", dt.date(2025, 4, 10), rng, dt.date(2025, 12, 5))
>>> (day - dt.date(2025, 4, 10)).days in (-5, -1, 7, 21)
True
"""

from __future__ import annotations

import datetime as dt
import zlib

import numpy as np

from consumption_monitor.simulate.config import STREAM_PLAN, SimConfig

#: Profile → probability that a period's submission is on time.
ON_TIME = {"punctual": 0.95, "usual": 0.75, "late_prone": 0.40}
#: Share of units per profile.
SHARES = (0.5, 0.3, 0.2)
EARLY_DAYS = (-5, -1)
LATE_DAYS = (7, 21)


def keyed_rng(cfg: SimConfig, stream: int, key: str) -> np.random.Generator:
    """A generator of the plan stream for one text key (a unit, or a unit and a period), so a
    draw never depends on the order units or periods are visited in."""
    return cfg.rng(STREAM_PLAN, stream, zlib.crc32(key.encode()))


def profiles(cfg: SimConfig, units: list[str]) -> dict[str, str]:
    """Unit code → profile name, drawn from the seed (order of ``units`` does not matter)."""
    names = list(ON_TIME)
    return {
        code: names[int(keyed_rng(cfg, 3, code).choice(len(names), p=SHARES))]
        for code in sorted(set(units))
    }


def arrival(profile: str, due: dt.date, rng: np.random.Generator, cap: dt.date) -> dt.date | None:
    """The day a submission due on ``due`` arrives, or ``None`` if that is after ``cap``."""
    on_time = rng.random() < ON_TIME[profile]
    offsets = EARLY_DAYS if on_time else LATE_DAYS
    day = due + dt.timedelta(days=offsets[int(rng.integers(len(offsets)))])
    return day if day <= cap else None


__all__ = ["EARLY_DAYS", "LATE_DAYS", "ON_TIME", "SHARES", "arrival", "keyed_rng", "profiles"]
