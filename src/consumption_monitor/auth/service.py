"""Users and API tokens (sign-in and its throttles: :mod:`consumption_monitor.auth.signin`).

Every function works inside the caller's session and transaction (see
:func:`consumption_monitor.store.db.transaction`) and writes its audit row in the same
transaction, so an action and its audit record commit or roll back together.
"""

from __future__ import annotations

import hashlib
import re
import secrets
from collections.abc import Sequence
from datetime import datetime
from typing import Protocol

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from consumption_monitor.auth import audit
from consumption_monitor.auth.models import ApiToken, LoginAttempt, User, as_utc, utcnow
from consumption_monitor.auth.passwords import hash_password
from consumption_monitor.auth.roles import Role, UnitDirectory, check_unit
from consumption_monitor.errors import (
    AuthenticationError,
    ConflictError,
    DataValidationError,
    Location,
    NotFoundError,
    PermissionDeniedError,
)

_USERNAME = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.-]{2,63}$")
_DATASET = re.compile(r"^[a-z][a-z0-9_]{0,63}$")
TOKEN_PREFIX = "cmon_"  # noqa: S105 - a public marker, not a secret


# --- users ------------------------------------------------------------------------------


def parse_role(role: str | Role) -> Role:
    """A role name → :class:`Role`; an unknown one is refused with the choices listed."""
    try:
        return Role(role)
    except ValueError as exc:
        raise DataValidationError(
            f"unknown role {role!r}; use one of {', '.join(r.value for r in Role)}",
            f"未知角色“{role}”；可选：{'、'.join(r.value for r in Role)}",
            where=Location(field="role", value=role),
        ) from exc


def create_user(
    session: Session,
    *,
    username: str,
    password: str,
    role: Role | str,
    unit: str | None = None,
    display_name: str = "",
    actor: str = "system",
    directory: UnitDirectory | None = None,
) -> User:
    """Create an active user; raise :class:`ConflictError` if the name is taken and
    :class:`DataValidationError` for a bad name, role, unit or password."""
    if not _USERNAME.match(username):
        raise DataValidationError(
            f"username {username!r} must be 3-64 letters, digits, '.', '_' or '-'",
            f"用户名“{username}”须为 3-64 位字母、数字或 . _ -",
            where=Location(field="username", value=username),
        )
    role = parse_role(role)
    unit = check_unit(role, unit, directory)
    if session.scalar(select(User.id).where(User.username == username)) is not None:
        raise ConflictError(f"user {username!r} already exists", f"用户“{username}”已存在")
    user = User(
        username=username,
        display_name=display_name,
        password_hash=hash_password(password),
        role=role.value,
        unit=unit,
        is_active=True,
        created_at=utcnow(),
    )
    session.add(user)
    session.flush()
    audit.record(session, actor, "user.create", username, {"role": role.value, "unit": unit})
    return user


def get_user(session: Session, username: str) -> User:
    """The user called ``username``; :class:`NotFoundError` if none."""
    user = session.scalar(select(User).where(User.username == username))
    if user is None:
        raise NotFoundError(f"no user {username!r}", f"没有用户“{username}”")
    return user


def list_users(session: Session, *, limit: int = 100, offset: int = 0) -> tuple[list[User], int]:
    """One page of users by name, and the total count."""
    total = session.scalar(select(func.count()).select_from(User)) or 0
    rows = session.scalars(select(User).order_by(User.username).limit(limit).offset(offset))
    return list(rows), total


def end_sessions(user: User) -> None:
    """End every browser session of ``user``: cookies carry the generation they were issued
    under, and a cookie of an older generation is refused (``web.deps``)."""
    user.session_gen = (user.session_gen or 0) + 1


def sign_out(session: Session, username: str) -> User:
    """Sign ``username`` out everywhere: every session cookie issued so far stops working."""
    user = get_user(session, username)
    end_sessions(user)
    audit.record(session, username, "user.logout", username)
    return user


def set_active(session: Session, username: str, active: bool, *, actor: str) -> User:
    """Enable or disable a user. Disabling ends the user's sessions and revokes their API
    tokens, so re-enabling later revives neither (new tokens must be issued)."""
    user = get_user(session, username)
    if user.username == actor and not active:
        raise PermissionDeniedError("you cannot disable yourself", "不能停用自己的账号")
    user.is_active = active
    revoked: list[int] = []
    if not active:
        end_sessions(user)
        now = utcnow()
        for token in session.scalars(
            select(ApiToken).where(ApiToken.user_id == user.id, ApiToken.revoked_at.is_(None))
        ):
            token.revoked_at = now
            revoked.append(token.id)
    detail: dict[str, object] = {"tokens_revoked": revoked} if revoked else {}
    audit.record(session, actor, "user.enable" if active else "user.disable", username, detail)
    return user


