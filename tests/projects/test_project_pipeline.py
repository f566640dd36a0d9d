"""Stage parsing, record checks and the transition log."""

from __future__ import annotations

from datetime import date

import pandas as pd
import pytest

from consumption_monitor.errors import DataValidationError
from consumption_monitor.projects import (
    Stage,
    Transition,
    apply_transition,
    check_record,
    check_transitions,
    normalise_projects,
    transitions_from_record,
    validate_projects,
)

D = date


def _fields(problems, severity="error"):
    return sorted((p.field or "") for p in problems if p.severity == severity)


def test_normalise_accepts_chinese_stage_and_resolves_chain_names(project):
    df = normalise_projects(
        pd.DataFrame(
            [
                project("P1", stage="投产", chain="宠物", link="宠物医疗"),
                project("P2", chain="beauty", link="channel_retail"),
            ]
        )
    )
    assert df["stage"].tolist() == ["operation", "signed"]
    assert df["chain_id"].tolist() == ["pet", "beauty"]
    assert df["link_id"].tolist() == ["pet_medical", "channel_retail"]


def test_unknown_stage_is_refused_with_the_project_named(project):
    with pytest.raises(DataValidationError) as err:
        normalise_projects(pd.DataFrame([project("P9", stage="规划中")]))
    assert err.value.problems[0].where.entry == "P9"


def test_consistent_record_has_no_problem(project):
    row = project(
        "P1",
        stage="operation",
        signed_date=D(2024, 1, 1),
        planned_start=D(2024, 3, 1),
        actual_start=D(2024, 3, 5),
        planned_operation=D(2025, 1, 1),
        actual_operation=D(2025, 2, 1),
        planned_full=D(2025, 12, 1),
    )
    assert check_record(row, as_of=D(2025, 6, 30)) == []


def test_actual_dates_out_of_order_are_errors(project):
    row = project(
        "P1",
        stage="operation",
        signed_date=D(2024, 1, 1),
        actual_start=D(2024, 6, 1),
        actual_operation=D(2024, 5, 1),
    )
    assert _fields(check_record(row)) == ["actual_operation"]


def test_planned_dates_out_of_order_are_errors(project):
    row = project(
        "P1",
        planned_start=D(2025, 6, 1),
        planned_operation=D(2025, 1, 1),
        planned_full=D(2026, 1, 1),
    )
    assert _fields(check_record(row)) == ["planned_operation"]


def test_stage_and_dates_must_agree(project):
    missing = project("P1", stage="construction")  # no actual start
    beyond = project("P2", stage="signed", actual_operation=D(2024, 5, 1))
    future = project("P3", stage="signed", signed_date=D(2030, 1, 1))
    assert _fields(check_record(missing)) == ["actual_start"]
    assert "actual_operation" in _fields(check_record(beyond))
    assert _fields(check_record(future, as_of=D(2025, 1, 1))) == ["signed_date"]


def test_duplicate_ids_and_unknown_links_are_reported(project):
    df = normalise_projects(pd.DataFrame([project("P1"), project("P1", link="不存在的环节")]))
    problems = validate_projects(df)
    assert _fields(problems) == ["project_id"]
    assert _fields(problems, "warning") == ["link"]


def _t(frm, to, on, reason=None):
    return Transition(project_id="P1", from_stage=frm, to_stage=to, on=on, reason=reason)


def test_transition_log_forward_in_order_is_clean():
    log = [
        _t(Stage.NEGOTIATING, Stage.SIGNED, D(2024, 1, 1)),
        _t(Stage.SIGNED, Stage.CONSTRUCTION, D(2024, 3, 1)),
        _t(Stage.CONSTRUCTION, Stage.OPERATION, D(2025, 1, 1)),
    ]
    assert check_transitions(log) == []


def test_moving_back_needs_a_reason():
    back = _t(Stage.OPERATION, Stage.CONSTRUCTION, D(2025, 2, 1))
    assert _fields(check_transitions([back])) == ["reason"]
    with_reason = _t(Stage.OPERATION, Stage.CONSTRUCTION, D(2025, 2, 1), reason="环保整改停产")
    assert check_transitions([with_reason]) == []
    assert with_reason.is_setback


def test_dates_must_not_go_backwards():
    log = [
        _t(Stage.NEGOTIATING, Stage.SIGNED, D(2024, 5, 1)),
        _t(Stage.SIGNED, Stage.CONSTRUCTION, D(2024, 4, 1)),
    ]
    assert _fields(check_transitions(log)) == ["on"]


def test_transition_must_start_where_the_project_is_and_change_something():
    log = [
        _t(Stage.NEGOTIATING, Stage.SIGNED, D(2024, 1, 1)),
        _t(Stage.CONSTRUCTION, Stage.OPERATION, D(2024, 6, 1)),
        _t(Stage.OPERATION, Stage.OPERATION, D(2024, 7, 1)),
    ]
    assert _fields(check_transitions(log)) == ["from_stage", "to_stage"]


def test_forward_skip_is_a_warning_not_an_error():
    skip = _t(Stage.SIGNED, Stage.OPERATION, D(2024, 6, 1))
    problems = check_transitions([skip])
    assert _fields(problems) == [] and _fields(problems, "warning") == ["to_stage"]


def test_apply_transition_refuses_a_setback_without_reason_and_a_date_before_the_log():
    log = apply_transition([], _t(Stage.NEGOTIATING, Stage.SIGNED, D(2024, 1, 1)))
    log = apply_transition(log, _t(Stage.SIGNED, Stage.CONSTRUCTION, D(2024, 3, 1)))
    with pytest.raises(DataValidationError):
        apply_transition(log, _t(Stage.CONSTRUCTION, Stage.SIGNED, D(2024, 4, 1)))
    with pytest.raises(DataValidationError):
        apply_transition(log, _t(Stage.CONSTRUCTION, Stage.OPERATION, D(2024, 2, 1)))
    log = apply_transition(log, _t(Stage.CONSTRUCTION, Stage.SIGNED, D(2024, 4, 1), "用地调整"))
    assert [t.to_stage for t in log] == [Stage.SIGNED, Stage.CONSTRUCTION, Stage.SIGNED]


def test_transitions_from_record_follow_the_milestones(project):
    row = project("P1", stage="construction", signed_date=D(2024, 1, 1), actual_start=D(2024, 3, 1))
    log = transitions_from_record(row)
    assert [(t.from_stage, t.to_stage, t.on) for t in log] == [
        (Stage.NEGOTIATING, Stage.SIGNED, D(2024, 1, 1)),
        (Stage.SIGNED, Stage.CONSTRUCTION, D(2024, 3, 1)),
    ]
    assert check_transitions(log) == []
