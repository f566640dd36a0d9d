"""Work pages: target status (by unit, by status, one target), alerts (ack/resolve), projects
and industry chains, report downloads, and the 填报 extras (templates, who is late).

Thin adapters over :mod:`plan_data` / :mod:`analysis_data` and the library; one permission per
route; POST routes pass the router's CSRF check.
"""

from __future__ import annotations

import tempfile
from pathlib import Path
from typing import Annotated, Any, Literal

from fastapi import APIRouter, Form, Query, Request
from fastapi.responses import FileResponse, RedirectResponse, Response
from starlette.background import BackgroundTask

from consumption_monitor import clock
from consumption_monitor.auth import Action, allowed, record
from consumption_monitor.auth.roles import ALL_UNIT_ROLES, Role
from consumption_monitor.catalog import load_catalog
from consumption_monitor.errors import NotFoundError
from consumption_monitor.indicators import load_indicators
from consumption_monitor.ingest.templates import write_template
from consumption_monitor.monitor.alerts import AlertService
from consumption_monitor.monitor.submissions import obligations
from consumption_monitor.plan import load_plan
from consumption_monitor.report import report_file
from consumption_monitor.targets.status import Status
from consumption_monitor.web import figures, target_view
from consumption_monitor.web.analysis_data import candidates, chain_data, gaps, stored_reports
from consumption_monitor.web.deps import (
    DB,
    Principal,
    RegionCode,
    RowId,
    Settings,
    State,
    require,
)
from consumption_monitor.web.i18n import translate
from consumption_monitor.web.indicator_data import unit_of
from consumption_monitor.web.plan_data import target_reports_or_none
from consumption_monitor.web.providers import plan_or_none
from consumption_monitor.web.templating import render

#: Chain-link gap statuses as the chain graph's tooltip says them (zh, en).
_GAP_LABELS = {
    True: {"ok": "正常", "weak": "薄弱环节", "missing": "缺失环节"},
    False: {"ok": "OK", "weak": "Weak link", "missing": "Missing link"},
}

router = APIRouter()

PlanReader = Annotated[Principal, require(Action.VIEW_PLAN)]


@router.get("/targets")
def targets_page(
    request: Request,
    settings: Settings,
    user: PlanReader,
    view: Literal["unit", "status"] = "status",
    unit: Annotated[str | None, Query(max_length=64)] = None,
    status: Annotated[Status | None, Query()] = None,
) -> Response:
    """目标进展: every target in one table, worst first (or one table per responsible unit),
    with the status counts as coloured chips; ``status`` keeps one status."""
    lang = request.state.lang
    plan = plan_or_none(settings)
    ctx: dict[str, Any] = {
        "plan": plan, "view": view, "reports": None, "unit": unit,
        "status": status.value if status else None,
    }  # fmt: skip
    if plan is not None:
        reports = target_reports_or_none(settings, plan)
        if reports is not None and unit:
            code = plan.unit(unit).code
            reports = [r for r in reports if code in r.units]
        ctx["reports"] = reports
        if reports is not None:
            counts = target_view.status_counts(reports)
            shown = [r for r in reports if status is None or r.status is status]
            lines = target_view.target_lines(shown, plan, lang)
            line_of = {line.target_id: line for line in lines}
            by_unit: dict[str, list[target_view.TargetLine]] = {}
            for r in shown:
                for u in r.units or ["—"]:
                    by_unit.setdefault(u, []).append(line_of[r.target.id])
            ctx.update(
                counts=counts,
                lines=lines,
                by_unit=[(u, target_view.worst_first(ls)) for u, ls in sorted(by_unit.items())],
                figure=figures.bars(
                    [translate(f"tstatus.{st}", lang) for st in counts],
                    list(counts.values()),
                    lang=lang,
                    colours=[figures.STATUS_COLOURS.get(st, figures.NEUTRAL) for st in counts],
                )
                if counts
                else None,
            )
    return render(request, "targets.html", ctx, user=user)


