"""Annotations: stored in the metadata DB; read-out against the same lunar period last year."""

from __future__ import annotations

import datetime as dt

import pandas as pd
import pytest
from pydantic import ValidationError

from consumption_monitor.calendar import spring_festival_date
from consumption_monitor.config import Settings
from consumption_monitor.errors import NotFoundError
from consumption_monitor.monitor.annotations import (
    AnnotationIn,
    add_annotation,
    list_annotations,
    lunar_same_day_last_year,
    readout,
)


def test_add_and_list(meta_settings: Settings) -> None:
    settings = meta_settings
    a = add_annotation(
        AnnotationIn(
            name="海河国际消费季",
            kind="event",
            start=dt.date(2025, 4, 28),
            end=dt.date(2025, 6, 30),
        ),
        settings,
        by="office",
    )
    b = add_annotation(
        AnnotationIn(
            name="第二轮消费券",
            kind="voucher",
            start=dt.date(2025, 9, 1),
            end=dt.date(2025, 9, 14),
            region="和平区",
        ),
        settings,
    )
    assert a.id != b.id and a.created_by == "office"
    assert [x.name for x in list_annotations(settings)] == ["海河国际消费季", "第二轮消费券"]
    assert [x.id for x in list_annotations(settings, kind="voucher")] == [b.id]
    assert [x.id for x in list_annotations(settings, start=dt.date(2025, 7, 1))] == [b.id]
    with pytest.raises(NotFoundError):
        add_annotation(
            AnnotationIn(
                name="x", start=dt.date(2025, 1, 1), end=dt.date(2025, 1, 2), region="Atlantis"
            ),
            settings,
        )
    with pytest.raises(ValidationError):
        AnnotationIn(name="x", start=dt.date(2025, 1, 2), end=dt.date(2025, 1, 1))


def test_lunar_alignment_follows_the_new_year() -> None:
    for year in (2023, 2024, 2025, 2026):
        assert lunar_same_day_last_year(spring_festival_date(year)) == spring_festival_date(
            year - 1
        )
    # 正月初十 2026 (2026-02-26) → 正月初十 2025 (2025-02-07)
    assert lunar_same_day_last_year(dt.date(2026, 2, 26)) == dt.date(2025, 2, 7)


def test_readout_worked_example() -> None:
    # A 7-day promotion from 初一 2026; before window = the 7 days before.
    start = spring_festival_date(2026)
    ann = AnnotationIn(
        name="新春消费券", kind="voucher", start=start, end=start + dt.timedelta(days=6)
    )
    prev_start = lunar_same_day_last_year(start)
    before_start = start - dt.timedelta(days=7)
    prev_before = lunar_same_day_last_year(before_start)
    rows = []
    for uid in ("A", "B"):
        for i in range(7):
            rows += [
                (uid, start + dt.timedelta(days=i), 120.0),
                (uid, prev_start + dt.timedelta(days=i), 100.0),
                (uid, before_start + dt.timedelta(days=i), 105.0),
                (uid, prev_before + dt.timedelta(days=i), 100.0),
            ]
    rows.append(("C", start, 1e9))  # reports one day only: outside the matched panel
    out = readout(ann, pd.DataFrame(rows, columns=["enterprise_id", "date", "sales"]))
    assert out.units == 2
    assert out.during.growth_pct == pytest.approx(20.0)
    assert out.before.growth_pct == pytest.approx(5.0)
    assert out.uplift_pp == pytest.approx(15.0)
    assert out.during.base_start == prev_start
    assert "+15.0个百分点" in out.text_zh and "+15.0 pp" in out.text_en
