"""Sign-in throttles that slow attackers without locking anyone out (#21 items 3 and 8).

Service-level tests pass ``now`` explicitly, so nothing sleeps; the web tests go through the
real form behind a configured trusted proxy.
"""

from __future__ import annotations

import re
import warnings
from collections.abc import Iterator
from datetime import timedelta
from typing import Any

import pytest
from argon2 import PasswordHasher
from fastapi import FastAPI
from sqlalchemy import func, select
from sqlalchemy.orm import Session
from starlette.exceptions import StarletteDeprecationWarning
from typer.testing import CliRunner

from consumption_monitor import auth
from consumption_monitor.auth import passwords
from consumption_monitor.auth.models import AuditEntry, utcnow
from consumption_monitor.config import Settings
from consumption_monitor.errors import AuthenticationError
from consumption_monitor.store.db import make_engine, session_factory, upgrade
from consumption_monitor.web.app import create_app

with warnings.catch_warnings():
    warnings.simplefilter("ignore", StarletteDeprecationWarning)
    from fastapi.testclient import TestClient

PW = "correct horse battery"
PROXY = "10.9.8.7"  # the documented reverse proxy: every user arrives from it


class CountingHasher(PasswordHasher):
    """Real Argon2id (small parameters) that counts verifications."""

    calls = 0

    def verify(self, hash: str | bytes, password: str | bytes) -> bool:
        CountingHasher.calls += 1
        return super().verify(hash, password)


@pytest.fixture(autouse=True)
def counting_hasher(monkeypatch: pytest.MonkeyPatch) -> type[CountingHasher]:
    monkeypatch.setattr(
        passwords, "_hasher", CountingHasher(time_cost=1, memory_cost=1024, parallelism=1)
    )
    passwords._dummy_hash.cache_clear()
    CountingHasher.calls = 0
    return CountingHasher


@pytest.fixture
def session(db_url: str) -> Iterator[Session]:
    upgrade(db_url)
    engine = make_engine(db_url)
    s = session_factory(engine)()
    try:
        for name, role in (("admin", "admin"), ("ann", "viewer"), ("bob", "viewer")):
            auth.create_user(s, username=name, password=PW, role=role)
        s.commit()
        yield s
    finally:
        s.close()
        engine.dispose()


def _fail(session: Session, username: str, client: str, now: Any, **kw: Any) -> str:
    with pytest.raises(AuthenticationError) as info:
        auth.authenticate(session, username, "wrong password!", client=client, now=now, **kw)
    session.commit()
    return info.value.en


def test_a_stranger_cannot_lock_admin(session: Session) -> None:
    now = utcnow()
    for _ in range(20):  # the old code locked admin after 5
        _fail(session, "admin", "203.0.113.66", now)
    # The stranger's own pair is slowed …
    assert "try again in" in _fail(session, "admin", "203.0.113.66", now)
    # … but admin from their own address signs in at once with the right password.
    assert auth.authenticate(session, "admin", PW, client="198.51.100.5", now=now).username
    session.commit()


def test_pair_backoff_slows_then_lets_the_right_password_through(session: Session) -> None:
    now = utcnow()
    for _ in range(5):
        assert _fail(session, "ann", "192.0.2.1", now) == "wrong username or password"
    counting = CountingHasher.calls
    for _ in range(10):  # throttled attempts are refused before any Argon2 work (item 8)
        assert "try again in 61 second" in _fail(session, "ann", "192.0.2.1", now)
    assert CountingHasher.calls == counting
    later = now + timedelta(seconds=61)  # 5 failures: one minute; waiting ends the delay
    assert auth.authenticate(session, "ann", PW, client="192.0.2.1", now=later).username
    session.commit()
    # The success reset the pair: 4 new failures do not slow it.
    for _ in range(4):
        assert _fail(session, "ann", "192.0.2.1", later) == "wrong username or password"


def test_pair_backoff_doubles_and_is_capped(session: Session) -> None:
    now = utcnow()
    policy = auth.LockoutPolicy(pair_backoff_cap=timedelta(minutes=3))
    for _ in range(5):
        _fail(session, "bob", "192.0.2.9", now, policy=policy)
    t = now
    for expected in (60, 120, 180, 180):  # 1, 2 min, then the cap (default cap: 15 min)
        msg = _fail(session, "bob", "192.0.2.9", t, policy=policy)
        assert f"try again in {expected + 1} second" in msg
        t = t + timedelta(seconds=expected)
        assert _fail(session, "bob", "192.0.2.9", t, policy=policy).startswith("wrong")
    assert auth.unlock_user(session, "bob", actor="admin").username == "bob"
    session.commit()  # unlock clears the backoff from every address
    assert auth.authenticate(session, "bob", PW, client="192.0.2.9", now=t).username


