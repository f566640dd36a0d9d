"""Administration pages: users, API tokens, lockouts and the audit log.

Each route requires ``manage_users`` (or ``view_audit``) and passes the CSRF check of the pages
router that includes this one.
"""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Form, Request
from fastapi.responses import RedirectResponse, Response

from consumption_monitor.auth import (
    Action,
    Role,
    create_user,
    issue_token,
    list_tokens,
    list_users,
    revoke_token,
    set_active,
    unlock_user,
    verify_chain,
)
from consumption_monitor.auth.audit import list_entries
from consumption_monitor.auth.roles import ROLE_UNIT_KIND
from consumption_monitor.catalog import load_catalog
from consumption_monitor.errors import ConsumptionMonitorError
from consumption_monitor.web.deps import DB, Lang, Principal, RowId, Settings, State, require
from consumption_monitor.web.templating import render

router = APIRouter(include_in_schema=False)
#: Largest audit page offset (2^31 - 1): larger values are clamped, not sent to the database.
MAX_OFFSET = 2**31 - 1

Admin = Annotated[Principal, require(Action.MANAGE_USERS)]


def _admin_context(db: DB, settings: Settings) -> dict[str, Any]:
    users, total = list_users(db, limit=500)
    names = {u.id: u.username for u in users}
    return {
        "users": users,
        "total": total,
        "tokens": list_tokens(db),
        "token_owner": names,
        "roles": list(Role),
        "role_unit_kind": ROLE_UNIT_KIND,
        "datasets": load_catalog(settings.city).datasets,
        "error": None,
        "new_secret": None,
    }


@router.get("/admin")
def admin_page(request: Request, db: DB, settings: Settings, user: Admin) -> Response:
    """Users, their units and lockouts, API tokens, and the forms to add them."""
    return render(request, "admin.html", _admin_context(db, settings), user=user)


@router.post("/admin/users")
def admin_create_user(
    request: Request,
    db: DB,
    state: State,
    settings: Settings,
    lang: Lang,
    user: Admin,
    username: Annotated[str, Form(max_length=64)],
    password: Annotated[str, Form(max_length=256)],
    role: Annotated[str, Form()],
    unit: Annotated[str, Form()] = "",
    display_name: Annotated[str, Form(max_length=128)] = "",
) -> Response:
    """Create a user; errors are shown above the form."""
    try:
        create_user(
            db,
            username=username.strip(),
            password=password,
            role=role,
            unit=unit.strip() or None,
            display_name=display_name.strip(),
            actor=user.username,
            directory=state.directory,
        )
    except ConsumptionMonitorError as exc:
        db.rollback()
        ctx = _admin_context(db, settings)
        ctx["error"] = exc.render(lang)
        return render(request, "admin.html", ctx, status_code=exc.http_status, user=user)
    return RedirectResponse("/admin", status_code=303)


@router.post("/admin/users/{username}/active")
def admin_set_active(
    db: DB, user: Admin, username: str, active: Annotated[bool, Form()]
) -> RedirectResponse:
    """Enable or disable a user (a disabled user's sessions and tokens stop working)."""
    set_active(db, username, active, actor=user.username)
    return RedirectResponse("/admin", status_code=303)


@router.post("/admin/users/{username}/unlock")
def admin_unlock(db: DB, user: Admin, username: str) -> RedirectResponse:
    """Lift a sign-in lockout."""
    unlock_user(db, username, actor=user.username)
    return RedirectResponse("/admin", status_code=303)


@router.post("/admin/tokens")
def admin_issue_token(
    request: Request,
    db: DB,
    settings: Settings,
    user: Admin,
    username: Annotated[str, Form()],
    datasets: Annotated[list[str] | None, Form()] = None,
    name: Annotated[str, Form(max_length=128)] = "",
) -> Response:
    """Issue a token; its secret is shown on this response only."""
    known = {ds.name for ds in load_catalog(settings.city).datasets}
    chosen = [d for d in (datasets or []) if d in known]
    _token, secret = issue_token(db, username, datasets=chosen, name=name, actor=user.username)
    ctx = _admin_context(db, settings)
    ctx["new_secret"] = secret
    return render(request, "admin.html", ctx, user=user)


@router.post("/admin/tokens/{token_id}/revoke")
def admin_revoke_token(db: DB, user: Admin, token_id: RowId) -> RedirectResponse:
    """Revoke a token at once."""
    revoke_token(db, token_id, actor=user.username)
    return RedirectResponse("/admin", status_code=303)


@router.get("/audit")
def audit_page(
    request: Request,
    db: DB,
    user: Annotated[Principal, require(Action.VIEW_AUDIT)],
    offset: int = 0,
) -> Response:
    """The newest audit rows and the result of verifying the whole hash chain."""
    offset = min(max(0, offset), MAX_OFFSET)  # beyond any table; a database integer overflows
    ctx = {
        "entries": list_entries(db, limit=100, offset=offset),
        "report": verify_chain(db),
        "offset": offset,
    }
    return render(request, "audit.html", ctx, user=user)
