"""Card payments (card_transactions): vectorised, one day (or chunk) at a time.

Merchants have a card category (hence an MCC), a district, often a 商圈 and a popularity.
Each day the expected number of payments follows the calendar profile of each category; the
merchants of the day are drawn in one ``Generator.choice`` call, then amounts (lognormal per
category, 元), hour of day (a daytime and an evening profile tuned so ~30% of spending falls in
18:00–02:00), channel (online share rising), card origin (local / other_province / overseas,
outside shares rising and higher on holidays) and a card from the pool. No Python loop per
payment: memory is bounded by one chunk (``Scale.card_chunk_rows``).

Hours 00:00–01:59 of a calendar day are the tail of the previous evening for night-economy
measures; generation simply uses the same 24-hour profile every calendar day.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from dataclasses import dataclass

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from consumption_monitor.catalog import load_catalog
from consumption_monitor.simulate.anomalies import Plan
from consumption_monitor.simulate.calendar_effects import daily_factor, date_range
from consumption_monitor.simulate.config import STREAM_CARD_DAY, STREAM_CARD_POOL, SimConfig

# card category → (share of payments, median amount 元, log-sd, profile, online propensity)
CARD_MIX: dict[str, tuple[float, float, float, str, float]] = {
    "catering": (0.27, 62, 0.70, "catering", 0.20),
    "grocery": (0.22, 68, 0.80, "retail", 0.25),
    "department_store": (0.05, 300, 0.90, "retail", 0.15),
    "apparel": (0.05, 340, 0.80, "retail", 0.40),
    "cosmetics": (0.02, 280, 0.70, "retail", 0.45),
    "jewelry": (0.006, 2400, 0.90, "retail", 0.15),
    "sports_goods": (0.01, 330, 0.80, "retail", 0.40),
    "electronics": (0.015, 1500, 1.00, "retail", 0.45),
    "telecom": (0.01, 1800, 0.80, "retail", 0.40),
    "medicine": (0.04, 88, 0.80, "retail", 0.20),
    "culture_office": (0.01, 80, 0.80, "retail", 0.35),
    "furniture": (0.004, 2800, 1.00, "retail", 0.30),
    "fuel": (0.06, 300, 0.40, "retail", 0.02),
    "automobile": (0.002, 30000, 1.10, "auto", 0.02),
    "building": (0.004, 2400, 1.10, "retail", 0.20),
    "accommodation": (0.015, 450, 0.60, "service", 0.55),
    "entertainment": (0.03, 150, 0.80, "catering", 0.45),
    "tourism": (0.01, 300, 0.90, "service", 0.55),
    "sports_fitness": (0.01, 200, 0.90, "service", 0.25),
    "health": (0.02, 250, 1.00, "service", 0.10),
    "education": (0.008, 1500, 1.00, "service", 0.35),
    "personal_services": (0.04, 80, 0.80, "service", 0.15),
    "other": (0.04, 120, 1.00, "retail", 0.30),
}
_EVENING = {"catering", "entertainment", "accommodation"}
# Hour-of-day weights (00..23). Daytime: shops; evening: restaurants, cinemas, bars.
HOURS_DAY = np.array(
    [
        0.5,
        0.25,
        0.1,
        0.05,
        0.05,
        0.1,
        0.4,
        1.5,
        3,
        4.5,
        6,
        7,
        7.5,
        7,
        6.5,
        6.5,
        6.5,
        6.5,
        6.2,
        5.6,
        4.6,
        3.1,
        1.9,
        1.0,
    ]
)
HOURS_EVENING = np.array(
    [
        1.8,
        0.9,
        0.3,
        0.1,
        0.05,
        0.1,
        0.3,
        1.2,
        2,
        2.5,
        3.5,
        6.5,
        8,
        5,
        3,
        3,
        3.5,
        6,
        9,
        9.5,
        8,
        6,
        4.2,
        2.7,
    ]
)
NIGHT_HOURS = (18, 19, 20, 21, 22, 23, 0, 1)
ORIGINS = ("local", "other_province", "overseas")


@dataclass
class MerchantPool:
    """Merchants (one entry each) and the card pool's index ranges by origin."""

    merchant_id: pa.Array
    category: np.ndarray
    mcc: pa.Array
    district: np.ndarray
    bd: np.ndarray  # "" outside any 商圈
    weight: np.ndarray
    origin_ranges: dict[str, tuple[int, int]]


