"""``RedisUnavailableError``, outside the ``redis`` package so clients can rebuild it without
the ``redis`` extra installed (``runner_gen.runtime.redis`` imports redis-py)."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from runner_gen.runtime.errors import Rejection


class RedisUnavailableError(Rejection):
    """Redis refused, dropped or failed a command the middleware or tunnel needed.

    Raised instead of redis-py's own exceptions so callers see one typed, retryable failure (503
    over HTTP, logged at WARNING without a traceback), with the URL, minus its password, kept in
    this process: a remote caller only learns that a dependency is down.
    """

    id = "runner.errors.redis.unavailable"
    http_code = 503
    outcome = "error"  # a dependency is down: alert-worthy
    retryable = True

    def __init__(self, url: str, error: BaseException) -> None:
        self.url: str | None = url
        super().__init__(
            f"Redis at {url} failed: {type(error).__name__}: {error}",
            remediation="Check that Redis is running and reachable at that URL "
            "(or the environment variable that overrides it).",
        )

    @property
    def public_message(self) -> str:
        return "Redis is unavailable"  # the message names the server; the envelope must not

    def restore_fields(self, fields: Mapping[str, Any]) -> None:
        self.url = None  # the server never sends it
