"""concurrency: at most ``limit`` calls at once; a bounded queue waits, the rest are refused.

As in Runner 5.5, the permits belong to the config: tasks that share one ``.with_()`` result
(the same config object) share one bulkhead, and ``key`` shares one across configs. Two
separate ``.with_(limit=2)`` calls are two bulkheads even though their configs compare equal.

A hand-written bulkhead rather than ``asyncio.Semaphore`` because the queue must be bounded and
observable. A permit released while callers wait is handed straight to the oldest waiter, so a
newcomer cannot overtake the queue. A waiter cancelled after being handed a permit passes it on;
a holder's permit is released in ``finally``: no error or cancellation leaks one.
"""

from __future__ import annotations

import asyncio
from collections import deque
from dataclasses import dataclass
from typing import Any

from runner_gen.runtime.info import DefinitionInfo, Next
from runner_gen.runtime.middleware.errors import (
    ConcurrencyConflictError,
    ConcurrencyLimitError,
    MiddlewareConfigError,
)
from runner_gen.runtime.middleware.protocol import Middleware


@dataclass(frozen=True, slots=True)
class ConcurrencyConfig:
    """``limit`` concurrent calls; ``key`` shares one bulkhead across every task that names it."""

    limit: int
    key: str | None = None
    max_queue: int = 1000

    def __post_init__(self) -> None:
        if self.limit < 1:
            raise MiddlewareConfigError(f"concurrency limit must be >= 1, got {self.limit}")
        if self.max_queue < 0:
            raise MiddlewareConfigError(f"concurrency max_queue must be >= 0, got {self.max_queue}")


class Bulkhead:
    """``limit`` permits and a FIFO of at most ``max_queue`` waiters."""

    __slots__ = ("_waiters", "in_use", "limit", "max_queue", "scope")

    def __init__(self, scope: str, limit: int, max_queue: int) -> None:
        #: What the bulkhead guards, for messages: 'task "app.x"' or 'key "db"'.
        self.scope = scope
        self.limit = limit
        self.max_queue = max_queue
        self.in_use = 0
        self._waiters: deque[asyncio.Future[None]] = deque()

    @property
    def queued(self) -> int:
        return len(self._waiters)

    def try_acquire(self) -> bool:
        """Take a permit if one is free and nobody queues ahead; never waits."""
        if self.in_use < self.limit and not self._waiters:
            self.in_use += 1
            return True
        return False

    async def acquire(self) -> None:
        """Take a permit, waiting in the bounded queue; ``ConcurrencyLimitError`` if full."""
        if self.try_acquire():
            return
        if len(self._waiters) >= self.max_queue:
            raise ConcurrencyLimitError(
                scope=self.scope, limit=self.limit, max_queue=self.max_queue
            )
        waiter: asyncio.Future[None] = asyncio.get_running_loop().create_future()
        self._waiters.append(waiter)
        try:
            await waiter
        except asyncio.CancelledError:
            if waiter.done() and not waiter.cancelled():
                self.release()  # handed a permit just as we were cancelled: pass it on
            elif waiter in self._waiters:  # a release may already have dropped it
                self._waiters.remove(waiter)
            raise

    def release(self) -> None:
        while self._waiters:
            waiter = self._waiters.popleft()
            if not waiter.done():
                waiter.set_result(None)  # the permit moves to the waiter; in_use is unchanged
                return
        self.in_use -= 1


class ConcurrencyMiddleware(Middleware[ConcurrencyConfig]):
    """Bulkheads per config object, or per ``key`` (shared across tasks, kept on the instance)."""

    __slots__ = ("_by_config", "_shared")

    def __init__(self) -> None:
        self._shared: dict[str, Bulkhead] = {}
        # By identity, not equality (frozen dataclasses compare by value); the config is kept
        # beside its bulkhead so its id() cannot be reused while the entry lives.
        self._by_config: dict[int, tuple[ConcurrencyConfig, Bulkhead, list[str]]] = {}

    def bulkhead(self, key: str) -> Bulkhead:
        """The shared bulkhead of ``key`` (for metrics); ``KeyError`` when none was wrapped."""
        return self._shared[key]

    def _bulkhead_for(self, info: DefinitionInfo, config: ConcurrencyConfig) -> Bulkhead:
        if config.key is None:
            known = self._by_config.get(id(config))
            if known is None:
                bulkhead = Bulkhead(f'task "{info.id}"', config.limit, config.max_queue)
                self._by_config[id(config)] = (config, bulkhead, [info.id])
                return bulkhead
            _, bulkhead, task_ids = known
            task_ids.append(info.id)
            bulkhead.scope = "tasks " + ", ".join(f'"{task_id}"' for task_id in task_ids)
            return bulkhead
        shared = self._shared.get(config.key)
        if shared is None:
            shared = self._shared[config.key] = Bulkhead(
                f'key "{config.key}"', config.limit, config.max_queue
            )
        elif (shared.limit, shared.max_queue) != (config.limit, config.max_queue):
            raise ConcurrencyConflictError(
                f'concurrency key "{config.key}" has limit {shared.limit} and max_queue '
                f"{shared.max_queue} elsewhere, but {config.limit} and {config.max_queue} "
                f'on task "{info.id}" ({info.source or "unknown source"})',
                remediation="Use the same limit and max_queue for every task sharing a key.",
            )
        return shared

    def wrap(self, next: Next, info: DefinitionInfo, config: ConcurrencyConfig) -> Next:
        bulkhead = self._bulkhead_for(info, config)
        try_acquire = bulkhead.try_acquire
        acquire = bulkhead.acquire
        release = bulkhead.release

        async def limited(input: Any) -> Any:
            if not try_acquire():  # a plain call on the fast path; a coroutine only to wait
                await acquire()
            try:
                return await next(input)
            finally:
                release()

        return limited
