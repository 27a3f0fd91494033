"""A fake external service whose failures a demo or test switches on."""

from __future__ import annotations

import asyncio
from dataclasses import dataclass, field


class ServiceUnavailable(Exception):
    """The external service answered with an error (think HTTP 503)."""


@dataclass
class ExternalService:
    """Answers `"<what>: ok"` unless told to fail.

    - `fail_next(n)`: the next n calls raise `ServiceUnavailable`;
    - `hang_next(n, seconds)`: the next n calls take that long (a stuck upstream);
    - `down = True`: every call fails until it is set back.

    `calls` counts every call that reached the service, so tests can tell a fast failure
    (the breaker refused, the service was never called) from a real one.
    """

    calls: int = 0
    down: bool = False
    cancelled: int = 0
    _failures_left: int = 0
    _hangs: list[float] = field(default_factory=list)

    def fail_next(self, n: int) -> None:
        self._failures_left = n

    def hang_next(self, n: int, seconds: float) -> None:
        self._hangs = [seconds] * n

    async def call(self, what: str) -> str:
        self.calls += 1
        if self.down:
            raise ServiceUnavailable(f"{what}: service is down")
        if self._failures_left > 0:
            self._failures_left -= 1
            raise ServiceUnavailable(f"{what}: transient failure")
        if self._hangs:
            try:
                await asyncio.sleep(self._hangs.pop())
            except asyncio.CancelledError:
                self.cancelled += 1  # the caller gave up: the timeout cancelled this call
                raise
        return f"{what}: ok"


@dataclass
class CommentBoard:
    comments: list[tuple[str, str]] = field(default_factory=list)
