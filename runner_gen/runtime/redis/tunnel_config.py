"""The config of the Redis Streams event tunnel (read by the generator for routing)."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from runner_gen.runtime.forwarding import EventDelivery
from runner_gen.runtime.redis.clients import DEFAULT_TIMEOUT_MS
from runner_gen.runtime.redis.errors import RedisConfigError
from runner_gen.runtime.redis.rate_limit import DEFAULT_URL

#: Runner 5.x's ``eventDeliveryMode``, as in ``runner_gen.runtime.tunnel`` (not imported from
#: there: that module pulls in the HTTP client and httpx, which a Redis-only app does not need).


@dataclass(frozen=True)
class RedisEventTunnelConfig:
    """Events selected by ``events`` are published to ``stream``; with ``consume`` this process
    also reads them as consumer ``consumer`` of ``group`` and runs its subscribed handlers.

    Delivery is at least once: an entry is acknowledged only after its handlers succeeded. A
    failed entry is retried once it has been idle ``claim_idle_ms`` (so that must exceed
    ``batch`` x the longest handler, or a slow entry is run twice), and after ``max_attempts``
    deliveries goes to ``dead_letter_stream``.
    """

    #: Tasks never travel over this tunnel (events only); kept for the generator's routing.
    tasks: tuple[str, ...] = ()
    events: tuple[str, ...] | Callable[[Any], bool] = ()
    event_delivery: EventDelivery = "remote-only"
    consume: bool = True
    url: str = DEFAULT_URL
    url_env: str | None = None
    stream: str = "runner:events"
    group: str = "runner"
    #: This process's name in the group; default ``<hostname>-<pid>``.
    consumer: str | None = None
    max_attempts: int = 5
    dead_letter_stream: str = "runner:events:dead"
    claim_idle_ms: int = 30_000
    block_ms: int = 1000
    batch: int = 16
    #: Where a newly created group starts: ``"0"`` keeps events published before any consumer
    #: ran; ``"$"`` starts from the group's creation.
    group_start: str = "0"
    #: How long ``close()`` lets the in-flight handler finish before cancelling it.
    drain_timeout_ms: int = 10_000
    #: Pause after a failed read before trying again (Redis down, network blip).
    retry_backoff_ms: int = 1000
    #: How long a command may take (beyond ``block_ms`` for blocking reads) before it fails.
    timeout_ms: int = DEFAULT_TIMEOUT_MS

    def __post_init__(self) -> None:
        if self.tasks:
            raise RedisConfigError(
                "the Redis event tunnel carries events only; tasks=... is not supported",
                remediation="Route tasks through an HTTP client tunnel instead.",
            )
        for name in ("max_attempts", "claim_idle_ms", "block_ms", "batch", "timeout_ms"):
            value = getattr(self, name)
            if value < 1:
                raise RedisConfigError(f"redis event tunnel {name} must be >= 1, got {value}")
        for name in ("drain_timeout_ms", "retry_backoff_ms"):
            value = getattr(self, name)
            if value < 0:
                raise RedisConfigError(f"redis event tunnel {name} must be >= 0, got {value}")
