"""The web platform: server-rendered pages and the REST API (FastAPI).

``create_app(settings)`` builds the ASGI app; ``cmon serve`` runs it with uvicorn. See
``docs/web.md`` (pages, API, roles) and ``docs/security.md`` (sessions, CSRF, lockout, tokens,
audit chain).
"""

from __future__ import annotations

from consumption_monitor.web.app import create_app

__all__ = ["create_app"]
