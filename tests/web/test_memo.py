"""Page-side caching: single flight, invalidation by a new computation, and the series index.

Oracles: a counter of real computations (ten concurrent callers after expiry must run the
computation once), and the plain boolean-mask filter the index replaces (every series of a
table, with and without period bounds, must give identical rows).
"""

from __future__ import annotations

import threading
import time
from datetime import date
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from consumption_monitor.compute.steps import ComputeResult
from consumption_monitor.config import Settings
from consumption_monitor.store import results
from consumption_monitor.store.results import COLUMNS, write_result
from consumption_monitor.web import indicator_data, memo, plan_data
from consumption_monitor.web.indicator_data import indicator_table, select


def test_concurrent_callers_share_one_computation() -> None:
    memo.clear()
    runs: list[int] = []
    gate = threading.Event()

    def slow() -> int:
        runs.append(1)
        gate.wait(5)
        return 42

    results: list[int] = []
    threads = [
        threading.Thread(target=lambda: results.append(memo.memo(("k",), slow, ttl=60)))
        for _ in range(10)
    ]
    for t in threads:
        t.start()
    time.sleep(0.2)  # every thread is now inside memo(), nine of them waiting
    gate.set()
    for t in threads:
        t.join(5)
    assert results == [42] * 10
    assert len(runs) == 1


def test_expiry_recomputes_and_errors_are_not_kept() -> None:
    memo.clear()
    calls = {"n": 0}

    def make() -> int:
        calls["n"] += 1
        if calls["n"] == 1:
            raise RuntimeError("first try fails")
        return calls["n"]

    with pytest.raises(RuntimeError):
        memo.memo(("e",), make, ttl=60)
    assert memo.memo(("e",), make, ttl=60) == 2
    assert memo.memo(("e",), make, ttl=60) == 2  # reused
    assert memo.memo(("e",), make, ttl=0) == 3  # expired at once


def _table(seed: int) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    rows = []
    for indicator in ("retail_sales", "card_spending"):
        for region in ("120000", "120101", "120116"):
            for dim, values in (("", [""]), ("category", ["food", "fuel"])):
                for dim_value in values:
                    for month in rng.permutation(12):
                        rows.append(
                            {"indicator": indicator, "region": region, "basis": "month",
                             "dim": dim, "dim_value": dim_value,
                             "period": f"2025-{month + 1:02d}",
                             "value": float(rng.integers(1, 1000)), "note": "",
                             "provisional": False}
                        )  # fmt: skip
    table = pd.DataFrame(rows).reindex(columns=list(COLUMNS))
    table["vintage"] = date(2025, 12, 20)
    table["computed_at"] = pd.Timestamp("2025-12-20")
    return table


def _naive(table: pd.DataFrame, key: tuple[str, ...], start: str | None, end: str | None):
    indicator, region, basis, dim, dim_value = key
    rows = table[
        (table["indicator"] == indicator)
        & (table["region"] == region)
        & (table["basis"] == basis)
        & (table["dim"] == dim)
        & (table["dim_value"] == dim_value)
    ]
    if start:
        rows = rows[rows["period"] >= start]
    if end:
        rows = rows[rows["period"] <= end]
    return rows.sort_values("period", kind="stable").reset_index(drop=True)


def test_indexed_select_equals_the_plain_filter(tmp_path: Path) -> None:
    settings = Settings(data_dir=tmp_path)
    write_result(settings, ComputeResult(table=_table(1), vintage=date(2025, 12, 20)))
    table = indicator_table(settings)
    assert table is not None
    keys = {tuple(k) for k in table[list(results._SERIES_KEY)].itertuples(index=False)}
    keys |= {("retail_sales", "120000", "ytd", "", ""), ("nope", "120000", "month", "", "")}
    for key in sorted(keys):
        for start, end in ((None, None), ("2025-03", "2025-09"), ("2025-13", None)):
            got = select(table, *key[:3], dim=key[3], dim_value=key[4], start=start, end=end)
            want = _naive(table, key, start, end)
            pd.testing.assert_frame_equal(got, want)
            plain = table.copy()  # not the cached frame: store.results.select filters it
            kw = {"region": key[1], "basis": key[2], "dim": key[3], "dim_value": key[4]}
            pd.testing.assert_frame_equal(
                results.select(table, key[0], start=start, end=end, **kw),
                results.select(plain, key[0], start=start, end=end, **kw),
            )
    assert id(table) in results._SERIES_INDEX  # the index was used, not the fallback


