"""W3 ingest: CSV and Parquet card files with every validation check, against bare DuckDB.

Reuses ``benchmarks/ingest_bench.py``: its ``generate`` writes the files (Chinese headers, as
a provider sends them) and its ``child`` does one load. Peers per format are the bare DuckDB
loads of ``ingest_bench.PEERS`` (no checks): ``CREATE TABLE AS`` in memory, ``CREATE TABLE AS``
into a database file, ``COPY … TO`` one Parquet file, and ``COPY … TO`` Parquet partitioned by
month, the reference: it writes what cmon writes, so the ratio is the price of validation.
``cmon ingest`` reads, normalises, validates, searches duplicate keys, writes the lake and
commits the manifest.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from benchmarks.harness import Result
from benchmarks.workloads import Case

NAME = "W3"
TITLE = "ingest"
GOAL = (
    "cmon ingest within 1.5× of the bare DuckDB load into the same layout "
    "(COPY to Parquet partitioned by month)"
)
PROFILE_CASES = ("cmon:csv", "cmon:parquet")
REFERENCE = "duckdb-copy-partitioned"


def _modes() -> dict[str, str]:
    from benchmarks.ingest_bench import PEERS

    return {**PEERS, "cmon": "cmon ingest (validated, lake + manifest)"}


def params(quick: bool, rows: int | None, scale: str | None = None) -> dict[str, Any]:
    return {"rows": rows or (100_000 if quick else 10_000_000)}


def prepare(p: dict[str, Any], work: Path) -> dict[str, Any]:
    from benchmarks.ingest_bench import generate

    csv_path, pq_path = generate(work, int(p["rows"]))
    return {
        "csv": str(csv_path),
        "parquet": str(pq_path),
        "csv_mb": round(csv_path.stat().st_size / 1e6, 1),
        "parquet_mb": round(pq_path.stat().st_size / 1e6, 1),
    }


def cases(p: dict[str, Any]) -> list[Case]:
    return [
        Case(f"{mode}:{fmt}", f"{fmt}: {label}", fmt, reference=mode == REFERENCE)
        for fmt in ("csv", "parquet")
        for mode, label in _modes().items()
    ]


def setup(case: str, p: dict[str, Any]) -> None:
    mode = case.split(":", maxsplit=1)[0]
    if mode == "cmon":
        import consumption_monitor.ingest
        import consumption_monitor.store  # noqa: F401
    else:
        import duckdb  # noqa: F401


def run(case: str, p: dict[str, Any]) -> dict[str, Any]:
    from benchmarks.ingest_bench import child

    mode, fmt = case.split(":")
    work = Path(p["work"]) / f"run-{mode}"
    work.mkdir(parents=True, exist_ok=True)
    out = child(mode, Path(p[fmt]), work)
    return {"rows": int(out["rows"]), "check": int(out["rows"]), "seconds": out["seconds"]}


def goal_met(results: list[Result]) -> bool | None:
    by = {r.case.key: r for r in results if r.status == "ok"}
    verdicts = []
    for fmt in ("csv", "parquet"):
        ref, cmon = by.get(f"{REFERENCE}:{fmt}"), by.get(f"cmon:{fmt}")
        if ref is not None and cmon is not None:
            verdicts.append(cmon.seconds <= 1.5 * ref.seconds)
    return all(verdicts) if verdicts else None


def _cumtime(profile: str, function: str) -> float | None:
    """Cumulative seconds of ``function`` in a cProfile listing (None when absent)."""
    for line in profile.splitlines():
        if line.rstrip().endswith(f"({function})"):
            return float(line.split()[3])
    return None


def _why(results: list[Result]) -> list[str]:
    out: list[str] = []
    for r in results:
        total, write = _cumtime(r.profile, "ingest"), _cumtime(r.profile, "write_batch")
        waited = _cumtime(r.profile, "prefetch")
        if total and write is not None:
            wait = f", {waited:.1f} s of it waiting for the reader" if waited else ""
            out += [""] if out else []
            out.append(
                f"**Why the goal was missed ({r.case.group}).** In the profile below, "
                f"`ingest` took {total:.1f} s. `Store.write_batch` spans {write:.1f} s "
                f"({write / total:.0%}){wait}: reading, normalising and validating run in a "
                "prefetch thread, the partition split in the main thread and the Parquet "
                "encoding in a pool of two threads, so on two cores the load is bound by its "
                "total CPU time (the *CPU s* column of `ingest_bench.py`)."
            )
    return out


def _against_ctas(results: list[Result]) -> list[str]:
    by = {r.case.key: r for r in results if r.status == "ok"}
    out = []
    for fmt in ("csv", "parquet"):
        ctas, cmon = by.get(f"duckdb-ctas:{fmt}"), by.get(f"cmon:{fmt}")
        if ctas is not None and cmon is not None:
            out.append(f"{fmt} {cmon.seconds / ctas.seconds:.2f}×")
    if not out:
        return []
    return [
        "Against DuckDB's in-memory `CREATE TABLE AS`, which parses the file and stores "
        "nothing (no Parquet encoding, no file), cmon takes " + ", ".join(out) + ". That peer "
        "is the floor of reading alone; the reference is the load that also writes the same "
        "partitioned Parquet, so its ratio is what validation costs."
    ]


def notes(results: list[Result], p: dict[str, Any]) -> list[str]:
    why = _why(results) if goal_met(results) is False else []
    return [
        *why,
        *([""] if why else []),
        *_against_ctas(results),
        "",
        f"Input: {p['rows']:,} rows; CSV {p.get('csv_mb', '?')} MB, Parquet "
        f"{p.get('parquet_mb', '?')} MB (generated in {p.get('prepare_seconds', '?')} s). "
        "*seconds* is the load as timed by `ingest_bench.child`: imports, and for cmon a "
        "migrated manifest, are ready before the clock starts; DuckDB cases exclude the final "
        "row count.",
    ]
