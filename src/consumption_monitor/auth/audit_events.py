"""Audit rows written outside a request's own transaction: CLI loads and reverts, and
permission denials, which are rate-limited in the log but always counted.

A denial is raised inside a request whose transaction is rolled back, so its row is written in
a transaction of its own. An attacker probing routes must not be able to flood the hash chain:
per (actor, action, target) key at most one row is written per ``DENIAL_INTERVAL``; the denials
in between are counted in memory and the next row of the key carries them as ``suppressed``, so
``sum(1 + suppressed)`` over the rows is the number of denials (up to those still pending in
memory, which :func:`pending_denials` reports).
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from typing import Any

from sqlalchemy.orm import Session, sessionmaker

from consumption_monitor.auth.audit import record

#: Seconds between two audit rows of the same denial key.
DENIAL_INTERVAL = 60.0

_lock = threading.Lock()
_last_written: dict[tuple[str, str, str], float] = {}
_suppressed: dict[tuple[str, str, str], int] = {}


def append(url: str, actor: str, action: str, target: str, detail: dict[str, Any]) -> None:
    """Append one row to the audit log of the metadata database at ``url`` (own transaction)."""
    from consumption_monitor.store.db import make_engine, session_factory, transaction, upgrade

    upgrade(url)  # a no-op when up to date; a fresh data folder gets its audit table
    engine = make_engine(url)
    try:
        with transaction(session_factory(engine)) as session:
            record(session, actor, action, target, detail)
    finally:
        engine.dispose()


def record_denial(
    sessions: sessionmaker[Session],
    actor: str,
    action: str,
    target: str,
    detail: dict[str, Any] | None = None,
    *,
    clock: Callable[[], float] = time.monotonic,
) -> bool:
    """Count one permission denial; write an ``access.denied`` row unless one of the same key
    was written less than ``DENIAL_INTERVAL`` ago. Returns whether a row was written."""
    key = (actor[:64], action, target[:256])
    now = clock()
    with _lock:
        last = _last_written.get(key)
        if last is not None and now - last < DENIAL_INTERVAL:
            _suppressed[key] = _suppressed.get(key, 0) + 1
            return False
        suppressed = _suppressed.pop(key, 0)
        _last_written[key] = now
    row = {"permission": action, "suppressed": suppressed, **(detail or {})}
    session = sessions()
    try:
        record(session, key[0], "access.denied", key[2], row)
        session.commit()
    except Exception:
        session.rollback()
        with _lock:  # keep the count: the next row carries it
            _suppressed[key] = _suppressed.get(key, 0) + suppressed + 1
        raise
    finally:
        session.close()
    return True


def pending_denials() -> int:
    """Denials counted in memory and not yet carried by an audit row."""
    with _lock:
        return sum(_suppressed.values())


def reset_denials() -> None:
    """Forget the in-memory rate-limit state (tests)."""
    with _lock:
        _last_written.clear()
        _suppressed.clear()
