"""Registries departments keep in spreadsheets: first stores (首店) and major events.

First stores: about 150–260 a year before the plan, 300-odd in 2025 (the plan's goal is "more
than 300"), central districts and landmark 商圈 favoured; each (brand, tier) appears once.
Events: concerts of 10,000+ people (the plan asks for >10 in 2025), music festivals, city-level
sports events, major exhibitions and festivals, at real venues. Rows use Chinese labels
(全国首店, 演唱会) as the departments write them.
"""

from __future__ import annotations

import datetime as dt

import numpy as np

from consumption_monitor.catalog import load_catalog
from consumption_monitor.simulate.config import STREAM_REGISTRY, SimConfig

#: New first stores per full year (2026 and later: 2025's count, scaled by months covered).
FIRST_STORES_PER_YEAR = {
    2019: 150,
    2020: 95,
    2021: 180,
    2022: 140,
    2023: 230,
    2024: 262,
    2025: 318,
    2026: 340,
}
_TIERS = (
    ("global", 0.02),
    ("asia", 0.03),
    ("national", 0.15),
    ("north_china", 0.30),
    ("city", 0.50),
)
_FORMATS = ("零售", "餐饮", "文化娱乐", "生活服务", "潮玩", "美妆", "运动户外", "咖啡茶饮")
_BRAND_A = (
    "Lumi",
    "Nord",
    "Mori",
    "Aster",
    "Kaze",
    "Vela",
    "Orso",
    "Pique",
    "Rune",
    "Sola",
    "Tido",
    "Yuki",
    "Zest",
    "Brio",
    "Cove",
    "Dune",
    "Echo",
    "Fable",
    "Glow",
    "Haven",
)
_BRAND_B = (
    "咖啡",
    "烘焙",
    "茶饮",
    "潮玩",
    "美妆",
    "运动",
    "书店",
    "火锅",
    "轻食",
    "家居",
    "眼镜",
    "香氛",
    "宠物",
    "服饰",
    "珠宝",
    "面馆",
    "酒馆",
    "剧场",
    "影院",
    "数码",
)

# Venues: (name, district code, capacity).
VENUES = (
    ("天津奥林匹克中心体育场", "120111", 54000),
    ("天津团泊体育中心", "120118", 20000),
    ("国家会展中心（天津）", "120112", 100000),
    ("梅江会展中心", "120103", 30000),
    ("天津体育馆", "120104", 10000),
    ("天津大剧院", "120103", 1600),
    ("东丽湖演艺中心", "120110", 12000),
    ("滨海文化中心", "120116", 8000),
    ("意式风情区广场", "120105", 15000),
    ("蓟州国家地质公园", "120119", 20000),
)
# Events per full year by kind (2025 on plan pace: >10 big concerts, >10 sports events).
EVENTS_PER_YEAR = {
    "concert": 12,
    "music_festival": 5,
    "sports_event": 12,
    "exhibition": 22,
    "festival": 6,
}
#: 首发经济 events per full year (2025 on plan pace), held in landmark 商圈 (drawn separately).
DEBUTS_PER_YEAR = {"debut_launch": 36, "debut_show": 14, "debut_exhibition": 8}
#: 商圈 of the venues that sit in one (catalog ids).
_VENUE_BD = {"意式风情区广场": "BD002", "滨海文化中心": "BD011", "东丽湖演艺中心": "BD012"}
_KIND_ZH = {
    "debut_launch": "新品首发",
    "debut_show": "首秀",
    "debut_exhibition": "首展",
    "concert": "演唱会",
    "music_festival": "音乐节",
    "sports_event": "赛事",
    "exhibition": "博览会",
    "festival": "消费季",
}


def _months_in(cfg: SimConfig, year: int) -> tuple[dt.date, dt.date]:
    lo = max(dt.date(year, 1, 1), cfg.start_date)
    hi = min(dt.date(year, 12, 31), cfg.end_date)
    return lo, hi


