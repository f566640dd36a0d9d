"""Bounded pool for Argon2 checks (#21 item 8): memory cannot grow with concurrent sign-ins."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from datetime import timedelta

import pytest
from argon2 import PasswordHasher
from sqlalchemy.orm import Session

from consumption_monitor import auth
from consumption_monitor.auth import passwords
from consumption_monitor.auth.models import utcnow
from consumption_monitor.auth.passwords import PasswordCheckBusyError
from consumption_monitor.config import Settings
from consumption_monitor.errors import AuthenticationError
from consumption_monitor.store.db import make_engine, session_factory, upgrade
from consumption_monitor.web.app import create_app

PW = "correct horse battery"


class InFlightHasher(PasswordHasher):
    """Real Argon2id that records the most verifications running at the same moment."""

    def __init__(self) -> None:
        super().__init__(time_cost=1, memory_cost=1024, parallelism=1)
        self.lock = threading.Lock()
        self.running = self.peak = self.calls = 0

    def verify(self, hash: str | bytes, password: str | bytes) -> bool:
        with self.lock:
            self.running += 1
            self.calls += 1
            self.peak = max(self.peak, self.running)
        try:
            return super().verify(hash, password)
        finally:
            with self.lock:
                self.running -= 1


@pytest.fixture
def hasher(monkeypatch: pytest.MonkeyPatch) -> Iterator[InFlightHasher]:
    h = InFlightHasher()
    monkeypatch.setattr(passwords, "_hasher", h)
    passwords._dummy_hash.cache_clear()
    yield h
    passwords.configure_pool(4)


def test_concurrent_checks_never_exceed_the_slots(hasher: InFlightHasher) -> None:
    passwords.configure_pool(2, wait=60)
    stored = PasswordHasher(time_cost=1, memory_cost=1024, parallelism=1).hash(PW)
    with ThreadPoolExecutor(max_workers=12) as pool:
        results = list(pool.map(lambda i: passwords.verify_password(stored, f"g{i}"), range(48)))
    assert hasher.calls == 48 and not any(results)
    assert hasher.peak <= 2  # the old code ran all 12 at once (12 × 64 MiB in production)


def test_a_full_pool_refuses_with_503_instead_of_queueing(hasher: InFlightHasher) -> None:
    passwords.configure_pool(1, wait=0)
    stored = PasswordHasher(time_cost=1, memory_cost=1024, parallelism=1).hash(PW)
    assert passwords._pool.semaphore.acquire(timeout=1)  # another sign-in holds the only slot
    try:
        with pytest.raises(PasswordCheckBusyError) as info:
            passwords.verify_password(stored, PW)
        assert info.value.http_status == 503 and hasher.calls == 0
    finally:
        passwords._pool.semaphore.release()
    assert passwords.verify_password(stored, PW)


def test_throttled_sign_ins_refuse_before_taking_a_slot(
    db_url: str, hasher: InFlightHasher
) -> None:
    upgrade(db_url)
    engine = make_engine(db_url)
    session: Session = session_factory(engine)()
    try:
        auth.create_user(session, username="ann", password=PW, role="viewer")
        session.commit()
        now = utcnow()
        for _ in range(5):
            with pytest.raises(AuthenticationError):
                auth.authenticate(session, "ann", "wrong!", client="192.0.2.7", now=now)
            session.commit()
        passwords.configure_pool(1, wait=0)
        assert passwords._pool.semaphore.acquire(timeout=1)  # no slot free at all
        try:
            with pytest.raises(AuthenticationError, match="try again in"):
                auth.authenticate(session, "ann", PW, client="192.0.2.7", now=now)
        finally:
            passwords._pool.semaphore.release()
        later = now + timedelta(seconds=61)
        assert auth.authenticate(session, "ann", PW, client="192.0.2.7", now=later).username
    finally:
        session.close()
        engine.dispose()


def test_the_app_sizes_the_pool_from_settings(settings: Settings) -> None:
    app = create_app(settings.model_copy(update={"password_check_slots": 3}))
    app.state.cmon.engine.dispose()
    assert passwords._pool.slots == 3
    passwords.configure_pool(4)
