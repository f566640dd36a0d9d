"""Sign-in: password check behind throttles that slow an attacker without locking anyone out.

Two throttles, both computed from ``login_attempts`` (so they survive restarts and hold across
worker processes), both checked BEFORE any Argon2 work so a throttled attempt costs two indexed
queries and no 64 MiB hash:

- **Pair backoff** (account × client address): after ``max_failures`` failures of one username
  from one address within ``window``, the next attempt from that pair must wait
  ``pair_backoff · 2^(extra failures)`` (capped at ``pair_backoff_cap``) after the last failure.
  A stranger who guesses ``admin``'s password from their address only slows themselves: the
  account's own sign-in from any other address is unaffected. Failures are counted from the
  later of the window start, the pair's last success and the account's last unlock.
- **Address slow-down** (password spraying across many usernames): an address with
  ``client_max_failures`` failures in the window waits ``2^(extra failures)`` seconds (capped at
  ``client_backoff_cap``) between attempts. It slows; it never refuses for longer than the cap,
  and it does not apply to a username whose last successful sign-in came from that address
  (staff behind a shared proxy keep signing in during an attack). ``clear_address_throttle``
  (``cmon users clear-throttle``) lifts it.

The client address is the real one: ``web.clientaddr`` takes the proxy header only from the
configured ``CMON_TRUSTED_PROXIES``.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from consumption_monitor.auth import audit
from consumption_monitor.auth.models import LoginAttempt, User, as_utc, utcnow
from consumption_monitor.auth.passwords import hash_password, needs_rehash, verify_password
from consumption_monitor.errors import AuthenticationError

#: ``login_attempts.username`` of the marker row written when an admin clears an address
#: throttle; not a valid username (they start with a letter or digit), so never a real one.
CLEARED = "*cleared*"
#: ``login_attempts.client`` of the marker row written when an admin unlocks an account.
UNLOCKED = "unlock"


@dataclass(frozen=True)
class LockoutPolicy:
    """Sign-in throttling (OWASP Authentication Cheat Sheet: exponential back-off rather than
    hard lockout, which lets anyone deny service to a named account)."""

    max_failures: int = 5
    window: timedelta = timedelta(minutes=15)
    pair_backoff: timedelta = timedelta(minutes=1)
    pair_backoff_cap: timedelta = timedelta(minutes=15)
    client_max_failures: int = 50
    client_backoff_cap: timedelta = timedelta(seconds=60)


DEFAULT_POLICY = LockoutPolicy()


def _bad_login() -> AuthenticationError:
    # One message for unknown user, wrong password and disabled account: no user enumeration.
    return AuthenticationError(
        "wrong username or password",
        "用户名或密码错误",
        hint_en="check the spelling; repeated failures from one place slow further attempts",
        hint_zh="请核对输入；同一来源连续失败将被延时",
    )


def _wait_error(seconds: float) -> AuthenticationError:
    wait = max(1, int(seconds) + 1)
    return AuthenticationError(
        f"too many failed sign-ins; try again in {wait} second(s)",
        f"登录失败次数过多，请 {wait} 秒后再试",
        hint_en="sign-in from elsewhere is not affected; an administrator can lift the delay "
        "(cmon users unlock / cmon users clear-throttle)",
        hint_zh="其他来源的登录不受影响；管理员可解除（cmon users unlock / clear-throttle）",
    )


def _latest(session: Session, *conditions: object) -> datetime | None:
    value = session.scalar(select(func.max(LoginAttempt.at)).where(*conditions))  # type: ignore[arg-type]
    return as_utc(value) if value is not None else None


def _failures(
    session: Session, since: datetime, *conditions: object
) -> tuple[int, datetime | None]:
    """Count and time of the last failure after ``since`` matching ``conditions``."""
    count, last = session.execute(
        select(func.count(), func.max(LoginAttempt.at)).where(
            LoginAttempt.success.is_(False),
            LoginAttempt.at > since,
            *conditions,  # type: ignore[arg-type]
        )
    ).one()
    return int(count or 0), (as_utc(last) if last is not None else None)


def _pair_since(session: Session, username: str, client: str, window_start: datetime) -> datetime:
    marks = [
        _latest(
            session,
            LoginAttempt.username == username,
            LoginAttempt.client == client,
            LoginAttempt.success.is_(True),
        ),
        _latest(
            session,
            LoginAttempt.username == username,
            LoginAttempt.client == UNLOCKED,
            LoginAttempt.success.is_(True),
        ),
    ]
    return max([window_start, *(m for m in marks if m is not None)])


def pair_wait(
    session: Session,
    username: str,
    client: str,
    now: datetime,
    policy: LockoutPolicy = DEFAULT_POLICY,
) -> float:
    """Seconds the (username, client) pair must still wait before its next attempt (0: none)."""
    since = _pair_since(session, username, client, now - policy.window)
    count, last = _failures(
        session, since, LoginAttempt.username == username, LoginAttempt.client == client
    )
    if count < policy.max_failures or last is None:
        return 0.0
    delay = policy.pair_backoff * 2 ** min(count - policy.max_failures, 30)
    delay = min(delay, policy.pair_backoff_cap)
    return float(max(0.0, (last + delay - now).total_seconds()))


def _known_pair(session: Session, username: str, client: str) -> bool:
    """True when ``username``'s last successful sign-in came from ``client``."""
    last = session.scalar(
        select(LoginAttempt.client)
        .where(
            LoginAttempt.username == username,
            LoginAttempt.success.is_(True),
            LoginAttempt.client != UNLOCKED,
        )
        .order_by(LoginAttempt.at.desc(), LoginAttempt.id.desc())
        .limit(1)
    )
    return last == client


