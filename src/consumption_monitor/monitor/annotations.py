"""Policy and event annotations (海河国际消费季, voucher rounds, promotions…) and their
before/after read-out against the same lunar period of the previous year.

Annotations live in the metadata database (table ``monitor_annotations``, revision
``0003_monitor``). The read-out of an annotation running ``start..end`` (``L`` days):

- *during*: key-enterprise sales over ``start..end``; *before*: the ``L`` days just before;
- each window is compared with the same lunar dates one year earlier (lunar month and day kept,
  so a promotion around 春节 is compared with last year's 春节 period; a lunar day 30 missing
  last year becomes day 29, a leap month its ordinary month), same length ``L``;
- growth ``S / S_prev - 1`` for both windows (equal lengths by construction) and the uplift in
  percentage points ``growth_during - growth_before`` (a simple difference-in-differences: it
  does not prove the policy caused the change);
- matched panel: enterprises reporting on every day of the four windows (as in the holiday
  monitor); ``region`` keeps one district or 商圈.
"""

from __future__ import annotations

import datetime as dt
from typing import Any, Literal

import ibis
import pandas as pd
from lunardate import LunarDate
from pydantic import BaseModel, ConfigDict, Field, model_validator
from sqlalchemy import select

from consumption_monitor.catalog import Catalog, load_catalog
from consumption_monitor.config import Settings, get_settings
from consumption_monitor.errors import CalendarError, NotFoundError
from consumption_monitor.monitor.holiday import matched_panel
from consumption_monitor.monitor.models import Annotation
from consumption_monitor.store.db import make_engine, session_factory, transaction, upgrade

__all__ = [
    "AnnotationIn",
    "AnnotationOut",
    "Readout",
    "add_annotation",
    "annotation_readout",
    "list_annotations",
    "lunar_same_day_last_year",
    "readout",
]

Kind = Literal["policy", "voucher", "event", "promotion", "festival", "other"]


class AnnotationIn(BaseModel):
    """A new annotation. ``region``: empty for the whole city, else a district or 商圈."""

    model_config = ConfigDict(extra="forbid")

    name: str = Field(min_length=1, max_length=256)
    kind: Kind = "policy"
    start: dt.date
    end: dt.date
    region: str = ""
    note: str = ""
    extra: dict[str, Any] = Field(default_factory=dict)

    @model_validator(mode="after")
    def _ordered(self) -> AnnotationIn:
        if self.end < self.start:
            raise ValueError("end is before start")
        return self


class AnnotationOut(AnnotationIn):
    """A stored annotation."""

    model_config = ConfigDict(from_attributes=True, extra="ignore")

    id: int
    created_by: str
    created_at: dt.datetime


def _sessions(settings: Settings) -> Any:
    upgrade(settings.metadata_url)
    engine = make_engine(settings.metadata_url)
    return engine, session_factory(engine)


def add_annotation(
    item: AnnotationIn, settings: Settings | None = None, *, by: str = "system"
) -> AnnotationOut:
    """Store an annotation; the region is checked against the catalog (NotFoundError)."""
    settings = settings or get_settings()
    if item.region:
        _region_filter(item.region, load_catalog(settings.city))
    engine, sessions = _sessions(settings)
    try:
        with transaction(sessions) as s:
            row = Annotation(**item.model_dump(), created_by=by)
            s.add(row)
            s.flush()
            return AnnotationOut.model_validate(row)
    finally:
        engine.dispose()


def list_annotations(
    settings: Settings | None = None,
    *,
    kind: str | None = None,
    start: dt.date | None = None,
    end: dt.date | None = None,
) -> list[AnnotationOut]:
    """Annotations by start date; ``start``/``end`` keep those overlapping that range."""
    settings = settings or get_settings()
    engine, sessions = _sessions(settings)
    try:
        with sessions() as s:
            q = select(Annotation).order_by(Annotation.start, Annotation.id)
            if kind:
                q = q.where(Annotation.kind == kind)
            if start:
                q = q.where(Annotation.end >= start)
            if end:
                q = q.where(Annotation.start <= end)
            return [AnnotationOut.model_validate(a) for a in s.scalars(q)]
    finally:
        engine.dispose()


def get_annotation(annotation_id: int, settings: Settings | None = None) -> AnnotationOut:
    """One annotation; NotFoundError when absent."""
    settings = settings or get_settings()
    engine, sessions = _sessions(settings)
    try:
        with sessions() as s:
            row = s.get(Annotation, annotation_id)
            if row is None:
                raise NotFoundError(
                    f"no annotation {annotation_id}", f"标注 {annotation_id} 不存在"
                )
            return AnnotationOut.model_validate(row)
    finally:
        engine.dispose()


def lunar_same_day_last_year(day: dt.date) -> dt.date:
    """The solar date with the same lunar month and day one lunar year earlier.

    >>> lunar_same_day_last_year(dt.date(2025, 1, 29))  # 春节 2025 → 春节 2024
    datetime.date(2024, 2, 10)
    """
    try:
        lunar = LunarDate.from_solar_date(day.year, day.month, day.day)
        for d in (lunar.day, 29):
            try:
                solar: dt.date = LunarDate(lunar.year - 1, lunar.month, d).to_solar_date()
                return solar
            except ValueError:
                continue
    except ValueError as exc:
        raise CalendarError(
            f"no lunar date for {day}: {exc}", f"{day} 无法换算农历：{exc}"
        ) from exc
    raise CalendarError(f"no lunar date for {day}", f"{day} 无法换算农历")