def card_digests(seed: int, cards: np.ndarray) -> pa.Array:
    """16-hex-digit digests of card indices (splitmix64 of seed and index; distinct per index).

    Computed per chunk from the index, so the card pool never has to sit in memory.

    >>> d = card_digests(0, np.array([0, 1, 0])).to_pylist()
    >>> d[0] == d[2] != d[1], len(d[0])
    (True, 16)
    """
    x = cards.astype(np.uint64) + np.uint64(seed * 0x9E3779B9 + 1)
    with np.errstate(over="ignore"):
        x = x * np.uint64(0x9E3779B97F4A7C15)
        x ^= x >> np.uint64(30)
        x *= np.uint64(0xBF58476D1CE4E5B9)
        x ^= x >> np.uint64(27)
        x *= np.uint64(0x94D049BB133111EB)
        x ^= x >> np.uint64(31)
    # Big-endian bytes → two hex characters each via a 256-entry table (16 bytes per card).
    table = np.frombuffer(b"".join(b"%02x" % i for i in range(256)), dtype=np.uint8).reshape(256, 2)
    chars = table[x.astype(">u8").view(np.uint8).reshape(-1, 8)]
    flat = np.ascontiguousarray(chars).reshape(-1, 16)
    return pa.array(flat.view("S16").ravel()).cast(pa.string())


def merchant_pool(cfg: SimConfig) -> MerchantPool:
    """Draw merchants (by district weight and category share) and the card pool."""
    rng = cfg.rng(STREAM_CARD_POOL)
    cat = load_catalog()
    n = cfg.scale.merchants
    cats = list(CARD_MIX)
    share = np.array([CARD_MIX[c][0] for c in cats])
    category = np.array(cats)[rng.choice(len(cats), n, p=share / share.sum())]
    category[: len(cats)] = cats
    dw = np.array([d.weight for d in cat.districts])
    dcodes = np.array([d.code for d in cat.districts])
    district = dcodes[rng.choice(len(dw), n, p=dw / dw.sum())]
    district[: len(dcodes)] = dcodes
    bds: dict[str, list[str]] = {}
    for b in cat.business_districts:
        bds.setdefault(b.district, []).append(b.id)
    in_bd = rng.random(n) < 0.45
    pick = rng.random(n)
    bd = np.array(
        [
            bds[d][int(p * len(bds[d]))] if ok and d in bds else ""
            for d, ok, p in zip(district, in_bd, pick, strict=True)
        ]
    )
    mccs = {c.code: c.mcc for c in cat.card_categories}
    mcc = [mccs[c][int(p * len(mccs[c]))] for c, p in zip(category, rng.random(n), strict=True)]
    seq = pa.array(np.arange(n)).cast(pa.string())
    mid = pc.binary_join_element_wise(
        "898",
        pa.array([d[2:] for d in district.tolist()], type=pa.string()),
        pc.utf8_lpad(seq, 8, "0"),
        "",
    )
    weight = rng.lognormal(0, 1.0, n)
    # Each category's merchants together get its share of payments.
    for c in cats:
        m = category == c
        weight[m] *= CARD_MIX[c][0] / weight[m].sum()
    cards = cfg.scale.cards
    n_local, n_other = int(cards * 0.8), int(cards * 0.18)
    ranges = {
        "local": (0, n_local),
        "other_province": (n_local, n_local + n_other),
        "overseas": (n_local + n_other, cards),
    }
    return MerchantPool(mid, category, pa.array(mcc), district, bd, weight, ranges)


def _hour_cdfs() -> tuple[np.ndarray, np.ndarray]:
    return np.cumsum(HOURS_DAY) / HOURS_DAY.sum(), np.cumsum(HOURS_EVENING) / HOURS_EVENING.sum()


def origin_shares(day: dt.date, holiday_lift: float) -> tuple[float, float]:
    """(other_province, overseas) probability of a payment on ``day``: rising over the years.

    Cross-border travel was near zero 2020–2022; holidays bring more visitors.
    """
    years = day.year + day.timetuple().tm_yday / 366 - 2019
    other = (0.10 + 0.012 * years) * holiday_lift
    overseas = 0.001 if 2020 <= day.year <= 2022 else 0.004 + 0.0012 * max(years - 4, 0)
    return min(other, 0.4), overseas * holiday_lift


