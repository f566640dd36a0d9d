"""Vintages bounded by today, reads that never see a later vintage, corrections that cannot be
shadowed, and one clock (#18 items 7–8, #21 item 5)."""

from __future__ import annotations

import csv
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

import pytest

from consumption_monitor import clock
from consumption_monitor.config import Settings
from consumption_monitor.errors import DataValidationError
from consumption_monitor.ingest import ingest
from consumption_monitor.store import Store

HEAD = ["地区", "指标", "时期", "数值", "计量单位", "口径", "同比增长", "来源"]


def _release(path: Path, value: str, period: str = "2024年1-10月") -> Path:
    with path.open("w", encoding="utf-8", newline="") as f:
        w = csv.writer(f)
        w.writerow(HEAD)
        w.writerow(["天津", "社会消费品零售总额", period, value, "亿元", "ytd", "3.2", "统计局"])
    return path


def _values(settings: Settings, as_of: date | None = None) -> list[float]:
    with Store(settings) as store:
        table = store.read_arrow("official_stats", as_of=as_of)
        return sorted(table.column("value").to_pylist())


def _batches(settings: Settings) -> int:
    with Store(settings) as store:
        return len(store.visible_batches("official_stats"))


def test_a_vintage_after_today_is_refused_and_nothing_is_written(
    settings: Settings, tmp_path: Path
) -> None:
    tomorrow = clock.today() + timedelta(days=1)
    with pytest.raises(DataValidationError) as exc:
        ingest([_release(tmp_path / "a.csv", "3123.5")], "official_stats",
               settings=settings, vintage=tomorrow)  # fmt: skip
    assert "after today" in exc.value.en and "晚于今天" in exc.value.zh
    assert "--allow-future" in (exc.value.hint_en or "")
    with pytest.raises(DataValidationError):  # the 9999-12-31
        ingest([_release(tmp_path / "b.csv", "1")], "official_stats",
               settings=settings, vintage="9999-12-31")  # fmt: skip
    assert _batches(settings) == 0


def test_an_allowed_future_vintage_stays_invisible_until_its_day(
    settings: Settings, tmp_path: Path
) -> None:
    today = clock.today()
    ingest([_release(tmp_path / "a.csv", "3123.5")], "official_stats",
           settings=settings, vintage=today - timedelta(days=3))  # fmt: skip
    later = today + timedelta(days=30)
    ingest([_release(tmp_path / "b.csv", "3200.0")], "official_stats",
           settings=settings, vintage=later, allow_future=True)  # fmt: skip
    assert _values(settings) == [3123.5]  # today's view
    assert _values(settings, as_of=later) == [3200.0]  # the scheduled day


def test_a_correction_that_a_later_vintage_would_shadow_is_refused(
    settings: Settings, tmp_path: Path
) -> None:
    today = clock.today()
    first = ingest([_release(tmp_path / "a.csv", "3123.5")], "official_stats",
                   settings=settings, vintage=today - timedelta(days=2))  # fmt: skip
    with pytest.raises(DataValidationError) as exc:
        ingest([_release(tmp_path / "b.csv", "3130.0")], "official_stats",
               settings=settings, vintage=today - timedelta(days=10))  # fmt: skip
    assert f"#{first.batch_id}" in exc.value.en and "不会生效" in exc.value.zh
    assert _values(settings) == [3123.5] and _batches(settings) == 1
    # another period does not overlap: loads
    ingest([_release(tmp_path / "c.csv", "2800.0", "2024年1-9月")], "official_stats",
           settings=settings, vintage=today - timedelta(days=10))  # fmt: skip
    # the history on purpose
    ingest([_release(tmp_path / "d.csv", "3100.0")], "official_stats",
           settings=settings, vintage=today - timedelta(days=10), allow_shadowed=True)  # fmt: skip
    assert _values(settings) == [2800.0, 3123.5]


def test_a_same_day_correction_takes_effect(settings: Settings, tmp_path: Path) -> None:
    ingest([_release(tmp_path / "a.csv", "3123.5")], "official_stats", settings=settings)
    ingest([_release(tmp_path / "b.csv", "3125.0")], "official_stats", settings=settings)
    assert _values(settings) == [3125.0]


def test_one_clock_in_the_city_zone(monkeypatch: pytest.MonkeyPatch, settings: Settings,
                                    tmp_path: Path) -> None:  # fmt: skip
    # 17:00 UTC on 30 Nov is 01:00 on 1 Dec in Beijing: vintages and as-of dates say 1 Dec
    moment = datetime(2025, 11, 30, 17, 0, tzinfo=UTC)
    monkeypatch.setattr(clock, "now", lambda: moment.astimezone(clock.zone()))
    assert clock.today() == date(2025, 12, 1)
    result = ingest([_release(tmp_path / "a.csv", "3123.5")], "official_stats", settings=settings)
    assert result.vintage == date(2025, 12, 1)
    assert _values(settings, as_of=clock.today()) == [3123.5]  # --as-of <today> sees it
    monkeypatch.setenv("CMON_TIMEZONE", "Europe/London")
    assert clock.today() == date(2025, 11, 30)


def test_an_unknown_time_zone_is_refused() -> None:
    with pytest.raises(ValueError, match="IANA"):
        Settings(timezone="Mars/Olympus")


def test_a_unit_report_with_vintage_9999_12_31_is_refused(
    settings: Settings, tmp_path: Path
) -> None:
    # A district's unit report (#18 item 7): the far-future vintage is refused like a release.
    path = tmp_path / "report.csv"
    path.write_text("报送单位,指标,时期,数值,计量单位\n和平区,tourists,2025-03,12.5,万人次\n",
                    encoding="utf-8")  # fmt: skip
    with pytest.raises(DataValidationError) as exc:
        ingest([path], "unit_reports", settings=settings, vintage="9999-12-31")
    assert "after today" in exc.value.en and "晚于今天" in exc.value.zh
    with Store(settings) as store:
        assert store.visible_batches("unit_reports") == []
    ingest([path], "unit_reports", settings=settings)  # today's vintage loads
    with Store(settings) as store:
        assert len(store.visible_batches("unit_reports")) == 1
