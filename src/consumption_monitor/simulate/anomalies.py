"""Planted anomalies (the ground truth tests and the monitor are checked against).

Four kinds, all placed inside the card window so every one is visible in the raw files:

- ``business_district_outage``: card spending in one 商圈 drops to ~2% for 2 days;
- ``feed_stop``: one key enterprise stops reporting from a date (no rows from that day on);
- ``spike``: one district × card category has ~5× its spending on one day;
- ``slow_decline``: one district's card and key-enterprise sales fall linearly by ``magnitude``
  over 8 weeks, ending on the last day of the range, then stay low.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import asdict, dataclass

import numpy as np

from consumption_monitor.catalog import load_catalog
from consumption_monitor.simulate.config import STREAM_ANOMALY, SimConfig


@dataclass(frozen=True)
class Anomaly:
    """One planted anomaly; fields not used by a kind stay ``None``."""

    kind: str
    start: dt.date
    end: dt.date
    magnitude: float  # multiplier (outage, spike) or total fractional change (decline)
    district_code: str | None = None
    business_district_id: str | None = None
    card_category: str | None = None
    mcc: tuple[str, ...] | None = None
    enterprise_id: str | None = None
    description: str = ""

    def to_json(self) -> dict[str, object]:
        """JSON-ready dict with ISO dates."""
        d = asdict(self)
        d["start"], d["end"] = self.start.isoformat(), self.end.isoformat()
        d["mcc"] = list(self.mcc) if self.mcc else None
        return d


@dataclass(frozen=True)
class Plan:
    """The anomalies of a run (``feed_stop`` gets its enterprise once the pool exists)."""

    outage: Anomaly
    spike: Anomaly
    decline: Anomaly
    feed_stop_date: dt.date

    def card_factor(
        self, day: dt.date, district: np.ndarray, bd: np.ndarray, category: np.ndarray
    ) -> np.ndarray:
        """Multiplier of each merchant's expected spending on ``day`` (1 where nothing planted)."""
        f = np.ones(len(district))
        if self.outage.start <= day <= self.outage.end:
            f[bd == self.outage.business_district_id] *= self.outage.magnitude
        if day == self.spike.start:
            f[(district == self.spike.district_code) & (category == self.spike.card_category)] *= (
                self.spike.magnitude
            )
        f[district == self.decline.district_code] *= self.decline_factor(day)
        return f

    def decline_factor(self, day: dt.date) -> float:
        """1 before the decline, falling linearly to 1 + magnitude at its end."""
        if day < self.decline.start:
            return 1.0
        span = (self.decline.end - self.decline.start).days
        frac = min((day - self.decline.start).days / span, 1.0)
        return 1.0 + self.decline.magnitude * frac


def plan_anomalies(cfg: SimConfig) -> Plan:
    """Choose places and dates from the seed, relative to the card window."""
    rng = cfg.rng(STREAM_ANOMALY)
    cat = load_catalog()
    start, end = cfg.card_start, cfg.end_date
    window = (end - start).days + 1
    landmarks = [b for b in cat.business_districts if b.landmark]
    bd = landmarks[int(rng.integers(len(landmarks)))]
    o_start = start + dt.timedelta(days=int(window * 0.3) + int(rng.integers(0, 5)))
    outage = Anomaly(
        "business_district_outage",
        o_start,
        o_start + dt.timedelta(days=1),
        0.02,
        district_code=bd.district,
        business_district_id=bd.id,
        description=f"{bd.name_zh}刷卡消费中断2天",
    )
    big = sorted(cat.districts, key=lambda d: -d.weight)[:3]
    sd = big[int(rng.integers(len(big)))]
    sc = ("catering", "grocery")[int(rng.integers(2))]
    cc = next(c for c in cat.card_categories if c.code == sc)
    s_day = start + dt.timedelta(days=int(window * 0.5) + int(rng.integers(0, 5)))
    spike = Anomaly(
        "spike",
        s_day,
        s_day,
        5.0,
        district_code=sd.code,
        card_category=sc,
        mcc=tuple(cc.mcc),
        description=f"{sd.name_zh}{cc.name_zh}单日激增",
    )
    others = [d for d in cat.districts if d.area_type in ("ring", "outer") and d.code != sd.code]
    dd = others[int(rng.integers(len(others)))]
    d_start = max(end - dt.timedelta(days=55), start)  # 8 weeks, or the whole short window
    decline = Anomaly(
        "slow_decline",
        d_start,
        end,
        -0.30,
        district_code=dd.code,
        description=f"{dd.name_zh}消费8周内逐步下降30%",
    )
    stop = max(
        end - dt.timedelta(days=40 + int(rng.integers(0, 5))),
        start + dt.timedelta(days=window // 2),
    )
    return Plan(outage, spike, decline, stop)
