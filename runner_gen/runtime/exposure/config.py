"""What an exposure serves on and how it guards itself: one frozen value, checked once."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Any

from runner_gen.runtime.errors import RunnerError
from runner_gen.runtime.exposure.limits import (
    DEFAULT_HEADER_TIMEOUT,
    DEFAULT_KEEP_ALIVE_TIMEOUT,
    DEFAULT_MAX_HEADER_BYTES,
    DEFAULT_MAX_HEADERS,
    ServerLimits,
)
from runner_gen.runtime.exposure.principal import PrincipalAuth

#: Runner's default JSON body limit (``src/node/exposure/requestBody.ts``).
DEFAULT_BODY_LIMIT = 2 * 1024 * 1024


@dataclass(frozen=True)
class ExposureConfig:
    """The ``exposure.http`` options of Runner 5.x, plus the server's own budgets.

    ``verify`` receives the token of an ``Authorization: Bearer <token>`` header and says whether
    it is valid; a verifier that raises counts as a rejection. ``principal`` does the same but
    returns who is calling (see ``PrincipalAuth``), which tasks read from an async context. With
    neither ``tokens``, ``verify`` nor ``principal`` the exposure fails closed unless
    ``allow_anonymous`` is set.

    ``public_errors`` are the typed errors whose message, ``id``, ``http_code`` and ``data`` may
    reach a client; every other exception becomes a bare 500 "Internal Error".

    ``probes_require_token``: ``/health`` and ``/metrics`` on the API port need the same
    credentials as a task (the default); ``admin_port`` serves them on a separate bind instead
    (no credentials there, nothing of them on the API port). ``health_cache_seconds``: how long
    a health result is reused, so probe traffic cannot multiply dependency checks.

    ``strict_input``: True validates every exposed task's input strictly (no ``"1"`` for an
    int, no ``true`` for an int, unknown fields rejected); a tuple of ids and globs does it for
    those tasks only.
    """

    base_path: str = "/__runner"
    tokens: tuple[str, ...] = ()
    header: str = "x-runner-token"
    verify: Callable[[str], Awaitable[bool]] | None = None
    principal: PrincipalAuth[Any] | None = None
    allow_anonymous: bool = False
    body_limit: int = DEFAULT_BODY_LIMIT
    disable_discovery: bool = False
    host: str = "127.0.0.1"
    port: int = 0
    drain_budget: float = 10.0
    public_errors: tuple[type[RunnerError], ...] = ()
    #: Seconds for the whole body to arrive once the head is in (408 after).
    body_timeout: float = 30.0
    # Runner's default without a ``cors`` config: any origin may read responses (auth is by
    # header, never by cookie) and OPTIONS preflights get 204. A tuple of origins: only those
    # (the request's Origin is echoed, with ``Vary: Origin``). None: no CORS headers at all.
    cors_allow_origin: str | tuple[str, ...] | None = "*"
    strict_input: bool | tuple[str, ...] = False
    probes_require_token: bool = True
    admin_host: str = "127.0.0.1"
    admin_port: int | None = None
    health_cache_seconds: float = 1.0
    header_timeout: float = DEFAULT_HEADER_TIMEOUT
    keep_alive_timeout: float = DEFAULT_KEEP_ALIVE_TIMEOUT
    max_header_bytes: int = DEFAULT_MAX_HEADER_BYTES
    max_headers: int = DEFAULT_MAX_HEADERS
    max_connections: int | None = None

    def __post_init__(self) -> None:
        if self.body_limit <= 0:
            raise ValueError(f"body_limit must be positive, got {self.body_limit}")
        if self.drain_budget < 0:
            raise ValueError(f"drain_budget must not be negative, got {self.drain_budget}")
        if self.body_timeout <= 0:
            raise ValueError(f"body_timeout must be positive, got {self.body_timeout}")
        if self.health_cache_seconds < 0:
            raise ValueError(
                f"health_cache_seconds must not be negative, got {self.health_cache_seconds}"
            )
        if not self.header or self.header != self.header.strip():
            raise ValueError(f"header must be a non-empty header name, got {self.header!r}")
        if any(not token for token in self.tokens):
            # An empty token would let a request with an empty header through.
            raise ValueError("tokens must not contain an empty string")
        origins = self.cors_allow_origin
        for origin in (origins,) if isinstance(origins, str) else origins or ():
            if not _is_header_safe(origin):
                raise ValueError(f"cors_allow_origin has an invalid origin: {origin!r}")
        self.server_limits  # noqa: B018 - validates the limits now, not at serve time

    @property
    def server_limits(self) -> ServerLimits:
        """The connection-level limits the server enforces (``guard.py``)."""
        return ServerLimits(
            header_timeout=self.header_timeout,
            keep_alive_timeout=self.keep_alive_timeout,
            body_timeout=self.body_timeout,
            max_header_bytes=self.max_header_bytes,
            max_headers=self.max_headers,
            max_connections=self.max_connections,
        )

    @property
    def normalized_base_path(self) -> str:
        """The base path as Runner normalizes it: a leading ``/``, no trailing ``/``."""
        return "/" + self.base_path.strip("/") if self.base_path.strip("/") else ""


def _is_header_safe(value: str) -> bool:
    return bool(value) and value.isprintable() and value.isascii() and "\r" not in value
