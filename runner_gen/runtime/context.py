"""Async contexts: a typed value scoped to a call tree, over ``contextvars``.

Each context owns one ``ContextVar``, so ``use()`` is a single ``get`` (no shared map keyed by
id, unlike Runner's one AsyncLocalStorage map). contextvars give the isolation Runner gets from
AsyncLocalStorage: a child asyncio task sees the value its parent had when the child was
created, and values it provides never leak back to the parent.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Coroutine
from contextvars import ContextVar, Token
from types import TracebackType
from typing import Any, Final, Generic, TypeVar, overload

from runner_gen.runtime.errors import ContextError

T = TypeVar("T")
R = TypeVar("R")

_MISSING: Final = object()


class AsyncContext(Generic[T]):
    """A named slot for a ``T`` that callers provide and code deeper in the call tree uses."""

    __slots__ = ("_validate", "_var", "id")

    def __init__(self, id: str, *, validate: Callable[[object], T] | None = None) -> None:
        self.id = id
        self._validate = validate
        self._var: ContextVar[T] = ContextVar(f"runner_gen.context:{id}")

    @overload
    def provide(self, value: T) -> Provision[T]: ...

    @overload
    def provide(self, value: T, fn: Callable[[], Awaitable[R]]) -> Coroutine[Any, Any, R]: ...

    def provide(
        self, value: T, fn: Callable[[], Awaitable[R]] | None = None
    ) -> Provision[T] | Coroutine[Any, Any, R]:
        """``with ctx.provide(v): ...`` or ``await ctx.provide(v, fn)``.

        The value is validated here, eagerly, so a bad value fails where it is provided rather
        than where it is used.
        """
        if self._validate is not None:
            value = self._checked(value, self._validate)
        if fn is None:
            return Provision(self._var, value)
        return self._run_with(value, fn)

    def use(self) -> T:
        """The provided value; ContextError when there is none."""
        try:
            return self._var.get()
        except LookupError:
            raise ContextError(
                f'Async context "{self.id}" was used but no value was provided here.',
                remediation=(
                    f'Provide it around the call ("with {self.id}.provide(value): ..." or '
                    f'"await {self.id}.provide(value, fn)"), or add "{self.id}.require()" to '
                    "the task's middleware so a missing value fails at the task boundary."
                ),
            ) from None

    def try_use(self) -> T | None:
        """The provided value, or None."""
        return self._var.get(None)

    def has(self) -> bool:
        return self._var.get(_MISSING) is not _MISSING

    async def _run_with(self, value: T, fn: Callable[[], Awaitable[R]]) -> R:
        token = self._var.set(value)
        try:
            return await fn()
        finally:
            self._var.reset(token)

    def _checked(self, value: T, validate: Callable[[object], T]) -> T:
        try:
            return validate(value)
        except Exception as error:
            raise ContextError(
                f'Invalid value for async context "{self.id}": {error}',
                remediation="Provide a value that matches the context's schema.",
            ) from error

    def __repr__(self) -> str:
        return f"AsyncContext({self.id!r})"


class Provision(Generic[T]):
    """What ``provide(value)`` returns: sets the value on enter, restores the previous on exit."""

    __slots__ = ("_token", "_value", "_var")

    def __init__(self, var: ContextVar[T], value: T) -> None:
        self._var = var
        self._value = value

    def __enter__(self) -> T:
        self._token: Token[T] = self._var.set(self._value)
        return self._value

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self._var.reset(self._token)
