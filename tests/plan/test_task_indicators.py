"""Tasks without a numeric target still have a home (#22): task 2 (以旧换新) and its safeguard
item (用好国家以旧换新政策), task 3 (首发经济) and task 20 (入境消费) name the indicators that
monitor them; every named code is a computed catalog indicator; an unknown one is refused."""

from __future__ import annotations

from pathlib import Path

import pytest

from consumption_monitor.errors import PlanError
from consumption_monitor.indicators import load_indicators
from consumption_monitor.plan import load_plan
from consumption_monitor.plan.loader import BUNDLED_PLAN


def test_the_plans_programmes_name_their_indicators() -> None:
    plan = load_plan(BUNDLED_PLAN)
    assert "以旧换新" in plan.task(2).title_zh
    assert {"trade_in_subsidy", "trade_in_units", "trade_in_sales"} <= set(plan.task(2).indicators)
    assert "debut_events" in plan.task(3).indicators
    assert {"tax_refund_sales", "duty_free_sales"} <= set(plan.task(20).indicators)
    items = {i.id: i for g in plan.safeguards for i in g.items}
    assert "以旧换新" in items["S3-1"].text_zh and items["S3-1"].indicators == ["trade_in_subsidy"]
    computed = {i.code for i in load_indicators()}
    named = [c for t in plan.tasks.values() for c in t.indicators]
    named += [c for i in items.values() for c in i.indicators]
    assert named and set(named) <= computed


def test_an_unknown_task_indicator_is_refused_with_its_entry(tmp_path: Path) -> None:
    text = BUNDLED_PLAN.read_text(encoding="utf-8").replace(
        "indicators: [trade_in_subsidy, trade_in_units, trade_in_sales]",
        "indicators: [trade_in_subsidy, no_such_indicator]",
    )
    path = tmp_path / "plan.yaml"
    path.write_text(text, encoding="utf-8")
    (tmp_path / "units_tianjin.yaml").write_text(
        (BUNDLED_PLAN.parent / "units_tianjin.yaml").read_text(encoding="utf-8"), encoding="utf-8"
    )
    with pytest.raises(PlanError) as err:
        load_plan(path)
    assert "no_such_indicator" in str(err.value) and "task-2" in str(err.value)
