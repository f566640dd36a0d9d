"""Audit rows for failed sign-ins, permission denials, CLI ingests and reverts (#21 item 11)."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session
from typer.testing import CliRunner

from consumption_monitor import auth
from consumption_monitor.auth import audit_events
from consumption_monitor.auth.models import AuditEntry
from consumption_monitor.config import get_settings, load_settings
from consumption_monitor.errors import AuthenticationError
from consumption_monitor.store.db import make_engine, session_factory

ROWS = """地区,指标,时期,数值,计量单位,同比增长,来源
全国,限额以上单位消费品零售额,2024年1-12月,191979,亿元,2.7,国家统计局
"""


@pytest.fixture(autouse=True)
def fresh_denials() -> Iterator[None]:
    audit_events.reset_denials()
    yield
    audit_events.reset_denials()


def _rows(session: Session, action: str) -> list[AuditEntry]:
    session.expire_all()
    return list(session.scalars(select(AuditEntry).where(AuditEntry.action == action)))


def test_failed_sign_ins_are_audited(db: Session, users: Any) -> None:
    for name in ("viewer", "nobody"):
        with pytest.raises(AuthenticationError):
            auth.authenticate(db, name, "wrong password!", client="192.0.2.4")
        db.commit()
    rows = _rows(db, "user.login_failed")
    assert [(r.target, r.detail["client"], r.detail["reason"]) for r in rows] == [
        ("viewer", "192.0.2.4", "password"),
        ("nobody", "192.0.2.4", "unknown"),
    ]
    assert auth.verify_chain(db).ok


def test_permission_denials_are_audited_rate_limited_and_counted(
    client: Any, db: Session, users: Any, h: Any
) -> None:
    h.as_user(client, users.ids["viewer"])
    for _ in range(3):
        assert client.get("/admin", follow_redirects=False).status_code == 403
    secret = h.token_for(db, "viewer", [])
    assert client.get("/api/v1/users", headers=h.bearer(secret)).status_code == 403
    rows = _rows(db, "access.denied")
    assert [(r.actor, r.target, r.detail["permission"]) for r in rows] == [
        ("viewer", "GET /admin", "manage_users"),
        ("viewer", "GET /api/v1/users", "manage_users"),
    ]
    assert audit_events.pending_denials() == 2  # the two repeats, counted not logged
    # After the interval the next row carries the count: rows + suppressed = every denial.
    written = audit_events.record_denial(
        client.app.state.cmon.sessions, "viewer", "manage_users", "GET /admin",
        clock=lambda: 10**9,
    )  # fmt: skip
    assert written
    rows = _rows(db, "access.denied")
    assert sum(1 + r.detail["suppressed"] for r in rows) == 5
    assert audit_events.pending_denials() == 0
    assert auth.verify_chain(db).ok


@pytest.fixture
def data_dir(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Path]:
    monkeypatch.setenv("CMON_DATA_DIR", str(tmp_path / "data"))
    monkeypatch.delenv("CMON_DATABASE_URL", raising=False)
    get_settings.cache_clear()
    yield tmp_path
    get_settings.cache_clear()


def _cmon(*args: str) -> Any:
    from consumption_monitor.cli import app

    return CliRunner().invoke(app, list(args), env={"COLUMNS": "200"})


def test_cli_ingest_and_revert_are_audited(data_dir: Path) -> None:
    path = data_dir / "tj.csv"
    path.write_text(ROWS, encoding="utf-8")
    out = _cmon("ingest", str(path), "--dataset", "official_stats", "--json")
    assert out.exit_code == 0, out.output
    batch = json.loads(out.stdout)["batch_id"]
    again = _cmon("ingest", str(path), "--dataset", "official_stats", "--json")
    assert again.exit_code == 0 and json.loads(again.stdout)["duplicate"]
    reverted = _cmon("batches", "revert", str(batch), "--reason", "wrong file", "--by", "bob")
    assert reverted.exit_code == 0, reverted.output
    engine = make_engine(load_settings().metadata_url)
    try:
        with session_factory(engine)() as session:
            ingests = [
                (r.actor, r.target, r.detail["batch"], r.detail["duplicate"], r.detail["files"])
                for r in _rows(session, "batch.ingest")
            ]
            reverts = [
                (r.actor, r.detail["batch"], r.detail["reason"])
                for r in _rows(session, "batch.revert")
            ]
            ok = auth.verify_chain(session).ok
    finally:
        engine.dispose()
    assert [i[1:4] for i in ingests] == [
        ("official_stats", batch, False),
        ("official_stats", batch, True),
    ]
    assert ingests[0][4] == ["tj.csv"] and ingests[0][0].startswith("cli")
    assert reverts == [("cli:bob", batch, "wrong file")]
    assert ok
