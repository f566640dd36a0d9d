"""Run workloads case by case, each in a fresh child process, and render docs/performance.md.

Why a child per case: wall time and peak memory must belong to that case alone. A library
imported by an earlier peer (pandas, a Spark JVM) or memory it left allocated would otherwise
be charged to the next one. The child is ``python -m benchmarks.workloads``; it reports its
own step time, its peak RSS (process tree, see that module) and a result fingerprint
(``check``) that must equal the reference case's, so a fast wrong answer cannot win.
"""

from __future__ import annotations

import datetime as dt
import json
import os
import platform
import subprocess
import sys
import time
from dataclasses import asdict, dataclass, field
from pathlib import Path
from types import ModuleType
from typing import Any

from benchmarks.workloads import Case, load

ROOT = Path(__file__).resolve().parent.parent


@dataclass
class Result:
    """One measured case (or a case that did not run, with the reason)."""

    case: Case
    status: str  # ok | failed | timed out | not run
    seconds: float = float("nan")  # the step's own time, after imports
    process_seconds: float = float("nan")  # the whole child process, start to exit
    peak_mb: float = float("nan")
    rows: int = 0
    check: Any = None
    extra: dict[str, Any] = field(default_factory=dict)
    note: str = ""
    profile: str = ""


def child(
    name: str, step: str, case: str, params: dict[str, Any], *, timeout: float, profile: bool
) -> tuple[dict[str, Any], float]:
    """Run one step in a fresh interpreter; return its JSON report and whole-process seconds."""
    cmd = [sys.executable, "-m", "benchmarks.workloads", name, step, case, json.dumps(params)]
    if profile:
        cmd.append("--profile")
    env = {**os.environ, "POLARS_MAX_THREADS": "2", "PYTHONHASHSEED": "0"}
    t0 = time.perf_counter()
    try:
        proc = subprocess.run(
            cmd, cwd=ROOT, env=env, capture_output=True, text=True, timeout=timeout, check=False
        )
    except subprocess.TimeoutExpired:
        return {"status": "timed out", "error": f"over {timeout:.0f} s"}, time.perf_counter() - t0
    wall = time.perf_counter() - t0
    lines = proc.stdout.strip().splitlines()
    try:
        report: dict[str, Any] = json.loads(lines[-1])
    except (IndexError, json.JSONDecodeError):
        tail = (proc.stderr or proc.stdout).strip().splitlines()[-3:]
        report = {"status": "failed", "error": " | ".join(tail)[:500]}
    if report.get("status") == "failed" and proc.stderr:
        report.setdefault("stderr", proc.stderr[-2000:])
    return report, wall


def run_workload(
    name: str,
    quick: bool,
    rows: int | None,
    work: Path,
    *,
    timeout: float,
    log: Any,
    scale: str | None = None,
) -> tuple[ModuleType, dict[str, Any], list[Result]]:
    """Prepare the inputs of workload ``name`` and measure every case of it."""
    module = load(name)
    params: dict[str, Any] = module.params(quick, rows, scale)
    params["work"] = str(work / name)
    Path(params["work"]).mkdir(parents=True, exist_ok=True)
    log(f"{name}: preparing {json.dumps({k: v for k, v in params.items() if k != 'work'})}")
    prep, prep_wall = child(name, "prepare", "-", params, timeout=timeout, profile=False)
    if prep.get("status") != "ok":
        reason = prep.get("error") or prep.get("reason") or "prepare failed"
        log(f"{name}: prepare {prep.get('status')}: {reason}")
        cases = module.cases(params)
        return module, params, [Result(c, "not run", note=str(reason)) for c in cases]
    params["prepare_seconds"] = round(prep_wall, 1)
    params.update({k: v for k, v in prep.items() if k not in ("status", "seconds", "peak_mb")})
    results: list[Result] = []
    for case in module.cases(params):
        report, wall = child(name, "run", case.key, params, timeout=timeout, profile=False)
        res = _result(case, report, wall)
        results.append(res)
        log(
            f"{name} {case.key}: {res.status} {res.seconds:.2f} s "
            f"(process {res.process_seconds:.1f} s), {res.peak_mb:.0f} MB {res.note}"
        )
    _compare_checks(results)
    goal_met = getattr(module, "goal_met", None)
    if goal_met is not None and goal_met(results) is False:
        # A missed goal gets a profile of the cmon case(s) that missed it.
        for res in results:
            base = res.case.key.partition("@")[0]
            if res.status == "ok" and base in getattr(module, "PROFILE_CASES", ()):
                report, _ = child(name, "run", res.case.key, params, timeout=timeout, profile=True)
                res.profile = str(report.get("profile", ""))
    return module, params, results


