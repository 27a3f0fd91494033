"""Who is calling: validators that turn a request's credentials into a principal, and the async
context the exposure provides it in, around the task.

``PrincipalAuth`` ties the two together so they cannot disagree on the type::

    auth_user = r.async_context("auth.contexts.user").schema(AuthUser).build()

    async def from_bearer(token: str) -> AuthUser | None: ...

    exposure = http_exposure("api.exposure").with_(
        principal=PrincipalAuth(context=auth_user, verify=from_bearer)
    )

    async def get_profile(input: None, *, user: AsyncContext[AuthUser]) -> Profile:
        caller = user.use()  # AuthUser, typed

``verify`` gets the bearer token of ``Authorization: Bearer <token>``; ``validate`` gets the
whole request as Runner 5.5's auth validators do (``AuthRequest``: headers, method, path, url).
Either returns the principal, or None to refuse (401); one that raises refuses too.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass
from typing import Generic, TypeVar

from runner_gen.runtime.context import AsyncContext

P = TypeVar("P")


@dataclass(frozen=True, slots=True)
class AuthRequest:
    """What a request validator sees: Runner's ``{ headers, method, url, path }``.

    Header names are lowercase; a header sent more than once has its values joined by ``", "``.
    """

    headers: Mapping[str, str]
    method: str
    path: str
    url: str


@dataclass(frozen=True, slots=True)
class PrincipalAuth(Generic[P]):
    """Validators returning a ``P`` (or None to refuse) and the context that carries it."""

    context: AsyncContext[P]
    verify: Callable[[str], Awaitable[P | None]] | None = None
    validate: Callable[[AuthRequest], Awaitable[P | None]] | None = None

    def __post_init__(self) -> None:
        if self.verify is None and self.validate is None:
            raise ValueError("PrincipalAuth needs verify (bearer token) or validate (request)")
