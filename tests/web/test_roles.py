"""The permission table and the row-level rule, against tables written out by hand."""

from __future__ import annotations

from dataclasses import dataclass
from itertools import product

import pytest

from consumption_monitor.auth.roles import (
    ALL_UNITS,
    PERMISSIONS,
    Action,
    Role,
    UnitDirectory,
    allowed,
    can_see,
    check_unit,
    may_submit_side,
    require_action,
    visible_units,
)
from consumption_monitor.errors import DataValidationError, PermissionDeniedError


@dataclass(frozen=True)
class U:
    role: str
    unit: str | None


def test_every_role_has_a_permission_row_and_admin_has_all() -> None:
    assert set(PERMISSIONS) == set(Role)
    assert PERMISSIONS[Role.ADMIN] == frozenset(Action)
    assert not allowed("king", Action.VIEW_PLAN) and not allowed("admin", "fly")


def test_require_action_raises_403() -> None:
    with pytest.raises(PermissionDeniedError) as err:
        require_action(U("viewer", None), Action.SUBMIT_DATA)
    assert err.value.http_status == 403


OWNERS = ["120101", "120102", "commerce", "sport", None]


def _naive_can_see(role: str, unit: str | None, owner: str | None, published: bool) -> bool:
    """Oracle written from the rule in words."""
    if published:
        return True
    if role in ("admin", "office"):
        return True
    if role == "viewer":
        return False
    return unit is not None and owner == unit


@pytest.mark.parametrize(
    ("role", "unit"),
    [
        ("admin", None),
        ("office", "commerce"),
        ("department", "sport"),
        ("district", "120101"),
        ("viewer", None),
        ("provider", "unionpay"),
        ("district", None),
    ],
)
def test_can_see_matches_the_rule(role: str, unit: str | None) -> None:
    user = U(role, unit)
    for owner, published in product(OWNERS, (True, False)):
        assert can_see(user, owner, published=published) == _naive_can_see(
            role, unit, owner, published
        ), (role, unit, owner, published)
    units = visible_units(user)
    if role in ("admin", "office"):
        assert units is ALL_UNITS
    else:
        assert units == (frozenset({unit}) if unit and role != "viewer" else frozenset())


def test_submit_sides() -> None:
    assert may_submit_side(U("district", "120101"), "units")
    assert not may_submit_side(U("district", "120101"), "consumer")
    assert may_submit_side(U("provider", "unionpay"), "consumer")
    assert not may_submit_side(U("provider", "unionpay"), "units")
    assert may_submit_side(U("office", "commerce"), "official")
    assert not may_submit_side(U("viewer", None), "units")


def test_units_are_checked_against_the_directory() -> None:
    d = UnitDirectory(departments=frozenset({"commerce"}), districts=frozenset({"120101"}))
    assert check_unit(Role.DISTRICT, "120101", d) == "120101"
    assert check_unit(Role.OFFICE, "commerce", d) == "commerce"
    assert check_unit(Role.VIEWER, None, d) is None
    assert check_unit(Role.PROVIDER, "unionpay", d) == "unionpay"
    for role, unit in (
        (Role.DISTRICT, "commerce"),
        (Role.DEPARTMENT, "120101"),
        (Role.DISTRICT, None),
        (Role.PROVIDER, "Union Pay"),
    ):
        with pytest.raises(DataValidationError):
            check_unit(role, unit, d)
