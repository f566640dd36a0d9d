"""Sessions end on sign-out, password change, disable and role change (#21 item 7).

Each test signs in through the real form (Argon2id, small parameters), keeps a copy of the
cookie, performs the action, then replays the copy: it must no longer open a page.
"""

from __future__ import annotations

import re
import warnings
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from fastapi import FastAPI
from sqlalchemy.orm import Session
from starlette.exceptions import StarletteDeprecationWarning

from consumption_monitor.auth import change_password, set_active, set_role
from consumption_monitor.config import Settings
from consumption_monitor.web.app import create_app
from consumption_monitor.web.sessions import SESSION_COOKIE

with warnings.catch_warnings():
    warnings.simplefilter("ignore", StarletteDeprecationWarning)
    from fastapi.testclient import TestClient

PASSWORD = "correct horse battery"  # the users fixture's password (tests/web/conftest.py)


def _csrf_of(html: str) -> str:
    found = re.search(r'name="csrf_token" value="([^"]+)"', html)
    assert found, "page has no CSRF field"
    return found.group(1)


def _sign_in(client: TestClient, username: str, password: str = PASSWORD) -> str:
    """Sign in through the form; return the session cookie it set."""
    client.cookies.clear()
    csrf = _csrf_of(client.get("/login").text)
    done = client.post(
        "/login",
        data={"username": username, "password": password, "csrf_token": csrf},
        follow_redirects=False,
    )
    assert done.status_code == 303, done.text
    cookie = client.cookies.get(SESSION_COOKIE)
    assert cookie
    return cookie


def _opens(client: TestClient, cookie: str, path: str = "/plan") -> bool:
    client.cookies.clear()
    client.cookies.set(SESSION_COOKIE, cookie)
    return client.get(path, follow_redirects=False).status_code == 200


def test_a_cookie_from_before_sign_out_is_refused(client: TestClient, users: Any) -> None:
    old = _sign_in(client, "heping")
    assert _opens(client, old)
    csrf = _csrf_of(client.get("/plan").text)
    out = client.post("/logout", data={"csrf_token": csrf}, follow_redirects=False)
    assert out.status_code == 303
    assert not _opens(client, old)  # a stolen copy of the cookie is dead too
    assert _opens(client, _sign_in(client, "heping"))  # signing in again works


def test_password_change_ends_every_session(client: TestClient, db: Session, users: Any) -> None:
    old = _sign_in(client, "office")
    change_password(db, "office", "a brand new passphrase", actor="admin")
    db.commit()
    assert not _opens(client, old)
    assert _opens(client, _sign_in(client, "office", "a brand new passphrase"))


def test_disable_then_enable_revives_neither_sessions_nor_tokens(
    client: TestClient, db: Session, users: Any, h: Any
) -> None:
    old = _sign_in(client, "dept")
    token = h.token_for(db, "dept", [])
    assert client.get("/api/v1/me", headers=h.bearer(token)).status_code == 200
    set_active(db, "dept", False, actor="admin")
    db.commit()
    set_active(db, "dept", True, actor="admin")
    db.commit()
    assert not _opens(client, old)
    client.cookies.clear()
    assert client.get("/api/v1/me", headers=h.bearer(token)).status_code == 401
    assert _opens(client, _sign_in(client, "dept"))


def test_role_change_ends_every_session(client: TestClient, db: Session, users: Any) -> None:
    old = _sign_in(client, "viewer")
    set_role(db, "viewer", "district", "120103", actor="admin")
    db.commit()
    assert not _opens(client, old)


def test_a_cookie_without_a_generation_is_refused(app: FastAPI, users: Any) -> None:
    # The cookie format before #21 ({uid, csrf}), signed with the right key.
    serializer = app.state.cmon.codec._serializer
    legacy = serializer.dumps({"uid": users.ids["admin"], "csrf": "x"})
    with TestClient(app) as client:
        assert not _opens(client, legacy)


@pytest.fixture
def production_client(settings: Settings, tmp_path: Path) -> Iterator[TestClient]:
    prod = settings.model_copy(update={"mode": "production", "secure_cookies": False})
    with TestClient(create_app(prod), base_url="https://testserver") as client:
        yield client


def test_production_cookies_are_secure_and_hsts_is_sent(production_client: TestClient) -> None:
    page = production_client.get("/login")
    assert "secure" in page.headers["set-cookie"].lower()
    assert page.headers["strict-transport-security"].startswith("max-age=31536000")
    assert "strict-transport-security" in production_client.get("/healthz").headers
