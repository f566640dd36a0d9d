"""Major projects (重大项目智慧管理): pipeline stages, record checks, schedule status, investment.

Pure functions on DataFrames; :mod:`consumption_monitor.projects.sources` loads from the lake.
"""

from consumption_monitor.projects.pipeline import (
    DATE_COLUMNS,
    MILESTONES,
    PROJECT_COLUMNS,
    STAGES,
    Milestone,
    Problem,
    Stage,
    Transition,
    apply_transition,
    check_record,
    check_transitions,
    normalise_projects,
    parse_stage,
    transitions_from_record,
    validate_projects,
)
from consumption_monitor.projects.status import (
    ProjectRules,
    ProjectStatus,
    months_between,
    project_status,
    project_statuses,
    status_from_delay,
)
from consumption_monitor.projects.summary import (
    filter_projects,
    investment_by,
    stage_matrix,
)

__all__ = [
    "DATE_COLUMNS",
    "MILESTONES",
    "PROJECT_COLUMNS",
    "STAGES",
    "Milestone",
    "Problem",
    "ProjectRules",
    "ProjectStatus",
    "Stage",
    "Transition",
    "apply_transition",
    "check_record",
    "check_transitions",
    "filter_projects",
    "investment_by",
    "months_between",
    "normalise_projects",
    "parse_stage",
    "project_status",
    "project_statuses",
    "stage_matrix",
    "status_from_delay",
    "transitions_from_record",
    "validate_projects",
]
