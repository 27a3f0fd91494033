"""require_context: refuse to run a task unless its async context has a value.

Runner 5.5's middleware calls ``context.use()``, so a missing value fails with the context's own
error, ``runner.errors.context``; here that error also names the task that required it.
"""

from __future__ import annotations

from collections.abc import Awaitable
from dataclasses import dataclass
from typing import Any, Protocol

from runner_gen.runtime.errors import ContextError
from runner_gen.runtime.info import DefinitionInfo, Next
from runner_gen.runtime.middleware.protocol import Middleware, raise_when_awaited


class UsableContext(Protocol):
    """Anything with ``use()`` that raises when no value is provided (an async context)."""

    def use(self) -> object: ...


@dataclass(frozen=True, slots=True)
class RequireContextConfig:
    context: UsableContext


class RequireContextMiddleware(Middleware[RequireContextConfig]):
    """Calls ``context.use()`` before the next layer, so the task never starts without it."""

    __slots__ = ()

    def wrap(self, next: Next, info: DefinitionInfo, config: RequireContextConfig) -> Next:
        use = config.context.use
        context_id = getattr(config.context, "id", type(config.context).__name__)
        message = f'Task "{info.id}" requires async context "{context_id}", which was not provided'

        def requiring(input: Any) -> Awaitable[Any]:
            # A check before the call and nothing after: the next layer's awaitable is handed
            # back unawaited (one await hop less); a refusal still arrives at the await.
            try:
                use()
            except Exception as error:
                refusal = ContextError(
                    message,
                    remediation=(
                        f'Provide it around the call ("with {context_id}.provide(value): ...").'
                    ),
                )
                refusal.__cause__ = error
                return raise_when_awaited(refusal)
            try:
                return next(input)
            except Exception as error:
                return raise_when_awaited(error)

        return requiring
