"""A fake clock for middleware tests: time moves only when the test says so."""

from __future__ import annotations

import asyncio
import heapq
import itertools
import math
from collections.abc import Awaitable
from typing import TypeVar

T = TypeVar("T")


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
        # At least one ulp later, so a tiny positive sleep still moves time forward.
        due = max(self._now + seconds, math.nextafter(self._now, math.inf))
        heapq.heappush(self._sleepers, (due, next(self._order), wake))
        await wake

    async def advance(self, seconds: float) -> None:
        """Move time forward, waking each sleeper at its own due time, in order.

        A sleeper due within a nanosecond past the target counts as due (and time moves to its
        due time), so sums of decimal steps like 0.06 + 0.04 reach a deadline of now + 0.1.
        """
        target = self._now + seconds
        while self._sleepers and self._sleepers[0][0] <= target + 1e-9:
            due, _, wake = heapq.heappop(self._sleepers)
            self._now = max(self._now, due)
            if not wake.done():
                wake.set_result(None)
            await settle()
        self._now = max(self._now, target)
        await settle()


def spawn(call: Awaitable[T]) -> asyncio.Task[T]:
    """``asyncio.create_task`` for any awaitable: a chain returns ``Awaitable``, not a coroutine."""

    async def run() -> T:
        return await call

    return asyncio.create_task(run())
