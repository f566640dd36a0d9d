"""Single-flight memo for what the pages compute on request.

A page that needs every target's judgement, the evaluation or the chain bundle asks
:func:`memo` with a key that names everything the value depends on (the data directory, the
stored result file, the principal's scope where the value is filtered). The first request
computes it; requests that arrive while it is being computed wait for that one computation
instead of repeating it (single flight); later requests reuse it until ``ttl`` seconds have
passed or the key changes (a new computation is a new result file, hence a new key).

A computation that raises is not stored: every waiting request sees the error and the next
one tries again.

With ``stale=True`` an expired value is still returned at once while one background thread
computes its successor (stale-while-revalidate): nobody waits for the recomputation after a
quiet minute. A changed key is never served stale: the first request after a new computation
waits for the new value.
"""

from __future__ import annotations

import threading
import time
import weakref
from collections.abc import Callable, Hashable
from dataclasses import dataclass, field
from typing import Any, TypeVar

T = TypeVar("T")

#: Keys kept at most (the oldest entry goes first): a few data directories × pages × scopes.
MAX_ENTRIES = 256


@dataclass
class _Entry:
    lock: threading.Lock = field(default_factory=threading.Lock)
    stamp: float = -1.0
    value: Any = None
    filled: bool = False


_ENTRIES: dict[Hashable, _Entry] = {}
#: Guards the two tables. Re-entrant: dropping a memoised value can free a bundle whose
#: derived values are then forgotten by a weakref callback in the same thread.
_GUARD = threading.RLock()
#: Computations actually run, per key (tests and the benchmark read it).
RUNS: dict[Hashable, int] = {}


def _entry(key: Hashable) -> _Entry:
    evicted: _Entry | None = None
    with _GUARD:
        entry = _ENTRIES.get(key)
        if entry is None:
            if len(_ENTRIES) >= MAX_ENTRIES:
                evicted = _ENTRIES.pop(next(iter(_ENTRIES)))
            entry = _ENTRIES[key] = _Entry()
    del evicted  # the oldest value is freed here, outside the lock
    return entry


def _refresh(key: Hashable, entry: _Entry, make: Callable[[], Any]) -> None:
    try:
        value = make()
    except Exception:  # the stale value stays; the next expiry tries again
        entry.stamp = time.monotonic()
    else:
        RUNS[key] = RUNS.get(key, 0) + 1
        entry.value, entry.stamp = value, time.monotonic()
    finally:
        entry.lock.release()


def memo(
    key: Hashable, make: Callable[[], T], ttl: float | None = None, *, stale: bool = False
) -> T:
    """``make()``'s value for ``key``, computed once per ``ttl`` seconds (``None``: until the
    key changes), with concurrent callers of the same key sharing one computation; with
    ``stale`` an expired value is served while it is recomputed in the background."""
    entry = _entry(key)
    now = time.monotonic()
    if entry.filled and (ttl is None or now - entry.stamp < ttl):
        value: T = entry.value
        return value
    if stale and entry.filled:
        if entry.lock.acquire(blocking=False):
            thread = threading.Thread(
                target=_refresh, args=(key, entry, make), name="cmon-memo-refresh", daemon=True
            )
            thread.start()
        old: T = entry.value
        return old
    with entry.lock:
        # Another caller may have filled it while this one waited for the lock.
        now = time.monotonic()
        if entry.filled and (ttl is None or now - entry.stamp < ttl):
            kept: T = entry.value
            return kept
        value = make()
        RUNS[key] = RUNS.get(key, 0) + 1
        entry.value, entry.stamp, entry.filled = value, time.monotonic(), True
        return value


_DERIVED: dict[tuple[int, str], tuple[weakref.ref[Any], Any]] = {}


def derived(source: object, name: str, make: Callable[[], T]) -> T:
    """``make()`` computed once per live ``source`` object (e.g. a memoised chain bundle):
    values derived from a memoised input live exactly as long as that input. Concurrent
    first callers may both compute; the result is the same."""
    key = (id(source), name)
    with _GUARD:
        hit = _DERIVED.get(key)
        if hit is not None and hit[0]() is source:
            kept: T = hit[1]
            return kept
    value = make()

    def forget(_: object, key: tuple[int, str] = key) -> None:
        # May run inside garbage collection, in any thread, even one holding _GUARD: a
        # single dict operation, no lock.
        _DERIVED.pop(key, None)

    with _GUARD:
        _DERIVED[key] = (weakref.ref(source, forget), value)
    return value


def clear() -> None:
    """Forget every memoised value (tests; a changed data directory)."""
    with _GUARD:
        dropped = list(_ENTRIES.values()), list(_DERIVED.values())
        _ENTRIES.clear()
        RUNS.clear()
        _DERIVED.clear()
    del dropped  # values are freed here, outside the lock (their callbacks may run)
