"""Token issuing and verification with PyJWT, and the in-memory user directory."""

from __future__ import annotations

import time
from dataclasses import dataclass, field

import jwt

from examples.auth.models import AuthUser, Profile

#: The secret the demo app is configured with (a real app reads it from its environment).
DEMO_SECRET = "demo-secret-change-me-at-least-32-bytes"


def issue_token(
    secret: str,
    user: AuthUser,
    *,
    expires_in_s: float = 3600,
    algorithm: str = "HS256",
    now: float | None = None,
) -> str:
    """A signed token with `sub`, `role` and `exp` claims."""
    issued_at = time.time() if now is None else now
    claims = {"sub": user.user_id, "role": user.role, "exp": int(issued_at + expires_in_s)}
    return jwt.encode(claims, secret, algorithm=algorithm)


class TokenRejected(Exception):
    """Why a token failed verification, in words safe to show a caller."""


def verify_token(token: str, secret: str, algorithm: str) -> AuthUser:
    """Check the signature and expiry; `TokenRejected` says what was wrong."""
    try:
        # `algorithms` is a closed list: accepting whatever the token's header claims would let
        # a forged "alg: none" token through.
        claims = jwt.decode(token, secret, algorithms=[algorithm], options={"require": ["exp"]})
    except jwt.ExpiredSignatureError:
        raise TokenRejected("token expired") from None
    except jwt.InvalidSignatureError:
        raise TokenRejected("bad signature") from None
    except jwt.InvalidTokenError:
        raise TokenRejected("malformed token") from None
    subject, role = claims.get("sub"), claims.get("role")
    if not isinstance(subject, str) or not isinstance(role, str):
        raise TokenRejected("token lacks sub or role")
    return AuthUser(user_id=subject, role=role)


async def verify_bearer(token: str) -> AuthUser | None:
    """The HTTP exposure's validator: the caller of an ``Authorization: Bearer <jwt>`` request,
    or None (401) when the token does not verify. Tasks read the result from ``auth_user``."""
    try:
        return verify_token(token, DEMO_SECRET, "HS256")
    except TokenRejected:
        return None


@dataclass
class UserDirectory:
    profiles: dict[str, Profile] = field(default_factory=dict)

    def add(self, profile: Profile) -> None:
        self.profiles[profile.user_id] = profile