@router.get("/targets/{target_id}")
def target_page(request: Request, settings: Settings, user: PlanReader, target_id: str) -> Response:
    """One target: each dated value's path, projection fan (P10/P50/P90) and explanation."""
    lang = request.state.lang
    plan = plan_or_none(settings)
    if plan is None:
        raise NotFoundError("the action plan could not be loaded", "行动方案无法加载")
    target = plan.target(target_id)
    reports = target_reports_or_none(settings, plan) or []
    report = next((r for r in reports if r.target.id == target.id), None)
    figure = None
    numbers = [
        x
        for v in (report.values if report is not None else [])
        for x in (v.current, v.goal, v.path_value, v.fan)
        if x is not None
    ]
    if report is not None and numbers:
        zh = lang == "zh"
        figure = figures.fan(
            [v.years for v in report.values],
            [v.current for v in report.values],
            [v.goal for v in report.values],
            [v.path_value for v in report.values],
            [v.fan for v in report.values],
            {
                "current": "当前值" if zh else "Current",
                "path": "计划路径" if zh else "Plan path",
                "goal": "目标值" if zh else "Goal",
                "fan": "预测 P10–P90" if zh else "Projection P10–P90",
            },
            unit=unit_of(target.indicator),
            lang=lang,
            statuses=[v.status.value for v in report.values],
        )
    ctx = {
        "target": target,
        "report": report,
        "figure": figure,
        "plan": plan,
        # A target on a catalog-only input (商圈 flags, 一区一中心) has no explorer page to link.
        "explorable": target.indicator in load_indicators().codes,
    }
    return render(request, "target.html", ctx, user=user)


# --------------------------------------------------------------------------- alerts


def alert_service(state: Any) -> AlertService:
    """The app's alert service (made on first use, closed when the app stops)."""
    service: AlertService | None = getattr(state, "alert_service", None)
    if service is None:
        service = AlertService(state.settings)
        state.alert_service = service
    return service


@router.get("/alerts")
def alerts_page(
    request: Request,
    state: State,
    user: Annotated[Principal, require(Action.VIEW_ALERTS)],
    status: Literal["open", "acknowledged", "resolved", "all"] = "open",
) -> Response:
    """预警: alerts of the monitor, newest first, with acknowledge / resolve for the office."""
    alerts = alert_service(state).list_alerts(None if status == "all" else status)
    ctx = {
        "alerts": alerts,
        "status": status,
        "can_manage": allowed(user.role, Action.MANAGE_ALERTS),
    }
    return render(request, "alerts.html", ctx, user=user)


@router.post("/alerts/{alert_id}/{action}")
def alert_action(
    state: State,
    db: DB,
    alert_id: RowId,
    action: Literal["ack", "resolve"],
    user: Annotated[Principal, require(Action.MANAGE_ALERTS)],
    note: Annotated[str, Form(max_length=500)] = "",
) -> RedirectResponse:
    """Acknowledge or resolve one alert (409 when its state does not allow it)."""
    service = alert_service(state)
    if action == "ack":
        service.acknowledge(alert_id, by=user.username, note=note)
    else:
        service.resolve(alert_id, by=user.username, note=note)
    record(db, user.username, f"alert.{action}", str(alert_id), {"note": note})
    return RedirectResponse("/alerts?status=all", status_code=303)


# --------------------------------------------------------------------------- projects

ProjectReader = Annotated[Principal, require(Action.VIEW_PROJECTS)]


@router.get("/projects")
def projects_page(
    request: Request,
    settings: Settings,
    user: ProjectReader,
    district: RegionCode = None,
    chain: Annotated[str | None, Query(max_length=64, pattern=r"^[a-z0-9_]+$")] = None,
    stage: Annotated[str | None, Query(max_length=32, pattern=r"^[a-z_]+$")] = None,
) -> Response:
    """重大项目: projects with filters and their schedule status (RAG)."""

    from consumption_monitor.projects import Stage, filter_projects, project_statuses

    data = chain_data(settings, user)
    frame = data.projects
    if len(frame):
        frame = filter_projects(
            frame, district=district, chain=chain, stage=stage, chains=data.chains
        )
    statuses = (
        {s.project_id: s for s in project_statuses(frame, clock.today())} if len(frame) else {}
    )
    cat = load_catalog(settings.city)
    ctx = {
        "projects": frame.to_dict("records"),
        "statuses": statuses,
        "districts": cat.districts,
        "chains": data.chains.chains,
        "stages": list(Stage),
        "sel": {"district": district or "", "chain": chain or "", "stage": stage or ""},
    }
    return render(request, "projects.html", ctx, user=user)


