"""Fixtures of the web tests: a metadata database on SQLite and on PostgreSQL, an app, clients.

Every test that takes ``db_url`` (directly or through ``app``) runs twice: on a SQLite file and
on a fresh database of the session's throwaway PostgreSQL server (``pg_url`` in
tests/conftest.py).
"""

from __future__ import annotations

import re
import uuid
import warnings
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import psycopg
import pytest
from argon2 import PasswordHasher
from fastapi import FastAPI
from sqlalchemy import inspect, select, text
from sqlalchemy.engine import make_url
from sqlalchemy.orm import Session
from starlette.exceptions import StarletteDeprecationWarning

from consumption_monitor.auth import Role, User, create_user, issue_token, passwords
from consumption_monitor.config import Settings, load_settings
from consumption_monitor.store.db import make_engine, upgrade
from consumption_monitor.web.app import create_app
from consumption_monitor.web.sessions import SESSION_COOKIE, SessionData

with warnings.catch_warnings():
    # starlette asks for the httpx2 package instead of httpx; the client works the same.
    warnings.simplefilter("ignore", StarletteDeprecationWarning)
    from fastapi.testclient import TestClient

SECRET = "test-secret-key-with-more-than-32-characters"
PASSWORD = "correct horse battery"

#: One user per role; district users carry district codes, department users plan unit codes.
ROLE_USERS: dict[str, tuple[Role, str | None]] = {
    "admin": (Role.ADMIN, None),
    "office": (Role.OFFICE, "commerce"),
    "dept": (Role.DEPARTMENT, "sport"),
    "heping": (Role.DISTRICT, "120101"),
    "hedong": (Role.DISTRICT, "120102"),
    "viewer": (Role.VIEWER, None),
    "provider": (Role.PROVIDER, "unionpay"),
}


@pytest.fixture(autouse=True)
def fast_argon2(monkeypatch: pytest.MonkeyPatch) -> None:
    """Argon2id with small parameters so the suite stays fast on 2 shared cores; the hashes are
    still real Argon2id (test_password_is_stored_as_argon2id checks the production ones)."""
    monkeypatch.setattr(
        passwords, "_hasher", PasswordHasher(time_cost=1, memory_cost=1024, parallelism=1)
    )
    passwords._dummy_hash.cache_clear()


@pytest.fixture(scope="session")
def pg_web_url(pg_url: str) -> Iterator[str]:
    """A database of its own for the web tests on the session's PostgreSQL, migrated once."""
    base = make_url(pg_url)
    name = f"cmon_web_{uuid.uuid4().hex[:12]}"
    conninfo = {"host": base.host, "port": base.port, "user": base.username, "dbname": "postgres"}
    with psycopg.connect(**conninfo, autocommit=True) as conn:
        conn.execute(f'CREATE DATABASE "{name}"')
    url = base.set(database=name).render_as_string(hide_password=False)
    upgrade(url)
    try:
        yield url
    finally:
        with psycopg.connect(**conninfo, autocommit=True) as conn:
            conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


@pytest.fixture(params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def db_url(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    """An empty metadata database: a new SQLite file, or the web tests' PostgreSQL database
    with every table emptied (faster than a new database per test)."""
    if request.param == "sqlite":
        return f"sqlite:///{tmp_path / 'metadata.db'}"
    url: str = request.getfixturevalue("pg_web_url")
    engine = make_engine(url)
    try:
        names = [n for n in inspect(engine).get_table_names() if n != "alembic_version"]
        with engine.begin() as conn:
            conn.execute(text(f"TRUNCATE {', '.join(names)} RESTART IDENTITY CASCADE"))
    finally:
        engine.dispose()
    return url


@pytest.fixture
def settings(db_url: str, tmp_path: Path) -> Settings:
    return load_settings(
        data_dir=tmp_path / "data", database_url=db_url, mode="development", secret_key=SECRET
    )


@pytest.fixture
def app(settings: Settings) -> FastAPI:
    return create_app(settings)


@pytest.fixture
def client(app: FastAPI) -> Iterator[TestClient]:
    with TestClient(app) as c:
        yield c


@pytest.fixture
def db(app: FastAPI, client: TestClient) -> Iterator[Session]:
    """A session on the app's database (commit what you set up). Depends on ``client`` so the
    engine is disposed after the session closes."""
    session: Session = app.state.cmon.sessions()
    try:
        yield session
    finally:
        session.close()


@dataclass
class Users:
    """The users of :data:`ROLE_USERS` by username, with their ids."""

    ids: dict[str, int]


@pytest.fixture
def users(db: Session) -> Users:
    ids = {}
    for name, (role, unit) in ROLE_USERS.items():
        ids[name] = create_user(db, username=name, password=PASSWORD, role=role, unit=unit).id
    db.commit()
    return Users(ids=ids)


class Helpers:
    """Shared helpers, handed to tests by the ``h`` fixture."""

    password = PASSWORD

    def __init__(self, app: FastAPI) -> None:
        self.app = app

    def as_user(self, client: TestClient, uid: int | None, csrf: str = "test-csrf") -> None:
        """Make ``client`` carry a signed session of ``uid`` (no Argon2 sign-in needed), of the
        user's current session generation (sign-out and the like end older ones)."""
        state = self.app.state.cmon
        gen = 0
        if uid is not None:
            with state.sessions() as session:
                gen = session.scalar(select(User.session_gen).where(User.id == uid)) or 0
        client.cookies.clear()
        client.cookies.set(
            SESSION_COOKIE, state.codec.dumps(SessionData(uid=uid, csrf=csrf, gen=gen))
        )

    @staticmethod
    def csrf_of(html: str) -> str:
        """The CSRF token embedded in a rendered form."""
        found = re.search(r'name="csrf_token" value="([^"]+)"', html)
        assert found, "page has no CSRF field"
        return found.group(1)

    @staticmethod
    def token_for(db: Session, username: str, datasets: list[str]) -> str:
        """Issue and commit a token; return its secret."""
        _tok, secret = issue_token(db, username, datasets=datasets, actor="test")
        db.commit()
        return secret

    @staticmethod
    def bearer(secret: str) -> dict[str, str]:
        return {"Authorization": f"Bearer {secret}"}


@pytest.fixture
def h(app: FastAPI) -> Helpers:
    return Helpers(app)
