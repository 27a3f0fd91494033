"""Custom tunnels at run time: a tunnel resource's value carries routed tasks and events.

The generator decides which tasks and events a custom tunnel routes (its tag's config); the
wiring builds, once at start, a task callable over the value's ``run(task, input)`` and an
event sink over its ``emit(emission)``. Nothing is looked up on a call.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any, Final, Protocol

from runner_gen.runtime.errors import RunnerError
from runner_gen.runtime.events import Emission
from runner_gen.runtime.serializer import UNDEFINED

#: Runner's remediation for ``tunnelClientContractError``, word for word.
_CONTRACT_REMEDIATION: Final = (
    "In client/both tunnel mode, ensure the tunnel value exposes run(task, input) for tasks"
    " and emit(event, payload) for events."
)
RUN_CONTRACT: Final = (
    "Tunnel resource value must implement run(task, input) when tasks[] is configured."
)
EMIT_CONTRACT: Final = (
    "Tunnel resource value must implement emit(event, payload) when events[] is configured."
)


class TaskTunnel(Protocol):
    """A custom tunnel's value that runs tasks: ``run`` receives the task's definition (its
    ``id``, ``meta``, ``tags``) and the input as the caller passed it."""

    def run(self, task: Any, input: Any, /) -> Awaitable[Any]: ...


class EventTunnel(Protocol):
    """A custom tunnel's value that carries emissions: what ``emit`` returns (not ``None``)
    becomes the emission's final payload, as in Runner."""

    def emit(self, emission: Emission[Any], /) -> Awaitable[Any]: ...


class TunnelClientContractError(RunnerError):
    """A client-mode tunnel whose value lacks ``run`` (tasks selected) or ``emit`` (events)."""

    id = "runner.errors.middleware.tunnel.clientContract"


def _contract(tunnel: object, member: str, message: str, tunnel_id: str) -> Any:
    method = getattr(tunnel, member, None)
    if not callable(method):
        raise TunnelClientContractError(
            f'{message} Tunnel: "{tunnel_id}".', remediation=_CONTRACT_REMEDIATION
        )
    return method


def tunneled_task(
    tunnel: TaskTunnel, tunnel_id: str, task: object
) -> Callable[[Any], Awaitable[Any]]:
    """The task callable that runs ``task`` through ``tunnel.run``; checked once, at start."""
    run: Callable[[object, Any], Awaitable[Any]] = _contract(tunnel, "run", RUN_CONTRACT, tunnel_id)

    def run_through_tunnel(input: Any) -> Awaitable[Any]:
        return run(task, input)

    return run_through_tunnel


class EmittingTunnel:
    """A custom tunnel's value as an ``EventSink`` for the forwarding emitter: each emission
    handed to its ``emit``; checked once, at start."""

    __slots__ = ("_emit",)

    def __init__(self, tunnel: EventTunnel, tunnel_id: str) -> None:
        self._emit: Callable[[Emission[Any]], Awaitable[Any]] = _contract(
            tunnel, "emit", EMIT_CONTRACT, tunnel_id
        )

    def event(self, event_id: str, payload: Any, /) -> Awaitable[object]:
        # An event without a payload reaches the sink as UNDEFINED (nothing on a wire).
        return self._emit(Emission(event_id, None if payload is UNDEFINED else payload))


def as_is(payload: Any) -> Any:
    """The forwarding emitter's encoder for a custom tunnel: in process, the payload itself."""
    return payload
