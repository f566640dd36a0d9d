"""Every route × every role: the permission each route declares, and what each role gets.

The tables below are written out by hand, independently of ``auth.roles.PERMISSIONS``: a new
route fails ``test_every_route_is_in_the_matrix`` until it is added here with its permission,
and a route without a permission declaration cannot even be built into the app.
"""

from __future__ import annotations

from datetime import UTC, date, datetime

import pytest
from fastapi import APIRouter, FastAPI
from sqlalchemy.orm import Session

from consumption_monitor.auth import issue_token
from consumption_monitor.errors import ConfigError
from consumption_monitor.store.models import Batch
from consumption_monitor.web.deps import check_routes_declared, iter_routes, public

PUBLIC = "public"
#: The users of tests/web/conftest.py ROLE_USERS and their roles.
ROLE_OF_USER = {
    "admin": "admin",
    "office": "office",
    "dept": "department",
    "heping": "district",
    "hedong": "district",
    "viewer": "viewer",
    "provider": "provider",
}

#: (method, path) → the permission the route must declare.
EXPECTED: dict[tuple[str, str], str] = {
    ("GET", "/"): PUBLIC,
    ("GET", "/healthz"): PUBLIC,
    ("GET", "/vendor/echarts.min.js"): PUBLIC,
    ("GET", "/geo/districts.json"): "view_overview",
    ("GET", "/login"): PUBLIC,
    ("POST", "/login"): PUBLIC,
    ("GET", "/docs"): PUBLIC,
    ("POST", "/logout"): "view_account",
    ("GET", "/overview"): "view_overview",
    ("GET", "/bigscreen"): "view_overview",
    ("GET", "/plan"): "view_plan",
    ("GET", "/plan/tasks/{task_id}"): "view_plan",
    ("GET", "/submissions"): "view_submissions",
    ("POST", "/submissions"): "submit_data",
    ("POST", "/submissions/{batch_id}/publish"): "submit_data",
    ("GET", "/admin"): "manage_users",
    ("POST", "/admin/users"): "manage_users",
    ("POST", "/admin/users/{username}/active"): "manage_users",
    ("POST", "/admin/users/{username}/unlock"): "manage_users",
    ("POST", "/admin/tokens"): "manage_users",
    ("POST", "/admin/tokens/{token_id}/revoke"): "manage_users",
    ("GET", "/audit"): "view_audit",
    ("GET", "/api/v1/me"): "view_account",
    ("GET", "/api/v1/plan/tasks"): "view_plan",
    ("GET", "/api/v1/plan/tasks/{task_id}"): "view_plan",
    ("GET", "/api/v1/plan/targets"): "view_plan",
    ("GET", "/api/v1/users"): "manage_users",
    ("GET", "/api/v1/audit/verify"): "view_audit",
    ("GET", "/api/v1/datasets/{name}/batches"): "view_submissions",
    ("POST", "/api/v1/datasets/{name}/batches"): "submit_data",
    ("GET", "/explore"): "view_indicators",
    ("GET", "/explore/export"): "view_indicators",
    ("GET", "/map"): "view_indicators",
    ("GET", "/business-districts"): "view_indicators",
    ("GET", "/holidays"): "view_indicators",
    ("GET", "/programmes"): "view_indicators",
    ("GET", "/evaluation"): "view_evaluation",
    ("GET", "/targets"): "view_plan",
    ("GET", "/targets/{target_id}"): "view_plan",
    ("GET", "/alerts"): "view_alerts",
    ("POST", "/alerts/{alert_id}/{action}"): "manage_alerts",
    ("GET", "/projects"): "view_projects",
    ("GET", "/projects/chains"): "view_projects",
    ("GET", "/projects/chains/{chain_id}"): "view_projects",
    ("GET", "/reports"): "view_reports",
    ("GET", "/reports/{report_id}/download"): "view_reports",
    ("GET", "/submissions/status"): "view_submissions",
    ("GET", "/submissions/templates/{dataset}"): "submit_data",
    ("GET", "/api/v1/indicators"): "view_indicators",
    ("GET", "/api/v1/indicators/{code}/values"): "view_indicators",
    ("GET", "/api/v1/targets"): "view_plan",
    ("GET", "/api/v1/targets/{target_id}"): "view_plan",
    ("GET", "/api/v1/alerts"): "view_alerts",
    ("POST", "/api/v1/alerts/{alert_id}/{action}"): "manage_alerts",
    ("GET", "/api/v1/projects"): "view_projects",
    ("GET", "/api/v1/projects/chains"): "view_projects",
    ("GET", "/api/v1/submissions/due"): "view_submissions",
}
#: GET routes of one stored item that an empty data directory does not have: allowed callers
#: get 404 (not found), never 401/403.
NOT_SEEDED = {("GET", "/reports/{report_id}/download")}

