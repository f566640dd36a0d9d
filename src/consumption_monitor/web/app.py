"""The web application: server-rendered pages, the REST API under ``/api/v1``, local assets.

``create_app(settings)`` signs sessions with the configured key or one generated into the data
folder (never a published placeholder; production refuses weak keys), brings
the metadata database to the latest migration, and refuses to build if any route lacks a
permission declaration. Nothing is loaded from another host: plotly.js comes from the installed
``plotly`` package and the interactive OpenAPI UI (which needs a CDN) is replaced by a
self-rendered reference at ``/docs``; the schema stays at ``/openapi.json``.
"""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager
from typing import Any

import duckdb
import pyarrow as pa
from fastapi import FastAPI, Request, Response
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse, RedirectResponse
from fastapi.staticfiles import StaticFiles
from sqlalchemy.exc import SQLAlchemyError
from starlette.exceptions import HTTPException as StarletteHTTPException

from consumption_monitor import __version__
from consumption_monitor.auth import passwords
from consumption_monitor.config import (
    PUBLISHED_SECRETS,
    Settings,
    get_settings,
    secret_weakness,
    with_secret_key,
)
from consumption_monitor.errors import AuthenticationError, ConfigError, ConsumptionMonitorError
from consumption_monitor.store.db import make_engine, session_factory, upgrade
from consumption_monitor.store.faults import storage_error
from consumption_monitor.web import api, api_data, pages
from consumption_monitor.web.deps import API_PREFIX, AppState, check_routes_declared
from consumption_monitor.web.forms import DropEmptyParams, invalid_fields_message
from consumption_monitor.web.i18n import LANG_COOKIE, SUPPORTED, pick_lang
from consumption_monitor.web.providers import unit_directory
from consumption_monitor.web.sessions import SESSION_COOKIE, SESSION_MAX_AGE, SessionCodec
from consumption_monitor.web.templating import build_templates, render

log = logging.getLogger("cmon.web")

#: Modes in which the placeholder secret is tolerated.
DEV_MODES = frozenset({"development", "demo"})

#: Only this host serves anything the pages load; inline scripts are not allowed.
CONTENT_SECURITY_POLICY = (
    "default-src 'self'; script-src 'self'; style-src 'self' 'unsafe-inline'; "
    "img-src 'self' data:; font-src 'self'; connect-src 'self'; frame-ancestors 'none'; "
    "form-action 'self'; base-uri 'self'"
)


def check_secret(settings: Settings) -> None:
    """Raise :class:`ConfigError` for a missing or published secret in any mode, and for a weak
    one (length, estimated entropy) outside development/demo."""
    key = settings.secret_key
    if key is None or key.strip().lower() in PUBLISHED_SECRETS:
        why: str | None = "it is unset" if key is None else "it is a published placeholder"
    elif settings.mode in DEV_MODES:
        why = None
    else:
        why = secret_weakness(key)
    if why is not None:
        raise ConfigError(
            f"refusing to start in {settings.mode} mode with this secret key: {why}",
            f"{settings.mode} 模式下拒绝使用该密钥启动：{why}",
            hint_en='set CMON_SECRET_KEY to 32+ random characters, e.g. python -c "import '
            'secrets; print(secrets.token_urlsafe(48))"',
            hint_zh="请将 CMON_SECRET_KEY 设为至少 32 位的随机字符串"
            "（非生产模式下可不设置，将自动生成）",
        )


def create_app(settings: Settings | None = None, *, migrate: bool = True) -> FastAPI:
    """Build the app for ``settings`` (default: the process settings).

    ``migrate`` runs the Alembic migrations first (a cheap no-op when up to date). The engine
    is disposed when the app shuts down (use ``with TestClient(app)`` in tests).
    """
    settings = with_secret_key(settings or get_settings())
    check_secret(settings)
    passwords.configure_pool(settings.password_check_slots)
    if migrate:
        upgrade(settings.metadata_url)
    engine = make_engine(settings.metadata_url)
    state = AppState(
        settings=settings,
        engine=engine,
        sessions=session_factory(engine),
        codec=SessionCodec(settings.secret_key or ""),
        templates=build_templates(settings.money_unit, settings.city),
        directory=unit_directory(settings),
    )

    @asynccontextmanager
    async def lifespan(_app: FastAPI) -> AsyncIterator[None]:
        try:
            yield
        finally:
            if state.alert_service is not None:
                state.alert_service.close()
            engine.dispose()

    app = FastAPI(
        title="consumption-monitor API",
        description="消费市场监测与“大消费”行动方案跟踪平台 REST API. "
        "Authenticate with `Authorization: Bearer <token>` (tokens: `cmon users token`). "
        "Lists are `{data, count}` with `limit`/`offset`.",
        version=__version__,
        docs_url=None,
        redoc_url=None,
        swagger_ui_oauth2_redirect_url=None,
        openapi_url="/openapi.json",
        lifespan=lifespan,
    )
    app.state.cmon = state
    app.include_router(pages.router)
    app.include_router(api.router)
    app.include_router(api_data.router)
    app.mount(
        "/static", StaticFiles(packages=[("consumption_monitor.web", "static")]), name="static"
    )
    _install_middleware(app, state)
    app.add_middleware(DropEmptyParams)
    _install_error_handlers(app)
    check_routes_declared(app.routes)
    return app


