"""Official releases (official_stats), published the NBS way.

Monthly series are cumulative year-to-date levels in 亿元 with year-to-date growth; January and
February are one period (``YYYY-02``, basis ``ytd``, no January row — METHODOLOGY §1). Growth is
on a comparable basis: the prior-year base is the previous level times (1 + set change), so the
published rate differs from the level ratio by design (see magnitudes.ENTERPRISE_SET_CHANGE).
Quarterly GDP rows are cumulative quarters (basis ``ytd``, period ``YYYY-Qn``) with real growth;
annual rows use basis ``year``. 服务零售额 is growth-only (value left empty), from 2023.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

import numpy as np

from consumption_monitor import clock
from consumption_monitor.catalog import load_catalog
from consumption_monitor.simulate import magnitudes as mag
from consumption_monitor.simulate.calendar_effects import covid_factor, date_range
from consumption_monitor.simulate.config import STREAM_OFFICIAL, SimConfig, month_list

CITY, NATION = "120000", "100000"
UNIT_ZH = {"yi_yuan": "亿元", "yuan": "元", "wan_persons": "万人", "wan_teu": "万标准箱"}
# Real GDP growth by year, percent (rounded public values; later years assumed).
GDP_REAL_GROWTH = {
    2019: 4.8,
    2020: 1.5,
    2021: 6.6,
    2022: 1.0,
    2023: 4.3,
    2024: 5.1,
    2025: 5.0,
    2026: 4.8,
}
SERVICE_RETAIL_GROWTH = {2023: 20.1, 2024: 6.2, 2025: 5.4, 2026: 5.6}


@dataclass
class OfficialRow:
    """One published figure; ``release`` decides which vintage file carries it."""

    region: str
    indicator: str
    period: str
    basis: str
    value: float | None
    yoy_pct: float | None
    source: str
    release: dt.date
    note: str = ""


@dataclass
class MonthlyLevels:
    """True single-month levels (亿元) the releases and enterprise data derive from."""

    city_retail: dict[tuple[int, int], float] = field(default_factory=dict)
    above_size: dict[tuple[int, int], float] = field(default_factory=dict)
    district_share: dict[tuple[str, int], float] = field(default_factory=dict)


def _month_release(year: int, month: int) -> dt.date:
    """Monthly data come out around the 17th of the next month."""
    y, m = (year + 1, 1) if month == 12 else (year, month + 1)
    return dt.date(y, m, 17)


def _month_covid(year: int, month: int) -> float:
    first = dt.date(year, month, 1)
    last = dt.date(year + (month == 12), month % 12 + 1, 1) - dt.timedelta(days=1)
    return float(covid_factor(date_range(first, last)).mean())


def monthly_levels(cfg: SimConfig) -> MonthlyLevels:
    """Single-month city 社零 and 限上 levels from one year before the range to its end."""
    rng = cfg.rng(STREAM_OFFICIAL, 0)
    out = MonthlyLevels()
    shape = np.array(mag.MONTH_SHAPE) / sum(mag.MONTH_SHAPE)
    for year in range(cfg.start[0] - 1, cfg.end[0] + 1):
        cov = np.array([_month_covid(year, m) for m in range(1, 13)])
        weights = shape * cov / float((shape * cov).sum())
        annual = mag.year_value(mag.CITY_RETAIL_YI, year) * (1 + rng.normal(0, 0.004))
        for m in range(1, 13):
            level = annual * weights[m - 1] * (1 + rng.normal(0, 0.006))
            out.city_retail[(year, m)] = level
            out.above_size[(year, m)] = level * mag.ABOVE_SIZE_SHARE * (1 + rng.normal(0, 0.01))
    cat = load_catalog()
    base = np.array([d.weight for d in cat.districts])
    drift = rng.normal(0, 0.012, len(base))  # some districts gain share, others lose it
    for year in range(cfg.start[0] - 1, cfg.end[0] + 1):
        w = base * (1 + drift) ** (year - 2019)
        w = w / w.sum()
        for d, share in zip(cat.districts, w, strict=True):
            out.district_share[(d.code, year)] = float(share)
    return out


def _ytd_rows(
    cfg: SimConfig,
    monthly: dict[tuple[int, int], float],
    *,
    region: str,
    indicator: str,
    base_change: dict[int, float],
    source: str,
    rng: np.random.Generator,
) -> list[OfficialRow]:
    """Cumulative releases of one monthly series with comparable-basis ytd growth."""
    rows = []
    for year, month in month_list(cfg.start, cfg.end):
        if month == 1:
            continue  # January is published together with February
        cum = sum(monthly[(year, k)] for k in range(1, month + 1))
        prev = sum(monthly[(year - 1, k)] for k in range(1, month + 1))
        base = prev * (1 + base_change.get(year, 0.0))
        yoy = (cum / base - 1) * 100 + rng.normal(0, 0.05)
        note = "1-2月" if month == 2 else f"1-{month}月"
        rows.append(
            OfficialRow(
                region,
                indicator,
                f"{year:04d}-{month:02d}",
                "ytd",
                round(float(cum), 2),
                round(float(yoy), 1),
                source,
                _month_release(year, month),
                note,
            )
        )
    return rows


def _scaled(
    levels: dict[tuple[int, int], float], factor: dict[int, float]
) -> dict[tuple[int, int], float]:
    return {k: v * factor[k[0]] for k, v in levels.items()}


def official_rows(cfg: SimConfig, levels: MonthlyLevels) -> list[OfficialRow]:
    """Every official row of the range, before splitting into vintage files."""
    cat = load_catalog()
    rng = cfg.rng(STREAM_OFFICIAL, 1)
    years = range(cfg.start[0] - 1, cfg.end[0] + 1)
    rows: list[OfficialRow] = []
    stats = "天津市统计局"
    rows += _ytd_rows(
        cfg,
        levels.city_retail,
        region=CITY,
        indicator="retail_sales",
        base_change=mag.RETAIL_BASE_REVISION,
        source=stats,
        rng=rng,
    )
    rows += _ytd_rows(
        cfg,
        levels.above_size,
        region=CITY,
        indicator="retail_sales_above_size",
        base_change=mag.ENTERPRISE_SET_CHANGE,
        source=stats,
        rng=rng,
    )
    for d in cat.districts:
        noise = {y: 1 + rng.normal(0, 0.003) for y in years}
        share = {y: levels.district_share[(d.code, y)] * noise[y] for y in years}
        for ind, lv, change in (
            ("retail_sales", levels.city_retail, mag.RETAIL_BASE_REVISION),
            ("retail_sales_above_size", levels.above_size, mag.ENTERPRISE_SET_CHANGE),
        ):
            rows += _ytd_rows(
                cfg,
                _scaled(lv, share),
                region=d.code,
                indicator=ind,
                base_change=change,
                source=f"{d.name_zh}统计局",
                rng=rng,
            )
    catering = {y: mag.CATERING_SHARE * (0.8 if y == 2020 else 1.0) for y in years}
    rows += _ytd_rows(
        cfg,
        _scaled(levels.city_retail, catering),
        region=CITY,
        indicator="catering_revenue",
        base_change=mag.RETAIL_BASE_REVISION,
        source=stats,
        rng=rng,
    )
    online = {y: mag.year_share(mag.ONLINE_GOODS_SHARE, y) for y in years}
    rows += _ytd_rows(
        cfg,
        _scaled(levels.city_retail, online),
        region=CITY,
        indicator="online_retail_goods",
        base_change={},
        source=stats,
        rng=rng,
    )
    national = _national_monthly(cfg, rng)
    rows += _ytd_rows(
        cfg,
        national,
        region=NATION,
        indicator="retail_sales",
        base_change={y: v / 3 for y, v in mag.RETAIL_BASE_REVISION.items()},
        source="国家统计局",
        rng=rng,
    )
    rows += _service_retail(cfg, rng)
    rows += _quarterly_gdp(cfg, rng)
    rows += _annual(cfg, rng)
    return rows


def _national_monthly(cfg: SimConfig, rng: np.random.Generator) -> dict[tuple[int, int], float]:
    shape = np.array(mag.MONTH_SHAPE) / sum(mag.MONTH_SHAPE)
    out = {}
    for year in range(cfg.start[0] - 1, cfg.end[0] + 1):
        cov = np.array([_month_covid(year, m) for m in range(1, 13)])
        w = shape * cov / float((shape * cov).sum())
        for m in range(1, 13):
            out[(year, m)] = (
                mag.year_value(mag.NATIONAL_RETAIL_YI, year) * w[m - 1] * (1 + rng.normal(0, 0.004))
            )
    return out


def _service_retail(cfg: SimConfig, rng: np.random.Generator) -> list[OfficialRow]:
    """服务零售额: cumulative growth only, published from 2023 (METHODOLOGY §1)."""
    rows = []
    for year, month in month_list(cfg.start, cfg.end):
        if year < 2023 or month == 1:
            continue
        g = mag.year_share(SERVICE_RETAIL_GROWTH, year) + rng.normal(0, 0.4)
        note = "1-2月" if month == 2 else f"1-{month}月"
        rows.append(
            OfficialRow(
                CITY,
                "service_retail",
                f"{year:04d}-{month:02d}",
                "ytd",
                None,
                round(float(g), 1),
                "天津市统计局",
                _month_release(year, month),
                note,
            )
        )
    return rows


def _quarterly_gdp(cfg: SimConfig, rng: np.random.Generator) -> list[OfficialRow]:
    """GDP, va_F and va_H: cumulative quarters (ytd) with real growth (≠ nominal ratio)."""
    rows = []
    cum_share = (0.225, 0.475, 0.725, 1.0)
    for year in cfg.years:
        annual = mag.year_value(mag.CITY_GDP_YI, year)
        for q in range(1, 5):
            last_month = (year, 3 * q)
            if last_month > cfg.end or last_month < cfg.start:
                continue
            release = _month_release(year, 3 * q) + dt.timedelta(days=5)
            growth = mag.year_share(GDP_REAL_GROWTH, year)
            if year == 2020:
                growth = (-9.2, -3.9, -0.4, 1.5)[q - 1]
            for ind, share in (
                ("gdp", 1.0),
                ("va_F", mag.VA_SHARES["va_F"]),
                ("va_H", mag.VA_SHARES["va_H"]),
            ):
                g = growth + rng.normal(0, 1.2 if ind != "gdp" else 0.25)
                value = annual * cum_share[q - 1] * share * (1 + rng.normal(0, 0.003))
                rows.append(
                    OfficialRow(
                        CITY,
                        ind,
                        f"{year:04d}-Q{q}",
                        "ytd",
                        round(float(value), 2),
                        round(float(g), 1),
                        "天津市统计局",
                        release,
                        ("一季度", "上半年", "前三季度", "全年")[q - 1],
                    )
                )
    return rows


def _annual(cfg: SimConfig, rng: np.random.Generator) -> list[OfficialRow]:
    """Annual yearbook/communiqué rows for complete years (released the next spring)."""
    rows = []
    for year in cfg.years:
        if (year, 12) > cfg.end:
            continue
        release = dt.date(year + 1, 3, 1)
        gdp = mag.year_value(mag.CITY_GDP_YI, year)
        pop = mag.year_value(mag.POPULATION_WAN, year)
        values = {
            "gdp_expenditure": gdp * (1 + rng.normal(0, 0.002)),
            "final_consumption": gdp * mag.year_share(mag.FINAL_CONSUMPTION_RATE, year),
            "va_R": gdp * mag.VA_SHARES["va_R"] * (1 + rng.normal(0, 0.02)),
            "va_O": gdp * mag.VA_SHARES["va_O"] * (1 + rng.normal(0, 0.02)),
            "per_capita_consumption": mag.year_value(mag.PER_CAPITA_CONSUMPTION_YUAN, year),
            "resident_population": pop,
        }
        for code, table in mag.PLAN_SERIES.items():
            if year in table:
                values[code] = table[year]
        for code, value in values.items():
            prev_value = _annual_prev(code, year)
            yoy = (value / prev_value - 1) * 100 if prev_value else None
            rows.append(
                OfficialRow(
                    CITY,
                    code,
                    f"{year:04d}",
                    "year",
                    round(float(value), 2),
                    None if yoy is None else round(float(yoy), 1),
                    "天津市统计局",
                    release,
                    "全年",
                )
            )
    return rows


def _annual_prev(code: str, year: int) -> float | None:
    if code in mag.PLAN_SERIES:
        return mag.PLAN_SERIES[code].get(year - 1)
    if code == "resident_population":
        return mag.year_value(mag.POPULATION_WAN, year - 1)
    if code == "per_capita_consumption":
        return mag.year_value(mag.PER_CAPITA_CONSUMPTION_YUAN, year - 1)
    return None


def unit_label(indicator: str) -> str:
    """The Chinese unit label printed beside an indicator (亿元, 元, 万人…)."""
    unit = load_catalog().indicator_name(indicator).unit
    if unit == "wan_persons" and indicator != "resident_population":
        return "万人次"  # visitors and trainees are person-times
    return UNIT_ZH.get(unit, unit)


@dataclass
class OfficialFile:
    """Rows of one release file and the vintage (as-of date) it carries."""

    stem: str
    vintage: dt.date
    rows: list[OfficialRow]


def split_vintages(
    cfg: SimConfig, rows: list[OfficialRow]
) -> tuple[list[OfficialFile], list[dict[str, object]]]:
    """One file per year of periods (vintage = its latest release) plus a revision file.

    The revision file restates a few figures of the last complete year (or the last year
    available) a week after everything else; the returned truth lists old and new values.
    A range with no cumulative release (January alone) gets no revision file.
    """
    files = []
    for year in cfg.years:
        chunk = [r for r in rows if r.period.startswith(f"{year:04d}")]
        if chunk:
            vintage = max(r.release for r in chunk)
            files.append(OfficialFile(f"official_stats_{year}", vintage, chunk))
    rng = cfg.rng(STREAM_OFFICIAL, 2)
    ytd = [r for r in rows if r.basis == "ytd" and r.value is not None and r.period[5:7] == "12"]
    if not ytd:
        ytd = [r for r in rows if r.basis == "ytd" and r.value is not None]
    if not ytd:  # e.g. a range of January only: nothing published yet, nothing to revise
        return files, []
    last_period = max(r.period for r in ytd)
    picks = [r for r in ytd if r.period == last_period and r.region == CITY][:2]
    districts = sorted({r.region for r in ytd if r.region not in (CITY, NATION)})
    if districts:
        d = districts[int(rng.integers(len(districts)))]
        picks += [r for r in ytd if r.period == last_period and r.region == d][:1]
    # never after today: ingest refuses future vintages (the file list caps them the same way)
    vintage = min(max(r.release for r in rows) + dt.timedelta(days=7), clock.today())
    revised, truth = [], []
    for r in picks:
        delta = float(rng.uniform(0.003, 0.012)) * (1 if rng.random() < 0.5 else -1)
        assert r.value is not None and r.yoy_pct is not None
        new_value = round(float(r.value) * (1 + delta), 2)
        new_yoy = round(float(r.yoy_pct) + delta * 100, 1)
        revised.append(
            OfficialRow(
                r.region,
                r.indicator,
                r.period,
                r.basis,
                new_value,
                new_yoy,
                r.source,
                vintage,
                "修订",
            )
        )
        truth.append(
            {
                "region": r.region,
                "indicator": r.indicator,
                "period": r.period,
                "basis": r.basis,
                "old_value": float(r.value),
                "new_value": new_value,
                "old_yoy_pct": float(r.yoy_pct),
                "new_yoy_pct": new_yoy,
                "vintage": vintage.isoformat(),
            }
        )
    files.append(OfficialFile(f"official_stats_revision_{vintage:%Y%m%d}", vintage, revised))
    return files, truth
