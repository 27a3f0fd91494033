"""``MetricsMiddleware``: times every call of the tasks it wraps and records the outcome."""

from __future__ import annotations

import asyncio
import time
from collections.abc import Callable
from typing import Any

from runner_gen.runtime.errors import Rejection, RunnerError
from runner_gen.runtime.info import DefinitionInfo, Next
from runner_gen.runtime.metrics.registry import Metrics
from runner_gen.runtime.middleware.protocol import Middleware


class MetricsMiddleware(Middleware[None]):
    """Outcomes: success, error, rejected (a refusal such as a rate limit: see ``Rejection``), or
    cancelled. Errors are counted by id for the runtime's and the app's typed errors, by class
    name for other exceptions.

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
        observe_rejected = handle.observe_rejected
        observe_cancelled = handle.observe_cancelled
        timer = self._timer

        async def measured(value: Any) -> Any:
            started = timer()
            try:
                result = await next(value)
            except asyncio.CancelledError:
                observe_cancelled(timer() - started)
                raise
            except Rejection as error:
                if error.outcome == "rejected":
                    observe_rejected(timer() - started, error.id)
                else:
                    observe(timer() - started, error.id)
                raise
            except BaseException as error:
                observe(timer() - started, error_type(error))
                raise
            observe(timer() - started, None)
            return result

        return measured


def error_type(error: BaseException) -> str:
    """The ``error_type`` label of a failure: a runner error's id, else the class name."""
    return error.id if isinstance(error, RunnerError) else type(error).__name__
