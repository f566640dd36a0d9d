"""Append-only audit log with a hash chain.

Each row stores ``prev_hash`` (the previous row's hash; 64 zeros for the first row) and
``hash = sha256(prev_hash + canonical JSON of the row)``, where the canonical JSON holds the
row's time (UTC, microseconds), actor, action, target and detail, keys sorted, no spaces.
Changing, deleting or reordering any row breaks the chain at that row or the next one, and
:func:`verify_chain` names the first broken row. Deleting the newest rows is only detectable
against a head hash recorded elsewhere (``cmon audit verify`` prints it): see docs/security.md.
"""

from __future__ import annotations

import hashlib
import json
import random
import time
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from consumption_monitor.auth.models import AuditEntry, as_utc, utcnow
from consumption_monitor.errors import ConflictError

GENESIS_HASH = "0" * 64

#: Attempts to append when other writers keep taking the head of the chain first; between
#: attempts the writer backs off a random few milliseconds (growing with the attempt).
_APPEND_RETRIES = 40


def canonical_json(at: datetime, actor: str, action: str, target: str, detail: Any) -> str:
    """The exact text hashed for one row.

    >>> from datetime import datetime, UTC
    >>> canonical_json(datetime(2026, 1, 2, 3, 4, 5, tzinfo=UTC), "ann", "login", "", {"b": 1})
    '{"action":"login","actor":"ann","at":"2026-01-02T03:04:05.000000+00:00","detail":{"b":1},"target":""}'
    """
    return json.dumps(
        {
            "at": as_utc(at).isoformat(timespec="microseconds"),
            "actor": actor,
            "action": action,
            "target": target,
            "detail": detail,
        },
        sort_keys=True,
        separators=(",", ":"),
        ensure_ascii=False,
    )


def row_hash(prev_hash: str, entry: AuditEntry) -> str:
    """``sha256(prev_hash + canonical JSON)`` of a stored row, hex."""
    text = canonical_json(entry.at, entry.actor, entry.action, entry.target, entry.detail)
    return hashlib.sha256((prev_hash + text).encode("utf-8")).hexdigest()


def _head(session: Session) -> str:
    last = session.scalars(select(AuditEntry).order_by(AuditEntry.id.desc()).limit(1)).first()
    return last.hash if last is not None else GENESIS_HASH


def record(
    session: Session,
    actor: str,
    action: str,
    target: str = "",
    detail: dict[str, Any] | None = None,
) -> AuditEntry:
    """Append one row in the caller's transaction and return it (flushed, with its id).

    The append runs in a savepoint; if a concurrent writer appended first (unique
    ``prev_hash``), it is retried on the new head. ``detail`` must be JSON-serialisable.
    """
    detail = dict(detail or {})
    for attempt in range(_APPEND_RETRIES):
        prev = _head(session)
        entry = AuditEntry(
            at=utcnow(),
            actor=actor,
            action=action,
            target=target,
            detail=detail,
            prev_hash=prev,
        )
        entry.hash = row_hash(prev, entry)
        try:
            with session.begin_nested():
                session.add(entry)
        except IntegrityError:
            time.sleep(random.uniform(0, 0.002 * (attempt + 1)))  # noqa: S311 - jitter only
            continue
        return entry
    raise ConflictError(
        "the audit log is busy: could not append after several attempts",
        "审计日志繁忙：多次尝试后仍无法写入",
        hint_en="retry the operation",
        hint_zh="请重试该操作",
    )


@dataclass(frozen=True)
class ChainReport:
    """Result of :func:`verify_chain`: ``first_broken`` is ``None`` when the chain is whole."""

    ok: bool
    checked: int
    first_broken: int | None
    head_hash: str


def verify_chain(session: Session, *, batch: int = 1000) -> ChainReport:
    """Recompute every hash in id order; report the first row whose stored ``prev_hash`` or
    ``hash`` does not match. An empty log is whole (head = 64 zeros).

    Rows are read as plain columns, never from the session's identity map, so a row changed
    behind the ORM's back is seen as stored.
    """
    t = AuditEntry.__table__
    prev = GENESIS_HASH
    checked = 0
    last_id = 0
    while True:
        rows = session.execute(
            select(
                t.c.id,
                t.c.at,
                t.c.actor,
                t.c.action,
                t.c.target,
                t.c.detail,
                t.c.prev_hash,
                t.c.hash,
            )
            .where(t.c.id > last_id)
            .order_by(t.c.id)
            .limit(batch)
        ).all()
        if not rows:
            return ChainReport(ok=True, checked=checked, first_broken=None, head_hash=prev)
        for row in rows:
            text = canonical_json(row.at, row.actor, row.action, row.target, row.detail)
            expected = hashlib.sha256((prev + text).encode("utf-8")).hexdigest()
            if row.prev_hash != prev or row.hash != expected:
                return ChainReport(ok=False, checked=checked, first_broken=row.id, head_hash=prev)
            prev = row.hash
            checked += 1
            last_id = row.id


def list_entries(session: Session, *, limit: int = 100, offset: int = 0) -> list[AuditEntry]:
    """Newest rows first."""
    return list(
        session.scalars(
            select(AuditEntry).order_by(AuditEntry.id.desc()).limit(limit).offset(offset)
        ).all()
    )
