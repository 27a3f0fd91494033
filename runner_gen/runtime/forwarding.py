"""Forwarding events to another service (an HTTP tunnel, a Redis stream): transport-agnostic.

Kept free of any client library so every kind of tunnel can use it.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any, Literal, Protocol, TypeAlias

from runner_gen.runtime.serializer import UNDEFINED

#: Runner 5.x's ``eventDeliveryMode``: where a forwarded event's hooks run.
EventDelivery: TypeAlias = Literal["mirror", "remote-only", "local-only", "remote-first"]


class EventSink(Protocol):
    """Anything that can carry an emission away: ``await sink.event(event_id, payload)``."""

    async def event(self, event_id: str, payload: Any) -> None: ...


def remote_event(
    transport: EventSink,
    event_id: str,
    encode: Callable[[Any], Any] | None,
    local: Callable[[Any], Awaitable[None]],
    delivery: EventDelivery,
) -> Callable[[Any], Awaitable[None]]:
    """An emitter that forwards ``event_id`` and runs local hooks as ``delivery`` says."""
    send = transport.event

    async def forward(payload: Any) -> None:
        await send(event_id, UNDEFINED if encode is None else encode(payload))

    if delivery == "local-only":
        return local
    if delivery == "remote-only":
        return forward

    async def mirror(payload: Any) -> None:
        await local(payload)
        await forward(payload)

    async def remote_first(payload: Any) -> None:
        try:
            await forward(payload)
        except Exception:
            await local(payload)

    return mirror if delivery == "mirror" else remote_first
