"""Client tunnels: tasks and events of this app that run in another service over HTTP.

The generated wiring routes each selected task through ``remote_task`` (a closure built once at
start) and forwards selected events with ``forwarding.remote_event``; call sites do not change.
"""

from __future__ import annotations

import os
from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass
from typing import Any

from runner_gen.runtime.client import AsyncTransport, RemoteError
from runner_gen.runtime.forwarding import EventDelivery
from runner_gen.runtime.info import Next
from runner_gen.runtime.serializer import UNDEFINED


@dataclass(frozen=True)
class TunnelConfig:
    """An HTTP client tunnel: the remote exposure and what this app sends to it.

    ``tasks`` and ``events`` select definitions by exact id or glob (``"billing.tasks.*"``), or
    a predicate over the definition; the generator resolves them at build time.
    """

    url: str
    token: str | None = None
    header: str = "x-runner-token"
    timeout: float = 30.0
    tasks: tuple[str, ...] | Callable[[Any], bool] = ()
    events: tuple[str, ...] | Callable[[Any], bool] = ()
    event_delivery: EventDelivery = "mirror"
    #: Environment variables that, when set, replace ``url`` / ``token`` at start (12-factor:
    #: the address and secret of the other service are deployment facts, not code).
    url_env: str | None = None
    token_env: str | None = None
    #: Ask the remote for the payload its hooks left (``returnPayload``, Runner's
    #: ``eventWithResult``): it becomes the emission's final payload, which
    #: ``emit_with_result`` returns. Needs a remote that can return it (runner-gen, or Runner
    #: for a non-parallel event).
    return_payload: bool = False


def open_tunnel(config: TunnelConfig) -> AsyncTransport:
    """The tunnel resource's value: one keep-alive transport to the remote exposure."""
    url = os.environ.get(config.url_env, config.url) if config.url_env else config.url
    token = os.environ.get(config.token_env, config.token) if config.token_env else config.token
    return AsyncTransport(url, token=token, header=config.header, timeout=config.timeout)


async def close_tunnel(transport: AsyncTransport) -> None:
    await transport.aclose()


class PayloadReturning:
    """A tunnel's transport as an ``EventSink`` that asks the remote for the final payload
    (``TunnelConfig.return_payload``); the forwarding emitter makes it the emission's."""

    __slots__ = ("event",)

    def __init__(self, transport: AsyncTransport) -> None:
        self.event: Callable[[str, object], Awaitable[object]] = transport.event_with_result


def remote_task(
    transport: AsyncTransport,
    task_id: str,
    encode: Callable[[Any], Any] | None,
    decode: Callable[[Any], Any] | None,
    errors: Mapping[str, Callable[[RemoteError], BaseException]] | None = None,
) -> Next:
    """A task callable that runs ``task_id`` remotely; ``encode``/``decode`` map the typed input
    and result to and from wire values (None: the task takes no input / returns it as is).
    A remote error whose id is in ``errors`` is re-raised as this app's typed error."""
    call = transport.task

    async def run_remotely(input: Any) -> Any:
        try:
            raw = await call(task_id, UNDEFINED if encode is None else encode(input))
        except RemoteError as error:
            factory = errors.get(error.error_id or "") if errors else None
            if factory is None:
                raise
            raise factory(error) from error
        return raw if decode is None else decode(raw)

    return run_remotely
