"""A fake clock for middleware tests: time moves only when the test says so."""

from __future__ import annotations

import asyncio
import heapq
import itertools


async def settle(rounds: int = 20) -> None:
    """Let every task that can make progress without time passing do so."""
    for _ in range(rounds):
        await asyncio.sleep(0)


class FakeClock:
    """``now()`` is a number the test controls; ``sleep`` waits until ``advance`` passes it.

    With ``auto_advance=True`` a sleep instead moves time forward by its own length at once
    (after yielding), which suits code that sleeps in a loop, such as retry.
    """

    def __init__(self, start: float = 1000.0, *, auto_advance: bool = False) -> None:
        self._now = start
        self._auto = auto_advance
        self._order = itertools.count()
        self._sleepers: list[tuple[float, int, asyncio.Future[None]]] = []
        self.sleeps: list[float] = []

    def now(self) -> float:
        return self._now

    async def sleep(self, seconds: float) -> None:
        self.sleeps.append(seconds)
        if self._auto:
            await asyncio.sleep(0)
            self._now += max(seconds, 0.0)
            return
        wake: asyncio.Future[None] = asyncio.get_running_loop().create_future()
        heapq.heappush(self._sleepers, (self._now + seconds, next(self._order), wake))
        await wake

    async def advance(self, seconds: float) -> None:
        """Move time forward, waking each sleeper at its own due time, in order."""
        target = self._now + seconds
        while self._sleepers and self._sleepers[0][0] <= target:
            due, _, wake = heapq.heappop(self._sleepers)
            self._now = max(self._now, due)
            if not wake.done():
                wake.set_result(None)
            await settle()
        self._now = target
        await settle()
