"""REST API under ``/api/v1``: bearer-token auth, the page permissions, ``{data, count}`` lists.

Every route declares one permission with :func:`~consumption_monitor.web.deps.require`; a token
acts as its user (same role, same unit, same row-level rule) and may additionally push batches
only of the datasets it is scoped to.
"""

from __future__ import annotations

from datetime import UTC, date, datetime
from typing import Annotated, Any, Generic, TypeVar

from fastapi import APIRouter, Depends, File, Query, UploadFile
from pydantic import AfterValidator, BaseModel, ConfigDict
from starlette.concurrency import run_in_threadpool

from consumption_monitor.auth import (
    PERMISSIONS,
    Action,
    Role,
    check_token_dataset,
    list_users,
    record,
    verify_chain,
)
from consumption_monitor.auth.roles import may_submit_side
from consumption_monitor.catalog import load_catalog
from consumption_monitor.errors import NotFoundError, PermissionDeniedError
from consumption_monitor.ingest.api import IngestResult
from consumption_monitor.plan import Target, Task
from consumption_monitor.store.manifest import BatchInfo
from consumption_monitor.web.deps import DB, Principal, Settings, State, require
from consumption_monitor.web.providers import (
    plan_or_none,
    run_ingest,
    task_status,
    task_status_map,
    visible_batches,
)
from consumption_monitor.web.uploads import save_upload

T = TypeVar("T")


def _as_utc(value: datetime | None) -> datetime | None:
    """SQLite hands back naive timestamps; they are stored in UTC, so say so (RFC 3339)."""
    if value is not None and value.tzinfo is None:
        return value.replace(tzinfo=UTC)
    return value


#: A timestamp that always carries its UTC offset in JSON.
UtcDatetime = Annotated[datetime, AfterValidator(_as_utc)]


class ErrorBody(BaseModel):
    """What went wrong, in both languages, and where (file, row, column…)."""

    code: str
    message_zh: str
    message_en: str
    where: dict[str, Any] | None = None
    problems: list[dict[str, Any]] | None = None


class ErrorOut(BaseModel):
    """Every error response: ``{"error": {...}}`` with the HTTP status of the error class."""

    error: ErrorBody


#: Error responses every API route may give (documented in the OpenAPI schema).
ERROR_RESPONSES: dict[int | str, dict[str, Any]] = {
    401: {"model": ErrorOut, "description": "missing, unknown, revoked or expired token"},
    403: {"model": ErrorOut, "description": "the role or token scope does not allow this"},
    404: {"model": ErrorOut, "description": "no such item"},
    409: {"model": ErrorOut, "description": "the item's state does not allow this"},
    422: {"model": ErrorOut, "description": "malformed request or refused data, with problems"},
}

router = APIRouter(prefix="/api/v1", tags=["api"], responses=ERROR_RESPONSES)


class Page(BaseModel, Generic[T]):
    """A list response: one page of ``data`` and the total ``count`` before paging."""

    data: list[T]
    count: int


class Pagination(BaseModel):
    """``limit`` (1-500, default 50) and ``offset`` (0 to 2^31-1, default 0)."""

    limit: int = 50
    offset: int = 0


def _pagination(
    limit: Annotated[int, Query(ge=1, le=500, description="Items per page.")] = 50,
    # Bounded like row ids: SQLite and PostgreSQL reject integers beyond 64 bits with a 500.
    offset: Annotated[int, Query(ge=0, le=2**31 - 1, description="Items to skip.")] = 0,
) -> Pagination:
    return Pagination(limit=limit, offset=offset)


Paging = Annotated[Pagination, Depends(_pagination)]


def paged(items: list[T], paging: Pagination) -> Page[T]:
    return Page[T](data=items[paging.offset : paging.offset + paging.limit], count=len(items))


class TokenOut(BaseModel):
    """The token a request came with (never its secret)."""

    id: int
    name: str
    prefix: str
    datasets: list[str]
    expires_at: UtcDatetime | None


class MeOut(BaseModel):
    """The caller."""

    username: str
    display_name: str
    role: str
    unit: str | None
    permissions: list[str]
    token: TokenOut | None


class TaskOut(BaseModel):
    """A plan task with its responsible units (lead first) and reporting status."""

    id: int
    group: int
    title_zh: str
    title_en: str
    lead_unit: str | None
    units: list[str]
    goals_zh: dict[str, str]
    status: str


class UserOut(BaseModel):
    """A user as administrators see it (no password hash)."""

    model_config = ConfigDict(from_attributes=True)

    username: str
    display_name: str
    role: str
    unit: str | None
    is_active: bool
    locked_until: UtcDatetime | None
    created_at: UtcDatetime
    last_login_at: UtcDatetime | None


class ChainOut(BaseModel):
    """Result of verifying the audit log's hash chain."""

    ok: bool
    checked: int
    first_broken: int | None
    head_hash: str


