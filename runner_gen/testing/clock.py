"""A clock for tests: ``now()`` moves only when the test advances it; sleepers wake in order."""

from __future__ import annotations

import asyncio
import heapq
import itertools
import math


async def settle(rounds: int = 20) -> None:
    """Let every task that can make progress without time passing do so."""
    for _ in range(rounds):
        await asyncio.sleep(0)


class FakeClock:
    """Implements the runtime's ``Clock``: give it to a test app as ``overrides={"clock": c}``
    and the built-in middleware (timeout, retry backoff, breaker, rate limit, cache TTL,
    debounce, throttle) read and sleep on it.

    ``await clock.advance(seconds)`` moves time forward, waking each sleeper at its due time, in
    order. With ``auto_advance=True`` a sleep moves time by its own length at once instead,
    which suits code that sleeps in a loop (retry backoff).
    """

    def __init__(self, start: float = 1000.0, *, auto_advance: bool = False) -> None:
        self._now = start
        self._auto = auto_advance
        self._order = itertools.count()
        self._sleepers: list[tuple[float, int, asyncio.Future[None]]] = []
        self.sleeps: list[float] = []  # every sleep asked for, in seconds

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
        try:
            await wake
        finally:
            if not wake.done():  # cancelled: nobody will wake it
                wake.cancel()

    @property
    def sleeping(self) -> int:
        """How many sleeps are waiting for time to pass."""
        return sum(1 for *_, wake in self._sleepers if not wake.done())

    async def advance(self, seconds: float) -> None:
        """Move time forward by ``seconds``, waking each sleeper due by then, in order.

        A sleeper due within a nanosecond past the target counts as due, so sums of decimal
        steps like 0.06 + 0.04 reach a deadline of now + 0.1.
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
