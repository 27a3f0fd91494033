"""A small app on the Redis scale-out pieces, built by the real generator in the tests: a task
behind the Redis rate limit and cache, and an event forwarded through the stream tunnel whose
hook runs wherever the event is consumed. Keys live under a per-process unique prefix."""

from __future__ import annotations

import uuid

from pydantic import BaseModel

from runner_gen import Emission, Emit, r
from runner_gen.definitions.redis import (
    redis_cache,
    redis_circuit_breaker,
    redis_event_tunnel,
    redis_rate_limit,
)

PREFIX = f"test:generated:{uuid.uuid4().hex}"
HANDLED: list[int] = []
QUOTED: list[int] = []


class Order(BaseModel):
    id: int
    total: float


async def record(event: Emission[Order]) -> None:
    HANDLED.append(event.data.id)


async def quote(input: int) -> float:
    QUOTED.append(input)
    return input * 1.5


async def place(input: Order, *, order_placed: Emit[Order]) -> int:
    await order_placed(input)
    return input.id


order_placed = r.event("orders.events.placed").payload_schema(Order).build()
recorder = r.hook("orders.hooks.record").on(order_placed).run(record).build()
quote_task = (
    r.task("orders.tasks.quote")
    .middleware(
        redis_rate_limit.with_(window_ms=60_000, max=3, prefix=f"{PREFIX}:rl"),
        redis_cache.with_(ttl=60_000, prefix=f"{PREFIX}:cache"),
        redis_circuit_breaker.with_(prefix=f"{PREFIX}:cb"),
    )
    .run(quote)
    .build()
)
place_task = r.task("orders.tasks.place").dependencies(order_placed=order_placed).run(place).build()
events = redis_event_tunnel("orders.tunnels.events").with_(
    events=("orders.events.*",),
    stream=f"{PREFIX}:events",
    dead_letter_stream=f"{PREFIX}:dead",
    group="orders",
    block_ms=50,
)

app = r.resource("orders").register(order_placed, recorder, quote_task, place_task, events).build()
