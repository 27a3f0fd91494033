"""require_context: refuse to run a task unless its async context has a value."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Protocol

from runner_gen.runtime.info import DefinitionInfo, Next
from runner_gen.runtime.middleware.errors import ContextRequiredError
from runner_gen.runtime.middleware.protocol import Middleware


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
        message = f'Task "{info.id}" requires an async context that was not provided'

        async def requiring(input: Any) -> Any:
            try:
                use()
            except Exception as error:
                raise ContextRequiredError(
                    message,
                    remediation="Provide the context around the call (context.provide(...)).",
                ) from error
            return await next(input)

        return requiring
