"""``MetricsMiddleware``: times every call of the tasks it wraps and records the outcome."""

from __future__ import annotations

import asyncio
import time
from collections.abc import Callable
from typing import Any

from runner_gen.runtime.info import DefinitionInfo, Next
from runner_gen.runtime.metrics.registry import Metrics
from runner_gen.runtime.middleware.protocol import Middleware


class MetricsMiddleware(Middleware[None]):
    """Outcomes: success, error (by the exception's class name), or cancelled.

    The task's handle and bound methods are looked up once in ``wrap``; a call pays two timer
    reads and one ``observe``. ``timer`` is injectable so tests can control durations.
    """

    __slots__ = ("_metrics", "_timer")

    def __init__(self, metrics: Metrics, *, timer: Callable[[], float] = time.perf_counter) -> None:
        self._metrics = metrics
        self._timer = timer

    def wrap(self, next: Next, info: DefinitionInfo, config: None) -> Next:
        handle = self._metrics.task(info.id)
        observe = handle.observe
        observe_cancelled = handle.observe_cancelled
        timer = self._timer

        async def measured(value: Any) -> Any:
            started = timer()
            try:
                result = await next(value)
            except asyncio.CancelledError:
                observe_cancelled(timer() - started)
                raise
            except BaseException as error:
                observe(timer() - started, type(error).__name__)
                raise
            observe(timer() - started, None)
            return result

        return measured