def _install_middleware(app: FastAPI, state: AppState) -> None:
    settings = state.settings
    # Production is always served over HTTPS (docs/deployment.md): cookies never travel in
    # clear, and browsers are told to refuse plain HTTP for a year (RFC 6797).
    production = settings.mode == "production"
    secure = settings.secure_cookies or production

    @app.middleware("http")
    async def web_session(
        request: Request, call_next: Callable[[Request], Awaitable[Response]]
    ) -> Response:
        path = request.url.path
        is_page = not path.startswith((API_PREFIX, "/static/"))
        query_lang = request.query_params.get("lang")
        if is_page:
            request.state.session = state.codec.loads(request.cookies.get(SESSION_COOKIE))
            request.state.lang = pick_lang(
                query_lang, request.cookies.get(LANG_COOKIE), settings.lang
            )
        response = await call_next(request)
        response.headers.setdefault("X-Content-Type-Options", "nosniff")
        response.headers.setdefault("Referrer-Policy", "same-origin")
        if production:
            response.headers.setdefault(
                "Strict-Transport-Security", "max-age=31536000; includeSubDomains"
            )
        if not is_page:
            return response
        response.headers.setdefault("Content-Security-Policy", CONTENT_SECURITY_POLICY)
        response.headers.setdefault("X-Frame-Options", "DENY")
        session = request.state.session
        if session.dirty:
            response.set_cookie(
                SESSION_COOKIE,
                state.codec.dumps(session),
                max_age=SESSION_MAX_AGE,
                httponly=True,
                samesite="lax",
                secure=secure,
            )
        if query_lang in SUPPORTED:
            response.set_cookie(
                LANG_COOKIE,
                query_lang,
                max_age=365 * 24 * 3600,
                httponly=True,
                samesite="lax",
                secure=secure,
            )
        return response


def _error_page(request: Request, status: int, message: str) -> Response:
    user = getattr(request.state, "principal", None)
    return render(
        request,
        "error.html",
        {"status": status, "message": message},
        status_code=status,
        user=user,
    )


#: Raw exception families that may be storage faults (``store.faults.storage_error`` decides).
STORAGE_FAULTS: tuple[type[Exception], ...] = (
    OSError,
    SQLAlchemyError,
    duckdb.Error,
    pa.ArrowException,
)


def _install_error_handlers(app: FastAPI) -> None:
    async def storage_fault(request: Request, exc: Exception) -> Response:
        """A full disk, read-only database or corrupt file: a clear 503, never a traceback."""
        err = storage_error(exc)
        if err is None:
            raise exc  # not a storage fault: a bug, left to the server's 500
        log.error("storage fault on %s %s: %r", request.method, request.url.path, exc)
        return await platform_error(request, err)

    for family in STORAGE_FAULTS:
        app.add_exception_handler(family, storage_fault)

    @app.exception_handler(ConsumptionMonitorError)
    async def platform_error(request: Request, exc: ConsumptionMonitorError) -> Response:
        if request.url.path.startswith(API_PREFIX):
            headers = (
                {"WWW-Authenticate": "Bearer"} if isinstance(exc, AuthenticationError) else None
            )
            return JSONResponse({"error": exc.to_dict()}, exc.http_status, headers=headers)
        if isinstance(exc, AuthenticationError) and request.method == "GET":
            return RedirectResponse(f"/login?next={request.url.path}", status_code=303)
        lang = getattr(request.state, "lang", "zh")
        return _error_page(request, exc.http_status, exc.render(lang))

    @app.exception_handler(StarletteHTTPException)
    async def http_error(request: Request, exc: StarletteHTTPException) -> Response:
        if request.url.path.startswith(API_PREFIX) or not hasattr(request.state, "lang"):
            body: dict[str, Any] = {
                "error": {
                    "code": "http",
                    "message_en": str(exc.detail),
                    "message_zh": str(exc.detail),
                }
            }
            return JSONResponse(body, exc.status_code, headers=exc.headers)
        return _error_page(request, exc.status_code, str(exc.detail))

    @app.exception_handler(RequestValidationError)
    async def invalid_request(request: Request, exc: RequestValidationError) -> Response:
        problems = [
            {"where": ".".join(str(p) for p in err.get("loc", ())), "message": err.get("msg", "")}
            for err in exc.errors()
        ]
        if request.url.path.startswith(API_PREFIX) or not hasattr(request.state, "lang"):
            body = {
                "error": {
                    "code": "validation",
                    "message_en": "the request is malformed",
                    "message_zh": "请求格式不正确",
                    "problems": problems,
                }
            }
            return JSONResponse(body, 422)
        return _error_page(request, 422, invalid_fields_message(exc.errors(), request.state.lang))
