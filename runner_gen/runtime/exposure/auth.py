"""Who may call: static tokens (constant-time, on digests), principal validators, a bearer
verifier, or nobody.

Mirrors Runner 5.x's authenticator: a matching token passes; otherwise the validators decide
(the first to return a principal admits the request, and the principal is what tasks see);
with nothing configured the exposure is open only on explicit opt-in and otherwise fails closed.
"""

from __future__ import annotations

import hashlib
import hmac
import logging
from collections.abc import Awaitable, Callable
from typing import Any

from runner_gen.runtime.exposure.asgi import Scope
from runner_gen.runtime.exposure.config import ExposureConfig
from runner_gen.runtime.exposure.errors import AuthNotConfiguredError, UnauthorizedError
from runner_gen.runtime.exposure.principal import AuthRequest, PrincipalAuth

_logger = logging.getLogger("runner_gen.exposure")

#: What ``admit`` returns for a request admitted without a principal (token, anonymous).
NO_PRINCIPAL: Any = None


class Authenticator:
    """Built once per app; ``accepts`` (sync) and ``admit`` (async) are the per-request work."""

    __slots__ = (
        "_anonymous",
        "_digests",
        "_principal",
        "_unconfigured",
        "_verify",
        "token_header",
    )

    def __init__(self, config: ExposureConfig) -> None:
        # Only digests are kept: equal lengths remove the length leak of compare_digest.
        self._digests = tuple(hashlib.sha256(token.encode()).digest() for token in config.tokens)
        self._verify = config.verify
        self._principal: PrincipalAuth[Any] | None = config.principal
        configured = bool(self._digests) or self._verify is not None or self._principal is not None
        self._anonymous = not configured and config.allow_anonymous
        self._unconfigured = not configured and not config.allow_anonymous
        self.token_header = config.header.lower().encode("latin-1")

    @property
    def fails_closed(self) -> bool:
        """True when no request can ever pass: nothing configured and no anonymous opt-in."""
        return self._unconfigured

    def token_matches(self, token: bytes | None) -> bool:
        """Whether ``token`` is one of the configured tokens, in time independent of which."""
        if token is None or not self._digests:
            return False
        presented = hashlib.sha256(token).digest()
        if len(self._digests) == 1:
            return hmac.compare_digest(self._digests[0], presented)
        matched = False
        for digest in self._digests:  # no early exit: every digest is compared
            matched |= hmac.compare_digest(digest, presented)
        return matched

    def accepts(self, token: bytes | None, ambiguous: bool) -> bool:
        """The synchronous fast path: anonymous access, or one of the static tokens."""
        return self._anonymous or (not ambiguous and self.token_matches(token))

    async def admit(self, scope: Scope, authorization: bytes | None, ambiguous: bool) -> Any:
        """The slow path, once ``accepts`` said no: a validator admits the request (returning
        its principal, or NO_PRINCIPAL for the boolean ``verify``), or it is refused (401; 500
        AUTH_NOT_CONFIGURED when nothing could ever admit it)."""
        if self._unconfigured:
            raise AuthNotConfiguredError()
        if ambiguous:
            raise UnauthorizedError()
        bearer = _bearer_token(authorization)
        principal_auth = self._principal
        if principal_auth is not None:
            if principal_auth.verify is not None and bearer is not None:
                found = await _called(principal_auth.verify, bearer)
                if found is not None:
                    return found
            if principal_auth.validate is not None:
                found = await _called(principal_auth.validate, auth_request(scope))
                if found is not None:
                    return found
        verify = self._verify
        if verify is not None and bearer is not None and await _called(verify, bearer) is True:
            return NO_PRINCIPAL
        raise UnauthorizedError()

    @property
    def principal_auth(self) -> PrincipalAuth[Any] | None:
        return self._principal


async def _called(validator: Callable[[Any], Awaitable[Any]], argument: Any) -> Any:
    try:
        return await validator(argument)
    except Exception:
        # A validator that fails rejects, as Runner's throwing authValidator does. The error
        # goes to the log (redacted), never to the client.
        _logger.warning("exposure.auth.verifier_error", exc_info=True)
        return None


def auth_request(scope: Scope) -> AuthRequest:
    """The request as a validator sees it (decoded once, only when a validator runs)."""
    headers: dict[str, str] = {}
    for name, value in scope["headers"]:
        key = name.decode("latin-1")
        text = value.decode("latin-1")
        headers[key] = f"{headers[key]}, {text}" if key in headers else text
    path: str = scope["path"]
    query: bytes = scope.get("query_string", b"")
    url = f"{path}?{query.decode('latin-1')}" if query else path
    return AuthRequest(headers=headers, method=scope["method"], path=path, url=url)


def _bearer_token(authorization: bytes | None) -> str | None:
    """The token of ``Bearer <token>`` (scheme case-insensitive, RFC 6750), else None."""
    if authorization is None:
        return None
    scheme, _, token = authorization.partition(b" ")
    if scheme.lower() != b"bearer" or not token or b" " in token:
        return None
    try:
        return token.decode("ascii")
    except UnicodeDecodeError:
        return None  # a token outside RFC 6750's alphabet is simply a wrong token