class Window(BaseModel):
    """One window of the read-out and its lunar-aligned base."""

    start: dt.date
    end: dt.date
    base_start: dt.date
    base_end: dt.date
    sales: float | None
    sales_base: float | None
    growth_pct: float | None


class Readout(BaseModel):
    """Before/after read-out of one annotation."""

    name: str
    region: str
    units: int
    during: Window
    before: Window
    uplift_pp: float | None
    text_zh: str
    text_en: str


def _window(daily: pd.Series, start: dt.date, days: int) -> Window:
    base_start = lunar_same_day_last_year(start)
    cur = [start + dt.timedelta(days=i) for i in range(days)]
    prev = [base_start + dt.timedelta(days=i) for i in range(days)]
    have = set(daily.index)
    s = float(sum(daily[d] for d in cur)) if set(cur) <= have else None
    b = float(sum(daily[d] for d in prev)) if set(prev) <= have else None
    growth = (s / b - 1.0) * 100.0 if s is not None and b else None
    return Window(start=cur[0], end=cur[-1], base_start=prev[0], base_end=prev[-1],
                  sales=s, sales_base=b, growth_pct=growth)  # fmt: skip


def readout(ann: AnnotationIn, reports: pd.DataFrame) -> Readout:
    """The read-out from key-enterprise ``reports`` (``enterprise_id, date, sales``), already
    restricted to the annotation's region."""
    days = (ann.end - ann.start).days + 1
    windows = [(ann.start, days), (ann.start - dt.timedelta(days=days), days)]
    all_days: list[dt.date] = []
    for start, n in windows:
        base = lunar_same_day_last_year(start)
        all_days += [start + dt.timedelta(days=i) for i in range(n)]
        all_days += [base + dt.timedelta(days=i) for i in range(n)]
    panel = matched_panel(reports, all_days, [])
    rows = reports[reports["enterprise_id"].astype(str).isin(panel)]
    daily = rows.groupby("date")["sales"].sum()
    during = _window(daily, *windows[0])
    before = _window(daily, *windows[1])
    uplift = (
        during.growth_pct - before.growth_pct
        if during.growth_pct is not None and before.growth_pct is not None
        else None
    )
    where = ann.region or "全市"
    if uplift is None:
        zh = f"{ann.name}（{ann.start}至{ann.end}，{where}）：可比数据不足，无法评估。"
        en = f"{ann.name} ({ann.start} to {ann.end}, {ann.region or 'city'}): not enough data."
    else:
        assert during.growth_pct is not None and before.growth_pct is not None
        zh = (
            f"{ann.name}（{ann.start}至{ann.end}，{where}）期间，重点监测企业销售额比去年农历同期"
            f"增长{during.growth_pct:.1f}%，活动前{days}天为{before.growth_pct:.1f}%，"
            f"增速变化{uplift:+.1f}个百分点（匹配样本{len(panel)}家；仅为前后对比，不代表因果效应）。"
        )
        en = (f"During {ann.name} ({ann.start} to {ann.end}, {ann.region or 'city'}) key "
              f"enterprises' sales grew {during.growth_pct:.1f}% on the same lunar period last "
              f"year, against {before.growth_pct:.1f}% in the {days} days before: "
              f"{uplift:+.1f} pp (matched panel of {len(panel)}; a before/after contrast, "
              f"not a causal estimate).")  # fmt: skip
    return Readout(name=ann.name, region=ann.region, units=len(panel), during=during,
                   before=before, uplift_pp=uplift, text_zh=zh, text_en=en)  # fmt: skip


def _region_filter(region: str, cat: Catalog) -> tuple[str, str]:
    """(column, value) selecting a district or 商圈; NotFoundError otherwise."""
    if cat.has_district(region):
        return "district_code", cat.district(region).code
    return "business_district_id", cat.business_district(region).id


def annotation_readout(
    ann: AnnotationIn, settings: Settings | None = None, *, con: ibis.BaseBackend | None = None
) -> Readout:
    """:func:`readout` on the lake's key-enterprise data (read through ``engine.connect``)."""
    from consumption_monitor.engine import connect
    from consumption_monitor.store import Store

    settings = settings or get_settings()
    cat = load_catalog(settings.city)
    days = (ann.end - ann.start).days + 1
    lo = lunar_same_day_last_year(ann.start - dt.timedelta(days=days)) - dt.timedelta(days=1)
    own = con is None
    con = con or connect(settings)
    try:
        with Store(settings) as store:
            ke = store.read_table(con, "key_enterprise_daily")
            day = ke.date.cast("date")
            t = ke.filter((day >= lo) & (day <= ann.end))
            if ann.region:
                col, value = _region_filter(ann.region, cat)
                t = t.filter(t[col].cast("string") == value)
            frame = t.select("enterprise_id", date=day, sales=t.sales.cast("float64")).to_pandas()
    finally:
        if own:
            con.disconnect()
    frame["date"] = pd.to_datetime(frame["date"]).dt.date
    return readout(ann, frame)
