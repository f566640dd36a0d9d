"""Holiday monitor: METHODOLOGY §4 blocks, the daily-average rule, the matched panel, 快报."""

from __future__ import annotations

import datetime as dt

import pandas as pd
import pytest

from consumption_monitor.calendar import holiday_block, holiday_blocks, previous_block
from consumption_monitor.config import Settings
from consumption_monitor.monitor.holiday import (
    compare_blocks,
    holiday_growth,
    holiday_report,
    matched_panel,
)

# METHODOLOGY §4, copied by hand.
EXPECTED = {
    "2023-spring-festival": ("2023-01-21", "2023-01-27", 7),
    "2024-spring-festival": ("2024-02-10", "2024-02-17", 8),
    "2025-spring-festival": ("2025-01-28", "2025-02-04", 8),
    "2026-spring-festival": ("2026-02-15", "2026-02-23", 9),
    "2023-national-day": ("2023-09-29", "2023-10-06", 8),
    "2024-national-day": ("2024-10-01", "2024-10-07", 7),
    "2025-national-day": ("2025-10-01", "2025-10-08", 8),
}


@pytest.mark.parametrize("key", sorted(EXPECTED))
def test_blocks_equal_the_methodology_list(key: str) -> None:
    start, end, days = EXPECTED[key]
    year, festival = int(key[:4]), key[5:]
    found = [b for b in holiday_blocks(year) if b.festival.value == festival]
    assert len(found) == 1
    block = found[0]
    assert (block.start.isoformat(), block.end.isoformat(), block.days) == (start, end, days)
    assert holiday_block(key) == block


def test_spring_festival_base_is_lunar_aligned() -> None:
    base = previous_block(holiday_block("2026-spring-festival"))
    assert (base.start, base.days) == (dt.date(2025, 1, 28), 8)


def test_daily_average_rule_worked_example() -> None:
    # 2026 Spring Festival 9 days, 90 亿元; 2025: 8 days, 84 亿元.
    # daily averages 10.0 and 10.5 → 10/10.5 - 1 = -4.7619 %; the plain ratio would say +7.14 %.
    assert holiday_growth(90.0, 9, 84.0, 8) == pytest.approx(-4.761904761904762)
    # equal lengths: plain ratio 88/80 - 1
    assert holiday_growth(88.0, 8, 80.0, 8) == pytest.approx(10.0)
    assert holiday_growth(1.0, 8, 0.0, 8) is None


def _reports(
    blocks: list[tuple[dt.date, int]], units: dict[str, tuple[str, str, float]]
) -> pd.DataFrame:
    """Every unit reports every day of every block at its daily sales level."""
    rows = []
    for start, days in blocks:
        for i in range(days):
            day = start + dt.timedelta(days=i)
            for uid, (fmt, bd, sales) in units.items():
                rows.append(
                    {
                        "enterprise_id": uid,
                        "date": day,
                        "format": fmt,
                        "business_district_id": bd,
                        "sales": sales,
                    }
                )
    return pd.DataFrame(rows)


def test_matched_panel_excludes_a_unit_missing_a_day() -> None:
    cur, base = holiday_block("2026-spring-festival"), holiday_block("2025-spring-festival")
    units = {f"E{i}": ("supermarket", "BD001", 100.0) for i in range(4)}
    reports = _reports([(cur.start, cur.days), (base.start, base.days)], units)
    # E3 misses one day of last year's block; E9 reports only this year (new unit).
    reports = reports[~((reports.enterprise_id == "E3") & (reports.date == base.start))]
    extra = _reports([(cur.start, cur.days)], {"E9": ("supermarket", "BD001", 1e6)})
    reports = pd.concat([reports, extra], ignore_index=True)
    assert matched_panel(reports, cur.dates(), base.dates()) == {"E0", "E1", "E2"}
    total, _, _ = compare_blocks(reports, cur, base)
    assert total.units == 3
    # panel of 3 units at 100/day: 9 days vs 8 days → daily averages equal → 0 %
    assert total.sales == pytest.approx(3 * 100.0 * 9)
    assert total.sales_base == pytest.approx(3 * 100.0 * 8)
    assert total.growth_pct == pytest.approx(0.0)
    assert total.method == "daily_average"


def test_breakdowns_and_small_cells(settings: Settings) -> None:
    cur, base = holiday_block("2025-national-day"), holiday_block("2024-national-day")
    b2019 = holiday_block("2019-national-day")
    units = {f"S{i}": ("supermarket", "BD001", 100.0) for i in range(3)}
    units |= {"C0": ("catering", "BD002", 50.0)}
    reports = _reports([(base.start, base.days), (b2019.start, b2019.days)], units)
    grown = {k: (f, b, s * 1.1) for k, (f, b, s) in units.items()}
    reports = pd.concat([reports, _reports([(cur.start, cur.days)], grown)], ignore_index=True)
    result = holiday_report("2025-national-day", settings, reports=reports)
    assert result.days == 8 and result.base_days == 7
    assert result.total.growth_pct == pytest.approx(10.0)
    assert result.total.method == "daily_average"
    fmt = {f.label_en: f for f in result.by_format}
    assert fmt["supermarkets"].growth_pct == pytest.approx(10.0)
    assert fmt["catering"].suppressed and fmt["catering"].growth_pct is None  # one unit < 3
    assert result.vs_2019 is not None and result.vs_2019.growth_pct == pytest.approx(10.0)
    zh = result.flash_zh
    assert zh.startswith("国庆节假期（10月1日至8日，8天），全市重点监测零售和餐饮企业销售额")
    assert "按日均计算，比去年国庆节假期（10月1日至7日，7天）增长10.0%" in zh
    assert "比2019年同期增长10.0%" in zh
    assert "超市增长10.0%" in zh and "餐饮" not in zh.split("分业态看")[1].split("。")[0]
    assert "up 10.0% on a daily-average basis" in result.flash_en