def test_a_new_computation_is_seen_at_once(tmp_path: Path, monkeypatch) -> None:
    """The target memo is keyed by the stored result file: a new ``cmon compute`` is not
    hidden for the TTL."""
    memo.clear()
    settings = Settings(data_dir=tmp_path)
    seen: list[str] = []

    def fake_statuses(settings: Settings, plan: object) -> list[str]:
        seen.append(indicator_data.result_key(settings))
        return [seen[-1]]

    monkeypatch.setattr(plan_data, "target_statuses", fake_statuses)
    write_result(settings, ComputeResult(table=_table(1), vintage=date(2025, 12, 20)))
    first = plan_data.target_reports_or_none(settings, plan=None)  # type: ignore[arg-type]
    assert plan_data.target_reports_or_none(settings, plan=None) == first  # type: ignore[arg-type]
    time.sleep(0.01)
    write_result(settings, ComputeResult(table=_table(2), vintage=date(2025, 12, 21)))
    second = plan_data.target_reports_or_none(settings, plan=None)  # type: ignore[arg-type]
    assert second != first and len(seen) == 2


def test_derived_values_live_as_long_as_their_source() -> None:
    memo.clear()

    class Bundle:
        pass

    calls: list[int] = []

    def make() -> int:
        calls.append(1)
        return len(calls)

    first = Bundle()
    assert memo.derived(first, "gaps", make) == 1
    assert memo.derived(first, "gaps", make) == 1  # reused for the same bundle
    second = Bundle()
    assert memo.derived(second, "gaps", make) == 2  # a newly loaded bundle is recomputed
    del first
    import gc

    gc.collect()
    assert all(ref() is not None for ref, _ in memo._DERIVED.values())  # the dead entry left


def test_an_expired_value_is_served_while_its_successor_is_computed() -> None:
    memo.clear()
    gate = threading.Event()
    calls: list[int] = []

    def make() -> int:
        calls.append(1)
        if len(calls) > 1:
            gate.wait(5)  # the recomputation is slow
        return len(calls)

    assert memo.memo(("s",), make, ttl=0.05, stale=True) == 1
    time.sleep(0.1)
    t0 = time.perf_counter()
    assert memo.memo(("s",), make, ttl=0.05, stale=True) == 1  # stale, at once
    assert memo.memo(("s",), make, ttl=0.05, stale=True) == 1  # one refresh only
    assert time.perf_counter() - t0 < 1
    gate.set()
    for _ in range(50):
        if memo.RUNS.get(("s",)) == 2:
            break
        time.sleep(0.05)
    assert memo.memo(("s",), make, ttl=60, stale=True) == 2
    assert len(calls) == 2


def test_warmup_fills_the_memo_on_a_demo_lake(tmp_path: Path) -> None:
    """After :func:`warm`, the overview's first request computes nothing of its own."""
    from consumption_monitor.web.warmup import warm

    memo.clear()
    settings = Settings(data_dir=tmp_path)
    write_result(settings, ComputeResult(table=_table(3), vintage=date(2025, 12, 20)))
    assert warm(settings) == []
    runs = dict(memo.RUNS)
    assert any(k[0] == "overview" for k in runs) and any(k[0] == "targets" for k in runs)
    from consumption_monitor.web.providers import overview

    overview(settings)
    assert runs == memo.RUNS


def test_dropping_a_bundle_with_derived_values_does_not_deadlock() -> None:
    """A memoised bundle with derived values, freed by ``clear`` or by eviction, runs its
    weakref callback while the memo's tables are being changed: it must not wait for itself
    (it did: the suite hung in ``clear``)."""

    class Bundle:
        pass

    def run() -> None:
        memo.clear()
        bundle = memo.memo(("bundle",), Bundle)
        memo.derived(bundle, "gaps", lambda: 1)
        del bundle  # now only the memo holds it
        memo.clear()  # frees it: the callback runs inside clear()
        for i in range(memo.MAX_ENTRIES + 1):  # and by eviction
            b = memo.memo(("many", i), Bundle)
            memo.derived(b, "gaps", lambda: 1)
            del b

    worker = threading.Thread(target=run, daemon=True)
    worker.start()
    worker.join(10)
    assert not worker.is_alive(), "memo deadlocked while freeing a bundle"
    assert len(memo._DERIVED) <= memo.MAX_ENTRIES