def client_wait(
    session: Session, client: str, now: datetime, policy: LockoutPolicy = DEFAULT_POLICY
) -> float:
    """Seconds an address must still wait before its next attempt (0: none)."""
    cleared = _latest(session, LoginAttempt.username == CLEARED, LoginAttempt.client == client)
    since = max(now - policy.window, cleared) if cleared else now - policy.window
    count, last = _failures(session, since, LoginAttempt.client == client)
    if count < policy.client_max_failures or last is None:
        return 0.0
    delay = timedelta(seconds=2 ** min(count - policy.client_max_failures, 30))
    delay = min(delay, policy.client_backoff_cap)
    return max(0.0, (last + delay - now).total_seconds())


def clear_address_throttle(session: Session, client: str, *, actor: str) -> None:
    """Lift the slow-down of ``client`` (its earlier failures stop counting)."""
    session.add(LoginAttempt(username=CLEARED, client=client[:64], at=utcnow(), success=True))
    audit.record(session, actor, "login.clear_throttle", client[:64])


def locked_until(user: User, now: datetime | None = None) -> datetime | None:
    """When an administrator-set lock of the user ends, or ``None`` if not locked at ``now``.

    Failed sign-ins never set it (a stranger could aim it); it is kept for administrators.
    """
    now = now or utcnow()
    if user.locked_until is not None and as_utc(user.locked_until) > now:
        return as_utc(user.locked_until)
    return None


def authenticate(
    session: Session,
    username: str,
    password: str,
    *,
    client: str = "",
    now: datetime | None = None,
    policy: LockoutPolicy = DEFAULT_POLICY,
) -> User:
    """Check a username and password and return the user.

    Raises :class:`AuthenticationError` for a wrong or unknown name, wrong password or
    disabled account (one message), and, before any password hashing, for a throttled pair or
    address (the message says how long to wait). Checked failures are recorded in
    ``login_attempts`` and the audit log (``user.login_failed``) in the caller's transaction:
    commit it even when this raises (the web layer does), or the failure does not count.
    Throttled refusals are not recorded, so waiting always ends the delay.
    """
    now = now or utcnow()
    if not 0 < len(username) <= 64:
        raise _bad_login()
    client = client[:64]
    if (wait := pair_wait(session, username, client, now, policy)) > 0:
        raise _wait_error(wait)
    if (
        client
        and (wait := client_wait(session, client, now, policy)) > 0
        and not _known_pair(session, username, client)
    ):
        raise _wait_error(wait)
    user = session.scalar(select(User).where(User.username == username))
    if user is not None and (until := locked_until(user, now)) is not None:
        minutes = max(1, int((until - now).total_seconds() // 60) + 1)
        raise AuthenticationError(
            f"account {username!r} is locked for {minutes} more minute(s)",
            f"账号“{username}”已锁定，约 {minutes} 分钟后解除",
            hint_en="ask an administrator to unlock it (cmon users unlock)",
            hint_zh="请管理员解锁（cmon users unlock）",
        )
    ok = verify_password(user.password_hash if user else None, password)
    if user is None or not ok or not user.is_active:
        session.add(LoginAttempt(username=username, client=client, at=now, success=False))
        reason = "unknown" if user is None else ("disabled" if ok else "password")
        audit.record(
            session,
            "anonymous",
            "user.login_failed",
            username,
            {"client": client, "reason": reason},
        )
        raise _bad_login()
    session.add(LoginAttempt(username=username, client=client, at=now, success=True))
    user.last_login_at = now
    if needs_rehash(user.password_hash):
        user.password_hash = hash_password(password)
    audit.record(session, username, "user.login", username, {"client": client})
    return user
