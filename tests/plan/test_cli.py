"""`cmon plan`: summary, tasks, targets, units, show, and --plan for another city's file."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from typer.testing import CliRunner

from consumption_monitor.cli import app
from consumption_monitor.plan import Plan, TargetKind

runner = CliRunner(env={"COLUMNS": "240"})


def run_json(*args: str) -> Any:
    result = runner.invoke(app, ["plan", *args, "--json"])
    assert result.exit_code == 0, result.output
    return json.loads(result.stdout)


def test_tasks_for_sports_bureau_match_the_seed(seed: Any) -> None:
    expected = sorted(n for n, row in seed.tasks.items() if "市体育局" in row.units)
    assert expected == [5, 21, 22, 23, 24, 25]
    for name in ("市体育局", "天津市体育局", "sport"):
        out = run_json("tasks", "--unit", name)
        assert [t["id"] for t in out["data"]] == expected
        assert out["count"] == len(expected)


def test_tasks_for_a_district_include_collective_assignments(seed: Any) -> None:
    expected = sorted(
        n for n, row in seed.tasks.items() if set(row.units) & {"各区人民政府", "有关区人民政府"}
    )
    for option in ("--unit", "--district"):
        for name in ("滨海新区", "120116"):
            out = run_json("tasks", option, name)
            assert [t["id"] for t in out["data"]] == expected
    assert 20 not in expected and 48 not in expected  # rows without any district phrase


def test_tasks_by_kind_and_year(plan: Plan) -> None:
    out = run_json("tasks", "--kind", "rank", "--year", "2025")
    # rows 40, 30–32, 4 and 35 share the merged 工作目标 cell of the row above them
    assert [t["id"] for t in out["data"]] == [39, 40, 41]
    annual = run_json("tasks", "--kind", "annual")
    assert [t["id"] for t in annual["data"]] == [29, 30, 31, 32, 48]
    combined = run_json("tasks", "--unit", "市商务局", "--kind", "cumulative")
    assert [t["id"] for t in combined["data"]] == [3, 4, 5, 8, 33, 35]


def test_customs_sees_the_cross_border_target_of_its_merged_goal_cell() -> None:
    out = run_json("tasks", "--unit", "天津海关")
    by_task = {t["id"]: t["targets"] for t in out["data"]}
    assert "T-cross-border-ecommerce" in by_task[10]
    assert "T-cross-border-ecommerce" in by_task[11]
    targets = run_json("targets", "--unit", "天津海关")
    assert "T-cross-border-ecommerce" in {t["id"] for t in targets["data"]}


def test_summary_counts(seed: Any, plan: Plan) -> None:
    out = run_json("summary")
    assert out["tasks"] == 50 == len(seed.tasks)
    assert out["districts"] == 16
    assert out["groups"] == 16
    assert out["safeguard_items"] == 12
    assert out["targets"] == len(plan.targets)
    assert out["headline_targets"] == 4
    assert sum(out["targets_by_kind"].values()) == out["targets"]
    assert set(out["targets_by_kind"]) == {k.value for k in TargetKind}
    assert out["target_values_by_kind"]["cumulative"] == 5
    structure = out["structure"]
    assert structure["office_host_zh"] == "市商务局"
    assert structure["n"] == 34
    assert structure["label"] == "1+34+16"
    assert out["departments"] == len(plan.units.departments)


def test_targets_json_fields(plan: Plan) -> None:
    out = run_json("targets")
    assert out["count"] == len(plan.targets)
    by_id = {t["id"]: t for t in out["data"]}
    tourists = by_id["T-tourists"]
    assert tourists["tasks"] == [15, 16, 17, 18, 19, 20]  # rows 15 and 19 and their merges
    assert tourists["indicator"] == "tourists"
    assert [(v["year"], v["comparator"], v["value"], v["unit"]) for v in tourists["values"]] == [
        (2025, ">=", 2.5, "亿人次"),
        (2027, ">=", 3, "亿人次"),
    ]
    assert tourists["lead_units"] == ["culture_tourism"]
    assert "commerce" in tourists["units"]
    online = by_id["T-online-retail-share"]["values"][0]
    assert (online["value_exact"], online["value_text"]) == ("1/3", "三分之一")
    assert online["source"] == "通过公共网络实现的网络零售额占限额以上社零额比重超过三分之一"
    first = by_id["T-first-stores"]["values"][1]
    assert (first["kind"], first["span"], first["years"]) == (
        "cumulative",
        [2025, 2027],
        "2025-2027",
    )
    assert by_id["T-consumption-rate"]["headline"] is True
    assert by_id["T-consumption-rate"]["units"] == []
    for record in out["data"]:
        assert record["values"], record["id"]
        for value in record["values"]:
            assert set(value) >= {"year", "span", "kind", "comparator", "value", "unit", "source"}


def test_targets_filters() -> None:
    sport = run_json("targets", "--unit", "市体育局")
    assert {t["id"] for t in sport["data"]} == {
        "T-sports-events",
        "T-sports-consumption",
        "T-landmark-districts",
        "T-one-district-one-center",
    }
    shares = run_json("targets", "--kind", "share", "--year", "2027")
    assert {t["id"] for t in shares["data"]} == {
        "T-upgrade-share",
        "T-online-retail-share",
        "T-nursing-bed-share",
    }
    span = run_json("targets", "--year", "2026")
    assert all(
        any(v["span"] and v["span"][0] <= 2026 <= v["span"][1] for v in t["values"])
        for t in span["data"]
    )


def test_units_json() -> None:
    out = run_json("units")
    by_code = {u["code"]: u for u in out["data"]}
    assert by_code["commerce"]["office_host"] is True
    assert by_code["sport"]["tasks"] == 6
    assert by_code["justice"]["main_department"] is False
    assert sum(1 for u in out["data"] if u["kind"] == "district") == 16
    assert sum(1 for u in out["data"] if u["main_department"]) == 34


def test_show_task_safeguard_and_target() -> None:
    task = run_json("show", "21")
    assert task["title_zh"] == "优化体育设施布局"
    assert task["target_records"][0]["id"] == "T-sports-events"
    assert {link["via"] for link in task["links"]} == {"named", "all_districts"}
    item = run_json("show", "S6-1")
    assert item["units"] == ["statistics"]
    target = run_json("show", "T-leasing-assets")
    assert target["values"][1]["value_exact"] == "0.25"


def test_tables_in_both_languages() -> None:
    zh = runner.invoke(app, ["plan", "tasks", "--unit", "市体育局", "--lang", "zh"])
    assert zh.exit_code == 0
    assert "优化体育设施布局" in zh.stdout
    en = runner.invoke(app, ["plan", "tasks", "--unit", "sport", "--lang", "en"])
    assert en.exit_code == 0
    assert "Optimise the layout" in en.stdout
    summary = runner.invoke(app, ["plan", "summary"])
    assert "1+34+16" in summary.stdout
    for args in (["targets"], ["units"], ["show", "39"], ["show", "T-tourists", "--lang", "en"]):
        result = runner.invoke(app, ["plan", *args])
        assert result.exit_code == 0, (args, result.output)


def test_unknown_unit_and_task_exit_not_found() -> None:
    result = runner.invoke(app, ["plan", "tasks", "--unit", "市魔法局", "--json"])
    assert result.exit_code == 4
    assert json.loads(result.stdout)["error"]["code"] == "not_found"
    assert runner.invoke(app, ["plan", "show", "51"]).exit_code == 4
    assert runner.invoke(app, ["plan", "tasks", "--kind", "wish"]).exit_code == 2


OTHER_UNITS = """\
city_zh: 示例市
city_en: Example City
districts:
  - {code: "990101", name_zh: 东区, name_en: East District}
  - {code: "990102", name_zh: 西区, name_en: West District}
