"""No server signs sessions with a published secret (#21 item 1).

The app is built exactly as ``cmon serve`` builds it (the CLI with ``uvicorn.run`` replaced by a
function that keeps the ASGI app), then attacked with a cookie signed by the placeholder key
that older versions used by default.
"""

from __future__ import annotations

import stat
import warnings
from pathlib import Path

import pytest
from argon2 import PasswordHasher
from fastapi import FastAPI
from sqlalchemy import select
from sqlalchemy.orm import Session
from starlette.exceptions import StarletteDeprecationWarning
from typer.testing import CliRunner

from consumption_monitor.auth import Role, User, create_user, passwords
from consumption_monitor.cli import app as cli_app
from consumption_monitor.config import (
    PLACEHOLDER_SECRET,
    SECRET_FILE,
    estimated_bits,
    load_settings,
    secret_weakness,
)
from consumption_monitor.errors import ConfigError
from consumption_monitor.web.app import create_app
from consumption_monitor.web.sessions import SESSION_COOKIE, SessionCodec, SessionData

with warnings.catch_warnings():
    warnings.simplefilter("ignore", StarletteDeprecationWarning)
    from fastapi.testclient import TestClient


@pytest.fixture
def env(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """The environment of a fresh `cmon serve`: nothing but a data folder."""
    for name in ("CMON_DATABASE_URL", "CMON_MODE", "CMON_SECRET_KEY", "CMON_SECURE_COOKIES"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("CMON_DATA_DIR", str(tmp_path))
    monkeypatch.setenv("CMON_REPORT_INTERVAL_MINUTES", "0")
    return tmp_path


def _serve(monkeypatch: pytest.MonkeyPatch, *args: str) -> FastAPI:
    """Run `cmon serve` and return the app it would have handed to uvicorn."""
    import uvicorn

    started: list[FastAPI] = []
    monkeypatch.setattr(uvicorn, "run", lambda asgi, **_kw: started.append(asgi))
    result = CliRunner().invoke(cli_app, ["serve", *args])
    assert result.exit_code == 0, result.output
    (web_app,) = started
    return web_app


def _forge(uid: int) -> str:
    return SessionCodec(PLACEHOLDER_SECRET).dumps(SessionData(uid=uid, csrf="forged"))


def test_a_cookie_forged_with_the_placeholder_is_refused_by_cmon_serve(
    env: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(passwords, "_hasher", PasswordHasher(1, 1024, 1))
    web_app = _serve(monkeypatch)
    with TestClient(web_app) as client:
        session: Session = web_app.state.cmon.sessions()
        admin = create_user(session, username="admin", password="x" * 12, role=Role.ADMIN)
        session.commit()
        uid = admin.id
        session.close()
        client.cookies.set(SESSION_COOKIE, _forge(uid))
        page = client.get("/admin", follow_redirects=False)
        assert page.status_code == 303 and page.headers["location"].startswith("/login")
        client.cookies.clear()
        client.cookies.set(SESSION_COOKIE, _forge(uid))
        client.post(
            "/admin/users",
            data={"username": "mallory", "role": "admin", "password": "y" * 12},
            headers={"X-CSRF-Token": "forged"},
            follow_redirects=False,
        )
        session = web_app.state.cmon.sessions()
        assert session.scalar(select(User.username).where(User.username == "mallory")) is None
        session.close()
        # A cookie signed by this server's own key does open /admin (the check above is real).
        client.cookies.clear()
        client.cookies.set(
            SESSION_COOKIE, web_app.state.cmon.codec.dumps(SessionData(uid=uid, csrf="c"))
        )
        assert client.get("/admin", follow_redirects=False).status_code == 200


def test_first_start_generates_a_private_key_that_later_starts_reuse(
    env: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    first = _serve(monkeypatch)
    first.state.cmon.engine.dispose()
    key_file = env / SECRET_FILE
    key = key_file.read_text("utf-8").strip()
    assert stat.S_IMODE(key_file.stat().st_mode) == 0o600
    assert secret_weakness(key) is None and estimated_bits(key) > 250
    assert first.state.cmon.settings.secret_key == key != PLACEHOLDER_SECRET
    second = _serve(monkeypatch)
    second.state.cmon.engine.dispose()
    assert second.state.cmon.settings.secret_key == key  # sessions survive a restart


def test_cmon_demo_generates_its_key_too(env: Path) -> None:
    settings = load_settings(mode="demo")
    assert settings.secret_key is None
    web_app = create_app(settings)
    web_app.state.cmon.engine.dispose()
    assert web_app.state.cmon.settings.secret_key == (env / SECRET_FILE).read_text().strip()


@pytest.mark.parametrize("mode", ["development", "demo", "production"])
def test_the_published_placeholder_is_refused_in_every_mode(
    env: Path, monkeypatch: pytest.MonkeyPatch, mode: str
) -> None:
    monkeypatch.setenv("CMON_MODE", mode)
    monkeypatch.setenv("CMON_SECRET_KEY", PLACEHOLDER_SECRET)
    result = CliRunner().invoke(cli_app, ["serve"])
    assert result.exit_code == 1 and "CMON_SECRET_KEY" in result.output
    assert not (env / SECRET_FILE).exists()


@pytest.mark.parametrize(
    ("key", "reason"),
    [
        (" " * 32, "entropy"),  # passed the old length-only rule
        ("x" * 40, "entropy"),
        ("ab" * 24, "entropy"),
        ("short", "characters"),
        ("change-me-dev-only", "placeholder"),
    ],
)
def test_production_refuses_weak_secrets(env: Path, key: str, reason: str) -> None:
    with pytest.raises(ConfigError, match=reason):
        load_settings(mode="production", secret_key=key)


def test_production_accepts_random_keys_and_never_generates_one(env: Path) -> None:
    import secrets

    for key in (secrets.token_urlsafe(48), secrets.token_hex(32), secrets.token_hex(16)):
        assert load_settings(mode="production", secret_key=key).secret_key == key
    with pytest.raises(ConfigError, match="CMON_SECRET_KEY"):
        load_settings(mode="production")
    assert not (env / SECRET_FILE).exists()


def test_estimated_bits_matches_a_worked_example() -> None:
    # "aabb": two symbols of p = 1/2, one bit each, four characters: 4 bits.
    assert estimated_bits("aabb") == pytest.approx(4.0)
    # "abcd": four symbols of p = 1/4, two bits each: 8 bits.
    assert estimated_bits("abcd") == pytest.approx(8.0)
