"""`cmon serve`, `cmon users` and `cmon audit verify` through typer's CliRunner."""

from __future__ import annotations

import json
import sqlite3
from pathlib import Path
from typing import Any

import pytest
from typer.testing import CliRunner

from consumption_monitor.auth import authenticate, authenticate_token
from consumption_monitor.cli import app
from consumption_monitor.config import PLACEHOLDER_SECRET, load_settings
from consumption_monitor.store.db import make_engine, session_factory

runner = CliRunner()


@pytest.fixture
def data_dir(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.setenv("CMON_DATA_DIR", str(tmp_path))
    monkeypatch.delenv("CMON_DATABASE_URL", raising=False)
    monkeypatch.delenv("CMON_MODE", raising=False)
    return tmp_path


def _run(*args: str, stdin: str | None = None) -> Any:
    return runner.invoke(app, list(args), input=stdin)


def test_users_lifecycle(data_dir: Path) -> None:
    made = _run(
        "users",
        "add",
        "heping",
        "--role",
        "district",
        "--unit",
        "120101",
        "--name",
        "和平区商务局",
        "--json",
        stdin="long enough pw\nlong enough pw\n",
    )
    assert made.exit_code == 0, made.output
    assert json.loads(made.output[made.output.index("{") :])["unit"] == "120101"
    mismatch = _run(
        "users", "add", "hexi", "--role", "viewer", stdin="long enough pw\nother pw 123\n"
    )
    assert mismatch.exit_code != 0
    dup = _run(
        "users", "add", "heping", "--role", "viewer", "--password-stdin", stdin="long enough pw\n"
    )
    assert dup.exit_code == 1 and "已存在" in dup.output
    wrong_unit = _run(
        "users",
        "add",
        "x1",
        "--role",
        "district",
        "--unit",
        "commerce",
        "--password-stdin",
        stdin="long enough pw\n",
    )
    assert wrong_unit.exit_code == 3
    listed = json.loads(_run("users", "list", "--json").output)
    assert listed["count"] == 1 and listed["data"][0]["role"] == "district"
    issued = _run("users", "token", "heping", "-d", "unit_reports", "--days", "30", "--json")
    assert issued.exit_code == 0, issued.output
    secret = json.loads(issued.output)["token"]
    engine = make_engine(load_settings().metadata_url)
    try:
        with session_factory(engine)() as session:
            user, token = authenticate_token(session, secret)
            assert user.username == "heping" and token.datasets == ["unit_reports"]
        tokens = json.loads(_run("users", "tokens", "--json").output)
        assert tokens["count"] == 1 and secret not in json.dumps(tokens)
        assert _run("users", "revoke", str(tokens["data"][0]["id"])).exit_code == 0
        assert _run("users", "disable", "heping").exit_code == 0
        assert json.loads(_run("users", "list", "--json").output)["data"][0]["active"] is False
        assert _run("users", "enable", "heping").exit_code == 0
        assert _run("users", "unlock", "heping").exit_code == 0
        changed = _run(
            "users", "password", "heping", "--password-stdin", stdin="a new passphrase\n"
        )
        assert changed.exit_code == 0
        with session_factory(engine)() as session:
            assert authenticate(session, "heping", "a new passphrase").username == "heping"
        assert _run("users", "disable", "nobody").exit_code == 4
    finally:
        engine.dispose()


def test_audit_verify_detects_tampering(data_dir: Path) -> None:
    _run("users", "add", "ann", "--role", "viewer", "--password-stdin", stdin="long enough pw\n")
    _run("users", "token", "ann")
    ok = _run("audit", "verify", "--json")
    assert ok.exit_code == 0 and json.loads(ok.output)["checked"] == 2
    with sqlite3.connect(data_dir / "metadata.db") as conn:
        conn.execute("UPDATE audit_log SET actor = 'mallory' WHERE id = 2")
    broken = _run("audit", "verify")
    assert broken.exit_code == 1 and "row 2" in broken.output


def test_serve_builds_the_app_and_binds_loopback(
    data_dir: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    import uvicorn

    calls: list[tuple[object, str, int]] = []

    def fake_run(asgi: object, host: str, port: int, **_kw: object) -> None:
        calls.append((asgi, host, port))
        asgi.state.cmon.engine.dispose()  # type: ignore[attr-defined]

    monkeypatch.setattr(uvicorn, "run", fake_run)
    result = _run("serve", "--port", "8123")
    assert result.exit_code == 0, result.output
    ((asgi, host, port),) = calls
    assert (host, port) == ("127.0.0.1", 8123) and type(asgi).__name__ == "FastAPI"


def test_serve_refuses_the_placeholder_secret_in_production(
    data_dir: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("CMON_MODE", "production")
    monkeypatch.setenv("CMON_SECRET_KEY", PLACEHOLDER_SECRET)
    result = _run("serve")
    assert result.exit_code == 1 and "CMON_SECRET_KEY" in result.output


def test_users_role_changes_role_and_ends_sessions(data_dir: Path) -> None:
    made = _run(
        "users", "add", "hexi", "--role", "viewer", "--password-stdin", stdin="pw long 12\n"
    )
    assert made.exit_code == 0, made.output
    changed = _run("users", "role", "hexi", "--role", "district", "--unit", "120103", "--json")
    assert changed.exit_code == 0, changed.output
    assert json.loads(changed.output)["unit"] == "120103"
    bad = _run("users", "role", "hexi", "--role", "district", "--unit", "999999")
    assert bad.exit_code != 0
    with sqlite3.connect(data_dir / "metadata.db") as conn:
        role, gen = conn.execute("SELECT role, session_gen FROM users").fetchone()
    assert (role, gen) == ("district", 1)
