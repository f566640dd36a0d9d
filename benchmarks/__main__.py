"""``python -m benchmarks [--quick] [--only W1,W3] [--rows N] [--out docs/performance.md]``.

Runs the workloads (all by default) and writes the Markdown report. ``--quick`` uses smoke-test
sizes (CI runs it; it asserts nothing about speed); ``--quick-for W4,W5`` uses them for those
workloads only. ``--rows`` overrides the row count of the
row-based workloads (W1, W3). Generated inputs go to ``--work`` (a temporary folder by default,
removed afterwards unless ``--keep``).
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import shutil
import sys
import tempfile
from pathlib import Path

from benchmarks.harness import ROOT, dump_runs, load_average, load_runs, render, run_workload
from benchmarks.workloads import MODULES


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m benchmarks", description=__doc__)
    parser.add_argument("--quick", action="store_true", help="smoke-test sizes")
    parser.add_argument("--only", default="", help="comma-separated workloads, e.g. W1,W3")
    parser.add_argument(
        "--quick-for", default="", help="workloads to run at quick sizes in a full run, e.g. W4"
    )
    parser.add_argument("--rows", type=int, default=None, help="rows for W1 and W3")
    parser.add_argument(
        "--scale", default=None, help="simulated lake scale for W2/W5/W6 (tiny, demo, large)"
    )
    parser.add_argument(
        "--append", action="store_true", help="append the sections to --out (same machine)"
    )
    parser.add_argument("--out", type=Path, default=ROOT / "docs" / "performance.md")
    parser.add_argument("--work", type=Path, default=None, help="folder for generated inputs")
    parser.add_argument("--keep", action="store_true", help="keep the generated inputs")
    parser.add_argument("--timeout", type=float, default=None, help="seconds per child step")
    parser.add_argument("--preface", default="", help="a paragraph printed under the title")
    parser.add_argument(
        "--results", type=Path, default=None, help="also save the measurements as JSON here"
    )
    parser.add_argument(
        "--rerender", type=Path, default=None, help="render saved JSON results, measure nothing"
    )
    args = parser.parse_args(argv)
    names = [n.strip().upper() for n in args.only.split(",") if n.strip()] or list(MODULES)
    unknown = [n for n in names if n not in MODULES]
    if unknown:
        parser.error(f"unknown workload(s) {', '.join(unknown)}; choose from {', '.join(MODULES)}")
    timeout = args.timeout or (600.0 if args.quick else 3600.0)
    work = args.work or Path(tempfile.mkdtemp(prefix="cmon-bench-"))
    work.mkdir(parents=True, exist_ok=True)
    started = dt.datetime.now(dt.UTC)
    load_before = load_average()

    def log(message: str) -> None:
        print(f"[{dt.datetime.now(dt.UTC):%H:%M:%S}] {message}", file=sys.stderr, flush=True)

    quick_for = {n.strip().upper() for n in args.quick_for.split(",") if n.strip()}
    quick = set(names) if args.quick else quick_for & set(names)
    runs = []
    if args.rerender is not None:
        saved = json.loads(args.rerender.read_text(encoding="utf-8"))
        runs = load_runs(json.dumps(saved["runs"]))
        started = dt.datetime.fromisoformat(saved["started"])
        load_before, names = saved["load_before"], [r[0].NAME for r in runs]
        quick = set(saved["quick"])
    try:
        for name in [] if args.rerender is not None else names:
            runs.append(
                run_workload(
                    name,
                    name in quick,
                    args.rows,
                    work,
                    timeout=timeout,
                    log=log,
                    scale=args.scale,
                )
            )
    finally:
        if not args.keep and args.work is None:
            shutil.rmtree(work, ignore_errors=True)
    load_after = saved["load_after"] if args.rerender is not None else load_average()
    if args.results is not None:
        payload = {"started": started.isoformat(), "load_before": load_before,
                   "load_after": load_after, "quick": sorted(quick)}  # fmt: skip
        args.results.write_text(
            json.dumps({**payload, "runs": json.loads(dump_runs(runs))}, ensure_ascii=False),
            encoding="utf-8",
        )
    text = render(
        runs,
        quick=sorted(quick) if quick != set(names) else True,
        started=started,
        load_before=load_before,
        load_after=load_after,
        preface=args.preface,
        append=args.append and args.out.exists(),
    )
    args.out.parent.mkdir(parents=True, exist_ok=True)
    if args.append and args.out.exists():
        text = args.out.read_text(encoding="utf-8") + text
    args.out.write_text(text, encoding="utf-8")
    log(f"wrote {args.out}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
