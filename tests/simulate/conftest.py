"""One tiny simulation shared by the simulator tests (seed 0, 2019-01..2026-10)."""

from __future__ import annotations

import json
from typing import Any

import pytest

from consumption_monitor.simulate import SimulationResult, simulate

END = "2026-10"


@pytest.fixture(scope="session")
def sim(tmp_path_factory: pytest.TempPathFactory) -> SimulationResult:
    return simulate(tmp_path_factory.mktemp("sim") / "out", "tiny", seed=0, end=END)


@pytest.fixture(scope="session")
def truth(sim: SimulationResult) -> dict[str, Any]:
    return json.loads(sim.truth_path.read_text(encoding="utf-8"))
