"""Signed session cookies and CSRF tokens.

The session is a small JSON payload ``{"uid": user id or null, "gen": the user's session
generation when it was issued, "csrf": random token}`` signed
with ``settings.secret_key`` (itsdangerous, HMAC-SHA256 with a salted key and a timestamp): the
browser can read it but cannot change it without breaking the signature. The cookie is
HttpOnly, SameSite=Lax and Secure when ``settings.secure_cookies``. Signing in issues a new
session (new CSRF token), so a session fixed before sign-in is worthless afterwards. A cookie
whose ``gen`` is older than the user's ``session_gen`` is refused (``web.deps``): sign-out,
password, role or unit change and disabling bump it, so no copy of an old cookie survives them.

CSRF: every form carries the session's token in a hidden ``csrf_token`` field; every unsafe
request to a page route must echo it (form field or ``X-CSRF-Token`` header), compared in
constant time. The API takes no cookies (bearer tokens only), so it needs no CSRF token.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
from dataclasses import dataclass, field

from itsdangerous import BadSignature, URLSafeTimedSerializer

SESSION_COOKIE = "cmon_session"
#: Sessions expire 12 hours after sign-in (one working day), whatever the activity.
SESSION_MAX_AGE = 12 * 3600


def _new_csrf() -> str:
    return secrets.token_urlsafe(32)


@dataclass
class SessionData:
    """The decoded session; ``dirty`` means the cookie must be (re)written."""

    uid: int | None = None
    csrf: str = field(default_factory=_new_csrf)
    dirty: bool = False
    gen: int = 0

    @classmethod
    def fresh(cls, uid: int | None = None, gen: int = 0) -> SessionData:
        """A new session with a new CSRF token, to be written out."""
        return cls(uid=uid, dirty=True, gen=gen)


class SessionCodec:
    """Encode and decode session cookies with one secret."""

    def __init__(self, secret_key: str) -> None:
        self._serializer = URLSafeTimedSerializer(
            secret_key, salt="cmon.session", signer_kwargs={"digest_method": hashlib.sha256}
        )

    def dumps(self, data: SessionData) -> str:
        """The signed cookie value."""
        return self._serializer.dumps({"uid": data.uid, "gen": data.gen, "csrf": data.csrf})

    def loads(self, cookie: str | None) -> SessionData:
        """Decode a cookie; a missing, forged or expired one yields a fresh anonymous session."""
        if not cookie:
            return SessionData.fresh()
        try:
            raw = self._serializer.loads(cookie, max_age=SESSION_MAX_AGE)
        except BadSignature:
            return SessionData.fresh()
        if not isinstance(raw, dict) or not isinstance(raw.get("csrf"), str):
            return SessionData.fresh()
        uid, gen = raw.get("uid"), raw.get("gen")
        return SessionData(
            uid=uid if isinstance(uid, int) else None,
            csrf=raw["csrf"],
            gen=gen if isinstance(gen, int) else -1,  # a cookie without a generation is stale
        )


def csrf_matches(session: SessionData, submitted: str | None) -> bool:
    """Constant-time comparison of the submitted token with the session's."""
    return bool(submitted) and hmac.compare_digest(session.csrf, submitted or "")
