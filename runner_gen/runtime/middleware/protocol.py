"""The contract between generated wiring and a middleware implementation.

The generated ``start()`` creates one instance per middleware definition per app (so state such
as breaker counters or shared semaphores is per app, never global), then composes each task's
chain once: ``next = instance.wrap(next, info, config)`` from the innermost middleware outwards,
so the first listed is the outermost. Nothing here runs per call except what ``wrap`` returns.
"""

from __future__ import annotations

from typing import Generic, TypeVar

from runner_gen.runtime.info import DefinitionInfo, Next

ConfigT = TypeVar("ConfigT")


class Middleware(Generic[ConfigT]):
    """Base class: override ``wrap``; override ``dispose`` when instances hold timers or tasks."""

    __slots__ = ()

    def wrap(self, next: Next, info: DefinitionInfo, config: ConfigT) -> Next:
        raise NotImplementedError

    async def dispose(self) -> None:
        """Release what the instance holds; called once, in reverse start order."""