collectives:
  - {phrase: 各区人民政府, scope: all_districts}
and_others_suffixes: [等有关部门]
structure:
  office_name_zh: 促消费办公室
  office_name_en: Consumption Office
  office_host: commerce
  main_departments: [commerce, culture]
units:
  - {code: commerce, name_zh: 市商务局, name_en: Commerce Bureau, kind: city_department}
  - {code: culture, name_zh: 市文化局, name_en: Culture Bureau, kind: city_department}
"""

OTHER_PLAN = """\
plan:
  id: example-2026
  city_zh: 示例市
  city_en: Example City
  title_zh: 示例市促消费方案
  title_en: Example consumption plan
  period: [2026, 2028]
  units_file: units_example.yaml
  overall_goal_zh: 到2028年，消费率稳步提升。
parts:
  - {id: 1, numeral: 一, title_zh: 商品消费, title_en: Goods}
groups:
  - {id: 1, part: 1, numeral: （一）, title_zh: 以旧换新, title_en: Trade-in}
tasks:
  - id: 1
    group: 1
    title_zh: 汽车以旧换新
    title_en: Car trade-in
    measures_zh: 开展汽车以旧换新。
    goals_zh: {"2026": 新增首店10家}
    units: [市商务局, 各区人民政府]
  - id: 2
    group: 1
    title_zh: 文化消费
    title_en: Culture
    measures_zh: 举办活动。
    units: [市文化局等有关部门]
