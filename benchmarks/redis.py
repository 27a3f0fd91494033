"""Redis-backed middleware and the Redis Streams event tunnel, measured against the real Redis
on 127.0.0.1:6379.

Run: ``.venv/bin/python -m benchmarks.redis``. Every line is a ratio measured in one run:

* per-call cost of the Redis rate limit / breaker / cache hit against the memory version: the
  price of sharing state across processes, dominated by one loopback round trip (~60-90 us
  here against well under 2 us), so its target is only a sanity bound;
* the same calls against the bare Redis command each is built on: what the middleware layer
  itself adds. This is the regression guard: a second round trip per call would double it.
* event throughput through the stream tunnel, 3 consumers against 1, with a handler that
  waits 2 ms on I/O (where scale-out pays) and with a trivial handler (where Redis is the
  bottleneck).
"""

from __future__ import annotations

import asyncio
import time
import uuid
from collections.abc import Awaitable, Callable
from typing import Any

from redis.asyncio import Redis

from benchmarks._harness import Ratio, report
from runner_gen.runtime.info import DefinitionInfo
from runner_gen.runtime.middleware import (
    CacheConfig,
    CacheMiddleware,
    CircuitBreakerConfig,
    CircuitBreakerMiddleware,
    RateLimitConfig,
    RateLimitMiddleware,
)
from runner_gen.runtime.redis import (
    RedisCacheConfig,
    RedisCacheMiddleware,
    RedisCircuitBreakerConfig,
    RedisCircuitBreakerMiddleware,
    RedisEventTunnel,
    RedisEventTunnelConfig,
    RedisRateLimitConfig,
    RedisRateLimitMiddleware,
)

URL = "redis://127.0.0.1:6379/0"
INFO = DefinitionInfo("bench.redis.task")
Call = Callable[[], Awaitable[object]]
OPS, ROUNDS = 2_000, 5
EVENTS = 1_000


async def task(input: Any) -> Any:
    return input


async def interleaved(name: str, subject: Call, baseline: Call, target: str) -> Ratio:
    """Best per-op ns of each side over ROUNDS alternating loops, in the running event loop."""
    best = [float("inf"), float("inf")]
    for _ in range(ROUNDS):
        for side, call in enumerate((subject, baseline)):
            start = time.perf_counter_ns()
            for _ in range(OPS):
                await call()
            best[side] = min(best[side], (time.perf_counter_ns() - start) / OPS)
    return Ratio(name, best[0], best[1], target)


async def bench_middleware(prefix: str, raw: Redis) -> list[Ratio]:
    rate_limit, breaker, cache = (
        RedisRateLimitMiddleware(),
        RedisCircuitBreakerMiddleware(),
        RedisCacheMiddleware(),
    )
    window = 3_600_000
    limited = rate_limit.wrap(
        task, INFO, RedisRateLimitConfig(window_ms=window, max=10**12, prefix=f"{prefix}:rl")
    )
    memory_limited = RateLimitMiddleware().wrap(
        task, INFO, RateLimitConfig(window_ms=window, max=10**12)
    )
    guarded = breaker.wrap(task, INFO, RedisCircuitBreakerConfig(prefix=f"{prefix}:cb"))
    memory_guarded = CircuitBreakerMiddleware().wrap(task, INFO, CircuitBreakerConfig())
    cached = cache.wrap(task, INFO, RedisCacheConfig(ttl=600_000, prefix=f"{prefix}:cache"))
    memory_cached = CacheMiddleware().wrap(task, INFO, CacheConfig(ttl=600_000))
    await cached(1)
    await memory_cached(1)
    bare_key = f"{prefix}:bare"
    await raw.set(bare_key, b"1")
    try:
        return [
            await interleaved(
                "redis rate limit vs memory rate limit",
                lambda: limited(1),
                lambda: memory_limited(1),
                "<= 1000",
            ),
            await interleaved(
                "redis rate limit vs bare INCR round trip",
                lambda: limited(1),
                lambda: raw.incr(bare_key),
                "<= 1.5",
            ),
            await interleaved(
                "redis breaker (closed) vs memory breaker",
                lambda: guarded(1),
                lambda: memory_guarded(1),
                "<= 1000",
            ),
            await interleaved(
                "redis breaker (closed) vs bare HGET round trip",
                lambda: guarded(1),
                lambda: raw.hget(bare_key + "h", "s"),
                "<= 1.5",
            ),
            await interleaved(
                "redis cache hit vs memory cache hit",
                lambda: cached(1),
                lambda: memory_cached(1),
                "<= 1000",
            ),
            await interleaved(
                "redis cache hit vs bare GET round trip",
                lambda: cached(1),
                lambda: raw.get(bare_key),
                "<= 1.5",
            ),
        ]
    finally:
        for middleware in (rate_limit, breaker, cache):
            await middleware.dispose()


