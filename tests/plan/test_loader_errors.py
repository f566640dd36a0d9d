"""The loader refuses malformed plan files with errors naming the file, entry and field."""

from __future__ import annotations

import shutil
from collections.abc import Callable
from fractions import Fraction
from pathlib import Path
from typing import Any

import pytest
import yaml

from consumption_monitor.config import load_settings
from consumption_monitor.errors import PlanError
from consumption_monitor.plan import load_plan, validate_plan_file
from consumption_monitor.plan.loader import BUNDLED_PLAN

UNITS = BUNDLED_PLAN.parent / "units_tianjin.yaml"


def write_plan(tmp_path: Path, change: Callable[[dict[str, Any]], None]) -> Path:
    """A copy of the bundled plan (and its units file) with ``change`` applied."""
    doc = yaml.safe_load(BUNDLED_PLAN.read_text(encoding="utf-8"))
    change(doc)
    shutil.copy(UNITS, tmp_path / UNITS.name)
    path = tmp_path / "plan.yaml"
    path.write_text(yaml.safe_dump(doc, allow_unicode=True, sort_keys=False), encoding="utf-8")
    return path


def task(doc: dict[str, Any], number: int) -> dict[str, Any]:
    return next(t for t in doc["tasks"] if t["id"] == number)


def target(doc: dict[str, Any], target_id: str) -> dict[str, Any]:
    return next(t for t in doc["targets"] if t["id"] == target_id)


def expect_error(path: Path, entry: str, field: str) -> PlanError:
    with pytest.raises(PlanError) as info:
        validate_plan_file(path)
    err = info.value
    assert err.where is not None
    assert (err.where.file, err.where.entry, err.where.field) == (str(path), entry, field)
    for part in (str(path), entry, field):
        assert part in str(err)
        assert part in err.render("zh")
    return err


def test_copy_of_the_bundled_plan_loads(tmp_path: Path) -> None:
    plan = validate_plan_file(write_plan(tmp_path, lambda doc: None))
    assert len(plan.tasks) == 50


def test_unknown_unit(tmp_path: Path) -> None:
    path = write_plan(tmp_path, lambda doc: task(doc, 3)["units"].append("市不存在局"))
    err = expect_error(path, "task-3", "units")
    assert "市不存在局" in str(err)


def test_unknown_unit_in_safeguard_item(tmp_path: Path) -> None:
    def change(doc: dict[str, Any]) -> None:
        doc["safeguards"][3]["items"][1]["units"] = ["市投资促进局", "市外星局"]

    err = expect_error(write_plan(tmp_path, change), "S4-2", "units")
    assert "市外星局" in str(err)


def test_duplicate_task_id(tmp_path: Path) -> None:
    def change(doc: dict[str, Any]) -> None:
        doc["tasks"].append(dict(task(doc, 2)))

    expect_error(write_plan(tmp_path, change), "task-2", "id")


def test_duplicate_target_id(tmp_path: Path) -> None:
    def change(doc: dict[str, Any]) -> None:
        doc["targets"].append(dict(target(doc, "T-tourists")))

    expect_error(write_plan(tmp_path, change), "T-tourists", "id")


def test_orphan_target(tmp_path: Path) -> None:
    path = write_plan(tmp_path, lambda doc: target(doc, "T-tourists").update(tasks=[]))
    expect_error(path, "T-tourists", "tasks")


def test_headline_target_needs_no_task() -> None:
    plan = load_plan(BUNDLED_PLAN)
    assert [t.id for t in plan.targets.values() if not t.tasks] == [
        t.id for t in plan.targets.values() if t.headline
    ]


def test_target_linked_to_unknown_task(tmp_path: Path) -> None:
    path = write_plan(tmp_path, lambda doc: target(doc, "T-tourists").update(tasks=[15, 99]))
    expect_error(path, "T-tourists", "tasks")


@pytest.mark.parametrize(
    ("update", "field"),
    [
        ({"value": "lots"}, "values[0].value"),
        ({"value": True}, "values[0].value"),
        ({"year": "next year"}, "values[0].year"),
        ({"year": 1899}, "values[0].year"),
        ({"comparator": "≈"}, "values[0].comparator"),
        ({"kind": "wish"}, "values[0].kind"),
    ],
)
def test_malformed_value(tmp_path: Path, update: dict[str, Any], field: str) -> None:
    path = write_plan(
        tmp_path, lambda doc: target(doc, "T-upgrade-share")["values"][0].update(update)
    )
    expect_error(path, "T-upgrade-share", field)


