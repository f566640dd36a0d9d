"""FastAPI dependencies as ``Annotated`` aliases: ``Settings``, ``DB``, ``CurrentUser``, ``Lang``,
and :func:`require` — the ONE dependency that checks a route's permission.

Every route declares exactly one permission: ``require(Action.X)`` or :func:`public`.
:func:`iter_routes` reads the declarations back, :func:`check_routes_declared`
refuses to build an app with an undeclared route, and the role × route test enumerates them.

Who the caller is: API paths (``/api/…``) take ``Authorization: Bearer <token>`` only; pages take
the signed session cookie only. Either way the user must exist and be active.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Annotated, Any

from fastapi import Depends, Path, Query, Request
from fastapi.routing import APIRoute, iter_route_contexts
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer
from fastapi.templating import Jinja2Templates
from sqlalchemy import Engine
from sqlalchemy.orm import Session, sessionmaker
from starlette.routing import BaseRoute

from consumption_monitor.auth import ApiToken, User, authenticate_token, require_action
from consumption_monitor.auth.audit_events import record_denial
from consumption_monitor.auth.roles import Action, UnitDirectory
from consumption_monitor.config import Settings as SettingsModel
from consumption_monitor.errors import AuthenticationError, ConfigError, PermissionDeniedError
from consumption_monitor.web.sessions import SessionCodec, SessionData, csrf_matches

API_PREFIX = "/api/"
PUBLIC = "public"


@dataclass
class AppState:
    """Everything a request needs that outlives it; stored on ``app.state.cmon``."""

    settings: SettingsModel
    engine: Engine
    sessions: sessionmaker[Session]
    codec: SessionCodec
    templates: Jinja2Templates
    directory: UnitDirectory | None
    alert_service: Any = None  # monitor.alerts.AlertService, made on first use


@dataclass(frozen=True)
class TokenInfo:
    """The API token a request came with (never its secret)."""

    id: int
    name: str
    prefix: str
    datasets: tuple[str, ...]
    expires_at: datetime | None

    @classmethod
    def of(cls, token: ApiToken) -> TokenInfo:
        """Snapshot of a stored token."""
        return cls(
            token.id, token.name, token.prefix, tuple(token.datasets or ()), token.expires_at
        )


@dataclass(frozen=True)
class Principal:
    """The signed-in caller, as plain values (usable after the request's session closed):
    the user, and the token when the call came through the API."""

    user_id: int
    username: str
    role: str
    unit: str | None
    display_name: str = ""
    token: TokenInfo | None = None

    @classmethod
    def of(cls, user: User, token: ApiToken | None = None) -> Principal:
        """Snapshot of a stored user (and token)."""
        return cls(
            user_id=user.id,
            username=user.username,
            role=user.role,
            unit=user.unit,
            display_name=user.display_name,
            token=TokenInfo.of(token) if token is not None else None,
        )


def get_state(request: Request) -> AppState:
    """The app's :class:`AppState`."""
    state: AppState = request.app.state.cmon
    return state


def _settings(request: Request) -> SettingsModel:
    return get_state(request).settings


def _db(request: Request) -> Iterator[Session]:
    """One session per request: committed when the route returns, rolled back on error."""
    session = get_state(request).sessions()
    try:
        yield session
        session.commit()
    except BaseException:
        session.rollback()
        raise
    finally:
        session.close()


def _lang(request: Request) -> str:
    lang: str = getattr(request.state, "lang", None) or get_state(request).settings.lang
    return lang


def _session(request: Request) -> SessionData:
    data: SessionData | None = getattr(request.state, "session", None)
    return data if data is not None else SessionData.fresh()


#: A database id in a path: positive and within a signed 32-bit integer (SQLite and PostgreSQL
#: refuse larger values, which would otherwise surface as a server error).
RowId = Annotated[int, Path(ge=1, le=2**31 - 1)]
#: An optional six-digit admin code (city or district) in a query string.
RegionCode = Annotated[str | None, Query(max_length=6, pattern=r"^\d{6}$")]

Settings = Annotated[SettingsModel, Depends(_settings)]
DB = Annotated[Session, Depends(_db, scope="function")]
Lang = Annotated[str, Depends(_lang)]
State = Annotated[AppState, Depends(get_state)]
WebSession = Annotated[SessionData, Depends(_session)]

_bearer = HTTPBearer(auto_error=False, description="API token issued by `cmon users token`")


def _current_principal(
    request: Request,
    db: DB,
    credentials: Annotated[HTTPAuthorizationCredentials | None, Depends(_bearer)],
) -> Principal:
    """Resolve the caller or raise :class:`AuthenticationError` (401 / redirect to sign-in)."""
    if request.url.path.startswith(API_PREFIX):
        if credentials is None or credentials.scheme.lower() != "bearer":
            raise AuthenticationError(
                "this endpoint needs an API token: Authorization: Bearer <token>",
                "此接口需要 API 令牌：Authorization: Bearer <令牌>",
            )
        user, token = authenticate_token(db, credentials.credentials)
        principal = Principal.of(user, token)
    else:
        web_session = _session(request)
        uid = web_session.uid
        found = db.get(User, uid) if uid is not None else None
        # A cookie issued before the user's last sign-out, password, role change or disable
        # carries an older generation: refused, even though its signature is valid.
        if found is None or not found.is_active or found.session_gen != web_session.gen:
            raise AuthenticationError("please sign in", "请先登录")
        principal = Principal.of(found)
    request.state.principal = principal  # error pages show the navigation of the caller
    return principal


CurrentUser = Annotated[Principal, Depends(_current_principal)]


class Require:
    """Dependency object: the caller, after checking that their role allows ``action``."""

    def __init__(self, action: Action) -> None:
        self.action = action

    def __call__(self, request: Request, principal: CurrentUser) -> Principal:
        try:
            require_action(principal, self.action)
        except PermissionDeniedError:
            # Audited in a transaction of its own (the request's is rolled back), rate-limited.
            record_denial(
                get_state(request).sessions,
                principal.username,
                self.action.value,
                f"{request.method} {request.url.path}",
                {"role": principal.role},
            )
            raise
        return principal

    def __repr__(self) -> str:
        return f"require({self.action.value})"


class Public:
    """Dependency object marking a route that needs no sign-in."""

    action = PUBLIC

    def __call__(self) -> None:
        return None

    def __repr__(self) -> str:
        return "public"


def require(action: Action) -> Any:
    """``Depends`` on the caller, ``action`` checked: ``Annotated[Principal, require(…)]``."""
    return Depends(Require(action))


def public() -> Any:
    """``Depends`` marker for routes open to everyone (sign-in page, health check, assets)."""
    return Depends(Public())


@dataclass(frozen=True)
class RouteInfo:
    """One endpoint of the app, flattened out of included routers."""

    path: str
    methods: frozenset[str]
    actions: frozenset[str]
    is_api_route: bool


def _declared_actions(dependant: Any) -> frozenset[str]:
    found: set[str] = set()
    stack = list(getattr(dependant, "dependencies", []))
    while stack:
        dep = stack.pop()
        if isinstance(dep.call, Require | Public):
            found.add(str(dep.call.action))
        stack.extend(dep.dependencies)
    return frozenset(found)


def iter_routes(routes: Sequence[BaseRoute]) -> Iterator[RouteInfo]:
    """Every endpoint with the permissions it declares (walks each dependency tree,
    including dependencies added by the routers that include it)."""
    for ctx in iter_route_contexts(routes):
        original = ctx.original_route
        is_api = isinstance(original, APIRoute)
        dependant = getattr(ctx, "dependant", None) if is_api else None
        yield RouteInfo(
            path=str(ctx.path),
            methods=frozenset(ctx.methods or ()),
            actions=_declared_actions(dependant) if dependant is not None else frozenset(),
            is_api_route=is_api,
        )


#: Non-FastAPI routes that need no declaration: the OpenAPI document and mounted assets.
UNDECLARED_OK = frozenset({"/openapi.json", "/static"})


def check_routes_declared(routes: Sequence[BaseRoute]) -> None:
    """Raise :class:`ConfigError` unless every route declares exactly one permission."""
    for info in iter_routes(routes):
        if info.is_api_route:
            if len(info.actions) != 1:
                raise ConfigError(
                    f"route {info.path} declares {sorted(info.actions) or 'no'} permission(s); "
                    "add exactly one require(Action.…) or public()",
                    f"路由 {info.path} 未声明（或重复声明）权限",
                )
        elif info.path not in UNDECLARED_OK:
            raise ConfigError(
                f"route {info.path} cannot declare a permission; register it on a router",
                f"路由 {info.path} 无法声明权限",
            )


async def check_csrf(request: Request) -> None:
    """Refuse an unsafe page request whose CSRF token does not match the session's (403)."""
    if request.method in ("GET", "HEAD", "OPTIONS"):
        return
    submitted = request.headers.get("x-csrf-token")
    if submitted is None:
        form = await request.form()
        value = form.get("csrf_token")
        submitted = value if isinstance(value, str) else None
    if not csrf_matches(_session(request), submitted):
        raise PermissionDeniedError(
            "missing or wrong CSRF token; reload the page and try again",
            "表单校验码缺失或无效，请刷新页面后重试",
        )


__all__ = [
    "DB",
    "PUBLIC",
    "AppState",
    "CurrentUser",
    "Lang",
    "Principal",
    "RowId",
    "Settings",
    "State",
    "WebSession",
    "check_csrf",
    "check_routes_declared",
    "iter_routes",
    "public",
    "require",
]