@router.get("/me")
def me(user: Annotated[Principal, require(Action.VIEW_ACCOUNT)]) -> MeOut:
    """Who the token belongs to and what it may do."""
    token = user.token
    return MeOut(
        username=user.username,
        display_name=user.display_name,
        role=user.role,
        unit=user.unit,
        permissions=sorted(a.value for a in PERMISSIONS[Role(user.role)]),
        token=TokenOut(
            id=token.id,
            name=token.name,
            prefix=token.prefix,
            datasets=list(token.datasets),
            expires_at=token.expires_at,
        )
        if token is not None
        else None,
    )


def _plan(settings: Settings) -> Any:
    plan = plan_or_none(settings)
    if plan is None:
        raise NotFoundError("the action plan could not be loaded", "行动方案无法加载")
    return plan


def _task_out(plan: Any, task: Task, statuses: dict[int, str]) -> TaskOut:
    return TaskOut(
        id=task.id,
        group=task.group,
        title_zh=task.title_zh,
        title_en=task.title_en,
        lead_unit=task.lead_unit,
        units=[link.unit for link in task.links],
        goals_zh=task.goals_zh,
        status=task_status(plan, task.id, statuses),
    )


@router.get("/plan/tasks")
def plan_tasks(
    settings: Settings,
    paging: Paging,
    user: Annotated[Principal, require(Action.VIEW_PLAN)],
    unit: Annotated[str | None, Query(description="Unit code, name or alias.")] = None,
) -> Page[TaskOut]:
    """Tasks of the plan, optionally those of one responsible unit."""
    plan = _plan(settings)
    tasks = plan.filter_tasks(unit=unit) if unit else list(plan.tasks.values())
    statuses = task_status_map(settings, plan, user)
    return paged([_task_out(plan, t, statuses) for t in tasks], paging)


@router.get("/plan/tasks/{task_id}")
def plan_task(
    settings: Settings, task_id: int, user: Annotated[Principal, require(Action.VIEW_PLAN)]
) -> TaskOut:
    """One task by number."""
    plan = _plan(settings)
    return _task_out(plan, plan.task(task_id), task_status_map(settings, plan, user))


@router.get("/plan/targets")
def plan_targets(
    settings: Settings,
    paging: Paging,
    _user: Annotated[Principal, require(Action.VIEW_PLAN)],
    unit: Annotated[str | None, Query(description="Unit code, name or alias.")] = None,
    year: Annotated[int | None, Query(ge=2000, le=2100)] = None,
) -> Page[Target]:
    """Targets of the plan (exact values: whole numbers, decimals or ``"p/q"``)."""
    plan = _plan(settings)
    targets = plan.filter_targets(unit=unit, year=year)
    return paged(list(targets), paging)


@router.get("/users")
def users(
    db: DB, paging: Paging, _user: Annotated[Principal, require(Action.MANAGE_USERS)]
) -> Page[UserOut]:
    """All users (administrators)."""
    rows, total = list_users(db, limit=paging.limit, offset=paging.offset)
    return Page[UserOut](data=[UserOut.model_validate(u) for u in rows], count=total)


@router.get("/audit/verify")
def audit_verify(db: DB, _user: Annotated[Principal, require(Action.VIEW_AUDIT)]) -> ChainOut:
    """Recompute the audit hash chain; ``first_broken`` names the first altered row."""
    report = verify_chain(db)
    return ChainOut(
        ok=report.ok,
        checked=report.checked,
        first_broken=report.first_broken,
        head_hash=report.head_hash,
    )


@router.get("/datasets/{name}/batches")
def dataset_batches(
    name: str,
    state: State,
    db: DB,
    settings: Settings,
    paging: Paging,
    user: Annotated[Principal, require(Action.VIEW_SUBMISSIONS)],
) -> Page[BatchInfo]:
    """Batches of a dataset the caller may see (own unit's; all for admin/office)."""
    ds = load_catalog(settings.city).dataset(name)
    return paged(visible_batches(state.sessions, db, user, dataset=ds.name), paging)


@router.post("/datasets/{name}/batches", status_code=201)
async def push_batch(
    name: str,
    db: DB,
    settings: Settings,
    user: Annotated[Principal, require(Action.SUBMIT_DATA)],
    file: Annotated[UploadFile, File(description="The data file (csv, xlsx, json, parquet).")],
    vintage: Annotated[
        date | None, Query(description="Release (as-of) date; default today, Asia/Shanghai.")
    ] = None,
) -> IngestResult:
    """Push one file of a dataset as one batch. The token must be scoped to the dataset;
    a refused file comes back as 422 with its located problems; the same content twice is a
    no-op reported as ``duplicate``."""
    ds = load_catalog(settings.city).dataset(name)
    check_token_dataset(user.token, ds.name)
    if not may_submit_side(user, ds.side):
        raise PermissionDeniedError(
            f"role {user.role!r} may not submit dataset {ds.name!r}",
            f"该角色无权报送数据集“{ds.name_zh}”",
        )
    path = await save_upload(settings, file, user.username)
    result = await run_in_threadpool(
        run_ingest, settings, ds.name, path, loaded_by=user.username, vintage=vintage, user=user
    )
    detail = {"file": path.name, "batch": result.batch_id, "duplicate": result.duplicate}
    record(db, user.username, "batch.upload", ds.name, {**detail, "via": "api"})
    return result