def first_store_rows(cfg: SimConfig) -> tuple[dict[int, list[list[object]]], dict[str, int]]:
    """Rows (schema order, Chinese tier labels) per year and the count per year (truth)."""
    rng = cfg.rng(STREAM_REGISTRY, 1)
    cat = load_catalog()
    tier_zh = cat.dataset("first_stores").column("tier").labels_zh or {}
    dw = np.array([d.weight * (2.0 if d.area_type == "central" else 1.0) for d in cat.districts])
    bds: dict[str, list[str]] = {}
    for b in cat.business_districts:
        bds.setdefault(b.district, []).extend([b.id] * (3 if b.landmark else 1))
    used: set[tuple[str, str]] = set()
    out: dict[int, list[list[object]]] = {}
    counts: dict[str, int] = {}
    for year in cfg.years:
        lo, hi = _months_in(cfg, year)
        span = (hi - lo).days + 1
        n = round(FIRST_STORES_PER_YEAR.get(year, 340) * span / (366 if year % 4 == 0 else 365))
        rows = []
        days = sorted(int(x) for x in rng.integers(0, span, n))
        for k in range(n):
            while True:
                brand = (
                    f"{_BRAND_A[int(rng.integers(len(_BRAND_A)))]}"
                    f"{_BRAND_B[int(rng.integers(len(_BRAND_B)))]}"
                    f"{int(rng.integers(1, 100))}"
                )
                tier = _TIERS[int(rng.choice(len(_TIERS), p=[p for _, p in _TIERS]))][0]
                if (brand, tier) not in used:
                    used.add((brand, tier))
                    break
            d = cat.districts[int(rng.choice(len(dw), p=dw / dw.sum()))]
            bd = bds.get(d.code, [])
            bd_id = bd[int(rng.integers(len(bd)))] if bd and rng.random() < 0.7 else None
            rows.append(
                [
                    brand,
                    tier_zh.get(tier, tier),
                    lo + dt.timedelta(days=days[k]),
                    d.code,
                    bd_id,
                    _FORMATS[int(rng.integers(len(_FORMATS)))],
                    f"天津市{d.name_zh}{int(rng.integers(1, 300))}号",
                ]
            )
        out[year] = rows
        counts[str(year)] = n
    return out, counts


def event_rows(cfg: SimConfig) -> tuple[list[list[object]], dict[str, dict[str, int]]]:
    """Event rows (schema order, Chinese kind labels) and counts by year and kind (truth).

    Concerts always have at least 10,000 attendees (the plan counts 万人以上演唱会).
    """
    rng = cfg.rng(STREAM_REGISTRY, 2)
    cat = load_catalog()
    kind_zh = cat.dataset("events").column("kind").labels_zh or {}
    rows: list[list[object]] = []
    counts: dict[str, dict[str, int]] = {}
    for year in cfg.years:
        lo, hi = _months_in(cfg, year)
        span = (hi - lo).days + 1
        covid = 0.3 if year in (2020, 2022) else 1.0
        for kind, per_year in EVENTS_PER_YEAR.items():
            boost = 1.0 + 0.12 * max(year - 2024, 0)
            n = round(per_year * covid * boost * span / 365)
            counts.setdefault(str(year), {})[kind] = n
            for _ in range(n):
                name, district, cap = VENUES[int(rng.integers(len(VENUES)))]
                if kind == "concert":
                    big = [v for v in VENUES if v[2] >= 10000]
                    name, district, cap = big[int(rng.integers(len(big)))]
                    attendance = int(rng.integers(10000, max(cap, 10001) + 1))
                else:
                    attendance = int(cap * rng.uniform(0.3, 1.0))
                start = lo + dt.timedelta(days=int(rng.integers(0, span)))
                length = 1 if kind == "concert" else int(rng.integers(1, 5))
                end = min(start + dt.timedelta(days=length - 1), hi)
                seq = len(rows) + 1
                rows.append(
                    [
                        f"EV{year}{seq:05d}",
                        f"{year}天津{_KIND_ZH[kind]}第{seq}场",
                        kind_zh.get(kind, kind),
                        start,
                        end,
                        name,
                        district,
                        attendance,
                        _VENUE_BD.get(name),
                    ]
                )
    _debut_rows(cfg, rows, counts, kind_zh)
    rows.sort(key=lambda r: (str(r[3]), str(r[0])))
    return rows, counts


def _debut_rows(
    cfg: SimConfig,
    rows: list[list[object]],
    counts: dict[str, dict[str, int]],
    kind_zh: dict[str, str],
) -> None:
    """首发/首秀/首展 events in the landmark 商圈 (own random stream: other events unchanged)."""
    rng = cfg.rng(STREAM_REGISTRY, 3)
    landmarks = [b for b in load_catalog().business_districts if b.landmark]
    for year in cfg.years:
        lo, hi = _months_in(cfg, year)
        span = (hi - lo).days + 1
        pace = 0.3 if year in (2020, 2022) else 1.0 + 0.15 * max(year - 2024, 0)
        for kind, per_year in DEBUTS_PER_YEAR.items():
            n = round(per_year * pace * span / 365)
            counts.setdefault(str(year), {})[kind] = n
            for _ in range(n):
                bd = landmarks[int(rng.integers(len(landmarks)))]
                start = lo + dt.timedelta(days=int(rng.integers(0, span)))
                seq = len(rows) + 1
                rows.append(
                    [
                        f"EV{year}{seq:05d}",
                        f"{year}{bd.name_zh}{_KIND_ZH[kind]}第{seq}场",
                        kind_zh.get(kind, kind),
                        start,
                        start,
                        bd.name_zh,
                        bd.district,
                        int(rng.integers(200, 3000)),
                        bd.id,
                    ]
                )
