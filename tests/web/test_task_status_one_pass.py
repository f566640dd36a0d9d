"""The one-pass task status equals the per-task rule it replaces (the oracle), on random
progress tables of the Tianjin plan: mixed unit spellings (name, code), repeated periods, tasks
with no rows."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd

from consumption_monitor.config import Settings
from consumption_monitor.plan import load_plan
from consumption_monitor.web.plan_data import latest_by_unit, task_status_from, task_statuses


def test_one_pass_equals_the_per_task_rule(tmp_path: Path) -> None:
    plan = load_plan(settings=Settings(data_dir=tmp_path))
    units = list(plan.units.units.values())[:8]
    spellings = [u.code for u in units] + [u.name_zh for u in units] + ["不存在的单位"]
    statuses = ["not_started", "in_progress", "delayed", "completed"]
    tasks = sorted(plan.tasks)
    for seed in range(20):
        rng = np.random.default_rng(seed)
        n = int(rng.integers(0, 300))
        frame = pd.DataFrame(
            {
                "task_id": rng.choice(tasks[: len(tasks) // 2 + 1], n).astype(str),
                "period": [f"2025-{m:02d}" for m in rng.integers(1, 5, n)],
                "reporting_unit": rng.choice(spellings, n),
                "status": rng.choice(statuses, n),
                "percent": rng.integers(0, 101, n),
                "narrative": "",
            }
        )
        want = {t: task_status_from(latest_by_unit(plan, frame, t)) for t in plan.tasks}
        got = task_statuses(plan, frame)
        assert got == want, seed
        if n:
            assert set(got.values()) != {"not_reported"}
