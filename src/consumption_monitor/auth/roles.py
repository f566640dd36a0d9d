"""Roles, actions and row-level visibility, declared as data.

Permissions are one table, :data:`PERMISSIONS` (role → allowed actions); every page and API
route names exactly one action and the web layer checks it through one dependency. Which rows a
user may see is decided in one place too: :func:`visible_units` and :func:`can_see`.

Row-level rule: published city figures are visible to every signed-in role; an unpublished
submission is visible only to the unit that owns it and to the roles that see every unit
(admin, office). A viewer (只读) sees published figures only. A department's or district's
submission is unpublished until its unit or the office publishes it (:func:`may_publish`);
every other load is published when it is loaded (:func:`published_on_load`). The readers of
the lake apply the rule to the data itself through :func:`data_viewer`.

>>> from types import SimpleNamespace as U
>>> district = U(role=Role.DISTRICT, unit="120101")
>>> can_see(district, "120101", published=False), can_see(district, "120102", published=False)
(True, False)
>>> can_see(district, "120102", published=True)
True
>>> allowed(Role.VIEWER, Action.MANAGE_USERS)
False
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from enum import StrEnum
from typing import Protocol

from consumption_monitor.errors import DataValidationError, Location, PermissionDeniedError
from consumption_monitor.store.manifest import EVERY_BATCH, PUBLISHED_ONLY, Viewer


class Role(StrEnum):
    """What a user is; each user has exactly one role and (for most roles) one unit."""

    ADMIN = "admin"
    OFFICE = "office"  # 办公室: the "Big Consumption" office at the Commerce Bureau
    DEPARTMENT = "department"  # 部门: a responsible city department
    DISTRICT = "district"  # 区: a district government, bound to its admin code
    VIEWER = "viewer"  # 只读: leaders and analysts who read published figures
    PROVIDER = "provider"  # 报送接口: a data provider pushing files through the API


ROLE_LABELS: dict[Role, tuple[str, str]] = {
    Role.ADMIN: ("管理员", "Administrator"),
    Role.OFFICE: ("办公室", "Office"),
    Role.DEPARTMENT: ("部门", "Department"),
    Role.DISTRICT: ("区", "District"),
    Role.VIEWER: ("只读", "Viewer"),
    Role.PROVIDER: ("报送接口", "Data provider"),
}


class Action(StrEnum):
    """Things a route lets a caller do. A route declares exactly one."""

    VIEW_ACCOUNT = "view_account"  # who am I, sign out
    VIEW_OVERVIEW = "view_overview"  # 总览 and 大屏: published city figures
    VIEW_PLAN = "view_plan"  # tasks, targets, units of the action plan
    VIEW_SUBMISSIONS = "view_submissions"  # submission history (rows filtered by can_see)
    SUBMIT_DATA = "submit_data"  # upload a batch of one of the unit's datasets
    MANAGE_USERS = "manage_users"  # create, list, disable users; issue tokens
    VIEW_AUDIT = "view_audit"  # read and verify the audit log
    VIEW_INDICATORS = "view_indicators"  # explorer, district map, 商圈, holidays; their exports
    VIEW_EVALUATION = "view_evaluation"  # scorecards (a unit sees its own explanation)
    VIEW_ALERTS = "view_alerts"  # monitoring alerts
    MANAGE_ALERTS = "manage_alerts"  # acknowledge and resolve alerts
    VIEW_PROJECTS = "view_projects"  # major projects, industry chains, promotion candidates
    VIEW_REPORTS = "view_reports"  # download generated analysis reports


_READERS = frozenset(
    {
        Action.VIEW_ACCOUNT,
        Action.VIEW_OVERVIEW,
        Action.VIEW_PLAN,
        Action.VIEW_SUBMISSIONS,
        Action.VIEW_INDICATORS,
        Action.VIEW_EVALUATION,
        Action.VIEW_ALERTS,
        Action.VIEW_PROJECTS,
        Action.VIEW_REPORTS,
    }
)

#: The permission table: role → allowed actions. This is the only place that grants anything.
PERMISSIONS: Mapping[Role, frozenset[Action]] = {
    Role.ADMIN: frozenset(Action),
    Role.OFFICE: _READERS | {Action.SUBMIT_DATA, Action.MANAGE_ALERTS},
    Role.DEPARTMENT: _READERS | {Action.SUBMIT_DATA},
    Role.DISTRICT: _READERS | {Action.SUBMIT_DATA},
    Role.VIEWER: frozenset(
        {
            Action.VIEW_ACCOUNT,
            Action.VIEW_OVERVIEW,
            Action.VIEW_PLAN,
            Action.VIEW_INDICATORS,
            Action.VIEW_EVALUATION,  # the district ranking is what a leader looks for (#20)
            Action.VIEW_REPORTS,
        }
    ),
    Role.PROVIDER: frozenset({Action.VIEW_ACCOUNT, Action.VIEW_SUBMISSIONS, Action.SUBMIT_DATA}),
}

#: Roles that see every unit's unpublished submissions.
ALL_UNIT_ROLES = frozenset({Role.ADMIN, Role.OFFICE})

#: Kind of unit each role must be bound to (``None``: the unit is optional).
ROLE_UNIT_KIND: Mapping[Role, str | None] = {
    Role.ADMIN: None,
    Role.OFFICE: "department",
    Role.DEPARTMENT: "department",
    Role.DISTRICT: "district",
    Role.VIEWER: None,
    Role.PROVIDER: "provider",
}

#: Dataset "sides" (see the catalog's datasets.yaml) each role may submit batches of; ``None``
#: means every dataset. Units report their own figures and registries; providers push
#: enterprise and payment data; the office and administrators may load anything.
SUBMIT_SIDES: Mapping[Role, frozenset[str] | None] = {
    Role.ADMIN: None,
    Role.OFFICE: None,
    Role.DEPARTMENT: frozenset({"units", "registry", "investment"}),
    Role.DISTRICT: frozenset({"units", "registry", "investment"}),
    Role.VIEWER: frozenset(),
    Role.PROVIDER: frozenset({"enterprise", "consumer"}),
}

_UNIT_CODE = re.compile(r"^[a-z0-9_]{1,64}$")


class HasRoleAndUnit(Protocol):
    """Anything with a role and a unit (a stored user, a token's user, a test double)."""

    @property
    def role(self) -> str: ...

    @property
    def unit(self) -> str | None: ...


class AllUnits:
    """Marker returned by :func:`visible_units` for roles that see every unit."""

    def __contains__(self, _unit: object) -> bool:
        return True

    def __repr__(self) -> str:
        return "ALL_UNITS"


ALL_UNITS = AllUnits()


def allowed(role: str, action: Action | str) -> bool:
    """True when ``role`` may perform ``action``; unknown roles may do nothing."""
    try:
        return Action(action) in PERMISSIONS[Role(role)]
    except ValueError:
        return False


def require_action(user: HasRoleAndUnit, action: Action | str) -> None:
    """Raise :class:`PermissionDeniedError` unless the user's role allows ``action``."""
    if not allowed(user.role, action):
        zh_role = ROLE_LABELS.get(Role(user.role), (user.role, user.role))[0]
        raise PermissionDeniedError(
            f"role {user.role!r} may not {Action(action).value}",
            f"角色“{zh_role}”无权执行此操作（{Action(action).value}）",
            hint_en="ask an administrator for the right role",
            hint_zh="请联系管理员分配相应角色",
        )


def may_submit_side(user: HasRoleAndUnit, side: str) -> bool:
    """True when the user's role may submit datasets of this catalog ``side``."""
    if not allowed(user.role, Action.SUBMIT_DATA):
        return False
    sides = SUBMIT_SIDES[Role(user.role)]
    return sides is None or side in sides


def visible_units(user: HasRoleAndUnit) -> frozenset[str] | AllUnits:
    """Units whose unpublished rows ``user`` may see: :data:`ALL_UNITS`, one unit, or none.

    Viewers and users without a unit get the empty set: published figures only.
    """
    role = Role(user.role)
    if role in ALL_UNIT_ROLES:
        return ALL_UNITS
    if role is Role.VIEWER or not user.unit:
        return frozenset()
    return frozenset({user.unit})


def can_see(user: HasRoleAndUnit, owner_unit: str | None, *, published: bool) -> bool:
    """The one row-level rule: published rows to all; unpublished rows to their unit (and
    admin/office). A row without an owner unit is city-level: unpublished, only admin/office.
    """
    if published:
        return True
    units = visible_units(user)
    if isinstance(units, AllUnits):
        return True
    return owner_unit is not None and owner_unit in units


#: Roles whose submissions wait for publishing: the plan's reporting units (部门, 区).
PUBLISH_AFTER_REVIEW = frozenset({Role.DEPARTMENT, Role.DISTRICT})


def data_viewer(user: HasRoleAndUnit) -> Viewer:
    """The lake reader's view of ``user``: whose unpublished batches its reads include.

    >>> from types import SimpleNamespace as U
    >>> data_viewer(U(role="district", unit="120116")).units
    frozenset({'120116'})
    >>> data_viewer(U(role="viewer", unit=None)) == PUBLISHED_ONLY
    True
    """
    units = visible_units(user)
    if isinstance(units, AllUnits):
        return EVERY_BATCH
    return Viewer(units=units) if units else PUBLISHED_ONLY


def published_on_load(user: HasRoleAndUnit) -> bool:
    """False for a department's or district's submission (it waits for publishing); loads by
    the office, administrators and data providers are published at once."""
    return Role(user.role) not in PUBLISH_AFTER_REVIEW


def may_publish(user: HasRoleAndUnit, owner_unit: str | None) -> bool:
    """True when ``user`` may publish a batch submitted by ``owner_unit``: the office and
    administrators any batch; a department or district a batch of its own unit."""
    role = Role(user.role)
    if role in ALL_UNIT_ROLES:
        return True
    return (
        role in PUBLISH_AFTER_REVIEW
        and owner_unit is not None
        and bool(user.unit)
        and owner_unit == user.unit
    )


@dataclass(frozen=True)
class UnitDirectory:
    """The unit codes a deployment knows, from the plan registry and the catalog.

    Built by the adapters (web, CLI) from :func:`consumption_monitor.plan.load_plan`; ``auth``
    itself does not import the plan, which sits above it.
    """

    departments: frozenset[str]
    districts: frozenset[str]


def check_unit(role: Role, unit: str | None, directory: UnitDirectory | None) -> str | None:
    """Validate the unit a user of ``role`` is bound to and return it (``None`` if optional).

    District users need a district code (``120101``), office and department users a plan unit
    code, providers any short code of their organisation. With no ``directory`` only the code's
    form is checked.
    """
    kind = ROLE_UNIT_KIND[role]
    if not unit:
        if kind is None:
            return None
        raise DataValidationError(
            f"a {role.value} user must be bound to a {kind} unit",
            f"{ROLE_LABELS[role][0]}用户必须绑定单位",
            where=Location(field="unit"),
            hint_en="pass --unit with a unit code (district users: the district code, e.g. 120101)",
            hint_zh="请用 --unit 指定单位代码（区用户填区划代码，如 120101）",
        )
    if not _UNIT_CODE.match(unit):
        raise DataValidationError(
            f"unit code {unit!r} is malformed (lower-case letters, digits, _)",
            f"单位代码“{unit}”格式不正确（小写字母、数字、下划线）",
            where=Location(field="unit", value=unit),
        )
    if directory is not None and kind in ("district", "department"):
        pool = directory.districts if kind == "district" else directory.departments
        if unit not in pool:
            raise DataValidationError(
                f"{unit!r} is not a {kind} of the action plan",
                f"“{unit}”不是行动方案中的{'区' if kind == 'district' else '部门'}",
                where=Location(field="unit", value=unit),
                hint_en="run `cmon plan units` to list unit codes",
                hint_zh="运行 `cmon plan units` 查看单位代码",
            )
    return unit
