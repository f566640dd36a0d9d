"""REST API for the data behind the pages: indicators, targets, alerts, projects and chains,
submission deadlines. Same permissions as the pages; lists are ``{data, count}`` with
``limit``/``offset``.
"""

from __future__ import annotations

from datetime import date
from typing import Annotated, Any, Literal

from fastapi import APIRouter, Body, Query
from pydantic import BaseModel

from consumption_monitor import clock
from consumption_monitor.auth import Action, record
from consumption_monitor.auth.roles import ALL_UNIT_ROLES, Role
from consumption_monitor.catalog import load_catalog
from consumption_monitor.catalog.models import Basis
from consumption_monitor.errors import NotFoundError
from consumption_monitor.indicators import load_indicators
from consumption_monitor.monitor.alerts import AlertOut
from consumption_monitor.monitor.submissions import obligations
from consumption_monitor.web.analysis_data import chain_data, gaps
from consumption_monitor.web.api import ERROR_RESPONSES, Page, Paging, UtcDatetime, paged
from consumption_monitor.web.deps import (
    DB,
    Principal,
    RegionCode,
    RowId,
    Settings,
    State,
    require,
)
from consumption_monitor.web.forms import PeriodText, parse_period
from consumption_monitor.web.indicator_data import indicator_table, records, select
from consumption_monitor.web.pages_work import alert_service
from consumption_monitor.web.plan_data import target_reports_or_none
from consumption_monitor.web.providers import plan_or_none

router = APIRouter(prefix="/api/v1", tags=["data"], responses=ERROR_RESPONSES)

IndicatorReader = Annotated[Principal, require(Action.VIEW_INDICATORS)]
PlanReader = Annotated[Principal, require(Action.VIEW_PLAN)]
ProjectReader = Annotated[Principal, require(Action.VIEW_PROJECTS)]


class IndicatorOut(BaseModel):
    """A catalogued indicator."""

    code: str
    name_zh: str
    name_en: str
    unit: str
    frequency: str
    bases: list[str]
    kind: str


class ValueOut(BaseModel):
    """One row of the computed long table (suppressed card cells have ``value: null`` and
    ``note: "suppressed"``)."""

    indicator: str
    region: str
    period: str
    basis: str
    dim: str
    dim_value: str
    value: float | None
    yoy_pct: float | None
    mom_pct: float | None
    vs_2019_pct: float | None
    note: str | None
    provisional: bool | None
    vintage: str | None
    #: Why a value or growth is null under the growth-sanity rules (``incomplete``,
    #: ``base_incomplete``, ``small_base``, ``implausible_growth``), else null; with the text.
    reason: str | None = None
    reason_zh: str | None = None
    reason_en: str | None = None


class ValueStatusOut(BaseModel):
    """The judgement on one dated value of a target."""

    years: str
    kind: str
    status: str
    escalation: str
    current: float | None
    goal: float | None
    path_value: float | None
    projection: float | None
    probability: float | None
    fan: list[float] | None
    explanation_zh: str
    explanation_en: str


class TargetStatusOut(BaseModel):
    """A plan target with its overall status and per-value judgements."""

    id: str
    name_zh: str
    name_en: str
    indicator: str
    status: str
    units: list[str]
    values: list[ValueStatusOut]


class ObligationOut(BaseModel):
    """One unit's submission of one dataset for one period, and its state."""

    dataset: str
    unit: str
    period: str
    due: date
    state: str
    days_late: int


class AlertApiOut(AlertOut):
    """An alert (timestamps with their UTC offset)."""

    created_at: UtcDatetime
    acknowledged_at: UtcDatetime | None
    resolved_at: UtcDatetime | None


class NoteIn(BaseModel):
    """An optional note on an alert action."""

    note: str = ""


@router.get("/indicators")
def indicators(paging: Paging, _user: IndicatorReader) -> Page[IndicatorOut]:
    """The indicator catalogue."""
    items = [
        IndicatorOut(
            code=i.code, name_zh=i.name_zh, name_en=i.name_en, unit=str(i.unit),
            frequency=i.frequency, bases=[str(b) for b in i.bases], kind=str(i.kind),
        )
        for i in load_indicators()
    ]  # fmt: skip
    return paged(items, paging)


@router.get("/indicators/{code}/values")
def indicator_values(
    code: str,
    settings: Settings,
    paging: Paging,
    _user: IndicatorReader,
    region: RegionCode = None,
    basis: Basis = "month",
    dim: Annotated[str, Query(max_length=40)] = "",
    dim_value: Annotated[str, Query(max_length=80)] = "",
    start: PeriodText = None,
    end: PeriodText = None,
) -> Page[ValueOut]:
    """Computed values of one indicator for a region (default: the city) and basis."""
    # A code or any catalog name (社零, 地区生产总值(GDP)); unknown → 404, ambiguous → 409
    # listing the candidates.
    code = load_indicators().get(code).code
    region = region or load_catalog(settings.city).city.code
    rows = select(
        indicator_table(settings), code, region, basis, dim=dim, dim_value=dim_value,
        start=parse_period(start, "start"), end=parse_period(end, "end"),
    )  # fmt: skip
    return paged([_value_out(r) for r in records(rows)], paging)


def _value_out(row: dict[str, object]) -> ValueOut:
    """A row with its growth-sanity ``reason`` (the note, when it is one) spelled out."""
    from consumption_monitor.compute.sanity import SANITY_NOTES, reason

    note = row.get("note")
    if isinstance(note, str) and note in SANITY_NOTES:
        row = {**row, "reason": note, "reason_zh": reason(note, "zh"),
               "reason_en": reason(note, "en")}  # fmt: skip
    return ValueOut.model_validate(row)


