"""Password hashing with Argon2id (argon2-cffi).

Parameters are argon2-cffi's defaults, which follow RFC 9106's second recommended option
(t=3, m=64 MiB, p=4). Stored hashes carry their parameters, so raising them later re-hashes
users at their next sign-in (:func:`needs_rehash`). Every hash and verification runs in a
slot of a bounded pool (:func:`configure_pool`), so concurrent sign-ins cannot exhaust memory.
"""

from __future__ import annotations

import threading
from collections.abc import Iterator
from contextlib import contextmanager
from functools import cache

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError, VerifyMismatchError

from consumption_monitor.errors import AuthenticationError, DataValidationError, Location

#: Shortest password accepted; long passphrases beat complexity rules (NIST SP 800-63B §5.1.1).
MIN_PASSWORD_LENGTH = 10
MAX_PASSWORD_LENGTH = 256

_hasher = PasswordHasher()


class PasswordCheckBusyError(AuthenticationError):
    """All password-check slots stayed busy: refused (503) instead of queueing without bound."""

    http_status = 503


class _Pool:
    """At most ``slots`` Argon2 computations at once (each takes 64 MiB): memory stays under
    ``slots × 64 MiB`` however many sign-ins arrive. A caller waits up to ``wait`` seconds for
    a slot, then is refused."""

    def __init__(self, slots: int = 4, wait: float = 5.0) -> None:
        self.slots, self.wait = slots, wait
        self.semaphore = threading.BoundedSemaphore(slots)

    @contextmanager
    def slot(self) -> Iterator[None]:
        if not self.semaphore.acquire(timeout=self.wait):
            raise PasswordCheckBusyError(
                "the server is busy checking passwords; try again in a moment",
                "服务器正忙于校验密码，请稍后再试",
            )
        try:
            yield
        finally:
            self.semaphore.release()


_pool = _Pool()


def configure_pool(slots: int, wait: float = 5.0) -> None:
    """Bound concurrent password checks to ``slots`` (``CMON_PASSWORD_CHECK_SLOTS``)."""
    global _pool  # noqa: PLW0603 - one pool per process, set when the app is built
    if (_pool.slots, _pool.wait) != (slots, wait):
        _pool = _Pool(slots, wait)


@cache
def _dummy_hash() -> str:
    """A hash verified against when the user does not exist, so that an unknown username
    costs the same time as a wrong password."""
    with _pool.slot():
        return _hasher.hash("not-a-password-of-anyone")


def check_password_policy(password: str) -> None:
    """Raise :class:`DataValidationError` if the password is too short or too long."""
    if not MIN_PASSWORD_LENGTH <= len(password) <= MAX_PASSWORD_LENGTH:
        raise DataValidationError(
            f"a password needs {MIN_PASSWORD_LENGTH} to {MAX_PASSWORD_LENGTH} characters",
            f"密码长度须为 {MIN_PASSWORD_LENGTH} 至 {MAX_PASSWORD_LENGTH} 个字符",
            where=Location(field="password"),
            hint_en="use a passphrase of several words",
            hint_zh="建议使用由几个词组成的口令",
        )


def hash_password(password: str) -> str:
    """The Argon2id hash of ``password`` (``$argon2id$v=19$m=65536,t=3,p=4$...``)."""
    check_password_policy(password)
    with _pool.slot():
        return _hasher.hash(password)


def verify_password(stored_hash: str | None, password: str) -> bool:
    """True when ``password`` matches ``stored_hash``; a missing or corrupt hash never matches
    (and still costs one Argon2 verification). Runs in a slot of the bounded pool; raises
    :class:`PasswordCheckBusyError` when none frees up in time."""
    reference = stored_hash or _dummy_hash()
    with _pool.slot():
        try:
            return _hasher.verify(reference, password) and stored_hash is not None
        except (VerifyMismatchError, VerificationError, InvalidHashError):
            return False


def needs_rehash(stored_hash: str) -> bool:
    """True when the hash was made with weaker parameters than the current ones."""
    try:
        return _hasher.check_needs_rehash(stored_hash)
    except InvalidHashError:
        return True