def card_days(cfg: SimConfig, pool: MerchantPool, plan: Plan) -> Iterator[tuple[dt.date, pa.Table]]:
    """Yield (day, table) for every day of the card window, in date order, canonical columns.

    A day with more payments than ``card_chunk_rows`` is yielded in several chunks.
    """
    dates = date_range(cfg.card_start, cfg.end_date)
    cats = list(CARD_MIX)
    prof_names = sorted({v[3] for v in CARD_MIX.values()})
    factors = {p: daily_factor(dates, p) for p in prof_names}
    retail = factors["retail"]
    cat_ix = {c: i for i, c in enumerate(cats)}
    m_cat = np.array([cat_ix[c] for c in pool.category])
    m_prof = np.array([prof_names.index(CARD_MIX[c][3]) for c in pool.category])
    mu = np.log(np.array([CARD_MIX[c][1] for c in cats]))[m_cat]
    sd = np.array([CARD_MIX[c][2] for c in cats])[m_cat]
    p_online = np.array([CARD_MIX[c][4] for c in cats])[m_cat]
    evening = np.isin(pool.category, list(_EVENING))
    cdf_day, cdf_eve = _hour_cdfs()
    base_total = pool.weight.sum()
    district_arr = pa.array(pool.district)
    bd_arr = pa.array(pool.bd, mask=pool.bd == "")
    for k, d64 in enumerate(dates):
        day = d64.astype(dt.date)
        rng = cfg.rng(STREAM_CARD_DAY, day.toordinal())
        prof_f = np.array([factors[p][k] for p in prof_names])
        w = (
            pool.weight
            * prof_f[m_prof]
            * plan.card_factor(day, pool.district, pool.bd, pool.category)
        )
        n_day = int(rng.poisson(cfg.scale.txns_per_day * w.sum() / base_total))
        lift = float(max(retail[k] / np.median(retail), 1.0))
        online_scale = 0.8 + 0.05 * (day.year + day.timetuple().tm_yday / 366 - 2019)
        seq0 = 0
        while seq0 < n_day:
            n = min(cfg.scale.card_chunk_rows, n_day - seq0)
            m = rng.choice(len(w), n, p=w / w.sum())
            amount = np.round(np.exp(mu[m] + sd[m] * rng.standard_normal(n)), 2)
            u = rng.random(n)
            hour = np.where(evening[m], np.searchsorted(cdf_eve, u), np.searchsorted(cdf_day, u))
            secs = np.minimum(hour, 23) * 3600 + rng.integers(0, 3600, n)
            order = np.argsort(secs, kind="stable")
            m, amount, secs = m[order], amount[order], secs[order]
            online = rng.random(n) < np.minimum(p_online[m] * online_scale, 0.95)
            other, overseas = origin_shares(day, lift)
            r = rng.random(n)
            origin = np.where(r < overseas, 2, np.where(r < overseas + other, 1, 0))
            lo = np.array([pool.origin_ranges[o][0] for o in ORIGINS])[origin]
            hi = np.array([pool.origin_ranges[o][1] for o in ORIGINS])[origin]
            card = lo + ((hi - lo) * rng.random(n) ** 2).astype(np.int64)
            ts = np.datetime64(day, "s") + secs.astype("timedelta64[s]")
            ids = pc.binary_join_element_wise(
                f"{day:%Y%m%d}",
                pc.utf8_lpad(pa.array(np.arange(seq0, seq0 + n)).cast(pa.string()), 10, "0"),
                "",
            )
            take = pa.array(m)
            yield (
                day,
                pa.table(
                    {
                        "txn_id": ids,
                        "txn_ts": pa.array(ts, type=pa.timestamp("s")),
                        "merchant_id": pool.merchant_id.take(take),
                        "mcc": pool.mcc.take(take),
                        "amount": pa.array(amount),
                        "channel": pa.array(np.where(online, "online", "offline")),
                        "card_origin": pa.array(np.array(ORIGINS)[origin]),
                        "card_hash": card_digests(cfg.seed, card),
                        "district_code": district_arr.take(take),
                        "business_district_id": bd_arr.take(take),
                    }
                ),
            )
            seq0 += n
