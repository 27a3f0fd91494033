"""What an exposure serves on and how it guards itself: one frozen value, checked once."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass

from runner_gen.runtime.errors import RunnerError

#: Runner's default JSON body limit (``src/node/exposure/requestBody.ts``).
DEFAULT_BODY_LIMIT = 2 * 1024 * 1024


@dataclass(frozen=True)
class ExposureConfig:
    """The ``exposure.http`` options of Runner 5.x, plus the server's own budgets.

    ``verify`` receives the token of an ``Authorization: Bearer <token>`` header and says whether
    it is valid; a verifier that raises counts as a rejection. With neither ``tokens`` nor
    ``verify`` the exposure fails closed unless ``allow_anonymous`` is set.

    ``public_errors`` are the typed errors whose message, ``id``, ``http_code`` and ``data`` may
    reach a client; every other exception becomes a bare 500 "Internal Error".
    """

    base_path: str = "/__runner"
    tokens: tuple[str, ...] = ()
    header: str = "x-runner-token"
    verify: Callable[[str], Awaitable[bool]] | None = None
    allow_anonymous: bool = False
    body_limit: int = DEFAULT_BODY_LIMIT
    disable_discovery: bool = False
    host: str = "127.0.0.1"
    port: int = 0
    drain_budget: float = 10.0
    public_errors: tuple[type[RunnerError], ...] = ()
    # uvicorn has no header-read timeout; this bounds the body phase, which the app does see.
    body_timeout: float = 30.0
    # Runner's default without a ``cors`` config: any origin may read responses (auth is by
    # header, never by cookie) and OPTIONS preflights get 204. None: no CORS headers at all.
    cors_allow_origin: str | None = "*"

    def __post_init__(self) -> None:
        if self.body_limit <= 0:
            raise ValueError(f"body_limit must be positive, got {self.body_limit}")
        if self.drain_budget < 0:
            raise ValueError(f"drain_budget must not be negative, got {self.drain_budget}")
        if self.body_timeout <= 0:
            raise ValueError(f"body_timeout must be positive, got {self.body_timeout}")
        if not self.header or self.header != self.header.strip():
            raise ValueError(f"header must be a non-empty header name, got {self.header!r}")
        if any(not token for token in self.tokens):
            # An empty token would let a request with an empty header through.
            raise ValueError("tokens must not contain an empty string")

    @property
    def normalized_base_path(self) -> str:
        """The base path as Runner normalizes it: a leading ``/``, no trailing ``/``."""
        return "/" + self.base_path.strip("/") if self.base_path.strip("/") else ""
