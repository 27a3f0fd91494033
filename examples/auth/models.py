"""The auth example's data types."""

from __future__ import annotations

from pydantic import BaseModel, Field


class AuthUser(BaseModel):
    """Who the verified token says is calling; what the `auth.contexts.user` context holds."""

    user_id: str
    role: str


class JwtConfig(BaseModel):
    # RFC 7518 3.2: an HMAC-SHA256 key shorter than the hash is brute-forceable.
    secret: str = Field(min_length=32)
    algorithm: str = "HS256"


class RbacConfig(BaseModel):
    allowed_roles: list[str]


class Authenticated(BaseModel):
    """Base of every input that carries a bearer token (the HTTP layer merges it in)."""

    token: str | None = None


class GetProfileInput(Authenticated):
    pass


class DeleteUserInput(Authenticated):
    user_id: str


class Profile(BaseModel):
    user_id: str
    role: str
    name: str


class AuthFailure(BaseModel):
    """Data of the 401 error: why the token was refused (never the token itself)."""

    reason: str


class Forbidden(BaseModel):
    """Data of the 403 error: the role that was refused and the roles that would pass."""

    role: str
    allowed_roles: list[str]