def set_role(
    session: Session,
    username: str,
    role: Role | str,
    unit: str | None,
    *,
    actor: str,
    directory: UnitDirectory | None = None,
) -> User:
    """Give ``username`` another role and/or unit; their sessions end (they sign in again
    under the new permissions). API tokens keep acting as the user with the new role."""
    user = get_user(session, username)
    role = parse_role(role)
    unit = check_unit(role, unit, directory)
    before = {"role": user.role, "unit": user.unit}
    user.role, user.unit = role.value, unit
    end_sessions(user)
    audit.record(
        session, actor, "user.role", username, {"before": before, "role": role.value, "unit": unit}
    )
    return user


def unlock_user(session: Session, username: str, *, actor: str) -> User:
    """Lift the account's sign-in backoff from every address, and any administrator lock."""
    user = get_user(session, username)
    user.locked_until = None
    session.add(LoginAttempt(username=username, client="unlock", at=utcnow(), success=True))
    audit.record(session, actor, "user.unlock", username)
    return user


def change_password(session: Session, username: str, password: str, *, actor: str) -> User:
    """Set a new password (policy-checked, Argon2id-hashed); every session of the user ends."""
    user = get_user(session, username)
    user.password_hash = hash_password(password)
    end_sessions(user)
    audit.record(session, actor, "user.password", username)
    return user


# --- API tokens -------------------------------------------------------------------------


def token_digest(secret: str) -> str:
    """SHA-256 hex of a token secret. Tokens carry 256 random bits, so a fast hash is enough
    (no dictionary to attack); the secret itself is never stored."""
    return hashlib.sha256(secret.encode("utf-8")).hexdigest()


def issue_token(
    session: Session,
    username: str,
    *,
    datasets: Sequence[str] = (),
    name: str = "",
    expires_at: datetime | None = None,
    actor: str,
) -> tuple[ApiToken, str]:
    """Create a token for ``username`` scoped to ``datasets``; return it and its secret.

    The secret (``cmon_…``) is returned once and cannot be shown again.
    """
    user = get_user(session, username)
    for ds in datasets:
        if not _DATASET.match(ds):
            raise DataValidationError(
                f"dataset name {ds!r} is malformed",
                f"数据集名称“{ds}”格式不正确",
                where=Location(field="datasets", value=ds),
            )
    secret = TOKEN_PREFIX + secrets.token_urlsafe(32)
    token = ApiToken(
        user_id=user.id,
        name=name,
        prefix=secret[: len(TOKEN_PREFIX) + 6],
        token_hash=token_digest(secret),
        datasets=sorted(set(datasets)),
        created_at=utcnow(),
        expires_at=expires_at,
    )
    session.add(token)
    session.flush()
    audit.record(
        session,
        actor,
        "token.issue",
        username,
        {"token_id": token.id, "datasets": token.datasets, "name": name},
    )
    return token, secret


def list_tokens(session: Session, username: str | None = None) -> list[ApiToken]:
    """Tokens (never their secrets), newest first, optionally of one user."""
    query = select(ApiToken).order_by(ApiToken.id.desc())
    if username is not None:
        query = query.where(ApiToken.user_id == get_user(session, username).id)
    return list(session.scalars(query))


def revoke_token(session: Session, token_id: int, *, actor: str) -> ApiToken:
    """Revoke a token; revoking twice is a no-op that keeps the first time."""
    token = session.get(ApiToken, token_id)
    if token is None:
        raise NotFoundError(f"no token {token_id}", f"没有编号为 {token_id} 的令牌")
    if token.revoked_at is None:
        token.revoked_at = utcnow()
        audit.record(session, actor, "token.revoke", str(token_id))
    return token


def authenticate_token(
    session: Session, secret: str, *, now: datetime | None = None
) -> tuple[User, ApiToken]:
    """The active user and token behind a bearer secret; stamps ``last_used_at``.

    Raises :class:`AuthenticationError` (401) for an unknown, revoked or expired token or a
    disabled user.
    """
    now = now or utcnow()
    token = session.scalar(select(ApiToken).where(ApiToken.token_hash == token_digest(secret)))
    user = session.get(User, token.user_id) if token is not None else None
    if (
        token is None
        or user is None
        or not user.is_active
        or token.revoked_at is not None
        or (token.expires_at is not None and as_utc(token.expires_at) <= now)
    ):
        raise AuthenticationError(
            "invalid, expired or revoked API token",
            "API 令牌无效、已过期或已吊销",
            hint_en="ask an administrator for a new token (cmon users token)",
            hint_zh="请联系管理员重新签发令牌（cmon users token）",
        )
    token.last_used_at = now
    return user, token


class _Scoped(Protocol):
    @property
    def datasets(self) -> Sequence[str]: ...


def check_token_dataset(token: _Scoped | None, dataset: str) -> None:
    """Raise :class:`PermissionDeniedError` unless ``token`` may push ``dataset``.

    ``None`` (a signed-in page session, not a token) passes: pages check the role only.
    """
    if token is not None and dataset not in (token.datasets or []):
        raise PermissionDeniedError(
            f"this token may not push dataset {dataset!r} "
            f"(allowed: {', '.join(token.datasets) or 'none'})",
            f"该令牌无权报送数据集“{dataset}”（允许：{'、'.join(token.datasets) or '无'}）",
            hint_en="use a token issued for this dataset",
            hint_zh="请使用为该数据集签发的令牌",
        )
