"""Users, roles, sign-in, API tokens and the audit log: no HTTP here.

The web layer and the CLI are thin adapters over these functions; permissions are data
(:data:`~consumption_monitor.auth.roles.PERMISSIONS`) and row visibility is one rule
(:func:`~consumption_monitor.auth.roles.can_see`).
"""

from consumption_monitor.auth.audit import ChainReport, record, verify_chain
from consumption_monitor.auth.models import ApiToken, AuditEntry, LoginAttempt, User
from consumption_monitor.auth.passwords import hash_password, verify_password
from consumption_monitor.auth.roles import (
    ALL_UNITS,
    PERMISSIONS,
    Action,
    Role,
    UnitDirectory,
    allowed,
    can_see,
    data_viewer,
    may_publish,
    published_on_load,
    require_action,
    visible_units,
)
from consumption_monitor.auth.service import (
    authenticate_token,
    change_password,
    check_token_dataset,
    create_user,
    end_sessions,
    get_user,
    issue_token,
    list_tokens,
    list_users,
    revoke_token,
    set_active,
    set_role,
    sign_out,
    unlock_user,
)
from consumption_monitor.auth.signin import (
    DEFAULT_POLICY,
    LockoutPolicy,
    authenticate,
    clear_address_throttle,
)

__all__ = [
    "ALL_UNITS",
    "DEFAULT_POLICY",
    "PERMISSIONS",
    "Action",
    "ApiToken",
    "AuditEntry",
    "ChainReport",
    "LockoutPolicy",
    "LoginAttempt",
    "Role",
    "UnitDirectory",
    "User",
    "allowed",
    "authenticate",
    "authenticate_token",
    "can_see",
    "change_password",
    "check_token_dataset",
    "clear_address_throttle",
    "create_user",
    "data_viewer",
    "end_sessions",
    "get_user",
    "hash_password",
    "issue_token",
    "list_tokens",
    "list_users",
    "may_publish",
    "published_on_load",
    "record",
    "require_action",
    "revoke_token",
    "set_active",
    "set_role",
    "sign_out",
    "unlock_user",
    "verify_chain",
    "verify_password",
    "visible_units",
]
