"""Programme reports the commerce bureau compiles monthly: the consumer-goods trade-in
(以旧换新) by district and category, and departure tax-refund and duty-free sales.

Trade-in: the national programme as extended in 2024 and widened in 2025 (digital products
from January 2025); rows from 2024-05 on (earlier months had no subsidy). Average subsidy per
unit and sales per unit follow the national rules' order of magnitude (cars about 1.5–2万元
subsidy on a 15万元 car; appliances up to 20% of price; digital products 15% capped at 500元).
Tax refund and duty free: 境外旅客 purchases in refund stores (centre and 滨海新区) and the
port/downtown duty-free shops, rising after the 2025 即买即退 extension.

Each row is drawn independently (``cfg.rng(STREAM_PROGRAMMES, year, month, …)``), so a run's
totals (the planted truth, returned with the rows) do not depend on the scale.
"""

from __future__ import annotations

from consumption_monitor.catalog import load_catalog
from consumption_monitor.simulate.config import SimConfig, month_list

STREAM_PROGRAMMES = 10
#: Trade-in per category: (units per month citywide in 2025, subsidy 万元 per unit,
#: sales 万元 per unit, first month).
TRADE_IN = {
    "auto_scrap": (1500, 1.8, 14.0, (2024, 5)),
    "auto_replace": (4000, 1.4, 16.0, (2024, 5)),
    "home_appliance": (60000, 0.045, 0.32, (2024, 8)),
    "digital": (45000, 0.04, 0.42, (2025, 1)),
    "home_renovation": (8000, 0.12, 1.1, (2024, 9)),
    "e_bike": (9000, 0.05, 0.30, (2024, 9)),
}
#: District weights (population-like; the centre and 滨海新区 buy most).
_WEIGHT = {"120116": 3.0, "120101": 1.2, "120102": 1.2, "120103": 1.3, "120104": 1.3,
           "120105": 1.1, "120106": 1.0, "120110": 1.0, "120111": 1.1, "120112": 1.1,
           "120113": 1.0, "120114": 1.2, "120115": 0.8, "120117": 0.7, "120118": 0.8,
           "120119": 0.8}  # fmt: skip
#: Tax refund and duty free: (sales 万元 per month citywide in 2025, districts, refund rate).
INBOUND = {
    "tax_refund": (2600.0, ("120101", "120103", "120116"), 0.09),
    "duty_free": (5200.0, ("120116", "120101"), 0.0),
}


def trade_in_rows(cfg: SimConfig) -> tuple[list[list[object]], dict[str, dict[str, float]]]:
    """Trade-in rows (schema order, Chinese category labels) and the yearly subsidy totals by
    category (truth, 万元)."""
    cat = load_catalog()
    labels = cat.dataset("trade_in").column("category").labels_zh or {}
    districts = [d.code for d in cat.districts]
    total_w = sum(_WEIGHT.get(d, 1.0) for d in districts)
    rows: list[list[object]] = []
    truth: dict[str, dict[str, float]] = {}
    for year, month in month_list(cfg.start, cfg.end):
        for ci, (category, (units, subsidy, sales, first)) in enumerate(TRADE_IN.items()):
            if (year, month) < first:
                continue
            pace = 0.7 if year == 2024 else 1.0 + 0.05 * max(year - 2025, 0)
            for di, district in enumerate(districts):
                rng = cfg.rng(STREAM_PROGRAMMES, year, month, ci, di)
                share = _WEIGHT.get(district, 1.0) / total_w
                n = int(rng.poisson(units * pace * share))
                paid = round(n * subsidy * float(rng.uniform(0.9, 1.1)), 2)
                sold = round(n * sales * float(rng.uniform(0.9, 1.1)), 2)
                rows.append([district, f"{year:04d}-{month:02d}", labels.get(category, category),
                             n, paid, sold])  # fmt: skip
                by_year = truth.setdefault(str(year), {})
                by_year[category] = round(by_year.get(category, 0.0) + paid, 2)
    return rows, truth


def inbound_rows(cfg: SimConfig) -> tuple[list[list[object]], dict[str, dict[str, float]]]:
    """Tax-refund and duty-free rows (schema order) and yearly sales by kind (truth, 万元)."""
    labels = load_catalog().dataset("inbound_spending").column("kind").labels_zh or {}
    rows: list[list[object]] = []
    truth: dict[str, dict[str, float]] = {}
    for year, month in month_list(cfg.start, cfg.end):
        covid = 0.15 if 2020 <= year <= 2022 else 1.0
        trend = {2019: 0.8, 2023: 0.55, 2024: 0.75}.get(year, 1.0 + 0.15 * max(year - 2025, 0))
        for ki, (kind, (sales, districts, rate)) in enumerate(INBOUND.items()):
            for di, district in enumerate(districts):
                rng = cfg.rng(STREAM_PROGRAMMES, 99, year, month, ki, di)
                value = round(
                    sales * covid * trend / len(districts) * float(rng.uniform(0.8, 1.2)), 2
                )
                refund = round(value * rate, 2) if rate else None
                buyers = int(value * 10000 / float(rng.uniform(2500, 4500)))
                stores = int(rng.integers(20, 60)) if kind == "tax_refund" else 1
                rows.append([district, f"{year:04d}-{month:02d}", labels.get(kind, kind), value,
                             refund, buyers, stores])  # fmt: skip
                by_year = truth.setdefault(str(year), {})
                by_year[kind] = round(by_year.get(kind, 0.0) + value, 2)
    return rows, truth


__all__ = ["INBOUND", "TRADE_IN", "inbound_rows", "trade_in_rows"]
