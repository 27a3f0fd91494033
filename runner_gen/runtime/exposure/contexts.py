"""Async contexts a caller sends in ``x-runner-context``, provided around the task as Runner does.

The header is a serialized map ``{context id: serialized value}``. Only contexts the exposure
was given are hydrated (the allow-list); an unparsable header, an unknown id or a value the
context rejects is ignored, exactly as Runner 5.x ignores it: a context is a convenience the
caller offers, never a reason to refuse the call.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Mapping
from contextlib import ExitStack
from typing import Any

from runner_gen.runtime import serializer
from runner_gen.runtime.context import AsyncContext, Provision
from runner_gen.runtime.errors import ContextError


class ContextHydrator:
    """Turns an ``x-runner-context`` header into provisions of the allowed contexts."""

    __slots__ = ("_contexts",)

    def __init__(self, contexts: Mapping[str, AsyncContext[Any]]) -> None:
        for key, context in contexts.items():
            if key != context.id:
                raise ValueError(f"context registered under {key!r} but its id is {context.id!r}")
        self._contexts = dict(contexts)

    def provisions(self, header: bytes | None) -> list[Provision[Any]]:
        """One provision per allowed context the header carries a valid value for."""
        if header is None or not self._contexts:
            return []
        try:
            carried = serializer.loads(header)
        except serializer.SerializerError:
            return []
        if type(carried) is not dict:
            return []
        found = []
        for context_id, context in self._contexts.items():
            text = carried.get(context_id)
            if type(text) is not str:
                continue
            try:
                # Each value is itself serialized (Runner's context.serialize), then validated.
                found.append(context.provide(serializer.loads(text.encode("utf-8", "replace"))))
            except (serializer.SerializerError, ContextError):
                continue
        return found


async def call_within(
    provisions: list[Provision[Any]], call: Callable[[Any], Awaitable[Any]], value: Any
) -> Any:
    """``await call(value)`` with every provision in place, restored afterwards."""
    with ExitStack() as stack:
        for provision in provisions:
            stack.enter_context(provision)
        return await call(value)
