"""T-landmark-districts reads the 商圈 catalog (#22, #19 item 9): each `landmark: true` flag
names its source and year, the target counts them, and a reported value wins."""

from __future__ import annotations

from datetime import date

import pandas as pd
import pytest
from pydantic import ValidationError

from consumption_monitor.catalog import load_catalog
from consumption_monitor.catalog.models import BusinessDistrict
from consumption_monitor.plan import load_plan
from consumption_monitor.targets.catalog_evidence import catalog_rows, with_catalog_evidence
from consumption_monitor.targets.service import target_reports

CITY = "120000"
EMPTY = pd.DataFrame(columns=["indicator", "region", "period", "basis", "dim", "dim_value",
                              "value", "yoy_pct", "note"])  # fmt: skip
NO_PROGRESS = pd.DataFrame(columns=["task_id", "period", "reporting_unit", "percent"])


def test_every_landmark_flag_says_where_it_comes_from() -> None:
    flags = [b for b in load_catalog().business_districts if b.landmark]
    assert len(flags) == 8
    assert all(b.landmark_since and b.landmark_source for b in flags)
    named = {b.name_zh for b in flags if b.named_in_plan}
    assert named == {"金街商圈", "意式风情区"}  # the two the plan names (培育金街、意式风情区等)
    for b in flags:
        starter = b.landmark_source is not None and b.landmark_source.startswith("项目初始清单")
        assert starter != b.named_in_plan, b.id  # the other six say they are a starter list
    with pytest.raises(ValidationError, match="landmark_source"):
        BusinessDistrict(id="BDX", name_zh="甲", name_en="A", district="120101", landmark=True)
    with pytest.raises(ValidationError, match="need landmark: true"):
        BusinessDistrict(id="BDY", name_zh="乙", name_en="B", district="120101",
                         landmark_since=2025)  # fmt: skip


def test_rows_count_the_flags_per_year() -> None:
    rows = catalog_rows(CITY, date(2026, 5, 3))
    year = dict(zip(rows[rows.basis == "year"].period, rows[rows.basis == "year"].value,
                    strict=True))  # fmt: skip
    assert year == {"2025": 8.0, "2026": 0.0}
    months_2026 = rows[(rows.basis == "month") & rows.period.str.startswith("2026")]
    assert list(months_2026.period) == ["2026-02", "2026-03", "2026-04", "2026-05"]
    assert rows[rows.basis == "month"].value.sum() == 8.0  # designations are counted once


def _landmark(table: pd.DataFrame, as_of: date, region: str = CITY):  # type: ignore[no-untyped-def]
    reports = target_reports(table, NO_PROGRESS, load_plan(), as_of, region=region)
    return next(r for r in reports if r.target.id == "T-landmark-districts")


def test_the_target_has_a_value_from_the_catalog() -> None:
    rep = _landmark(EMPTY, date(2026, 12, 7))
    value = rep.values[0]
    assert value.current == pytest.approx(8.0) and value.status.value == "achieved"


def test_a_reported_count_wins_and_districts_get_no_city_count() -> None:
    reported = pd.DataFrame([{
        "indicator": "landmark_business_districts", "region": CITY, "period": "2025",
        "basis": "year", "dim": "", "dim_value": "", "value": 3.0, "yoy_pct": None, "note": "",
    }])  # fmt: skip
    assert with_catalog_evidence(reported, CITY, date(2026, 12, 7)).equals(reported)
    rep = _landmark(reported, date(2026, 12, 7))
    assert rep.values[0].current == pytest.approx(3.0)
    assert with_catalog_evidence(EMPTY, "120101", date(2026, 12, 7)).empty
