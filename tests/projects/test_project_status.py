"""RAG status of projects on hand-made cases (same escalation rules as targets)."""

from __future__ import annotations

from datetime import date

import pytest

from consumption_monitor.projects import ProjectRules, project_status, status_from_delay
from consumption_monitor.targets.status import Escalation, Status, Thresholds

AS_OF = date(2025, 6, 30)


@pytest.fixture
def cp(project):
    """A project under construction (started on time) with the given planned dates."""

    def build(planned_operation: date, planned_full: date, **kw):
        return project(
            "P1",
            stage="construction",
            signed_date=date(2024, 1, 1),
            planned_start=date(2024, 3, 1),
            actual_start=date(2024, 3, 1),
            planned_operation=planned_operation,
            planned_full=planned_full,
            **kw,
        )

    return build


def test_on_time(cp):
    res = project_status(cp(date(2025, 12, 31), date(2027, 6, 30)), AS_OF)
    assert (res.status, res.escalation, res.rag) == (Status.ON_TRACK, Escalation.NONE, "green")
    assert res.pending == "operation" and res.delay_months < 0


def test_slightly_late_far_from_deadline_is_a_note(cp):
    # Planned operation 2025-06-01: 29 days late (< 1 month) → watch; deadline 24 months away.
    res = project_status(cp(date(2025, 6, 1), date(2027, 6, 30)), AS_OF)
    assert res.status is Status.WATCH
    assert res.delay_months == pytest.approx(29 / 30.4375, abs=0.01)
    assert res.months_left == 24
    assert (res.escalation, res.rag) == (Escalation.BLUE, "green")


def test_late_two_months_is_at_risk_yellow_when_deadline_far(cp):
    res = project_status(cp(date(2025, 4, 30), date(2027, 6, 30)), AS_OF)
    assert (res.status, res.escalation, res.rag) == (Status.AT_RISK, Escalation.YELLOW, "yellow")


def test_very_late_is_off_track_red(cp):
    res = project_status(cp(date(2024, 12, 1), date(2027, 6, 30)), AS_OF)
    assert res.delay_months > 3
    assert (res.status, res.escalation, res.rag) == (Status.OFF_TRACK, Escalation.RED, "red")


def test_near_deadline_turns_the_same_lateness_red(cp):
    far = project_status(cp(date(2025, 4, 30), date(2027, 6, 30)), AS_OF)
    near = project_status(cp(date(2025, 4, 30), date(2025, 10, 31)), AS_OF)
    assert far.status is near.status is Status.AT_RISK
    assert near.months_left <= Thresholds().red_months
    assert (far.rag, near.rag) == ("yellow", "red")


def test_due_soon_is_watch_and_yellow_near_deadline(cp):
    res = project_status(cp(date(2025, 7, 15), date(2025, 12, 31)), AS_OF)
    assert (res.status, res.escalation, res.rag) == (Status.WATCH, Escalation.YELLOW, "yellow")


def test_full_capacity_is_achieved_and_past_delays_are_kept(project):
    row = project(
        "P1",
        stage="full_capacity",
        signed_date=date(2023, 1, 1),
        planned_start=date(2023, 3, 1),
        actual_start=date(2023, 5, 1),
        planned_operation=date(2024, 1, 1),
        actual_operation=date(2024, 1, 1),
        planned_full=date(2024, 6, 1),
        actual_full=date(2024, 6, 1),
    )
    res = project_status(row, AS_OF)
    assert (res.status, res.rag) == (Status.ACHIEVED, "green")
    assert res.past_delays == {"construction": pytest.approx(61 / 30.4375, abs=0.01)}


def test_missing_planned_date_is_no_data(project):
    res = project_status(project("P1"), AS_OF)
    assert res.status is Status.NO_DATA and res.pending == "construction"


def test_negotiating_project_is_judged_on_planned_start(project):
    row = project(
        "P1",
        stage="negotiating",
        signed_date=None,
        planned_start=date(2025, 1, 1),
        planned_full=date(2026, 1, 1),
    )
    res = project_status(row, AS_OF)
    assert res.pending == "construction" and res.status is Status.OFF_TRACK


def test_delay_cut_offs_are_configurable():
    strict = ProjectRules(watch_months=0.0, at_risk_months=0.5)
    assert status_from_delay(0.2, ProjectRules()) is Status.WATCH
    assert status_from_delay(0.2, strict) is Status.AT_RISK
    assert status_from_delay(0.6, strict) is Status.OFF_TRACK