def test_year_outside_plan_period(tmp_path: Path) -> None:
    path = write_plan(
        tmp_path, lambda doc: target(doc, "T-tourists")["values"][1].update(year=2030)
    )
    err = expect_error(path, "T-tourists", "values[1].year")
    assert "2025-2027" in str(err)


def test_numeric_comparator_needs_a_value(tmp_path: Path) -> None:
    def change(doc: dict[str, Any]) -> None:
        del target(doc, "T-tourists")["values"][0]["value"]

    expect_error(write_plan(tmp_path, change), "T-tourists", "values[0]")


def test_source_must_quote_a_goal_cell(tmp_path: Path) -> None:
    path = write_plan(
        tmp_path, lambda doc: target(doc, "T-tourists")["values"][0].update(source="游客很多")
    )
    expect_error(path, "T-tourists", "values[0].source")


def test_goal_cell_without_target(tmp_path: Path) -> None:
    def change(doc: dict[str, Any]) -> None:
        doc["targets"] = [t for t in doc["targets"] if t["id"] != "T-business-services-revenue"]

    expect_error(write_plan(tmp_path, change), "task-49", "goals_zh.2025")


def test_unknown_group(tmp_path: Path) -> None:
    expect_error(write_plan(tmp_path, lambda doc: task(doc, 7).update(group=99)), "task-7", "group")


def test_unknown_field_is_refused(tmp_path: Path) -> None:
    path = write_plan(tmp_path, lambda doc: task(doc, 7).update(owner="市商务局"))
    expect_error(path, "task-7", "owner")


def test_missing_units_file(tmp_path: Path) -> None:
    path = write_plan(tmp_path, lambda doc: doc["plan"].update(units_file="nowhere.yaml"))
    expect_error(path, "plan", "units_file")


def test_unknown_main_department_in_units_file(tmp_path: Path) -> None:
    path = write_plan(tmp_path, lambda doc: None)
    units_path = tmp_path / UNITS.name
    units = yaml.safe_load(units_path.read_text(encoding="utf-8"))
    units["structure"]["main_departments"].append("ministry_of_magic")
    units_path.write_text(yaml.safe_dump(units, allow_unicode=True), encoding="utf-8")
    with pytest.raises(PlanError) as info:
        validate_plan_file(path)
    assert info.value.where is not None
    assert info.value.where.file == str(units_path)
    assert info.value.where.field == "structure.main_departments"


def test_alias_clash_in_units_file(tmp_path: Path) -> None:
    path = write_plan(tmp_path, lambda doc: None)
    units_path = tmp_path / UNITS.name
    units = yaml.safe_load(units_path.read_text(encoding="utf-8"))
    units["units"][1]["aliases"].append("市商务局")
    units_path.write_text(yaml.safe_dump(units, allow_unicode=True), encoding="utf-8")
    with pytest.raises(PlanError) as info:
        validate_plan_file(path)
    assert info.value.where is not None
    assert (info.value.where.entry, info.value.where.field) == ("propaganda", "aliases")


def test_not_yaml(tmp_path: Path) -> None:
    path = tmp_path / "broken.yaml"
    path.write_text("plan: [unclosed\n", encoding="utf-8")
    with pytest.raises(PlanError) as info:
        load_plan(path)
    assert str(path) in str(info.value)
    assert "line" in str(info.value)


def test_missing_file_names_the_path(tmp_path: Path) -> None:
    with pytest.raises(PlanError, match=r"nope\.yaml"):
        load_plan(tmp_path / "nope.yaml")


def test_settings_plan_path_is_used(tmp_path: Path) -> None:
    path = write_plan(tmp_path, lambda doc: doc["plan"].update(id="copy"))
    assert load_plan(settings=load_settings(plan_path=path)).info.id == "copy"
    assert load_plan(settings=load_settings()).info.id == "tianjin-2025"


def test_exact_fractions_and_decimals() -> None:
    plan = load_plan(BUNDLED_PLAN)
    online = plan.target("T-online-retail-share").values
    assert online[0].value == Fraction(1, 3)
    assert online[0].value_text == "三分之一"
    assert online[1].value == 35
    assert plan.target("T-tourists").values[0].value == Fraction(5, 2)
    assert plan.target("T-commodity-sales").values[1].value == Fraction(26, 5)
