"""W2 indicator refresh: the whole suite from a simulated lake, then refreshed after one batch.

``full``: ``compute.compute(settings)`` + ``compute.write_result`` over the lake (every
indicator, every rollup, post steps, Parquet write): the stored result the refresh starts from.
``after_batch``: ingest the newest card-payment file (held back when the lake was built) and
refresh incrementally (``compute(settings, incremental=True)``): only the indicators and periods
the batch touches are recomputed, from only the partitions they need, and merged with the stored
result. ``after_batch_full`` (the reference): the same lake recomputed in full; its result
fingerprint must equal the incremental one. ``full_spark`` (only with ``CMON_BENCH_SPARK=1``,
it takes long on large lakes): the same full refresh on Spark ``local[2]``, on the same lake
as the reference, so its fingerprint must equal it too (driver memory from
``CMON_SPARK_DRIVER_MEMORY``, default 8g here).

A lake reused from an earlier run (``--work`` with ``--keep``) already holds the held-back
batch; the ``full`` case reverts it first, so every run starts from the same visible state.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

from benchmarks.harness import Result, default_table
from benchmarks.workloads import Case
from benchmarks.workloads.lake import build_lake

NAME = "W2"
TITLE = "indicator refresh: full and incremental"
GOAL = (
    "the refresh after one batch runs incrementally, equals the full refresh and reads at most "
    "half of its lake rows (proportional to the new data, not to the whole lake)"
)


def params(quick: bool, rows: int | None, scale: str | None = None) -> dict[str, Any]:
    return {"scales": [scale] if scale else ["tiny"] if quick else ["demo", "large"]}


def prepare(p: dict[str, Any], work: Path) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for scale in p["scales"]:
        info = build_lake(scale, work / scale, hold_back=True)
        out[f"_{scale}"] = info
        out[f"{scale}_lake_rows"] = info["lake_rows"]
    return out


def _spark() -> bool:
    return os.environ.get("CMON_BENCH_SPARK") == "1"


def cases(p: dict[str, Any]) -> list[Case]:
    out = []
    for scale in p["scales"]:
        label = f"`{scale}` lake: the same full refresh on Spark local[2]"
        spark = [Case(f"full_spark:{scale}", label, scale)] if _spark() else []
        out += [
            Case(f"full:{scale}", f"`{scale}` lake: full refresh (stored result)", scale),
            Case(
                f"after_batch:{scale}",
                f"`{scale}` lake: incremental refresh after one new card batch",
                scale,
            ),
            Case(
                f"after_batch_full:{scale}",
                f"`{scale}` lake: full refresh after the same batch",
                scale,
                reference=True,
            ),
            *spark,
        ]
    return out


def setup(case: str, p: dict[str, Any]) -> None:
    import consumption_monitor.compute.incremental
    import consumption_monitor.compute.steps
    import consumption_monitor.ingest
    import consumption_monitor.store  # noqa: F401

    if case.startswith("full_spark:"):
        from consumption_monitor.config import load_settings
        from consumption_monitor.engine import connect

        connect(_spark_settings(load_settings))  # JVM start-up, counted in process s only


def _spark_settings(load: Any, **kw: Any) -> Any:
    memory = os.environ.get("CMON_SPARK_DRIVER_MEMORY", "8g")
    return load(engine="spark", spark_master="local[2]", spark_driver_memory=memory, **kw)


def _revert_held_batch(settings: Any, info: dict[str, Any]) -> None:
    """Hide the held-back batch if an earlier run of a reused lake loaded it."""
    from consumption_monitor.ingest.api import content_hash
    from consumption_monitor.store import Store

    with Store(settings) as store:
        digest = content_hash([Path(info["held_path"])], "card_transactions")
        loaded = store.find_batch_by_hash("card_transactions", digest)
        if loaded is not None:
            store.revert(loaded.id, by="benchmark", reason="W2: back to the pre-batch lake")


def fingerprint(table: Any) -> list[Any]:
    """Rows, value and YoY sums, provisional count: equal for equal tables (``computed_at``
    aside; floats compared with a relative tolerance by the harness)."""
    return [
        len(table),
        round(float(table.value.sum()), 3),
        round(float(table.yoy_pct.sum()), 3),
        int(table.provisional.sum()),
    ]


def run(case: str, p: dict[str, Any]) -> dict[str, Any]:
    import time

    from consumption_monitor.compute import compute, write_result
    from consumption_monitor.config import load_settings
    from consumption_monitor.ingest import ingest

    kind, scale = case.split(":")
    info = p[f"_{scale}"]
    settings = load_settings(data_dir=Path(info["data_dir"]))
    if kind == "full" and info.get("held_path"):
        _revert_held_batch(settings, info)
    if kind == "full_spark":
        settings = _spark_settings(load_settings, data_dir=Path(info["data_dir"]))
    extra: dict[str, Any] = {}
    t0 = time.perf_counter()
    if kind == "after_batch":
        loaded = ingest(
            [info["held_path"]], "card_transactions", vintage=info["held_vintage"],
            settings=settings,
        )  # fmt: skip
        extra["ingest_s"] = round(time.perf_counter() - t0, 2)
        extra["batch_rows"] = loaded.rows_loaded
    t1 = time.perf_counter()
    result = compute(settings, incremental=kind == "after_batch")
    if kind != "full_spark":  # the DuckDB results stay the stored ones
        write_result(settings, result)
    extra["compute_s"] = round(time.perf_counter() - t1, 2)
    extra["indicator_rows"] = len(result.table)
    extra["skipped"] = len(result.skipped)
    if result.refresh is not None:
        r = result.refresh
        extra.update(
            mode=r.mode, reason=r.reason, indicators=len(r.indicators), periods=r.periods,
            files_read=r.files_read, rows_read=r.rows_read, full_files=r.full_files,
            full_rows=r.full_rows,
        )  # fmt: skip
    check = fingerprint(result.table) if kind != "full" else None
    return {"rows": int(info["lake_rows"]), "check": check, "extra": extra}


#: From a separate cProfile run of ``compute()`` on the tiny lake (16.7 s in that run).
WHY_SLOW = [
    "**Where a full refresh spends its time.** The suite is about 40 indicator expressions, "
    "each compiled and executed as its own query (`runner.compute` loops over the catalog). A "
    "cProfile of `compute()` on the `tiny` lake (16.7 s that run) split it into Ibis → SQL "
    "compilation 5.4 s (sqlglot rewrites, pure Python), DuckDB binding 1.2 s and execution "
    "6.1 s (every query re-reads the datasets' Parquet files), and the pandas post steps "
    "(comparisons, provisional flags) the rest. So on small lakes the refresh cost is mostly "
    "fixed per indicator, not per row; it grows with rows only through the execution part. "
    "On larger lakes the per-row part takes over, mostly in the card cells that all card "
    "indicators share (sums, counts and the distinct merchants and cards per cell that the "
    "privacy rule needs; computed once per run, docs/indicators-engine.md): on the `large` "
    "lake they took 98 s of DuckDB time alone (measured separately, peak 4.1 GB) and 616 s on "
    "Spark local[2]. The incremental refresh (docs/indicators-engine.md) compiles "
    "only the indicators reading a changed dataset and reads only the partitions their "
    "output window needs; the post steps still run over the whole result table (cheap "
    "pandas, proportional to the result, not to the lake).",
]


def goal_met(results: list[Result]) -> bool | None:
    """Every incremental case ran incrementally, matched its reference, read ≤ half the rows."""
    inc = [r for r in results if r.case.key.startswith("after_batch:") and r.status == "ok"]
    if not inc:
        return None
    return all(
        r.extra.get("mode") == "incremental"
        and "DIFFERS" not in r.note
        and r.extra["rows_read"] <= 0.5 * r.extra["full_rows"]
        for r in inc
    )


def render(results: list[Result], p: dict[str, Any]) -> list[str]:
    lines = default_table(results)
    lines += ["", "| case | mode | batch ingest s | compute + write s | indicators recomputed "
              "| lake files read | lake rows read | indicator rows |",
              "|---|---|---:|---:|---:|---:|---:|---:|"]  # fmt: skip
    for r in results:
        e = r.extra
        files = f"{e['files_read']:,} of {e['full_files']:,}" if "files_read" in e else "all"
        rows = f"{e['rows_read']:,} of {e['full_rows']:,}" if "rows_read" in e else "all"
        lines.append(
            f"| {r.case.label} | {e.get('mode', 'full')} | {e.get('ingest_s', '–')} | "
            f"{e.get('compute_s', '–')} | {e.get('indicators', 'all')} | {files} | {rows} | "
            f"{e.get('indicator_rows', '–')} |"
        )
    return lines


def notes(results: list[Result], p: dict[str, Any]) -> list[str]:
    lines = []
    for scale in p["scales"]:
        info = p.get(f"_{scale}", {})
        if info:
            lines.append(
                f"`{scale}` lake: {info['lake_rows']:,} rows, simulated in "
                f"{info['simulate_seconds']} s and ingested in {info['ingest_seconds']} s "
                f"(one batch per simulated file)."
            )
    lines += ["", *WHY_SLOW]
    full = {r.case.group: r for r in results if r.case.key.startswith("after_batch_full:")}
    for r in results:
        ref = full.get(r.case.group)
        e = r.extra
        if not r.case.key.startswith("after_batch:") or r.status != "ok":
            continue
        if e.get("mode") != "incremental":
            lines.append(
                f"\n**The refresh after the batch fell back to a full run** (`{r.case.group}`): "
                f"{e.get('reason', '?')}."
            )
            continue
        share_f = e["files_read"] / max(e["full_files"], 1)
        share_r = e["rows_read"] / max(e["full_rows"], 1)
        lines.append(
            f"\n**Incremental refresh** (`{r.case.group}`): after one new batch of "
            f"{e.get('batch_rows', 0):,} card rows, {e['indicators']} indicators were "
            f"recomputed for period(s) {', '.join(e['periods']) or '–'}, reading "
            f"{e['files_read']:,} of the {e['full_files']:,} lake files a full refresh reads "
            f"({share_f:.1%}) and {e['rows_read']:,} of its {e['full_rows']:,} rows "
            f"({share_r:.1%}), in {r.seconds:.1f} s ({e.get('ingest_s')} s of it the batch "
            f"load)"
            + (f" against {ref.seconds:.1f} s for the full refresh" if ref is not None else "")
            + ". Its result equals the full refresh's (fingerprint checked by the harness)."
        )
    return lines
