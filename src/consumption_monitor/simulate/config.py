"""Simulation settings: scales (how many enterprises, merchants, payments), seed, month range.

Scales are data, not code paths: every generator reads its counts from :class:`Scale`, so a
bigger scale only means more rows. The month range is inclusive; the default end is the latest
complete month (so two runs on different days may differ: pass ``end`` for reproducible files).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

import numpy as np

from consumption_monitor import clock
from consumption_monitor.errors import ConfigError


@dataclass(frozen=True, slots=True)
class Scale:
    """Counts of one scale. ``card_months`` is the trailing window of card payments."""

    name: str
    enterprises: int  # 限上 enterprises reporting monthly (联网直报)
    key_enterprises: int  # 重点监测企业 reporting daily
    merchants: int  # card acquirer merchants
    cards: int  # distinct cards in the pool
    txns_per_day: int  # mean card payments on an ordinary day
    card_months: int  # card data covers the last N months of the range
    card_chunk_rows: int  # rows per generation chunk (bounded memory)


SCALES: dict[str, Scale] = {
    "tiny": Scale("tiny", 40, 14, 2_000, 20_000, 1_500, 3, 200_000),
    "demo": Scale("demo", 3_000, 200, 50_000, 600_000, 12_000, 12, 500_000),
    "large": Scale("large", 12_000, 1_000, 400_000, 8_000_000, 300_000, 12, 1_000_000),
}


def latest_complete_month(today: dt.date | None = None) -> str:
    """``YYYY-MM`` of the month before ``today`` (the last month with complete data).

    >>> latest_complete_month(dt.date(2026, 11, 28))
    '2026-10'
    >>> latest_complete_month(dt.date(2027, 1, 3))
    '2026-12'
    """
    today = today or clock.today()
    first = today.replace(day=1) - dt.timedelta(days=1)
    return f"{first.year:04d}-{first.month:02d}"


def parse_month(text: str) -> tuple[int, int]:
    """``"2019-01"`` → ``(2019, 1)``; anything else raises :class:`ConfigError`."""
    try:
        year_s, month_s = text.strip().split("-")
        year, month = int(year_s), int(month_s)
    except ValueError as exc:
        raise ConfigError(
            f"bad month {text!r}; expected YYYY-MM",
            f"月份格式错误 {text!r}，应为 YYYY-MM",
        ) from exc
    if not (1 <= month <= 12 and 2000 <= year <= 2100):
        raise ConfigError(f"bad month {text!r}", f"月份不合法 {text!r}")
    return year, month


@dataclass(frozen=True, slots=True)
class SimConfig:
    """Everything a run depends on. Same config → byte-identical files."""

    scale: Scale
    seed: int
    start: tuple[int, int]
    end: tuple[int, int]

    @classmethod
    def build(cls, scale: str, seed: int, start: str, end: str | None) -> SimConfig:
        """Validate and assemble; unknown scale or reversed range raises ConfigError."""
        if scale not in SCALES:
            raise ConfigError(
                f"unknown scale {scale!r}; use one of {', '.join(SCALES)}",
                f"未知规模 {scale!r}，可选：{'、'.join(SCALES)}",
            )
        s, e = parse_month(start), parse_month(end or latest_complete_month())
        if e < s:
            raise ConfigError(f"end {e} is before start {s}", f"结束月份早于开始月份：{e} < {s}")
        if seed < 0:
            raise ConfigError("seed must be >= 0", "随机种子必须为非负整数")
        return cls(SCALES[scale], seed, s, e)

    @property
    def start_date(self) -> dt.date:
        return dt.date(self.start[0], self.start[1], 1)

    @property
    def end_date(self) -> dt.date:
        """Last day of the end month."""
        y, m = self.end
        nxt = dt.date(y + (m == 12), m % 12 + 1, 1)
        return nxt - dt.timedelta(days=1)

    @property
    def years(self) -> list[int]:
        return list(range(self.start[0], self.end[0] + 1))

    @property
    def card_start(self) -> dt.date:
        """First day of the card window: the last ``card_months`` months of the range."""
        y, m = self.end
        idx = y * 12 + (m - 1) - (self.scale.card_months - 1)
        first = dt.date(idx // 12, idx % 12 + 1, 1)
        return max(first, self.start_date)

    def rng(self, *stream: int) -> np.random.Generator:
        """An independent generator for one stream (dataset, day…): order-independent."""
        return np.random.default_rng([self.seed, *stream])


def month_list(start: tuple[int, int], end: tuple[int, int]) -> list[tuple[int, int]]:
    """Every (year, month) from start to end inclusive.

    >>> month_list((2024, 11), (2025, 2))
    [(2024, 11), (2024, 12), (2025, 1), (2025, 2)]
    """
    out = []
    y, m = start
    while (y, m) <= end:
        out.append((y, m))
        y, m = (y + 1, 1) if m == 12 else (y, m + 1)
    return out


# Stream ids keep every generator's random numbers independent of the others and of the scale.
STREAM_OFFICIAL = 1
STREAM_ENTERPRISE = 2
STREAM_KEY = 3
STREAM_CARD_POOL = 4
STREAM_CARD_DAY = 5
STREAM_REGISTRY = 6
STREAM_PLAN = 7
STREAM_PROJECTS = 8
STREAM_ANOMALY = 9
