"""Child entry point: run one step of one workload and print its measurement as JSON.

    python -m benchmarks.workloads W1 run duckdb_sql '{"rows": 1000000, ...}' [--profile]
    python -m benchmarks.workloads W1 prepare - '{"rows": ..., "work": "/tmp/..."}'

The last line of stdout is ``{"status": "ok", "seconds": ..., "peak_mb": ..., ...}``.
``seconds`` is the step's own time, after the workload's optional ``setup(case, params)`` (imports,
session start-up); the parent also times the whole process.
``peak_mb`` is the larger of this process's ``ru_maxrss`` and the peak summed RSS of this
process and all its descendants sampled every 50 ms (a Spark JVM is a grandchild of the
harness, so ``ru_maxrss`` alone would miss it).
"""

from __future__ import annotations

import cProfile
import io
import json
import pstats
import resource
import sys
import threading
import time
import traceback
from pathlib import Path
from typing import Any

from benchmarks.workloads import load

PROC = Path("/proc")


def _tree_rss_kb(root: int) -> int:
    """Summed VmRSS (kB) of ``root`` and its descendants, from /proc (0 off Linux)."""
    children: dict[int, list[int]] = {}
    rss: dict[int, int] = {}
    for entry in PROC.glob("[0-9]*"):
        try:
            text = (entry / "status").read_text()
        except OSError:
            continue
        pid, ppid, kb = int(entry.name), 0, 0
        for line in text.splitlines():
            if line.startswith("PPid:"):
                ppid = int(line.split()[1])
            elif line.startswith("VmRSS:"):
                kb = int(line.split()[1])
        children.setdefault(ppid, []).append(pid)
        rss[pid] = kb
    total, stack = 0, [root]
    while stack:
        pid = stack.pop()
        total += rss.get(pid, 0)
        stack.extend(children.get(pid, []))
    return total


class TreeSampler(threading.Thread):
    """Background thread keeping the peak summed RSS of this process tree."""

    def __init__(self, pid: int, every: float = 0.05) -> None:
        super().__init__(daemon=True)
        self.pid, self.every, self.peak_kb = pid, every, 0
        self._stop_event = threading.Event()

    def run(self) -> None:
        while not self._stop_event.is_set():
            self.peak_kb = max(self.peak_kb, _tree_rss_kb(self.pid))
            self._stop_event.wait(self.every)

    def stop(self) -> None:
        self._stop_event.set()
        self.join(timeout=2)


def _top_functions(profile: cProfile.Profile, limit: int = 15) -> str:
    out = io.StringIO()
    stats = pstats.Stats(profile, stream=out)
    stats.sort_stats("cumulative").print_stats(limit)
    lines = [ln for ln in out.getvalue().splitlines() if ln.strip()]
    start = next((i for i, ln in enumerate(lines) if "ncalls" in ln), 0)
    return "\n".join(lines[start:])


def main(argv: list[str]) -> int:
    import os

    name, step, case, raw = argv[:4]
    profile = "--profile" in argv[4:]
    params: dict[str, Any] = json.loads(raw)
    module = load(name)
    sampler = TreeSampler(os.getpid())
    sampler.start()
    prof = cProfile.Profile() if profile else None
    setup = getattr(module, "setup", None)
    try:
        if setup is not None and step == "run":
            # Imports and session start-up, outside the timed work (the parent's process
            # seconds still include them).
            setup(case, params)
    except Exception as exc:  # reported like a failed case
        print(json.dumps({"status": "failed", "error": f"setup: {type(exc).__name__}: {exc}"}))
        return 0
    t0 = time.perf_counter()
    try:
        if step == "prepare":
            metrics = module.prepare(params, Path(params["work"]))
        else:
            if prof is not None:
                prof.enable()
            metrics = module.run(case, params)
            if prof is not None:
                prof.disable()
        status = "ok"
    except Exception as exc:  # a failed case is reported, not fatal to the harness
        metrics = {"error": f"{type(exc).__name__}: {exc}"[:500]}
        status = "failed"
        traceback.print_exc()
    seconds = time.perf_counter() - t0
    sampler.stop()
    self_kb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    kids_kb = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
    result = {
        "status": metrics.pop("status", status),
        "seconds": metrics.pop("seconds", seconds),
        "peak_mb": max(self_kb, kids_kb, sampler.peak_kb) / 1024,
        **metrics,
    }
    if prof is not None:
        result["profile"] = _top_functions(prof)
    sys.stdout.flush()
    print(json.dumps(result, default=str))
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