_READ = {
    "view_account",
    "view_overview",
    "view_plan",
    "view_submissions",
    "view_indicators",
    "view_evaluation",
    "view_alerts",
    "view_projects",
    "view_reports",
}
#: role → actions it must be granted (written out, not read from PERMISSIONS).
GRANTS: dict[str, set[str]] = {
    "admin": _READ | {"submit_data", "manage_users", "view_audit", "manage_alerts"},
    "office": _READ | {"submit_data", "manage_alerts"},
    "department": _READ | {"submit_data"},
    "district": _READ | {"submit_data"},
    "viewer": {
        "view_account",
        "view_overview",
        "view_plan",
        "view_indicators",
        "view_evaluation",
        "view_reports",
    },
    "provider": {"view_account", "view_submissions", "submit_data"},
}


def _routes(app: FastAPI) -> dict[tuple[str, str], frozenset[str]]:
    return {
        (method, info.path): info.actions
        for info in iter_routes(app.routes)
        if info.is_api_route
        for method in info.methods
    }


def test_every_route_is_in_the_matrix(app: FastAPI) -> None:
    found = _routes(app)
    assert set(found) == set(EXPECTED), (
        f"routes missing from the matrix: {sorted(set(found) - set(EXPECTED))}; "
        f"matrix entries without a route: {sorted(set(EXPECTED) - set(found))}"
    )
    for key, actions in found.items():
        assert actions == {EXPECTED[key]}, f"{key} declares {sorted(actions)}"


def test_a_route_without_a_declaration_is_refused() -> None:
    router = APIRouter()

    @router.get("/sneaky")
    def sneaky() -> dict[str, str]:
        return {}

    @router.get("/fine", dependencies=[public()])
    def fine() -> dict[str, str]:
        return {}

    app = FastAPI(docs_url=None, redoc_url=None)
    app.include_router(router)
    with pytest.raises(ConfigError, match="/sneaky"):
        check_routes_declared(app.routes)


def _url(path: str, ids: dict[str, int]) -> str:
    return path.format(
        task_id=5,
        username="viewer",
        token_id=ids["spare_token"],
        name="unit_reports",
        target_id="T-retail-sales-growth-parity",
        chain_id="pet",
        report_id="no-such-report",
        dataset="unit_reports",
        code="retail_sales",
        alert_id=1,
        action="ack",
        batch_id=1,
    )