def _target_out(report: Any) -> TargetStatusOut:
    return TargetStatusOut(
        id=report.target.id,
        name_zh=report.target.name_zh,
        name_en=report.target.name_en,
        indicator=report.target.indicator,
        status=report.status.value,
        units=list(report.units),
        values=[
            ValueStatusOut(
                years=v.years, kind=str(v.kind), status=v.status.value,
                escalation=v.escalation.value, current=v.current, goal=v.goal,
                path_value=v.path_value, projection=v.projection, probability=v.probability,
                fan=list(v.fan) if v.fan else None, explanation_zh=v.explanation_zh,
                explanation_en=v.explanation_en,
            )
            for v in report.values
        ],
    )  # fmt: skip


def _reports(settings: Any) -> list[Any]:
    plan = plan_or_none(settings)
    if plan is None:
        raise NotFoundError("the action plan could not be loaded", "行动方案无法加载")
    return target_reports_or_none(settings, plan) or []


@router.get("/targets")
def targets(
    settings: Settings,
    paging: Paging,
    _user: PlanReader,
    status: Annotated[str | None, Query(max_length=20, pattern=r"^[a-z_]+$")] = None,
) -> Page[TargetStatusOut]:
    """Every target's status (optionally one status), as judged from the latest data."""
    items = [_target_out(r) for r in _reports(settings)]
    if status:
        items = [i for i in items if i.status == status]
    return paged(items, paging)


@router.get("/targets/{target_id}")
def target(settings: Settings, target_id: str, _user: PlanReader) -> TargetStatusOut:
    """One target's status with its projection fan and explanation."""
    for r in _reports(settings):
        if r.target.id == target_id:
            return _target_out(r)
    raise NotFoundError(f"no target {target_id!r}", f"没有目标 {target_id!r}")


@router.get("/alerts")
def alerts(
    state: State,
    paging: Paging,
    _user: Annotated[Principal, require(Action.VIEW_ALERTS)],
    status: Literal["open", "acknowledged", "resolved"] | None = None,
) -> Page[AlertApiOut]:
    """Alerts of the monitor, newest first."""
    alerts = alert_service(state).list_alerts(status)
    return paged([AlertApiOut.model_validate(a.model_dump()) for a in alerts], paging)


@router.post("/alerts/{alert_id}/{action}")
def alert_action(
    state: State,
    db: DB,
    alert_id: RowId,
    action: Literal["ack", "resolve"],
    user: Annotated[Principal, require(Action.MANAGE_ALERTS)],
    body: Annotated[NoteIn | None, Body()] = None,
) -> AlertApiOut:
    """Acknowledge or resolve an alert (409 when its state does not allow it)."""
    note = body.note if body is not None else ""
    service = alert_service(state)
    if action == "ack":
        out = service.acknowledge(alert_id, by=user.username, note=note)
    else:
        out = service.resolve(alert_id, by=user.username, note=note)
    record(db, user.username, f"alert.{action}", str(alert_id), {"note": note, "via": "api"})
    return AlertApiOut.model_validate(out.model_dump())


@router.get("/projects")
def projects(
    settings: Settings,
    paging: Paging,
    user: ProjectReader,
    district: RegionCode = None,
    chain: Annotated[str | None, Query(max_length=64, pattern=r"^[a-z0-9_]+$")] = None,
    stage: Annotated[str | None, Query(max_length=32, pattern=r"^[a-z_]+$")] = None,
) -> Page[dict[str, Any]]:
    """Major projects with their schedule status."""
    from consumption_monitor.projects import filter_projects, project_statuses

    data = chain_data(settings, user)
    frame = data.projects
    if len(frame):
        frame = filter_projects(frame, district=district, chain=chain, stage=stage,
                                chains=data.chains)  # fmt: skip
    statuses = (
        {s.project_id: s.to_dict() for s in project_statuses(frame, clock.today())}
        if len(frame) else {}
    )  # fmt: skip
    columns = [c for c in frame.columns if not str(c).startswith("_")]
    items = [{**r, "schedule": statuses.get(str(r["project_id"]))} for r in records(frame, columns)]
    return paged(items, paging)


@router.get("/projects/chains")
def chains(settings: Settings, paging: Paging, user: ProjectReader) -> Page[dict[str, Any]]:
    """Every industry chain link with its strength and gap status."""
    table = gaps(chain_data(settings, user))
    rows = records(table, [str(c) for c in table.columns])
    for r in rows:  # sales not measured are null with ``sales_note``, never 0 (#22)
        if r.get("sales_measured") is False:
            r["sales"] = None
    return paged(rows, paging)


@router.get("/submissions/due")
def submissions_due(
    settings: Settings,
    paging: Paging,
    user: Annotated[Principal, require(Action.VIEW_SUBMISSIONS)],
    state: Literal["submitted", "upcoming", "due_soon", "overdue", "escalated"] | None = None,
) -> Page[ObligationOut]:
    """Submissions due: the caller's own unit's, or every unit's for admin/office."""
    plan = plan_or_none(settings)
    everyone = Role(user.role) in ALL_UNIT_ROLES
    items = []
    if plan is not None and (everyone or user.unit):
        items = obligations(plan, settings, unit=None if everyone else user.unit)
    out = [
        ObligationOut(
            dataset=o.dataset,
            unit=o.unit,
            period=o.period,
            due=o.due,
            state=o.state,
            days_late=o.days_late,
        )
        for o in items
        if state is None or o.state == state
    ]
    return paged(out, paging)
