"""Targets that need other provinces' data (#22): 租赁 and 保理 national standing. The platform
does not compute ranks and national shares; the finance bureau reports them yearly (unit
reports), and each dated value reads the indicator it is written in: 全国首位 (2025) a rank,
占全国比重 (2027) a share. Before, both targets showed no data (a rank cannot be converted into
a percent)."""

from __future__ import annotations

from datetime import date
from typing import Any

import pandas as pd

from consumption_monitor.plan import load_plan
from consumption_monitor.simulate.config import SimConfig
from consumption_monitor.simulate.plan_reports import NATIONAL_STANDING, unit_report_rows
from consumption_monitor.targets.service import target_reports
from consumption_monitor.targets.status import Status

CITY = "120000"


def row(indicator: str, period: str, value: float) -> dict[str, Any]:
    return {"indicator": indicator, "region": CITY, "period": period, "basis": "year",
            "dim": "", "dim_value": "", "value": value, "yoy_pct": None}  # fmt: skip


def _reports(rows: list[dict[str, Any]], as_of: date) -> dict[str, Any]:
    plan = load_plan()
    reports = target_reports(pd.DataFrame(rows), pd.DataFrame(), plan, as_of, region=CITY)
    return {r.target.id: r for r in reports}


def test_each_dated_value_reads_its_own_indicator() -> None:
    rows = [
        row("factoring_assets_rank", "2025", 1.0),
        row("factoring_assets", "2025", 31.5),
        row("leasing_assets_rank", "2025", 1.0),
        row("leasing_assets_national_share", "2025", 24.2),
    ]
    reports = _reports(rows, date(2026, 3, 1))
    factoring = reports["T-factoring-assets"].values
    assert factoring[0].status is not Status.NO_DATA and factoring[0].current == 1.0
    assert factoring[0].status in (Status.ACHIEVED, Status.ON_TRACK)  # 全国首位: rank 1
    assert factoring[1].status is not Status.NO_DATA
    assert factoring[1].current == 31.5  # the share, not the rank, is judged against 1/3
    leasing = reports["T-leasing-assets"].values
    assert leasing[1].status is not Status.NO_DATA and leasing[1].current == 24.2


def test_the_simulator_reports_the_national_standing() -> None:
    cfg = SimConfig.build("tiny", 1, "2024-01", "2026-02")  # the 2025 全年 report has arrived
    batches, _, _ = unit_report_rows(cfg)
    rows = [r for batch in batches.values() for r in batch if r[0] == "市地方金融管理局"]
    reported = {(r[1], r[2]): r[3] for r in rows}
    assert (
        reported[("保理资产总额全国排名", "2025")] == NATIONAL_STANDING["factoring_assets_rank"][0]
    )
    assert reported[("租赁行业资产规模占全国比重", "2025")] == 24.2
    assert ("租赁行业资产规模占全国比重", "2024") in reported
    assert ("租赁行业资产规模占全国比重", "2022") in reported  # the baseline years, for a trend