@pytest.mark.parametrize("username", [*ROLE_OF_USER, None])
def test_role_by_route(
    username: str | None,
    app: FastAPI,
    client,
    db: Session,
    users,
    h,
) -> None:
    secret = h.token_for(db, username, ["unit_reports"]) if username else None
    spare, _secret = issue_token(db, "viewer", actor="test")
    db.commit()
    ids = {"spare_token": spare.id}
    role = ROLE_OF_USER.get(username or "")
    granted = GRANTS[role] if role else set()
    failures: list[str] = []
    for (method, path), action in EXPECTED.items():
        url = _url(path, ids)
        headers: dict[str, str] = {}
        data: dict[str, str] | None = None
        if path.startswith("/api/"):
            if secret:
                headers = h.bearer(secret)
        else:
            h.as_user(client, users.ids[username] if username else None)
            if method == "POST":
                data = {"csrf_token": "test-csrf"}
        response = client.request(method, url, headers=headers, data=data, follow_redirects=False)
        code = response.status_code
        allowed = action == PUBLIC or action in granted
        if allowed:
            ok = code not in (401, 403) and code < 500
            if method == "GET" and path not in ("/",):
                ok = code == (404 if (method, path) in NOT_SEEDED else 200)
        elif username is None:
            if path.startswith("/api/"):
                ok = code == 401
            elif method == "GET":
                ok = code == 303 and response.headers["location"].startswith("/login")
            else:
                ok = code == 401
        else:
            ok = code == 403
        if not ok:
            failures.append(f"{method} {url} as {username or 'anonymous'}: {code}")
    assert not failures, "\n".join(failures)


#: (dataset, loaded_by, source marker); official_stats rows are published figures.
SEEDED = [
    ("unit_reports", "heping", "SRC-HEPING"),
    ("unit_reports", "hedong", "SRC-HEDONG"),
    ("unit_reports", "dept", "SRC-DEPT"),
    ("enterprise_monthly", "provider", "SRC-PROVIDER"),
    ("official_stats", "cli", "SRC-OFFICIAL"),
    ("unit_reports", "cli", "SRC-CITY"),
]
ALL_MARKERS = {marker for _d, _u, marker in SEEDED}
#: Oracle: which markers each user may see (own unit's unpublished + published).
VISIBLE: dict[str, set[str]] = {
    "admin": ALL_MARKERS,
    "office": ALL_MARKERS,
    "dept": {"SRC-DEPT", "SRC-OFFICIAL"},
    "heping": {"SRC-HEPING", "SRC-OFFICIAL"},
    "hedong": {"SRC-HEDONG", "SRC-OFFICIAL"},
    "viewer": {"SRC-OFFICIAL"},
    "provider": {"SRC-PROVIDER", "SRC-OFFICIAL"},
}


def _seed(db: Session) -> None:
    for i, (dataset, loaded_by, marker) in enumerate(SEEDED):
        db.add(
            Batch(
                dataset=dataset,
                vintage=date(2025, 3, 17),
                content_hash=f"h{i}",
                active_hash=f"h{i}",
                source=marker,
                loaded_by=loaded_by,
                loaded_at=datetime.now(UTC),
                status="committed",
                rows_loaded=1,
                rows_rejected=0,
                files=[],
                note="",
            )
        )
    db.commit()


@pytest.mark.parametrize("username", list(ROLE_OF_USER))
def test_row_level_security_over_every_get_route(
    username: str,
    app: FastAPI,
    client,
    db: Session,
    users,
    h,
) -> None:
    _seed(db)
    secret = h.token_for(db, username, [])
    h.as_user(client, users.ids[username])
    seen: set[str] = set()
    forbidden = ALL_MARKERS - VISIBLE[username]
    datasets = sorted({d for d, _u, _m in SEEDED})
    for (method, path), _action in EXPECTED.items():
        if method != "GET" or path in (
            "/vendor/echarts.min.js",
            "/geo/districts.json",
            "/explore/export",
        ):
            continue
        names = datasets if "{name}" in path else ["unit_reports"]
        for name in names:
            url = _url(path, {"spare_token": 0}).replace("unit_reports", name)
            headers = h.bearer(secret) if path.startswith("/api/") else {}
            body = client.get(url, headers=headers, follow_redirects=False).text
            leaked = {m for m in forbidden if m in body}
            assert not leaked, f"{url} shows {leaked} to {username}"
            seen |= {m for m in ALL_MARKERS if m in body}
    may_list = GRANTS[ROLE_OF_USER[username]] & {"view_submissions"}
    assert seen == (VISIBLE[username] if may_list else set())
