"""限额以上 enterprises' monthly retail (enterprise_monthly), the 联网直报 export.

Each enterprise has a format (car dealer, supermarket…) that fixes its commodity mix, a size
and years in the set (some enter, some leave: the enterprise-set change behind comparable
growth). Each month the city's 限上 level (from :mod:`official`) is split over categories by the
calibrated mix (升级类 ≈ 20%, drifting up) and over active enterprises by size, so the export
adds up to the published 限上 figure by design (±noise and rounding). Values in 万元; Jan–Feb is
one row with period ``YYYY-02``.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pyarrow as pa

from consumption_monitor.catalog import load_catalog
from consumption_monitor.catalog.uscc import ALPHABET, make_uscc
from consumption_monitor.simulate import magnitudes as mag
from consumption_monitor.simulate.config import STREAM_ENTERPRISE, SimConfig, month_list
from consumption_monitor.simulate.official import MonthlyLevels

# Format → (name suffix, weight in the population, category mix, online propensity).
FORMATS: dict[str, tuple[str, float, dict[str, float], float]] = {
    "auto": ("汽车销售服务", 0.12, {"automobile": 1.0}, 0.05),
    "fuel": ("石油销售", 0.06, {"petroleum": 0.9, "grain_food": 0.05, "beverages": 0.05}, 0.0),
    "supermarket": (
        "超市",
        0.18,
        {
            "grain_food": 0.55,
            "beverages": 0.12,
            "tobacco_liquor": 0.10,
            "daily_use": 0.18,
            "other": 0.05,
        },
        0.25,
    ),
    "department": (
        "百货",
        0.08,
        {"apparel": 0.45, "cosmetics": 0.20, "jewelry": 0.20, "daily_use": 0.10, "other": 0.05},
        0.15,
    ),
    "appliance": ("电器", 0.08, {"appliances": 0.65, "telecom": 0.35}, 0.35),
    "pharmacy": ("医药连锁", 0.10, {"medicine": 0.95, "daily_use": 0.05}, 0.15),
    "apparel": ("服饰", 0.10, {"apparel": 0.85, "sports_entertainment": 0.15}, 0.3),
    "specialty": (
        "商贸",
        0.16,
        {
            "culture_office": 0.25,
            "furniture": 0.15,
            "building_materials": 0.15,
            "books": 0.08,
            "e_publications": 0.04,
            "sports_entertainment": 0.13,
            "jewelry": 0.1,
            "other": 0.1,
        },
        0.3,
    ),
    "ecommerce": (
        "电子商务",
        0.12,
        {
            "telecom": 0.2,
            "appliances": 0.15,
            "cosmetics": 0.15,
            "apparel": 0.2,
            "grain_food": 0.1,
            "daily_use": 0.1,
            "other": 0.1,
        },
        0.92,
    ),
}
_NAME_WORDS = (
    "津城",
    "海河",
    "滨城",
    "鑫源",
    "华润",
    "盛达",
    "恒通",
    "泰和",
    "联华",
    "金桥",
    "宏远",
    "瑞丰",
    "永安",
    "新港",
    "渤海",
    "中环",
    "天旭",
    "嘉禾",
    "东方",
    "北辰",
    "利民",
    "百川",
)


@dataclass
class EnterprisePool:
    """The 限上 enterprise population (arrays, one entry per enterprise)."""

    uscc: list[str]
    name: list[str]
    district: np.ndarray  # admin codes (str)
    industry: np.ndarray
    fmt: np.ndarray
    size: np.ndarray
    online: np.ndarray
    first_year: np.ndarray
    last_year: np.ndarray


def unique_usccs(rng: np.random.Generator, districts: np.ndarray, prefix: str = "MA") -> list[str]:
    """Valid, distinct USCCs for companies registered in ``districts`` (GB 32100 checksum)."""
    seen: set[str] = set()
    out = []
    letters = np.array(list(ALPHABET))
    for d in districts:
        while True:
            body = prefix + "".join(rng.choice(letters, 8 - len(prefix)))
            code = make_uscc("9", "1", str(d), body)
            if code not in seen:
                seen.add(code)
                out.append(code)
                break
    return out


def enterprise_pool(cfg: SimConfig) -> EnterprisePool:
    """Draw the enterprise population of the run (sizes lognormal; churn about 6% a year)."""
    rng = cfg.rng(STREAM_ENTERPRISE, 0)
    cat = load_catalog()
    n = cfg.scale.enterprises
    dw = np.array([d.weight for d in cat.districts])
    district = np.array([d.code for d in cat.districts])[rng.choice(len(dw), n, p=dw / dw.sum())]
    names = list(FORMATS)
    fw = np.array([FORMATS[f][1] for f in names])
    fmt = np.array(names)[rng.choice(len(names), n, p=fw / fw.sum())]
    # Every format present at least once, so every category has reporters even at tiny scale.
    fmt[: len(names)] = names
    industry = np.where(rng.random(n) < 0.1, "F51", "F52")
    size = rng.lognormal(0, 1.1, n)
    online = np.array([FORMATS[f][3] for f in fmt]) * rng.uniform(0.6, 1.3, n)
    y0, y1 = cfg.start[0] - 1, cfg.end[0]
    first = np.where(rng.random(n) < 0.35, rng.integers(y0, y1 + 1, n), y0)
    last = np.where(rng.random(n) < 0.25, rng.integers(y0, y1 + 1, n), y1)
    first, last = np.minimum(first, last), np.maximum(first, last)
    first[: len(names)], last[: len(names)] = y0, y1
    # Every district has a reporter for the whole range too (the last enterprises of the pool),
    # so that no district's above-size indicators are empty at tiny scale.
    codes = [d.code for d in cat.districts]
    if n >= len(names) + len(codes):
        district[n - len(codes) :] = codes
        first[n - len(codes) :], last[n - len(codes) :] = y0, y1
    uscc = unique_usccs(rng, district)
    word = rng.integers(len(_NAME_WORDS), size=n)
    name = [
        f"天津{_NAME_WORDS[w]}{FORMATS[f][0]}有限公司{i % 97 + 1}号"
        for i, (w, f) in enumerate(zip(word, fmt, strict=True))
    ]
    return EnterprisePool(uscc, name, district, industry, fmt, size, online, first, last)


def category_mix(year: int) -> dict[str, float]:
    """Calibrated 限上 commodity mix of ``year``: 升级类 share ≈ 20% in 2019, +0.3 pt a year."""
    cat = load_catalog()
    up = set(cat.upgrade_default)
    raw = {
        c: v * (1 + 0.015 * (year - 2019) if c in up else 1.0) for c, v in mag.CATEGORY_MIX.items()
    }
    total = sum(raw.values())
    return {c: v / total for c, v in raw.items()}


def enterprise_tables(
    cfg: SimConfig, pool: EnterprisePool, levels: MonthlyLevels
) -> dict[int, pa.Table]:
    """One Arrow table per year (canonical columns), Jan–Feb combined into ``YYYY-02``."""
    cat = load_catalog()
    codes = list(mag.CATEGORY_MIX)
    zh = {c.code: c.name_zh for c in cat.categories}
    weights = np.zeros((len(pool.uscc), len(codes)))
    for j, c in enumerate(codes):
        weights[:, j] = [FORMATS[f][2].get(c, 0.0) for f in pool.fmt]
    weights *= pool.size[:, None]
    out: dict[int, pa.Table] = {}
    for year in cfg.years:
        rng = cfg.rng(STREAM_ENTERPRISE, 1, year)
        active = (pool.first_year <= year) & (pool.last_year >= year)
        w = weights * active[:, None]
        col = w.sum(axis=0)
        mix = category_mix(year)
        share = np.array([mix[c] for c in codes]) * (col > 0)
        share /= share.sum()
        frac = np.divide(w, col, out=np.zeros_like(w), where=col > 0)
        e_idx, c_idx = np.nonzero(frac)
        online_target = mag.year_share(mag.ONLINE_ENTERPRISE_SHARE, year)
        parts = []
        for y, m in month_list(cfg.start, cfg.end):
            if y != year or m == 1:
                continue
            level_wan = levels.above_size[(y, m)] * 1e4
            if m == 2:
                level_wan += levels.above_size[(y, 1)] * 1e4
            vals = level_wan * share[c_idx] * frac[e_idx, c_idx]
            vals *= rng.lognormal(0, 0.05, len(vals))
            prop = pool.online[e_idx]
            k = online_target / max(float((vals * prop).sum() / vals.sum()), 1e-9)
            onl = vals * np.clip(prop * k * rng.uniform(0.9, 1.1, len(vals)), 0, 1)
            parts.append((f"{y:04d}-{m:02d}", np.round(vals, 2), np.round(onl, 2)))
        if not parts:
            continue
        n = len(e_idx)
        uscc = pa.array(pool.uscc)
        names = pa.array(pool.name)
        take = pa.array(np.tile(e_idx, len(parts)))
        out[year] = pa.table(
            {
                "enterprise_id": uscc.take(take),
                "enterprise_name": names.take(take),
                "district_code": pa.array(pool.district[np.tile(e_idx, len(parts))]),
                "industry": pa.array(pool.industry[np.tile(e_idx, len(parts))]),
                "period": pa.array(np.repeat([p[0] for p in parts], n)),
                "category": pa.array(np.tile([zh[codes[j]] for j in c_idx], len(parts))),
                "retail_sales": pa.array(np.concatenate([p[1] for p in parts])),
                "online_retail_sales": pa.array(np.concatenate([p[2] for p in parts])),
            }
        )
    return out
