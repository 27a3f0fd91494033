"""Middleware cost: built-in middleware on their success paths, each against the same logic
written inline, and whole chains through generated wiring against a direct await of the task.

Run: ``.venv/bin/python -m benchmarks middleware``. Every line is the median of 101 per-round
ratios, each round timing a ~1 ms burst of the subject next to one of its baseline in the same
event loop (``compare_paired``), so load from other processes on a shared machine moves single
rounds, not the verdict. Exits 1 when a target is missed; missed lines print first.

Reading the chain lines: an awaiting layer costs one coroutine (created, entered with ``SEND``,
finished) -- on CPython 3.11 about 0.8 of the whole direct-await baseline, whatever the layer
does (``chain of 3 no-op middleware`` is three bare ``async def layer: return await
next(input)`` closures, i.e. no runtime code at all, and sits at ~3.4x). The generated wiring
adds nothing on that path (``task call via generated wiring`` ~1.2x); a user's custom
middleware adds its own coroutine plus the ``TaskCall`` hand-over (one frame and a refcount
check per layer, no allocation). Layers that need nothing after the call (rate_limit,
require_context, throttle's leading edge, ``PassThrough`` here) skip the hop entirely.
"""

from __future__ import annotations

import asyncio
import json
import time
from collections import OrderedDict
from collections.abc import Awaitable, Callable
from contextvars import ContextVar
from typing import Any

from tenacity import AsyncRetrying, stop_after_attempt, wait_none

from benchmarks._generated import build
from benchmarks._harness import Ratio, compare_paired, report
from runner_gen.runtime.info import DefinitionInfo, Next
from runner_gen.runtime.middleware import (
    CacheConfig,
    CacheMiddleware,
    CircuitBreakerConfig,
    CircuitBreakerMiddleware,
    ConcurrencyConfig,
    ConcurrencyMiddleware,
    FallbackConfig,
    FallbackMiddleware,
    Middleware,
    RateLimitConfig,
    RateLimitMiddleware,
    RequireContextConfig,
    RequireContextMiddleware,
    RetryConfig,
    RetryMiddleware,
    ThrottleConfig,
    ThrottleMiddleware,
    TimeoutConfig,
    TimeoutMiddleware,
)

INFO = DefinitionInfo("bench.task")
Call = Callable[[], Awaitable[object]]


async def task(input: Any) -> Any:
    return input


def call(chain: Next, input: Any = 1) -> Call:
    return lambda: chain(input)


def bench_timeout() -> Ratio:
    chain = TimeoutMiddleware().wrap(task, INFO, TimeoutConfig(ttl=5000))

    async def inline(input: Any) -> Any:
        async with asyncio.timeout(5.0):
            return await task(input)

    return compare_paired("timeout vs inline asyncio.timeout", call(chain), call(inline), "<= 1.5")


def bench_retry() -> Ratio:
    chain = RetryMiddleware().wrap(task, INFO, RetryConfig())

    async def inline(input: Any) -> Any:
        attempt = 0
        while True:
            try:
                return await task(input)
            except Exception:
                if attempt >= 3:
                    raise
                await asyncio.sleep(0.1 * 2**attempt)
                attempt += 1

    return compare_paired("retry vs inline try/except loop", call(chain), call(inline), "<= 1.5")


def bench_retry_vs_tenacity() -> Ratio:
    chain = RetryMiddleware().wrap(task, INFO, RetryConfig())

    async def with_tenacity(input: Any) -> Any:
        async for attempt in AsyncRetrying(stop=stop_after_attempt(4), wait=wait_none()):
            with attempt:
                return await task(input)
        raise AssertionError("unreachable")

    return compare_paired(
        "retry: tenacity AsyncRetrying ns / runner-gen ns",
        call(with_tenacity),
        call(chain),
        ">= 10",
    )


def bench_circuit_breaker() -> Ratio:
    chain = CircuitBreakerMiddleware().wrap(task, INFO, CircuitBreakerConfig())
    state = {"open": False, "failures": 0}

    async def inline(input: Any) -> Any:
        if state["open"]:
            raise RuntimeError("open")
        try:
            result = await task(input)
        except Exception:
            state["failures"] += 1
            raise
        if state["failures"]:
            state["failures"] = 0
        return result

    return compare_paired("circuit_breaker vs inline counter", call(chain), call(inline), "<= 1.5")


def bench_rate_limit() -> Ratio:
    config = RateLimitConfig(window_ms=10**9, max=10**12)
    chain = RateLimitMiddleware().wrap(task, INFO, config)
    windows: dict[str, list[float]] = {}

    async def inline(input: Any) -> Any:
        now = time.monotonic()
        window = windows.get("bench.task")
        if window is None or window[0] <= now:
            window = windows["bench.task"] = [now + 10**6, 0]
        if window[1] >= 10**12:
            raise RuntimeError("limited")
        window[1] += 1
        return await task(input)

    return compare_paired("rate_limit vs inline fixed window", call(chain), call(inline), "<= 1.5")


def bench_cache_hit() -> Ratio:
    chain = CacheMiddleware().wrap(task, INFO, CacheConfig())
    entries: OrderedDict[str, tuple[float, Any]] = OrderedDict()
    dumps = json.JSONEncoder(sort_keys=True, separators=(",", ":"), ensure_ascii=False).encode

    async def inline(input: Any) -> Any:
        key = "bench.task:" + dumps(input)
        entry = entries.get(key)
        if entry is not None and entry[0] > time.monotonic():
            entries.move_to_end(key)
            return entry[1]
        result = await task(input)
        entries[key] = (time.monotonic() + 10.0, result)
        return result

    payload = {"user": 42, "page": 3}
    return compare_paired(
        "cache hit vs inline LRU+TTL dict", call(chain, payload), call(inline, payload), "<= 1.5"
    )


