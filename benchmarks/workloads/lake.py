"""A simulated lake for the refresh, target and API workloads: simulate → ingest → compute.

``build_lake`` runs the seeded simulator at one of its scales, ingests every file it wrote as
one batch each (with the vintage ``files.json`` gives it), optionally holds back the newest
card-payment file as "the next batch", and optionally computes and stores the indicator table.
A lake built once is reused from ``work/lake-info.json`` when the harness is given the same
``--work`` folder with ``--keep`` (building the ``large`` lake takes several minutes).
"""

from __future__ import annotations

import json
import time
from pathlib import Path
from typing import Any

#: Simulated range: fixed so runs are comparable (the card window is its last months).
START, END = "2019-01", "2026-09"


def build_lake(
    scale: str, work: Path, *, hold_back: bool = False, compute: bool = False
) -> dict[str, Any]:
    """Simulate ``scale`` into ``work/sim`` and load it into ``work/data``; timings included."""
    saved = work / "lake-info.json"
    if saved.is_file():
        cached: dict[str, Any] = json.loads(saved.read_text(encoding="utf-8"))
        computed = "indicator_rows" in cached
        if cached.get("hold_back") == hold_back and (computed or not compute):
            return {**cached, "reused": True}
    from consumption_monitor.config import load_settings
    from consumption_monitor.ingest import ingest
    from consumption_monitor.simulate import simulate

    sim, data = work / "sim", work / "data"
    t0 = time.perf_counter()
    result = simulate(sim, scale, 0, START, END)
    t1 = time.perf_counter()
    manifest = json.loads(result.manifest_path.read_text(encoding="utf-8"))["datasets"]
    settings = load_settings(data_dir=data)
    held: dict[str, Any] = {}
    cards = sorted(manifest.get("card_transactions", []), key=lambda e: (e["vintage"], e["path"]))
    if hold_back and cards:
        last = cards[-1]
        held = {"held_path": str(sim / last["path"]), "held_vintage": last["vintage"],
                "held_rows": int(last["rows"])}  # fmt: skip
    rows = 0
    for dataset, entries in manifest.items():
        for entry in entries:
            path = sim / entry["path"]
            if held and str(path) == held["held_path"]:
                continue
            loaded = ingest([path], dataset, vintage=entry["vintage"], settings=settings)
            rows += loaded.rows_loaded
    t2 = time.perf_counter()
    info: dict[str, Any] = {
        "data_dir": str(data),
        "lake_rows": rows,
        "simulate_seconds": round(t1 - t0, 1),
        "ingest_seconds": round(t2 - t1, 1),
        **held,
    }
    if compute:
        from consumption_monitor.compute import compute as run_compute
        from consumption_monitor.compute import write_result

        out = run_compute(settings)
        write_result(settings, out)
        info["indicator_rows"] = len(out.table)
        info["compute_seconds"] = round(time.perf_counter() - t2, 1)
    saved.write_text(json.dumps({**info, "hold_back": hold_back}), encoding="utf-8")
    return info
