"""Single-flight memo for what the pages compute on request.

A page that needs every target's judgement, the evaluation or the chain bundle asks
:func:`memo` with a key that names everything the value depends on (the data directory, the
stored result file, the principal's scope where the value is filtered). The first request
computes it; requests that arrive while it is being computed wait for that one computation
instead of repeating it (single flight); later requests reuse it until ``ttl`` seconds have
passed or the key changes (a new computation is a new result file, hence a new key).

A computation that raises is not stored: every waiting request sees the error and the next
one tries again.
"""

from __future__ import annotations

import threading
import time
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
_GUARD = threading.Lock()
#: Computations actually run, per key (tests and the benchmark read it).
RUNS: dict[Hashable, int] = {}


def _entry(key: Hashable) -> _Entry:
    with _GUARD:
        entry = _ENTRIES.get(key)
        if entry is None:
            if len(_ENTRIES) >= MAX_ENTRIES:
                _ENTRIES.pop(next(iter(_ENTRIES)))
            entry = _ENTRIES[key] = _Entry()
        return entry


def memo(key: Hashable, make: Callable[[], T], ttl: float | None = None) -> T:
    """``make()``'s value for ``key``, computed once per ``ttl`` seconds (``None``: until the
    key changes), with concurrent callers of the same key sharing one computation."""
    entry = _entry(key)
    now = time.monotonic()
    if entry.filled and (ttl is None or now - entry.stamp < ttl):
        value: T = entry.value
        return value
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


def clear() -> None:
    """Forget every memoised value (tests; a changed data directory)."""
    with _GUARD:
        _ENTRIES.clear()
        RUNS.clear()
