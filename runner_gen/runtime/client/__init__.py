"""The httpx transports generated client stubs call, speaking Runner 5.x's HTTP tunnel protocol."""

from __future__ import annotations

from runner_gen.runtime.client.async_transport import AsyncTransport
from runner_gen.runtime.client.envelope import DiscoveryResult, ErrorFactories
from runner_gen.runtime.client.errors import RemoteError, TransportError
from runner_gen.runtime.client.sync_transport import SyncTransport
from runner_gen.runtime.serializer import UNDEFINED

__all__ = [
    "UNDEFINED",
    "AsyncTransport",
    "DiscoveryResult",
    "ErrorFactories",
    "RemoteError",
    "SyncTransport",
    "TransportError",
]
