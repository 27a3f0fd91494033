"""Forwarding events to another service (an HTTP tunnel, a Redis stream): transport-agnostic.

Kept free of any client library so every kind of tunnel can use it.

Runner 5.5's delivery semantics (``src/globals/middleware/tunnel.middleware.ts``), mirrored:

- ``local-only``: the local hooks, nothing is sent;
- ``remote-only``: sent, the local hooks do not run;
- ``remote-first``: sent; when sending fails, a warning is logged and the local hooks run
  instead (the emission does not fail);
- ``mirror``: the local hooks, then sent; a failure to send is the emission's failure.

Whatever payload the remote returns (not ``None``) replaces the emission's payload: the
forwarding emitter returns the final payload, which :func:`emitting.emit_with_result` hands
to a caller that asks for it (Runner's ``emitWithResult``); a plain emit returns nothing.
"""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable
from typing import Any, Final, Literal, Protocol, TypeAlias

from runner_gen.runtime.serializer import UNDEFINED

#: Runner 5.x's ``eventDeliveryMode``: where a forwarded event's hooks run.
EventDelivery: TypeAlias = Literal["mirror", "remote-only", "local-only", "remote-first"]

#: Runner's warning, word for word, so log searches written for a Runner app still match.
REMOTE_FIRST_FALLBACK: Final = (
    "Tunnel remote-first delivery failed; falling back to local listeners."
)

_LOGGER: Final = logging.getLogger("runner_gen.tunnel")


class EventSink(Protocol):
    """Anything that can carry an emission away: ``await sink.event(event_id, payload)``.

    It may return the payload as the remote side left it (a wire value), or ``None`` (or
    ``UNDEFINED``) when it has none to give."""

    def event(self, event_id: str, payload: Any, /) -> Awaitable[object]: ...


def remote_event(
    transport: EventSink,
    event_id: str,
    encode: Callable[[Any], Any] | None,
    local: Callable[[Any], Awaitable[object]],
    delivery: EventDelivery,
    *,
    decode: Callable[[Any], Any] | None = None,
    tunnel_id: str | None = None,
) -> Callable[[Any], Awaitable[Any]]:
    """An emitter that forwards ``event_id`` and runs local hooks as ``delivery`` says; it
    returns the final payload. ``decode`` turns a payload the remote returned back into the
    event's type; ``tunnel_id`` names the tunnel in the remote-first warning."""
    send = transport.event

    async def forward(payload: Any) -> Any:
        """Send ``payload``; the remote's payload when it returned one, else ``payload``."""
        returned = await send(event_id, UNDEFINED if encode is None else encode(payload))
        if returned is None or returned is UNDEFINED:
            return payload
        return returned if decode is None else decode(returned)

    async def local_only(payload: Any) -> Any:
        await local(payload)
        return payload

    async def mirror(payload: Any) -> Any:
        await local(payload)
        return await forward(payload)  # the payload as the local hooks left it

    async def remote_first(payload: Any) -> Any:
        try:
            return await forward(payload)
        except Exception as error:
            _LOGGER.warning(
                REMOTE_FIRST_FALLBACK,
                exc_info=error,
                extra={"source_id": tunnel_id or event_id, "event_id": event_id},
            )
        await local(payload)
        return payload

    if delivery == "local-only":
        return local_only
    if delivery == "remote-only":
        return forward
    return mirror if delivery == "mirror" else remote_first
