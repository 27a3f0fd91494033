"""Who may call: static tokens (constant-time, on digests), a bearer verifier, or nobody.

Mirrors Runner 5.x's authenticator: a matching token passes; otherwise the verifier decides; with
neither configured the exposure is open only on explicit opt-in and otherwise fails closed.
"""

from __future__ import annotations

import hashlib
import hmac
import logging
from collections.abc import Awaitable, Callable

from runner_gen.runtime.exposure.config import ExposureConfig
from runner_gen.runtime.exposure.errors import AuthNotConfiguredError, UnauthorizedError

_logger = logging.getLogger("runner_gen.exposure")


class Authenticator:
    """Built once per app; ``authenticate`` is the only per-request work."""

    __slots__ = ("_anonymous", "_digests", "_unconfigured", "_verify", "token_header")

    def __init__(self, config: ExposureConfig) -> None:
        # Only digests are kept: equal lengths remove the length leak of compare_digest.
        self._digests = tuple(hashlib.sha256(token.encode()).digest() for token in config.tokens)
        self._verify = config.verify
        configured = bool(self._digests) or self._verify is not None
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
        matched = False
        for digest in self._digests:  # no early exit: every digest is compared
            matched |= hmac.compare_digest(digest, presented)
        return matched

    def accepts(self, token: bytes | None, ambiguous: bool) -> bool:
        """The synchronous fast path: anonymous access, or one of the static tokens."""
        return self._anonymous or (not ambiguous and self.token_matches(token))

    async def verify_or_refuse(self, authorization: bytes | None, ambiguous: bool) -> None:
        """The slow path, once ``accepts`` said no: the bearer verifier admits the request, or
        it is refused (401; 500 AUTH_NOT_CONFIGURED when nothing could ever admit it)."""
        if self._unconfigured:
            raise AuthNotConfiguredError()
        verify = self._verify
        if verify is not None and not ambiguous:
            bearer = _bearer_token(authorization)
            if bearer is not None and await _verified(verify, bearer):
                return
        raise UnauthorizedError()


async def _verified(verify: Callable[[str], Awaitable[bool]], bearer: str) -> bool:
    try:
        return await verify(bearer) is True
    except Exception:
        # A verifier that fails rejects, as Runner's throwing authValidator does.
        _logger.warning("exposure.auth.verifier_error", exc_info=True)
        return False


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