def test_fifty_failures_from_one_address_slow_it_but_block_nobody(session: Session) -> None:
    now = utcnow()
    auth.authenticate(session, "bob", PW, client=PROXY, now=now - timedelta(hours=1))
    session.commit()  # bob signed in from this address before
    for i in range(50):
        _fail(session, f"sprayed{i}", PROXY, now)
    # The address is slowed for unknown pairs (one second after the 50th failure) …
    assert "try again in" in _fail(session, "ann", PROXY, now)
    # … a user whose last sign-in came from it is not …
    assert auth.authenticate(session, "bob", PW, client=PROXY, now=now).username
    session.commit()
    # … and nobody is blocked: after the short delay ann and admin sign in from it.
    later = now + timedelta(seconds=2)
    assert auth.authenticate(session, "ann", PW, client=PROXY, now=later).username
    session.commit()
    assert auth.authenticate(session, "admin", PW, client=PROXY, now=later).username
    session.commit()
    # The delay is capped at 60 s whatever the number of failures.
    for i in range(10):  # 60 failures in the window: 2^10 s, capped
        _fail(session, f"more{i}", PROXY, later + timedelta(seconds=61 * (i + 1)))
    end = later + timedelta(seconds=61 * 10)
    assert "try again in 61 second" in _fail(session, "nobody", PROXY, end)
    assert auth.authenticate(session, "ann", PW, client=PROXY, now=end + timedelta(seconds=60))


def test_clear_throttle_lifts_the_address_slow_down(session: Session) -> None:
    now = utcnow()
    for i in range(55):
        _fail(session, f"sprayed{i}", "192.0.2.50", now)
    assert "try again in" in _fail(session, "ann", "192.0.2.50", now)
    auth.clear_address_throttle(session, "192.0.2.50", actor="admin")
    session.commit()
    assert auth.authenticate(session, "ann", PW, client="192.0.2.50", now=utcnow()).username
    session.commit()
    actions = session.scalars(select(AuditEntry.action)).all()
    assert "login.clear_throttle" in actions


def test_cli_clear_throttle(tmp_path: Any, monkeypatch: pytest.MonkeyPatch) -> None:
    from consumption_monitor.cli import app as cli_app

    monkeypatch.setenv("CMON_DATA_DIR", str(tmp_path))
    monkeypatch.delenv("CMON_DATABASE_URL", raising=False)
    result = CliRunner().invoke(cli_app, ["users", "clear-throttle", "192.0.2.50", "--json"])
    assert result.exit_code == 0, result.output
    assert '"cleared": true' in result.output


# --- the web form behind a trusted proxy --------------------------------------------------


@pytest.fixture
def proxied(settings: Settings) -> Iterator[tuple[FastAPI, TestClient]]:
    # TestClient connects as the peer "testclient": configured as the trusted proxy.
    app = create_app(settings.model_copy(update={"trusted_proxies": ["testclient"]}))
    with TestClient(app) as client:
        s = app.state.cmon.sessions()
        for name, role in (("admin", "admin"), ("ann", "viewer")):
            auth.create_user(s, username=name, password=PW, role=role)
        s.commit()
        s.close()
        yield app, client


def _post_login(client: TestClient, username: str, password: str, forwarded: str) -> int:
    client.cookies.clear()
    page = client.get("/login").text
    csrf = re.search(r'name="csrf_token" value="([^"]+)"', page)
    assert csrf
    done = client.post(
        "/login",
        data={"username": username, "password": password, "csrf_token": csrf.group(1)},
        headers={"X-Forwarded-For": forwarded},
        follow_redirects=False,
    )
    return done.status_code


def test_fifty_failed_logins_through_the_proxy_do_not_lock_other_users(
    proxied: tuple[FastAPI, TestClient],
) -> None:
    app, client = proxied
    for i in range(50):
        assert _post_login(client, f"guess{i}", "wrong password!", "203.0.113.9") == 401
    assert _post_login(client, "admin", "wrong password!", "203.0.113.9") == 401
    # Everyone else arrives through the same proxy, from their own address.
    assert _post_login(client, "admin", PW, "198.51.100.1") == 303
    assert _post_login(client, "ann", PW, "198.51.100.2, 10.0.0.1") == 303
    s = app.state.cmon.sessions()
    clients = s.scalars(
        select(auth.LoginAttempt.client).where(auth.LoginAttempt.success.is_(True))
    ).all()
    failed = s.scalar(
        select(func.count()).where(
            AuditEntry.action == "user.login_failed",
        )
    )
    s.close()
    assert sorted(clients) == ["10.0.0.1", "198.51.100.1"]  # the rightmost untrusted hop
    # Every checked failure is audited (item 11); the 51st was slowed before any check.
    assert failed == 50


def test_forwarded_header_from_an_untrusted_peer_is_ignored(
    settings: Settings, db: Session, users: Any
) -> None:
    app = create_app(settings)  # no trusted proxies
    with TestClient(app) as client:
        assert _post_login(client, "viewer", PW, "1.2.3.4") == 303
        s: Session = app.state.cmon.sessions()
        clients = s.scalars(
            select(auth.LoginAttempt.client).where(auth.LoginAttempt.success.is_(True))
        ).all()
        s.close()
    assert clients == ["testclient"]
