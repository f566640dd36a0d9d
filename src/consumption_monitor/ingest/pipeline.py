"""Run the stages of a load side by side: a producer thread feeding a small bounded queue.

Reading (the CSV parser, Parquet decoding), validation (``pyarrow.compute`` kernels) and the
store's Parquet encoding all release the GIL while they work, so running each stage in its own
thread lets a load use more than one core while memory stays bounded: at most ``depth`` items
wait between two stages.
"""

from __future__ import annotations

import queue
import threading
from collections.abc import Iterator
from typing import TypeVar

T = TypeVar("T")

#: Items that may wait between two stages (each is one CSV block or record batch).
DEPTH = 2
_POLL_SECONDS = 0.1


class _Done:
    """Marks the end of the producer's items."""


def prefetch(items: Iterator[T], *, depth: int = DEPTH, name: str = "cmon-prefetch") -> Iterator[T]:
    """Iterate ``items`` in a background thread, yielding them here in the same order.

    An exception raised by ``items`` is re-raised here, after the items produced before it.
    When the consumer stops early (an error downstream, ``close()``), the producer stops after
    its current item and ``items`` is closed in its own thread, so its ``finally`` blocks run.

    >>> list(prefetch(iter(range(5))))
    [0, 1, 2, 3, 4]
    """
    slots: queue.Queue[tuple[T | _Done | None, BaseException | None]] = queue.Queue(maxsize=depth)
    stop = threading.Event()

    def put(entry: tuple[T | _Done | None, BaseException | None]) -> bool:
        while not stop.is_set():
            try:
                slots.put(entry, timeout=_POLL_SECONDS)
            except queue.Full:
                continue
            return True
        return False

    def run() -> None:
        try:
            for item in items:
                if not put((item, None)):
                    return
            put((_Done(), None))
        except BaseException as exc:  # handed to the consumer and re-raised there
            put((None, exc))
        finally:
            close = getattr(items, "close", None)
            if close is not None:
                close()

    worker = threading.Thread(target=run, name=name, daemon=True)
    worker.start()
    try:
        while True:
            item, exc = slots.get()
            if exc is not None:
                raise exc
            if isinstance(item, _Done):
                return
            yield item  # type: ignore[misc]
    finally:
        stop.set()
        worker.join()