targets:
  - id: T-first-stores
    name_zh: 新增首店
    name_en: New first stores
    indicator: first_stores_new
    tasks: [1]
    values:
      - {year: 2026, kind: new_in_year, comparator: ">=", value: 10, unit: 家, source: 新增首店10家}
  - id: T-consumption-rate
    name_zh: 消费率
    name_en: Consumption rate
    indicator: consumption_rate
    headline: true
    values:
      - {year: 2028, kind: trend, comparator: trend, value_text: 稳步提升, source: 消费率稳步提升}
"""


@pytest.fixture
def other_city(tmp_path: Path) -> Path:
    (tmp_path / "units_example.yaml").write_text(OTHER_UNITS, encoding="utf-8")
    path = tmp_path / "example_plan.yaml"
    path.write_text(OTHER_PLAN, encoding="utf-8")
    return path


def test_another_city_plan_loads_via_option(other_city: Path) -> None:
    summary = run_json("--plan", str(other_city), "summary")
    assert (summary["plan_id"], summary["tasks"], summary["districts"]) == ("example-2026", 2, 2)
    assert summary["structure"]["label"] == "1+2+2"
    tasks = run_json("--plan", str(other_city), "tasks", "--district", "西区")
    assert [t["id"] for t in tasks["data"]] == [1]
    culture = run_json("--plan", str(other_city), "show", "2")
    assert culture["links"][0]["and_others"] is True
    targets = run_json("--plan", str(other_city), "targets", "--year", "2026")
    assert [t["id"] for t in targets["data"]] == ["T-first-stores"]


def test_another_city_plan_error_names_its_file(other_city: Path) -> None:
    other_city.write_text(
        OTHER_PLAN.replace("[市商务局, 各区人民政府]", "[市商务局, 北区]"), "utf-8"
    )
    result = runner.invoke(app, ["plan", "--plan", str(other_city), "tasks", "--json"])
    assert result.exit_code == 1
    error = json.loads(result.stdout)["error"]
    assert error["code"] == "plan"
    assert error["where"] == {
        "file": str(other_city),
        "entry": "task-1",
        "field": "units",
        "value": "北区",
    }


def test_env_plan_path(other_city: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from consumption_monitor.config import get_settings

    monkeypatch.setenv("CMON_PLAN_PATH", str(other_city))
    get_settings.cache_clear()
    try:
        assert run_json("summary")["plan_id"] == "example-2026"
    finally:
        get_settings.cache_clear()
