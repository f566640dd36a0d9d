"""Issue 19: flow/stock and new-in-year semantics from the indicator, partial years, P(met)
for every open value, the growth kind and targets on another region."""

from __future__ import annotations

import csv
from datetime import date
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pytest

from consumption_monitor.errors import PlanError
from consumption_monitor.plan import load_plan
from consumption_monitor.plan.models import Target, TargetKind, TargetValue
from consumption_monitor.targets.evidence import indicator_measure, series_evidence
from consumption_monitor.targets.service import target_reports
from consumption_monitor.targets.status import Escalation, Status, evaluate_value

CITY = "120000"
NBS = Path(__file__).parents[1] / "realdata" / "data" / "nbs_retail_ytd_growth.csv"
PATTERN = np.array([0.150, 0.075, 0.076, 0.080, 0.079, 0.078, 0.079, 0.081, 0.088, 0.092, 0.122])
MONTHS = [2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12]


def row(indicator: str, period: str, basis: str, value: float | None, **kw: Any) -> dict:
    return {
        "indicator": indicator, "region": kw.pop("region", CITY), "period": period,
        "basis": basis, "dim": "", "dim_value": "", "value": value,
        "yoy_pct": kw.pop("yoy", None),
    }  # fmt: skip


def report(target_id: str, rows: list[dict], as_of: date) -> Any:
    plan = load_plan()
    reports = target_reports(pd.DataFrame(rows), pd.DataFrame(), plan, as_of, region=CITY)
    return next(r for r in reports if r.target.id == target_id)


def test_semantics_come_from_the_indicator() -> None:
    assert indicator_measure("integration_bases") == "stock"  # params.flow: false
    assert indicator_measure("community_elderly_institutions") == "stock"
    assert indicator_measure("tourists") == "flow"  # params.flow: true
    assert indicator_measure("first_stores_new") == "flow"  # a registry count


def test_a_stock_is_not_summed_over_the_span() -> None:
    # integration bases: the reported stock is 2 in 2025 and still 2 in 2026 (old: "4家")
    rows = [row("integration_bases", "2025", "year", 2.0)]
    rows += [row("integration_bases", f"2026-{m:02d}", "month", 2.0) for m in (1, 2, 3)]
    rep = report("T-integration-bases", rows, date(2026, 4, 15))
    assert rep.values[0].current == 2.0
    assert "当前值2家" in rep.values[0].explanation_zh


def test_new_in_year_on_a_stock_counts_what_the_year_added() -> None:
    # stock 31 at the end of 2024, 33 in September 2025: 2 added, not 33 (old: 已达成)
    rows = [row("community_elderly_institutions", "2024", "year", 31.0)]
    rows += [
        row("community_elderly_institutions", f"2025-{m:02d}", "month", 31.0 + (m >= 6) + (m >= 9))
        for m in range(1, 10)
    ]
    rep = report("T-community-elderly-institutions", rows, date(2025, 10, 15))
    v2025 = rep.values[0]
    assert v2025.current == 2.0
    assert v2025.status is not Status.ACHIEVED
    # the 2027 value (总数达到200家) is a level of the stock: its current value, 33
    assert rep.values[1].current == 33.0


def test_new_in_year_on_a_stock_without_last_year_end_has_no_data() -> None:
    rows = [row("community_elderly_institutions", "2025-09", "month", 33.0)]
    rep = report("T-community-elderly-institutions", rows, date(2025, 10, 15))
    assert rep.values[0].status is Status.NO_DATA
    assert rep.values[0].probability_note_zh


def test_a_partial_year_from_a_registry_is_projected_not_final() -> None:
    # 237 first stores by September, with the registry's "year" row for the unfinished year
    monthly = [20, 25, 25, 25, 26, 27, 28, 30, 31]
    rows = [row("first_stores_new", f"2025-{m:02d}", "month", float(v)) for m, v in
            zip(range(1, 10), monthly, strict=True)]  # fmt: skip
    rows.append(row("first_stores_new", "2025", "year", float(sum(monthly))))
    ev = series_evidence(pd.DataFrame(rows), "first_stores_new", CITY, as_of=date(2025, 10, 10))
    assert 2025 not in ev.annual
    assert ev.ytd == (2025, 9, 237.0)
    rep = report("T-first-stores", rows, date(2025, 10, 10))
    v2025 = rep.values[0]
    assert v2025.current == 237.0
    assert v2025.status is Status.ON_TRACK  # old: 滞后 (off track) and red
    assert v2025.escalation is not Escalation.RED


def _flow_rows(indicator: str, levels: dict[int, float], last: dict[int, int]) -> list[dict]:
    out = []
    for year, level in levels.items():
        cum = np.cumsum(PATTERN) * level
        for i, month in enumerate(MONTHS):
            if month <= last.get(year, 12):
                out.append(row(indicator, f"{year}-{month:02d}", "ytd", float(cum[i])))
    return out