async def drain(prefix: str, consumers: int, handler_io_s: float) -> float:
    """Seconds for ``consumers`` tunnels (one group) to handle EVENTS already published."""
    stream = f"{prefix}:stream:{consumers}:{handler_io_s}"
    config = RedisEventTunnelConfig(stream=stream, group="bench", block_ms=50, consume=False)
    publisher = RedisEventTunnel(config)
    await publisher.start()
    for n in range(EVENTS):
        await publisher.event("bench.events.tick", {"n": n})
    await publisher.close()
    done = asyncio.Event()
    handled = 0

    async def handle(payload: object) -> None:
        nonlocal handled
        if handler_io_s:
            await asyncio.sleep(handler_io_s)
        handled += 1
        if handled == EVENTS:
            done.set()

    tunnels = [
        RedisEventTunnel(
            RedisEventTunnelConfig(stream=stream, group="bench", consumer=f"c{n}", block_ms=50)
        )
        for n in range(consumers)
    ]
    for tunnel in tunnels:
        tunnel.subscribe("bench.events.tick", handle)
    start = time.perf_counter()
    for tunnel in tunnels:
        await tunnel.start()
    await done.wait()
    elapsed = time.perf_counter() - start
    for tunnel in tunnels:
        await tunnel.close()
    return elapsed


async def publish_rate(prefix: str) -> float:
    publisher = RedisEventTunnel(
        RedisEventTunnelConfig(stream=f"{prefix}:publish", group="bench", consume=False)
    )
    start = time.perf_counter()
    for n in range(EVENTS):
        await publisher.event("bench.events.tick", {"n": n})
    elapsed = time.perf_counter() - start
    await publisher.close()
    return EVENTS / elapsed


async def bench_tunnel(prefix: str) -> list[Ratio]:
    lines: list[Ratio] = []
    print(f"stream tunnel publish: {await publish_rate(prefix):,.0f} events/s")
    for io_s, label, target in ((0.002, "2 ms I/O handler", "<= 0.5"), (0.0, "trivial", "<= 1.2")):
        one = await drain(prefix, 1, io_s)
        three = await drain(prefix, 3, io_s)
        print(
            f"stream tunnel, {label}: 1 consumer {EVENTS / one:,.0f} events/s, "
            f"3 consumers {EVENTS / three:,.0f} events/s"
        )
        lines.append(
            Ratio(
                f"stream tunnel per event, 3 consumers vs 1 ({label})",
                three / EVENTS * 1e9,
                one / EVENTS * 1e9,
                target,
            )
        )
    return lines


async def run() -> list[Ratio]:
    prefix = f"bench:{uuid.uuid4().hex}"
    raw = Redis.from_url(URL)
    try:
        return [*await bench_middleware(prefix, raw), *await bench_tunnel(prefix)]
    finally:
        keys = [key async for key in raw.scan_iter(match=prefix + "*", count=1000)]
        if keys:
            await raw.delete(*keys)
        await raw.aclose()


def main() -> None:
    report(asyncio.run(run()))


if __name__ == "__main__":
    main()
