"""consumption_monitor.auth on real SQLite and PostgreSQL: passwords, lockout, tokens, audit."""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime, timedelta

import pytest
from argon2 import PasswordHasher
from sqlalchemy import text
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from consumption_monitor import auth
from consumption_monitor.auth import passwords
from consumption_monitor.auth.audit import GENESIS_HASH
from consumption_monitor.auth.models import AuditEntry, User
from consumption_monitor.auth.roles import UnitDirectory
from consumption_monitor.errors import (
    AuthenticationError,
    ConflictError,
    DataValidationError,
    PermissionDeniedError,
)
from consumption_monitor.store.db import make_engine, session_factory, upgrade

PW = "correct horse battery"


@pytest.fixture
def session(db_url: str) -> Iterator[Session]:
    upgrade(db_url)
    engine = make_engine(db_url)
    s = session_factory(engine)()
    try:
        yield s
    finally:
        s.close()
        engine.dispose()


def _user(
    session: Session, name: str = "ann", role: str = "district", unit: str = "120101"
) -> User:
    user = auth.create_user(session, username=name, password=PW, role=role, unit=unit)
    session.commit()
    return user


def test_password_is_stored_as_argon2id(session: Session, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(passwords, "_hasher", PasswordHasher())  # production parameters
    user = _user(session)
    stored = session.scalar(text("SELECT password_hash FROM users WHERE username = 'ann'"))
    assert stored.startswith("$argon2id$v=19$m=65536,t=3,p=4$")
    assert PW not in stored
    assert auth.verify_password(user.password_hash, PW)
    assert not auth.verify_password(user.password_hash, PW + "x")


def test_create_user_checks_role_unit_and_name(session: Session) -> None:
    directory = UnitDirectory(departments=frozenset({"commerce"}), districts=frozenset({"120101"}))
    with pytest.raises(DataValidationError, match="not a district"):
        auth.create_user(
            session,
            username="bad1",
            password=PW,
            role="district",
            unit="commerce",
            directory=directory,
        )
    with pytest.raises(DataValidationError, match="must be bound"):
        auth.create_user(session, username="bad2", password=PW, role="department")
    with pytest.raises(DataValidationError, match="unknown role"):
        auth.create_user(session, username="bad3", password=PW, role="king")
    with pytest.raises(DataValidationError, match="password"):
        auth.create_user(session, username="bad4", password="short", role="viewer")
    with pytest.raises(DataValidationError, match="username"):
        auth.create_user(session, username="a b", password=PW, role="viewer")
    ok = auth.create_user(
        session,
        username="dep",
        password=PW,
        role="department",
        unit="commerce",
        directory=directory,
    )
    assert (ok.role, ok.unit) == ("department", "commerce")
    session.commit()
    with pytest.raises(ConflictError):
        auth.create_user(session, username="dep", password=PW, role="viewer")


def test_four_failures_do_not_lock_and_success_resets_the_count(session: Session) -> None:
    _user(session)
    for _round in range(2):
        for _ in range(4):
            with pytest.raises(AuthenticationError):
                auth.authenticate(session, "ann", "wrong password!")
            session.commit()
        auth.authenticate(session, "ann", PW)  # 4 failures: not locked; success resets
        session.commit()


def test_unknown_and_disabled_users_get_the_same_message(session: Session) -> None:
    _user(session)
    auth.set_active(session, "ann", False, actor="admin")
    session.commit()
    with pytest.raises(AuthenticationError) as disabled:
        auth.authenticate(session, "ann", PW)
    with pytest.raises(AuthenticationError) as unknown:
        auth.authenticate(session, "nobody", PW)
    assert disabled.value.en == unknown.value.en == "wrong username or password"


def test_tokens_are_hashed_scoped_revocable_and_stamped(session: Session) -> None:
    _user(session)
    tok, secret = auth.issue_token(session, "ann", datasets=["unit_reports"], actor="admin")
    session.commit()
    stored = session.scalar(text("SELECT token_hash FROM api_tokens"))
    assert stored == hashlib.sha256(secret.encode()).hexdigest() and secret not in stored
    user, found = auth.authenticate_token(session, secret)
    session.commit()
    assert user.username == "ann" and found.id == tok.id and found.last_used_at is not None
    auth.check_token_dataset(found, "unit_reports")
    with pytest.raises(PermissionDeniedError):
        auth.check_token_dataset(found, "card_transactions")
    auth.revoke_token(session, tok.id, actor="admin")
    session.commit()
    with pytest.raises(AuthenticationError):
        auth.authenticate_token(session, secret)
    with pytest.raises(AuthenticationError):
        auth.authenticate_token(session, secret + "x")


def test_expired_token_and_disabled_user_are_refused(session: Session) -> None:
    _user(session)
    _t, old = auth.issue_token(
        session, "ann", expires_at=datetime.now(UTC) - timedelta(seconds=1), actor="admin"
    )
    _t, fresh = auth.issue_token(session, "ann", actor="admin")
    session.commit()
    with pytest.raises(AuthenticationError):
        auth.authenticate_token(session, old)
    auth.authenticate_token(session, fresh)
    auth.set_active(session, "ann", False, actor="admin")
    session.commit()
    with pytest.raises(AuthenticationError):
        auth.authenticate_token(session, fresh)


def _naive_chain(rows: list[AuditEntry]) -> list[str]:
    """Independent recomputation of the chain (oracle for audit.row_hash)."""
    prev, out = GENESIS_HASH, []
    for r in rows:
        at = r.at if r.at.tzinfo else r.at.replace(tzinfo=UTC)
        body = json.dumps(
            {
                "action": r.action,
                "actor": r.actor,
                "at": at.astimezone(UTC).isoformat(timespec="microseconds"),
                "detail": r.detail,
                "target": r.target,
            },
            sort_keys=True,
            separators=(",", ":"),
            ensure_ascii=False,
        )
        prev = hashlib.sha256((prev + body).encode()).hexdigest()
        out.append(prev)
    return out


def test_audit_chain_verifies_and_matches_an_independent_oracle(session: Session) -> None:
    for i in range(4):
        auth.record(session, "admin", "test.event", f"t{i}", {"n": i, "说明": "中文"})
    session.commit()
    rows = list(session.query(AuditEntry).order_by(AuditEntry.id))
    assert [r.hash for r in rows] == _naive_chain(rows)
    assert [r.prev_hash for r in rows] == [GENESIS_HASH, *[r.hash for r in rows[:-1]]]
    report = auth.verify_chain(session)
    assert report.ok and report.checked == 4 and report.first_broken is None
    assert report.head_hash == rows[-1].hash


def test_tampered_row_is_reported(session: Session) -> None:
    for i in range(5):
        auth.record(session, "admin", "test.event", f"t{i}", {"n": i})
    session.commit()
    ids = [r.id for r in session.query(AuditEntry).order_by(AuditEntry.id)]
    session.execute(text("UPDATE audit_log SET actor = 'mallory' WHERE id = :id"), {"id": ids[2]})
    session.commit()
    report = auth.verify_chain(session)
    assert not report.ok and report.first_broken == ids[2] and report.checked == 2


def test_deleted_row_breaks_the_chain_at_the_next_row(session: Session) -> None:
    for i in range(4):
        auth.record(session, "admin", "test.event", f"t{i}")
    session.commit()
    ids = [r.id for r in session.query(AuditEntry).order_by(AuditEntry.id)]
    session.execute(text("DELETE FROM audit_log WHERE id = :id"), {"id": ids[1]})
    session.commit()
    assert auth.verify_chain(session).first_broken == ids[2]


def test_the_chain_cannot_fork(session: Session) -> None:
    first = auth.record(session, "admin", "a")
    session.commit()
    fork = AuditEntry(
        at=datetime.now(UTC),
        actor="x",
        action="fork",
        target="",
        detail={},
        prev_hash=first.prev_hash,
        hash="0" * 64,
    )
    session.add(fork)
    with pytest.raises(IntegrityError):
        session.commit()
    session.rollback()


def test_actions_are_audited(session: Session) -> None:
    _user(session)
    auth.authenticate(session, "ann", PW)
    tok, _secret = auth.issue_token(session, "ann", actor="admin")
    auth.revoke_token(session, tok.id, actor="admin")
    auth.set_active(session, "ann", False, actor="admin")
    session.commit()
    actions = [r.action for r in session.query(AuditEntry).order_by(AuditEntry.id)]
    assert actions == ["user.create", "user.login", "token.issue", "token.revoke", "user.disable"]


def test_concurrent_writers_keep_one_chain(db_url: str) -> None:
    upgrade(db_url)
    engine = make_engine(db_url)
    factory = session_factory(engine)

    def writer(n: int) -> None:
        for i in range(8):
            with factory() as s:
                auth.record(s, f"w{n}", "test.concurrent", str(i))
                s.commit()

    try:
        with ThreadPoolExecutor(max_workers=4) as pool:
            list(pool.map(writer, range(4)))
        with factory() as s:
            report = auth.verify_chain(s)
        assert report.ok and report.checked == 32
    finally:
        engine.dispose()