def test_every_open_numeric_value_gets_a_probability_and_a_fan() -> None:
    levels = {2020: 18000.0, 2021: 19500.0, 2022: 20500.0, 2023: 22000.0, 2024: 23500.0}
    rows = _flow_rows("tourists", {**levels, 2025: 26000.0}, {2025: 9})
    rep = report("T-tourists", rows, date(2025, 10, 20))
    for value in rep.values:
        if value.status is Status.ACHIEVED:
            continue
        assert value.probability is not None, value
        assert value.fan is not None
        assert value.fan[0] <= value.fan[1] <= value.fan[2]
        assert "达标概率" in value.explanation_zh


def test_too_short_history_says_so_in_words() -> None:
    rows = _flow_rows("tourists", {2024: 23500.0, 2025: 26000.0}, {2025: 9})
    rep = report("T-tourists", rows, date(2025, 10, 20))
    open_values = [v for v in rep.values if v.status not in (Status.ACHIEVED, Status.NO_DATA)]
    assert open_values
    for value in open_values:
        if value.probability is None:
            assert "不足" in value.probability_note_zh
            assert (
                "too short" in value.probability_note_en or "Too few" in value.probability_note_en
            )
            assert value.probability_note_zh in value.explanation_zh


def _growth_target(goal: float, comparator: str = ">=") -> Target:
    return Target(
        id="T-national-retail-growth", name_zh="全国社零增速", name_en="National retail growth",
        indicator="retail_sales", headline=True, region="全国",
        values=[TargetValue(year=2025, kind=TargetKind.GROWTH, comparator=comparator,
                            value=goal, unit="%", unit_en="%", source=f"增长{goal}%")],
    )  # fmt: skip


def _nbs_rows(until: tuple[int, int]) -> list[dict]:
    out = []
    with NBS.open(encoding="utf-8") as fh:
        for r in csv.DictReader(fh):
            year, month = int(r["year"]), int(r["month"])
            if (year, month) <= until:
                out.append(row("retail_sales", f"{year}-{month:02d}", "ytd", None,
                               region="100000", yoy=float(r["ytd_growth_pct"])))  # fmt: skip
    return out


def test_growth_target_on_the_nation_from_real_nbs_growth() -> None:
    rows = _nbs_rows((2025, 9))  # as of October 2025: 1-9月 +4.5 %
    plan = load_plan()
    high, low = _growth_target(5.5), _growth_target(3.0)
    plan_targets = {**plan.targets, high.id: high}
    plan = (
        plan.model_copy(update={"targets": plan_targets}) if hasattr(plan, "model_copy") else plan
    )
    ev = series_evidence(pd.DataFrame(rows), "retail_sales", "100000", as_of=date(2025, 10, 25))
    assert ev.ytd is not None and ev.ytd[:2] == (2025, 9)
    res_high = evaluate_value(high, high.values[0], ev, date(2025, 10, 25))
    res_low = evaluate_value(low, low.values[0], ev, date(2025, 10, 25))
    assert res_high.current == 4.5
    assert res_high.probability is not None and res_high.probability < 0.2
    assert res_low.probability is not None and res_low.probability > 0.8
    assert res_low.status is Status.ON_TRACK
    assert res_high.status in (Status.AT_RISK, Status.OFF_TRACK)
    assert "累计增速4.5%" in res_high.explanation_zh


def test_growth_target_final_year() -> None:
    ev = series_evidence(pd.DataFrame(_nbs_rows((2025, 12))), "retail_sales", "100000",
                         as_of=date(2026, 2, 1))  # fmt: skip
    t = _growth_target(4.0)
    res = evaluate_value(t, t.values[0], ev, date(2026, 2, 1))
    assert (res.status, res.current) == (Status.OFF_TRACK, 3.7)


def test_target_region_is_validated() -> None:
    with pytest.raises(ValueError, match="region"):
        Target(id="T-x", name_zh="x", name_en="x", indicator="x", headline=True, region="火星",
               values=[TargetValue(year=2025, kind="growth", comparator=">=", value=5,
                                   source="增长5%")])  # fmt: skip
    assert _growth_target(5).region == "全国"


def test_growth_kind_and_region_in_a_plan_file(tmp_path: Path) -> None:
    import shutil

    from consumption_monitor.plan.loader import BUNDLED_PLAN, validate_plan_file

    src = Path(BUNDLED_PLAN)
    for f in src.parent.iterdir():
        shutil.copy(f, tmp_path / f.name)
    text = (tmp_path / src.name).read_text(encoding="utf-8")
    text = text.replace(
        "  indicator: retail_sales\n", "  indicator: retail_sales\n  region: '120104'\n", 1
    )
    (tmp_path / src.name).write_text(text, encoding="utf-8")
    plan = validate_plan_file(tmp_path / src.name)
    assert any(t.region == "120104" for t in plan.targets.values())
    bad = text.replace("  region: '120104'\n", "  region: Mars\n", 1)
    (tmp_path / src.name).write_text(bad, encoding="utf-8")
    with pytest.raises(PlanError) as err:
        validate_plan_file(tmp_path / src.name)
    assert "region" in str(err.value)
