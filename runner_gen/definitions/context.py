"""Async context definitions: a runtime ``AsyncContext`` that also knows where it was defined."""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, Any, Literal, TypeVar

from runner_gen.definitions.source import Source
from runner_gen.runtime.context import AsyncContext

if TYPE_CHECKING:
    from runner_gen.definitions.kinds import MiddlewareAttachment, OptionalDependency

T = TypeVar("T")


class AsyncContextDefinition(AsyncContext[T]):
    """``r.async_context(id)``: ``provide``/``use`` over contextvars, injectable as a dependency."""

    kind: Literal["async_context"] = "async_context"

    def __init__(
        self, id: str, source: Source, *, validate: Callable[[object], T] | None = None
    ) -> None:
        super().__init__(id, validate=validate)
        self.source = source

    def optional(self) -> OptionalDependency[AsyncContextDefinition[T]]:
        from runner_gen.definitions.kinds import OptionalDependency

        return OptionalDependency(self)

    def require(self) -> MiddlewareAttachment[Any]:
        """Task middleware that fails fast when this context has not been provided."""
        from runner_gen.definitions.builtins import require_context

        return require_context.with_(context=self)