def bench_concurrency() -> Ratio:
    chain = ConcurrencyMiddleware().wrap(task, INFO, ConcurrencyConfig(limit=10))
    in_use = [0]

    async def inline(input: Any) -> Any:
        if in_use[0] >= 10:
            raise RuntimeError("a waiting queue is not needed in this benchmark")
        in_use[0] += 1
        try:
            return await task(input)
        finally:
            in_use[0] -= 1

    return compare_paired(
        "concurrency vs inline permit counter", call(chain), call(inline), "<= 1.5"
    )


def bench_fallback() -> Ratio:
    chain = FallbackMiddleware().wrap(task, INFO, FallbackConfig(fallback=0))

    async def inline(input: Any) -> Any:
        try:
            return await task(input)
        except Exception:
            return 0

    return compare_paired("fallback vs inline try/except", call(chain), call(inline), "<= 1.5")


def bench_require_context() -> Ratio:
    var: ContextVar[int] = ContextVar("bench", default=1)

    class Context:
        def use(self) -> int:
            return var.get()

    context = Context()
    chain = RequireContextMiddleware().wrap(task, INFO, RequireContextConfig(context=context))

    async def inline(input: Any) -> Any:
        try:
            context.use()
        except Exception as error:
            raise RuntimeError("required") from error
        return await task(input)

    return compare_paired("require_context vs inline use()", call(chain), call(inline), "<= 1.5")


def bench_throttle_leading() -> Ratio:
    config = ThrottleConfig(ms=0, key_fn=lambda input: "all")
    chain = ThrottleMiddleware().wrap(task, INFO, config)
    last_run = {"all": float("-inf")}

    async def inline(input: Any) -> Any:
        now = time.monotonic()
        if now - last_run["all"] >= 0:
            last_run["all"] = now
            return await task(input)
        raise AssertionError("not reached in this benchmark")

    return compare_paired(
        "throttle (leading edge) vs inline time check", call(chain), call(inline), "<= 1.5"
    )


class NoOp(Middleware[None]):
    __slots__ = ()

    def wrap(self, next: Next, info: DefinitionInfo, config: None) -> Next:
        async def layer(input: Any) -> Any:
            return await next(input)

        return layer


def bench_noop_chain() -> Ratio:
    noop = NoOp()
    chain: Next = task
    for _ in range(3):
        chain = noop.wrap(chain, INFO, None)
    return compare_paired(
        "chain of 3 no-op middleware vs direct await", call(chain), call(task), "<= 3"
    )


class PassThrough(Middleware[None]):
    """A layer with nothing to do after the call can return the next awaitable unawaited."""

    __slots__ = ()

    def wrap(self, next: Next, info: DefinitionInfo, config: None) -> Next:
        def layer(input: Any) -> Awaitable[Any]:
            return next(input)

        return layer


def bench_pass_through_chain() -> Ratio:
    through = PassThrough()
    chain: Next = task
    for _ in range(3):
        chain = through.wrap(chain, INFO, None)
    return compare_paired(
        "chain of 3 pass-through layers vs direct await", call(chain), call(task), "<= 3"
    )


def bench_generated_chains() -> list[Ratio]:
    """Three no-op layers around one task, through the generated wiring (what an app runs):
    built-in-style ``Middleware`` classes that await, ones that pass the awaitable through,
    and user-written custom middleware; each against ``await echo(1, db=db)``."""
    from benchmarks.apps.layers import Db, echo

    wiring = build("benchmarks.apps.layers:app", "bench_layers_generated")
    app = asyncio.run(wiring.start())
    db = Db()
    tasks = app.tasks

    def direct() -> Awaitable[object]:
        return echo(1, db=db)

    ratios = [
        compare_paired(
            "task call via generated wiring vs direct await",
            call(tasks.bare),
            direct,
            "<= 1.5",
        ),
        compare_paired(
            "3 no-op built-in-style layers (generated) vs direct await",
            call(tasks.builtin),
            direct,
            "<= 3",
        ),
        compare_paired(
            "3 pass-through built-in-style layers (generated) vs direct",
            call(tasks.through),
            direct,
            "<= 3",
        ),
        compare_paired(
            "3 no-op custom middleware (generated) vs direct await",
            call(tasks.custom),
            direct,
            "<= 4",
        ),
    ]
    asyncio.run(app.dispose())
    return ratios


def main() -> int:
    ratios = [
        bench_timeout(),
        bench_retry(),
        bench_retry_vs_tenacity(),
        bench_circuit_breaker(),
        bench_rate_limit(),
        bench_cache_hit(),
        bench_concurrency(),
        bench_fallback(),
        bench_require_context(),
        bench_throttle_leading(),
        bench_noop_chain(),
        bench_pass_through_chain(),
        *bench_generated_chains(),
    ]
    missed = [ratio for ratio in ratios if not ratio.met()]
    report(missed + [ratio for ratio in ratios if ratio.met()])  # missed targets first
    return 1 if missed else 0


if __name__ == "__main__":
    raise SystemExit(main())