def _result(case: Case, report: dict[str, Any], wall: float) -> Result:
    status = str(report.pop("status", "failed"))
    note = str(report.pop("reason", "") or report.pop("error", "") or report.pop("note", ""))
    return Result(
        case=case,
        status=status,
        seconds=float(report.pop("seconds", float("nan"))),
        process_seconds=wall,
        peak_mb=float(report.pop("peak_mb", float("nan"))),
        rows=int(report.pop("rows", 0) or 0),
        check=report.pop("check", None),
        extra=report.get("extra", {}) or {},
        note=note,
    )


def _compare_checks(results: list[Result]) -> None:
    """Mark results whose fingerprint differs from their group's reference."""
    refs = {r.case.group: r for r in results if r.case.reference and r.status == "ok"}
    for res in results:
        ref = refs.get(res.case.group)
        if ref is None or res is ref or res.status != "ok" or res.check is None:
            continue
        if not _same(res.check, ref.check):
            res.note = (res.note + " RESULT DIFFERS from the reference").strip()


def _same(a: Any, b: Any) -> bool:
    if isinstance(a, list) and isinstance(b, list) and len(a) == len(b):
        return all(_same(x, y) for x, y in zip(a, b, strict=True))
    if isinstance(a, float) or isinstance(b, float):
        try:
            return abs(float(a) - float(b)) <= 1e-6 * max(1.0, abs(float(b)))
        except (TypeError, ValueError):
            return False
    return bool(a == b)


# --- saved results -------------------------------------------------------------------------


def dump_runs(runs: list[tuple[ModuleType, dict[str, Any], list[Result]]]) -> str:
    """The measurements as JSON, so the page can be re-rendered without measuring again."""
    out = []
    for module, params, results in runs:
        rows = []
        for r in results:
            row = asdict(r)
            row["case"] = asdict(r.case)
            rows.append(row)
        out.append({"name": module.NAME, "params": params, "results": rows})
    return json.dumps(out, ensure_ascii=False, indent=1, default=str)


def load_runs(text: str) -> list[tuple[ModuleType, dict[str, Any], list[Result]]]:
    """Inverse of :func:`dump_runs` (with the workload modules as they are now)."""
    runs = []
    for item in json.loads(text):
        results = []
        for row in item["results"]:
            row["case"] = Case(**row["case"])
            results.append(Result(**row))
        runs.append((load(item["name"]), item["params"], results))
    return runs


# --- rendering ----------------------------------------------------------------------------

INTRO = " ".join([
    "Generated by `python -m benchmarks` (`make bench`, or `make bench-quick` for the",
    "smoke-test sizes); edit the harness in `benchmarks/`, not this page. Every case ran",
    "in its own child process: *seconds* is the work itself (after imports and session",
    "start-up), *process s* the whole child from start to exit (interpreter, imports, JVM",
    "start), *peak RSS* the peak resident memory of the child and its descendants.",
    "*× reference* divides *seconds* by the reference case's. A case whose result",
    "fingerprint differs from the reference's is flagged in *note*.",
])  # fmt: skip


def _fmt(x: float, digits: int = 2) -> str:
    return "–" if x != x else f"{x:,.{digits}f}"  # noqa: PLR0124 - NaN test


def one_line(text: str, limit: int = 160) -> str:
    """``text`` fit for a table cell: one line, no pipes, at most ``limit`` characters."""
    flat = " ".join(text.replace("|", "/").split())
    return flat if len(flat) <= limit else flat[: limit - 1] + "…"


def default_table(results: list[Result]) -> list[str]:
    """The standard per-case table: time, memory, throughput and ratio to the reference."""
    refs = {r.case.group: r for r in results if r.case.reference and r.status == "ok"}
    lines = [
        "| case | status | rows | seconds | process s | rows/s | peak RSS MB | × reference "
        "| note |",
        "|---|---|---:|---:|---:|---:|---:|---:|---|",
    ]
    for r in results:
        ref = refs.get(r.case.group)
        ratio = (
            f"{r.seconds / ref.seconds:.2f}×"
            if ref is not None and r.status == "ok" and ref.seconds > 0
            else "–"
        )
        rate = "–"
        if r.status == "ok" and r.rows and r.seconds:
            per_s = r.rows / r.seconds
            rate = _fmt(per_s, 0 if per_s >= 100 else 2)
        label = r.case.label + (" **(reference)**" if r.case.reference else "")
        lines.append(
            f"| {label} | {r.status} | {r.rows:,} | {_fmt(r.seconds)} | "
            f"{_fmt(r.process_seconds, 1)} | {rate} | {_fmt(r.peak_mb, 0)} | {ratio} | "
            f"{one_line(r.note)} |"
        )
    return lines


