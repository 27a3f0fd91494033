"""Typed errors of the Redis-backed middleware and event tunnel."""

from __future__ import annotations

from runner_gen.runtime.errors import RunnerError


class RedisUnavailableError(RunnerError):
    """Redis refused, dropped or failed a command the middleware or tunnel needed.

    Raised instead of redis-py's own exceptions so callers (and the exposure's status mapping)
    see one typed, retryable-looking failure, and the URL without its password.
    """

    id = "runner.errors.redis_unavailable"
    http_code = 503

    def __init__(self, url: str, error: BaseException) -> None:
        super().__init__(
            f"Redis at {url} failed: {type(error).__name__}: {error}",
            remediation="Check that Redis is running and reachable at that URL "
            "(or the environment variable that overrides it).",
        )
        self.url = url


class RedisConfigError(RunnerError):
    """A Redis middleware or tunnel config is invalid; raised when it is built."""

    id = "runner.errors.validation"


class TunnelClosedError(RunnerError):
    """An event was published through a Redis event tunnel that was already closed."""

    id = "runner.errors.shutdown_lockdown"
    http_code = 503
