"""The contract between generated wiring and a middleware implementation.

The generated ``start()`` creates one instance per middleware definition per app (so state such
as breaker counters or shared semaphores is per app, never global), then composes each task's
chain once: ``next = instance.wrap(next, info, config)`` from the innermost middleware outwards,
so the first listed is the outermost. Nothing here runs per call except what ``wrap`` returns.

A layer with nothing to do after the call (a check before it) need not be a coroutine: it can
return ``next(input)`` unawaited, which saves an await hop -- a coroutine frame -- per call.
Such a layer does its check when called, as a Runner middleware (a JavaScript async function)
does up to its first ``await``; a refusal must still arrive when the result is awaited, as it
would from a coroutine, so it returns ``raise_when_awaited(error)`` instead of raising.
"""

from __future__ import annotations

from typing import Generic, NoReturn, TypeVar

from runner_gen.runtime.info import DefinitionInfo, Next

ConfigT = TypeVar("ConfigT")


class Middleware(Generic[ConfigT]):
    """Base class: override ``wrap``; override ``dispose`` when instances hold timers or tasks."""

    __slots__ = ()

    def wrap(self, next: Next, info: DefinitionInfo, config: ConfigT) -> Next:
        raise NotImplementedError

    async def dispose(self) -> None:
        """Release what the instance holds; called once, in reverse start order."""


async def raise_when_awaited(error: BaseException) -> NoReturn:
    """An awaitable that raises ``error``: a pass-through layer's refusal, delivered at the
    ``await`` like a coroutine's."""
    raise error
