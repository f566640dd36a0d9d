"""Smoke test of the benchmark harness: it runs, isolates cases and writes a Markdown report.

Nothing here asserts anything about speed. The end-to-end test runs the real harness as
``python -m benchmarks`` on the ingest workload at a tiny size (each case in its own child
process, as in ``make bench``); the others check the table arithmetic and the result
fingerprint comparison on hand-made results.
"""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture
def harness(monkeypatch: pytest.MonkeyPatch):  # type: ignore[no-untyped-def]
    monkeypatch.syspath_prepend(str(ROOT))
    from benchmarks import harness as module

    return module


def _table_rows(text: str, heading: str) -> list[list[str]]:
    """Body rows of the first Markdown table after ``heading``."""
    section = text.split(heading, 1)[1]
    rows = []
    started = False
    for line in section.splitlines():
        if line.startswith("|"):
            started = True
            rows.append([c.strip() for c in line.strip("|").split("|")])
        elif started:
            break
    header, rule, *body = rows
    assert all(re.fullmatch(r"-+:?|:?-+", c) for c in rule), rule
    assert all(len(r) == len(header) for r in body)
    return body


def test_quick_run_writes_a_well_formed_report(tmp_path: Path) -> None:
    out, saved = tmp_path / "performance.md", tmp_path / "results.json"
    proc = subprocess.run(
        [sys.executable, "-m", "benchmarks", "--quick", "--only", "W3", "--rows", "2000",
         "--out", str(out), "--timeout", "300", "--results", str(saved)],
        cwd=ROOT, capture_output=True, text=True, timeout=600, check=False,
    )  # fmt: skip
    assert proc.returncode == 0, proc.stderr[-2000:]
    text = out.read_text(encoding="utf-8")
    assert text.startswith("# Performance\n")
    assert "| CPU |" in text and "| duckdb |" in text and "| Python |" in text
    assert re.search(r"Run: \d{4}-\d{2}-\d{2} \d{2}:\d{2} UTC", text)
    body = _table_rows(text, "## W3 ingest")
    # Four bare DuckDB loads and cmon for each of the two formats, each in its own child.
    assert len(body) == 10
    assert [r[1] for r in body] == ["ok"] * 10, body
    for row in body:
        assert row[2] == "2,000"  # rows loaded: every peer saw the whole file
        assert float(row[3]) > 0 and float(row[6]) > 0  # seconds and peak RSS were recorded
        assert "DIFFERS" not in row[-1]
    refs = [r for r in body if "(reference)" in r[0]]
    assert [r[7] for r in refs] == ["1.00×", "1.00×"]
    # The saved measurements re-render to the same page without measuring again.
    again = tmp_path / "again.md"
    proc = subprocess.run(
        [sys.executable, "-m", "benchmarks", "--rerender", str(saved), "--out", str(again)],
        cwd=ROOT, capture_output=True, text=True, timeout=120, check=False,
    )  # fmt: skip
    assert proc.returncode == 0, proc.stderr[-2000:]
    assert again.read_text(encoding="utf-8") == text


def test_unknown_workload_is_refused(tmp_path: Path) -> None:
    proc = subprocess.run(
        [sys.executable, "-m", "benchmarks", "--only", "W9", "--out", str(tmp_path / "x.md")],
        cwd=ROOT, capture_output=True, text=True, timeout=120, check=False,
    )  # fmt: skip
    assert proc.returncode == 2
    assert "unknown workload" in proc.stderr
    assert not (tmp_path / "x.md").exists()


def test_table_ratios_and_fingerprints(harness) -> None:  # type: ignore[no-untyped-def]
    from benchmarks.workloads import Case

    ref = harness.Result(Case("a", "A", reference=True), "ok", 2.0, 3.0, 100.0, 1000, [10, 5.0])
    slow = harness.Result(Case("b", "B"), "ok", 5.0, 6.0, 50.0, 1000, [10, 5.0])
    wrong = harness.Result(Case("c", "C"), "ok", 1.0, 2.0, 50.0, 1000, [11, 5.0])
    skipped = harness.Result(Case("d", "D"), "not run", note="pyspark missing")
    results = [ref, slow, wrong, skipped]
    harness._compare_checks(results)
    assert "DIFFERS" in wrong.note and "DIFFERS" not in slow.note
    lines = harness.default_table(results)
    assert len(lines) == 2 + len(results)
    cells = [[c.strip() for c in line.strip("|").split("|")] for line in lines[2:]]
    assert cells[0][7] == "1.00×" and cells[1][7] == "2.50×"
    assert cells[1][5] == "200"  # 1,000 rows in 5 s
    assert cells[3][1] == "not run" and cells[3][7] == "–" and "pyspark missing" in cells[3][8]