@router.get("/projects/chains")
def chains_page(request: Request, settings: Settings, user: ProjectReader) -> Response:
    """产业链: every chain's strength, its missing and weak links."""
    from consumption_monitor.chains import chain_summary

    data = chain_data(settings, user)
    summary = chain_summary(gaps(data), data.membership)
    return render(request, "chains.html", {"chains": summary.to_dict("records")}, user=user)


@router.get("/projects/chains/{chain_id}")
def chain_page(
    request: Request, settings: Settings, user: ProjectReader, chain_id: str
) -> Response:
    """One chain: graph of its links coloured by gap status, the gaps and promotion candidates."""
    from consumption_monitor.chains import chain_graph

    data = chain_data(settings, user, with_cards=True)
    chain = data.chains.chain(chain_id)
    table = gaps(data)
    mine = table[table["chain_id"] == chain.id]
    weak = mine[mine["status"] != "ok"]
    found: list[dict[Any, Any]] = []
    if len(weak):
        ranked = candidates(data)
        if len(ranked):
            found = ranked[ranked["link_key"].str.startswith(f"{chain.id}.")].to_dict("records")
    ctx = {
        "chain": chain,
        "links": mine.to_dict("records"),
        "candidates": found,
        "figure": figures.chain_graph(
            chain_graph(chain, table),
            request.state.lang,
            _GAP_LABELS[request.state.lang == "zh"],
        ),
    }
    return render(request, "chain.html", ctx, user=user)


# --------------------------------------------------------------------------- reports


@router.get("/reports")
def reports_page(
    request: Request, settings: Settings, user: Annotated[Principal, require(Action.VIEW_REPORTS)]
) -> Response:
    """分析报告: generated monthly / quarterly / holiday reports to download."""
    return render(request, "reports.html", {"reports": stored_reports(settings)}, user=user)


@router.get("/reports/{report_id}/download")
def report_download(
    settings: Settings, report_id: str, user: Annotated[Principal, require(Action.VIEW_REPORTS)]
) -> FileResponse:
    """One stored report file."""
    del user
    path = report_file(settings, report_id)
    return FileResponse(path, filename=path.name)


# --------------------------------------------------------------------------- 填报 extras


@router.get("/submissions/templates/{dataset}")
def template_download(
    settings: Settings,
    dataset: str,
    user: Annotated[Principal, require(Action.SUBMIT_DATA)],
    format: Literal["xlsx", "csv"] = "xlsx",
) -> FileResponse:
    """The fill-in template of a dataset (Chinese headers, drop-downs): a user with a unit gets
    the unit's own template (its tasks or indicators and the period due, pre-filled), others
    (and units outside the plan, such as data providers) the blank one with an example row.
    A template holds no data; the submission page lists only the datasets the user's role may
    submit."""
    ds = load_catalog(settings.city).dataset(dataset)
    plan = load_plan(settings=settings)
    unit = user.unit if user.unit and plan.units.find(user.unit) is not None else None
    folder = Path(tempfile.mkdtemp(prefix="cmon-template-"))
    path = write_template(ds.name, format, folder / f"{ds.name}_template.{format}",
                          city=settings.city, unit=unit, plan=plan)  # fmt: skip

    def cleanup() -> None:
        path.unlink(missing_ok=True)
        folder.rmdir()

    return FileResponse(path, filename=path.name, background=BackgroundTask(cleanup))


@router.get("/submissions/status")
def compliance_page(
    request: Request,
    settings: Settings,
    user: Annotated[Principal, require(Action.VIEW_SUBMISSIONS)],
) -> Response:
    """报送提醒: the user's own forms and deadlines; the office sees every unit and who is late."""
    plan = plan_or_none(settings)
    everyone = Role(user.role) in ALL_UNIT_ROLES
    items = []
    if plan is not None and (everyone or user.unit):
        items = obligations(plan, settings, unit=None if everyone else user.unit)
    late = [o for o in items if o.state in ("overdue", "escalated")]
    names = {u.code: u for u in plan.units.units.values()} if plan is not None else {}
    ctx = {"items": items, "late": late, "everyone": everyone, "units": names}
    return render(request, "compliance.html", ctx, user=user)
