"""The requests being handled right now, so a stop can let them finish and then cut the rest."""

from __future__ import annotations

import asyncio
from typing import Any

#: How long cancelled stragglers get to send their 503 before the server closes under them.
_CANCEL_GRACE = 1.0


class InFlight:
    """A set of request tasks plus the ``stopping`` flag new requests are refused on."""

    __slots__ = ("_idle", "_tasks", "stopping")

    def __init__(self) -> None:
        self._tasks: set[asyncio.Task[Any]] = set()
        self._idle: asyncio.Event | None = None
        self.stopping = False

    def __len__(self) -> int:
        return len(self._tasks)

    def enter(self) -> asyncio.Task[Any]:
        task = asyncio.current_task()
        assert task is not None, "ASGI servers run every request in a task"
        self._tasks.add(task)
        return task

    def leave(self, task: asyncio.Task[Any]) -> None:
        self._tasks.discard(task)
        if self._idle is not None and not self._tasks:
            self._idle.set()

    async def drain(self, budget: float) -> int:
        """Refuse new requests, wait up to ``budget`` seconds, cancel what is left.

        Returns how many requests had to be cancelled.
        """
        self.stopping = True
        if not self._tasks:
            return 0
        self._idle = asyncio.Event()
        try:
            async with asyncio.timeout(budget):
                await self._idle.wait()
        except TimeoutError:
            stragglers = list(self._tasks)
            for task in stragglers:
                task.cancel("exposure drain budget exceeded")
            await asyncio.wait(stragglers, timeout=_CANCEL_GRACE)
            return len(stragglers)
        return 0