def test_fingerprints_tolerate_float_rounding_only(harness) -> None:  # type: ignore[no-untyped-def]
    assert harness._same([3, 1.0000000001e9], [3, 1.0e9])
    assert not harness._same([3, 1.001e9], [3, 1.0e9])
    assert not harness._same([3, 1.0], [4, 1.0])


def test_card_memory_table_puts_both_plans_side_by_side(harness) -> None:  # type: ignore[no-untyped-def]
    from benchmarks.workloads import w7_card_memory as w7

    p = {"sizes": [1000, 2000], "memory_limit": "64MB"}
    cases = {c.key: c for c in w7.cases(p)}
    assert set(cases) == {"single@1000", "partitioned@1000", "single@2000", "partitioned@2000"}
    run = {"partitions": 3, "spill_mb": 0.0}
    results = [
        harness.Result(cases["single@1000"], "ok", 4.0, 5.0, 900.0, 1000, [5, "ab"],
                       extra={"partitions": 1, "spill_mb": 120.0}),
        harness.Result(cases["partitioned@1000"], "ok", 6.0, 7.0, 300.0, 1000, [5, "ab"],
                       extra=run),
        harness.Result(cases["single@2000"], "ok", 4.0, 5.0, 900.0, 2000, [5, "ab"]),
        harness.Result(cases["partitioned@2000"], "ok", 6.0, 7.0, 300.0, 2000, [5, "cd"],
                       extra=run),
    ]  # fmt: skip
    lines = w7.render(results, p)
    rows = [[c.strip() for c in line.strip("|").split("|")] for line in lines[2:]]
    assert len(rows) == 2 and all(len(r) == 10 for r in rows)
    assert rows[0] == ["1,000", "3", "4.00", "6.00", "1.50×", "900", "300", "120", "0", "yes"]
    assert rows[1][-1] == "**DIFFERS**"


def test_page_latency_table_puts_previous_and_current_code_side_by_side(harness) -> None:  # type: ignore[no-untyped-def]
    from benchmarks.workloads import w6_api as w6

    p = {"baseline": "6f82c0e", "requests": 10, "cap_s": 5}
    cases = {c.key: c for c in w6.cases(p)}
    assert cases["previous"].reference and not cases["serve"].reference

    def run(cold: float, warm: float, p95: float) -> dict[str, object]:
        return {
            "pages": [{"page": "/overview", "status": 200, "cold_ms": cold, "warm_ms": warm},
                      {"page": "/plan", "status": 200, "cold_ms": cold, "warm_ms": warm}],
            "table": [{"endpoint": "/overview (page)", "clients": "50", "requests": 10,
                       "errors": 0, "rps": 5.0, "p50_ms": p95 / 2, "p95_ms": p95}],
        }  # fmt: skip

    before = harness.Result(cases["previous"], "ok", extra=run(900.0, 40.0, 2400.0))
    after = harness.Result(cases["serve"], "ok", extra=run(150.0, 10.0, 80.0))
    text = "\n".join(w6.render([before, after], p))
    rows = _table_rows(text, "Pages at one client")
    assert rows[0] == ["`/overview`", "200", "900.0", "150", "6.0×", "40.0", "10.0", "4.0×"]
    load = _table_rows(text, "Under load")
    assert load[0][5:8] == ["2400.0", "80.0", "30.0×"]
    assert w6.goal_met([before, after]) is True
    slow = harness.Result(cases["serve"], "ok", extra=run(150.0, 60.0, 80.0))
    assert w6.goal_met([before, slow]) is False  # a warm page above 50 ms misses the goal
    missing = harness.Result(cases["previous"], "not run", note="no git checkout")
    assert "`/overview` | 200 | – | 150" in "\n".join(w6.render([missing, after], p))