def machine() -> dict[str, str]:
    """CPU model, cores, RAM, load, OS and the versions of the engines measured."""
    info: dict[str, str] = {}
    cpuinfo = Path("/proc/cpuinfo")
    if cpuinfo.exists():
        for line in cpuinfo.read_text().splitlines():
            if line.startswith("model name"):
                info["CPU"] = line.split(":", 1)[1].strip()
                break
    info["cores (os.cpu_count)"] = str(os.cpu_count())
    meminfo = Path("/proc/meminfo")
    if meminfo.exists():
        kb = int(meminfo.read_text().split("MemTotal:")[1].split()[0])
        info["RAM"] = f"{kb / 1024 / 1024:.1f} GiB"
    info["OS"] = f"{platform.system()} {platform.release()}"
    info["Python"] = platform.python_version()
    for mod in ("duckdb", "pyarrow", "pandas", "polars", "ibis", "pyspark", "statsmodels"):
        info[mod] = _version(mod)
    return info


def _version(module: str) -> str:
    from importlib import metadata

    dist = {"ibis": "ibis-framework"}.get(module, module)
    try:
        return metadata.version(dist)
    except metadata.PackageNotFoundError:
        return "not installed"


def load_average() -> str:
    """The 1/5/15-minute load averages (other jobs on a shared machine skew timings)."""
    try:
        one, five, fifteen = os.getloadavg()
    except OSError:
        return "unknown"
    return f"{one:.2f} / {five:.2f} / {fifteen:.2f}"


def render(
    runs: list[tuple[ModuleType, dict[str, Any], list[Result]]],
    *,
    quick: bool | list[str],
    started: dt.datetime,
    load_before: str,
    load_after: str,
    preface: str = "",
    append: bool = False,
) -> str:
    """The whole docs/performance.md text. ``quick``: all workloads at quick sizes (True),
    none (False or []), or the listed ones. ``append``: only the run line and the workload
    sections, to add below an earlier run on the same machine."""
    if quick is True:
        sizes = "QUICK (smoke-test sizes)"
    elif quick:
        sizes = f"full sizes, except quick sizes for {', '.join(quick)}"
    else:
        sizes = "full sizes"
    out = [
        "# Performance",
        "",
        INTRO,
        "",
    ]
    if preface:
        out += [preface, ""]
    run_line = [
        f"Run: {started:%Y-%m-%d %H:%M} UTC, {sizes}.",
        f"Load average before / after: {load_before} → {load_after} (a shared 2-core machine: "
        "other jobs ran at the same time, so absolute times are pessimistic and noisy).",
    ]
    if append:
        out = ["", "---", "", "Additional run on the same machine.", *run_line]
        if preface:
            out += ["", preface]
    else:
        out += [*run_line, "", "| machine | |", "|---|---|"]
        out += [f"| {k} | {v} |" for k, v in machine().items()]
    for module, params, results in runs:
        shown = {
            k: v
            for k, v in params.items()
            if k != "work" and not k.startswith("_") and not str(v).startswith("/")
        }
        out += ["", f"## {module.NAME} {module.TITLE}", ""]
        if module.GOAL:
            met = getattr(module, "goal_met", lambda _r: None)(results)
            verdict = {True: "met", False: "**missed**", None: "not measured"}[met]
            out += [f"Goal: {module.GOAL} — {verdict}.", ""]
        out += [f"Parameters: `{json.dumps(shown, ensure_ascii=False, default=str)}`", ""]
        renderer = getattr(module, "render", None)
        out += renderer(results, params) if renderer else default_table(results)
        notes = getattr(module, "notes", None)
        if notes is not None:
            out += ["", *notes(results, params)]
        for r in results:
            if r.profile:
                out += [
                    "",
                    f"Profile of *{r.case.label}* (cProfile, top functions by cumulative time):",
                    "",
                    "```text",
                    r.profile,
                    "```",
                ]
    return "\n".join(out) + "\n"
