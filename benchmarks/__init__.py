"""Benchmarks of consumption-monitor: one harness, peers side by side, results in Markdown.

    python -m benchmarks [--quick] [--only W1,W3] [--rows N] [--out docs/performance.md]

Each workload lives in :mod:`benchmarks.workloads`; :mod:`benchmarks.harness` runs every case in
its own child process (whole-process wall time and peak memory of that case alone) and renders
the table. ``make bench`` runs the full sizes, ``make bench-quick`` the smoke-test sizes.
"""
