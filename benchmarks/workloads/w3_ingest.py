"""W3 ingest: CSV and Parquet card files with every validation check, against bare DuckDB.

Reuses ``benchmarks/ingest_bench.py`` (the ingestion helper's script): its ``generate`` writes
the files (Chinese headers, as a provider sends them) and its ``child`` does one load. Peers
per format: DuckDB ``CREATE TABLE AS`` (no checks, the reference), DuckDB ``COPY … TO``
Parquet (no checks, also writes Parquet) and ``cmon ingest`` (read, normalise, validate,
duplicate-key search, lake write, manifest commit).
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from benchmarks.harness import Result
from benchmarks.workloads import Case

NAME = "W3"
TITLE = "ingest"
GOAL = "cmon ingest within 1.5× of DuckDB CREATE TABLE AS (ingest_bench.py's goal)"
PROFILE_CASES = ("cmon:csv", "cmon:parquet")
MODES = {
    "duckdb-ctas": "DuckDB CREATE TABLE AS (no checks)",
    "duckdb-copy": "DuckDB COPY TO Parquet (no checks)",
    "cmon": "cmon ingest (validated, lake + manifest)",
}


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
        Case(f"{mode}:{fmt}", f"{fmt}: {label}", fmt, reference=mode == "duckdb-ctas")
        for fmt in ("csv", "parquet")
        for mode, label in MODES.items()
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
        ref, cmon = by.get(f"duckdb-ctas:{fmt}"), by.get(f"cmon:{fmt}")
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
                f"({write / total:.0%}){wait} (reading, normalising and validating run in a "
                "prefetch thread); the rest is splitting rows by period partition "
                "(`pyarrow.compute.take`) and encoding Parquet (`write_table`). DuckDB's "
                "`CREATE TABLE AS` keeps the rows in memory and writes nothing; the fair peer "
                "for the write is `COPY … TO` Parquet. Levers for the ingest and store owners: "
                "fewer, larger `write_table` calls per partition file, splitting rows by "
                "period with one sort per chunk instead of a `take` per partition, and a "
                "faster read/validate step where the writer waits for it."
            )
    return out


def notes(results: list[Result], p: dict[str, Any]) -> list[str]:
    why = _why(results) if goal_met(results) is False else []
    return [
        *why,
        *([""] if why else []),
        f"Input: {p['rows']:,} rows; CSV {p.get('csv_mb', '?')} MB, Parquet "
        f"{p.get('parquet_mb', '?')} MB (generated in {p.get('prepare_seconds', '?')} s). "
        "*seconds* is the load as timed by `ingest_bench.child` (DuckDB cases exclude the final "
        "row count).",
    ]
