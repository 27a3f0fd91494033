"""Typed errors of the Redis-backed middleware and event tunnel."""

from __future__ import annotations

from runner_gen.runtime.errors import RunnerError, ShutdownLockdownError
from runner_gen.runtime.redis_unavailable import RedisUnavailableError

__all__ = ["RedisConfigError", "RedisUnavailableError", "TunnelClosedError"]


class RedisConfigError(RunnerError):
    """A Redis middleware or tunnel config is invalid; raised when it is built."""

    id = "runner.errors.validation"


class TunnelClosedError(ShutdownLockdownError):
    """An event was published through a Redis event tunnel that was already closed."""
