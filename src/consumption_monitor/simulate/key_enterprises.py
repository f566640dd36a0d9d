"""Key monitored enterprises' daily sales (key_enterprise_daily), 2019 onward at every scale.

Each enterprise has a format (百货, 超市…), a district and often a 商圈, a size in 元 per day and
an average ticket (foot traffic = sales / ticket, none for e-commerce). Daily sales follow the
format's calendar profile (:mod:`calendar_effects`: weekends, golden weeks, Spring Festival from
lunar dates, the 2020 shock) with lognormal noise; the slow-decline district is applied, and one
enterprise stops reporting from the planted date.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

import numpy as np
import pyarrow as pa

from consumption_monitor.catalog import load_catalog
from consumption_monitor.simulate.anomalies import Anomaly, Plan
from consumption_monitor.simulate.calendar_effects import daily_factor, date_range
from consumption_monitor.simulate.config import STREAM_KEY, SimConfig
from consumption_monitor.simulate.enterprises import unique_usccs

# format → (population weight, median daily sales 元, average ticket 元, calendar profile, name)
KEY_FORMATS: dict[str, tuple[float, float, float, str, str]] = {
    "department_store": (0.14, 600_000, 420, "retail", "百货"),
    "shopping_mall": (0.12, 1_200_000, 260, "retail", "购物中心"),
    "supermarket": (0.20, 280_000, 85, "retail", "超市"),
    "convenience": (0.12, 20_000, 28, "retail", "便利店"),
    "specialty": (0.14, 120_000, 350, "retail", "专卖店"),
    "catering": (0.16, 60_000, 110, "catering", "餐饮"),
    "ecommerce": (0.05, 1_800_000, 0, "retail", "电商"),
    "auto": (0.07, 500_000, 0, "auto", "汽车销售"),
}


@dataclass
class KeyPool:
    """The key-enterprise panel (one entry per enterprise)."""

    uscc: list[str]
    name: list[str]
    fmt: np.ndarray
    district: np.ndarray
    bd: np.ndarray  # "" when not in a 商圈
    size: np.ndarray


def key_pool(cfg: SimConfig) -> KeyPool:
    """Draw the panel; every format appears at least once."""
    rng = cfg.rng(STREAM_KEY, 0)
    cat = load_catalog()
    n = max(cfg.scale.key_enterprises, len(KEY_FORMATS))
    names = list(KEY_FORMATS)
    fw = np.array([KEY_FORMATS[f][0] for f in names])
    fmt = np.array(names)[rng.choice(len(names), n, p=fw / fw.sum())]
    fmt[: len(names)] = names
    dw = np.array([d.weight for d in cat.districts])
    district = np.array([d.code for d in cat.districts])[rng.choice(len(dw), n, p=dw / dw.sum())]
    bds: dict[str, list[str]] = {}
    for b in cat.business_districts:
        bds.setdefault(b.district, []).append(b.id)
    bd = np.array(
        [
            bds[d][int(rng.integers(len(bds[d])))] if d in bds and rng.random() < 0.7 else ""
            for d in district
        ]
    )
    size = np.array([KEY_FORMATS[f][1] for f in fmt]) * rng.lognormal(0, 0.5, n)
    uscc = unique_usccs(rng, district, prefix="MA0")
    name = [
        f"天津{cat.district(d).name_zh.removesuffix('区')}{KEY_FORMATS[f][4]}{i + 1:03d}"
        for i, (d, f) in enumerate(zip(district, fmt, strict=True))
    ]
    return KeyPool(uscc, name, fmt, district, bd, size)


def feed_stop(cfg: SimConfig, pool: KeyPool, plan: Plan) -> Anomaly:
    """Pick the enterprise whose feed stops (not in the declining district)."""
    rng = cfg.rng(STREAM_KEY, 1)
    ok = np.flatnonzero((pool.district != plan.decline.district_code) & (pool.fmt != "ecommerce"))
    i = int(ok[int(rng.integers(len(ok)))])
    return Anomaly(
        "feed_stop",
        plan.feed_stop_date,
        cfg.end_date,
        0.0,
        district_code=str(pool.district[i]),
        business_district_id=str(pool.bd[i]) or None,
        enterprise_id=pool.uscc[i],
        description=f"{pool.name[i]}自{plan.feed_stop_date}起停止报送",
    )


def key_tables(cfg: SimConfig, pool: KeyPool, plan: Plan, stop: Anomaly) -> dict[str, pa.Table]:
    """Arrow tables keyed by period label (``"2019"``…, and ``"YYYY-MM"`` for the last month)."""
    last_month = dt.date(cfg.end[0], cfg.end[1], 1)
    pieces: list[tuple[str, dt.date, dt.date]] = []
    for year in cfg.years:
        lo = max(dt.date(year, 1, 1), cfg.start_date)
        hi = min(dt.date(year, 12, 31), last_month - dt.timedelta(days=1))
        if lo <= hi:
            pieces.append((str(year), lo, hi))
    pieces.append((f"{cfg.end[0]:04d}-{cfg.end[1]:02d}", last_month, cfg.end_date))
    profiles = sorted({KEY_FORMATS[f][3] for f in KEY_FORMATS})
    stop_i = pool.uscc.index(stop.enterprise_id or "")
    out = {}
    for label, lo, hi in pieces:
        rng = cfg.rng(STREAM_KEY, 2, lo.toordinal())
        dates = date_range(lo, hi)
        factors = {p: daily_factor(dates, p) for p in profiles}
        prof = np.array([KEY_FORMATS[f][3] for f in pool.fmt])
        sales = np.empty((len(dates), len(pool.uscc)))
        for p in profiles:
            sales[:, prof == p] = factors[p][:, None] * pool.size[prof == p][None, :]
        sales *= rng.lognormal(0, 0.08, sales.shape)
        days = dates.astype(dt.date)
        decline = np.array([plan.decline_factor(d) for d in days])
        sales[:, pool.district == plan.decline.district_code] *= decline[:, None]
        keep = np.ones(sales.shape, dtype=bool)
        keep[dates >= np.datetime64(stop.start, "D"), stop_i] = False
        d_idx, e_idx = np.nonzero(keep)
        ticket = np.array([KEY_FORMATS[f][2] for f in pool.fmt])
        s = np.round(sales[d_idx, e_idx], 2)
        t = ticket[e_idx]
        traffic = np.where(t > 0, np.round(s / np.where(t > 0, t, 1)), np.nan)
        bd = pool.bd[e_idx]
        out[label] = pa.table(
            {
                "enterprise_id": pa.array(pool.uscc).take(pa.array(e_idx)),
                "enterprise_name": pa.array(pool.name).take(pa.array(e_idx)),
                "date": pa.array(dates[d_idx]),
                "format": pa.array(pool.fmt[e_idx]),
                "district_code": pa.array(pool.district[e_idx]),
                "business_district_id": pa.array(bd, mask=bd == ""),
                "sales": pa.array(s),
                "foot_traffic": pa.array(traffic, mask=np.isnan(traffic)).cast(pa.int64()),
            }
        )
    return out
