"""W7 card-cell memory: the shared card cells in one pass against hash-partitioned passes.

:func:`consumption_monitor.compute.card.card_cells` counts distinct merchants and cards per fine
cell as a ``GROUP BY`` of the distinct (cell, id) pairs, which are about as many as the
payments. The one-pass plan (``partitions=1``, the code before #17) holds all of them at once;
the partitioned plan (the default) splits the ids by ``hash(id) % N`` with ``N`` from
:func:`~consumption_monitor.compute.card.distinct_partitions` (payments and the DuckDB
``memory_limit``) and adds the partitions' counts up. Both run on the same Parquet file (the
W1 generator: 30 days, merchants with a fixed district, 商圈 and MCC) in a fresh child each,
under the same ``memory_limit`` and 2 threads; the result fingerprint (keys, counts and capped
distinct counts of every cell exactly, the spending sum rounded) must be equal. Reported per
case: seconds, peak RSS of the process and the peak size of DuckDB's spill folder (sampled
every 50 ms).
"""

from __future__ import annotations

import hashlib
import threading
import time
from pathlib import Path
from typing import Any

from benchmarks.workloads import Case

NAME = "W7"
TITLE = "card-cell memory (one pass vs hash-partitioned distinct counts)"
GOAL = ""
PEERS = {"single": "one pass (before #17)", "partitioned": "hash-partitioned (default)"}


def params(quick: bool, rows: int | None, scale: str | None = None) -> dict[str, Any]:
    sizes = [rows] if rows else [200_000] if quick else [5_000_000, 20_000_000]
    return {"sizes": sizes, "threads": 2, "memory_limit": "64MB" if quick else "4GB"}


def _sizes(p: dict[str, Any]) -> list[int]:
    return [int(n) for n in p["sizes"]]


def cases(p: dict[str, Any]) -> list[Case]:
    return [
        Case(f"{key}@{n}", f"{label}, {n / 1e6:g} M rows", str(n), reference=key == "single")
        for n in _sizes(p)
        for key, label in PEERS.items()
    ]


def prepare(p: dict[str, Any], work: Path) -> dict[str, Any]:
    from benchmarks.workloads.w1_cards import generate

    paths, sizes = {}, {}
    for n in _sizes(p):
        path = work / f"cards-{n}.parquet"
        generate(path, n)
        paths[str(n)] = str(path)
        sizes[str(n)] = round(path.stat().st_size / 1e6, 1)
    return {"_paths": paths, "file_mb": sizes}


class _SpillSampler(threading.Thread):
    """Peak total size of the files under ``folder`` (DuckDB's temp_directory)."""

    def __init__(self, folder: Path) -> None:
        super().__init__(daemon=True)
        self.folder, self.peak = folder, 0
        self._stop_event = threading.Event()

    def run(self) -> None:
        while not self._stop_event.is_set():
            total = 0
            for f in self.folder.rglob("*"):
                try:
                    total += f.stat().st_size if f.is_file() else 0
                except OSError:
                    continue
            self.peak = max(self.peak, total)
            self._stop_event.wait(0.05)

    def stop(self) -> None:
        self._stop_event.set()
        self.join(timeout=2)


def setup(case: str, p: dict[str, Any]) -> None:
    import consumption_monitor.compute.card  # noqa: F401
    from consumption_monitor.engine import connect

    connect(engine="duckdb")  # imports the Ibis DuckDB backend before the clock starts


def run(case: str, p: dict[str, Any]) -> dict[str, Any]:
    from consumption_monitor.compute.card import card_cells, distinct_partitions
    from consumption_monitor.compute.context import context
    from consumption_monitor.config import load_settings
    from consumption_monitor.engine import connect, memory_limit_bytes

    base, _, size = case.partition("@")
    n = int(size)
    data = Path(p["work"]) / f"cmon-{base}-{n}"
    settings = load_settings(
        engine="duckdb",
        data_dir=data,
        duckdb_threads=int(p["threads"]),
        duckdb_memory_limit=str(p["memory_limit"]),
    )
    con = connect(settings)
    card = con.read_parquet(p["_paths"][str(n)])
    ctx = context(settings)
    parts = 1 if base == "single" else distinct_partitions(n, memory_limit_bytes(con))
    spill = _SpillSampler(data / "tmp")
    spill.start()
    t0 = time.perf_counter()
    cells = card_cells(con, card, ctx, partitions=parts)
    seconds = time.perf_counter() - t0
    spill.stop()
    # The integer columns exactly (hashed); the float sums rounded, since DuckDB's parallel
    # sums differ in the last bits from run to run.
    keys = ["period", "region", "dim", "dim_value"]
    exact = cells.sort_values(keys, na_position="first")[[*keys, "_n", "_merchants", "_cards"]]
    digest = hashlib.sha256(exact.to_csv(index=False).encode()).hexdigest()[:16]
    return {
        "rows": n,
        "seconds": seconds,
        "check": [len(cells), int(cells["_n"].sum()), digest, round(float(cells["_sum"].sum()))],
        "extra": {"partitions": parts, "spill_mb": round(spill.peak / 1e6, 1)},
    }


def render(results: list[Any], p: dict[str, Any]) -> list[str]:
    """One row per size: both plans side by side."""
    by = {(r.case.group, r.case.key.partition("@")[0]): r for r in results}
    lines = [
        "| card rows | partitions | seconds, one pass | seconds, partitioned | × time "
        "| peak RSS MB, one pass | peak RSS MB, partitioned | spill MB, one pass "
        "| spill MB, partitioned | same cells |",
        "|---:|---:|---:|---:|---:|---:|---:|---:|---:|---|",
    ]
    for n in _sizes(p):
        one, part = by.get((str(n), "single")), by.get((str(n), "partitioned"))
        if one is None or part is None or "ok" not in (one.status, part.status):
            lines.append(f"| {n:,} | – | {'; '.join(r.status for r in (one, part) if r)} |"
                         + " – |" * 7)  # fmt: skip
            continue

        def cell(r: Any, what: str) -> str:
            if r.status != "ok":
                return r.status
            value = {"s": r.seconds, "rss": r.peak_mb, "spill": r.extra.get("spill_mb", 0)}[what]
            return f"{value:,.{2 if what == 's' else 0}f}"

        ratio = (
            f"{part.seconds / one.seconds:.2f}×"
            if one.status == part.status == "ok" and one.seconds > 0
            else "–"
        )
        same = "yes" if one.check == part.check else "**DIFFERS**"
        lines.append(
            f"| {n:,} | {part.extra.get('partitions', '?')} | {cell(one, 's')} | "
            f"{cell(part, 's')} | {ratio} | {cell(one, 'rss')} | {cell(part, 'rss')} | "
            f"{cell(one, 'spill')} | {cell(part, 'spill')} | {same} |"
        )
    return lines


def notes(results: list[Any], p: dict[str, Any]) -> list[str]:
    mb = p.get("file_mb", {})
    files = ", ".join(f"{int(n):,} rows {v} MB" for n, v in mb.items())
    return [
        f"Input: Parquet (zstd), {files}; generated in {p.get('prepare_seconds', '?')} s. "
        f"DuckDB `memory_limit` {p.get('memory_limit')}, 2 threads, spill to the case's own "
        "`data_dir/tmp`. *partitions* is what `distinct_partitions` chose for that size and "
        "limit (the one-pass case always uses 1). *seconds* covers the whole `card_cells` "
        "(sums, both distinct counts, the exact pass for straddling cells, the pandas rollups); "
        "each partition adds one scan of the payments per id column."
    ]
