"""Built-in middleware writing their journal keys, shaped after Runner 5.5's
journal.cache-retry.test.ts and journal.fallback-rateLimit-circuitBreaker.test.ts.

Tasks and observer middleware take ``journal`` (so their chains are journaled) and record what
they read in ``SEEN``; ``MODE`` switches the tasks that fail on demand.
"""

from __future__ import annotations

import asyncio
from typing import Any

from runner_gen import Journal, TaskCall, globals, r
from runner_gen.runtime.middleware import (
    CACHE_HIT,
    CIRCUIT_BREAKER_FAILURES,
    CIRCUIT_BREAKER_STATE,
    FALLBACK_ACTIVE,
    FALLBACK_ERROR,
    RATE_LIMIT_LIMIT,
    RATE_LIMIT_REMAINING,
    RATE_LIMIT_RESET_TIME,
    RETRY_ATTEMPT,
    RETRY_LAST_ERROR,
    TIMEOUT_ABORT,
    TimeoutAbort,
)

task_mw = globals.middleware.task
SEEN: list[Any] = []
CALLS: dict[str, int] = {}
MODE = {"breaker": "fail"}


def reset() -> None:
    SEEN.clear()
    ABORTS.clear()
    CALLS.clear()
    MODE["breaker"] = "fail"


def count(name: str) -> int:
    CALLS[name] = CALLS.get(name, 0) + 1
    return CALLS[name]


def no_delay(attempt: int, error: Exception) -> float:
    return 0


# -- retry --------------------------------------------------------------------------------------


async def fail_once(*, journal: Journal) -> str:
    SEEN.append((journal.get(RETRY_ATTEMPT), journal.get(RETRY_LAST_ERROR)))
    if count("fail_once") < 2:
        raise RuntimeError("Transient failure")
    return "success"


fail_once_task = (
    r.task("jk.retry.failOnce")
    .middleware(task_mw.retry.with_(retries=3, delay_strategy=no_delay))
    .run(fail_once)
    .build()
)


async def retry_success(*, journal: Journal) -> str:
    SEEN.append(journal.get(RETRY_ATTEMPT))
    return "ok"


retry_success_task = (
    r.task("jk.retry.success")
    .middleware(task_mw.retry.with_(retries=3, delay_strategy=no_delay))
    .run(retry_success)
    .build()
)

# -- cache --------------------------------------------------------------------------------------


async def hit_observer(call: TaskCall, *, journal: Journal) -> Any:
    result = await call.next(call.input)
    SEEN.append(journal.get(CACHE_HIT) or False)
    return result


hit_observer_mw = r.middleware.task("jk.cache.hitObserver").run(hit_observer).build()


async def computed() -> dict[str, str]:
    return {"value": "computed"}


cached_task = (
    r.task("jk.cache.task")
    .middleware(hit_observer_mw, task_mw.cache.with_(ttl=60_000))
    .run(computed)
    .build()
)


async def echo_counted(input: Any) -> Any:
    count("echo_counted")
    return input


falsy_task = (
    r.task("jk.cache.falsy")
    .middleware(hit_observer_mw, task_mw.cache.with_())
    .run(echo_counted)
    .build()
)


async def cache_under_retry(*, journal: Journal) -> str:
    SEEN.append(journal.get(CACHE_HIT))
    if count("cache_under_retry") < 2:
        raise RuntimeError("Transient failure")
    return "ok"


cache_retry_task = (
    r.task("jk.cache.retry.noThrow")
    .middleware(
        task_mw.retry.with_(retries=2, delay_strategy=no_delay), task_mw.cache.with_(ttl=60_000)
    )
    .run(cache_under_retry)
    .build()
)

# -- fallback -----------------------------------------------------------------------------------


async def fallback_answer(error: Exception, input: Any) -> str:
    return f"fallback: {error}"


async def failing(*, journal: Journal) -> str:
    SEEN.append(journal.get(FALLBACK_ACTIVE))
    raise RuntimeError("Primary failed")


failing_task = (
    r.task("jk.fallback.failing")
    .middleware(task_mw.fallback.with_(fallback=fallback_answer))
    .run(failing)
    .build()
)


async def fallback_observer(call: TaskCall, *, journal: Journal) -> Any:
    result = await call.next(call.input)
    error = journal.get(FALLBACK_ERROR)
    SEEN.append((journal.get(FALLBACK_ACTIVE), None if error is None else str(error)))
    return result


fallback_observer_mw = r.middleware.task("jk.fallback.observer").run(fallback_observer).build()


async def always_fails() -> str:
    raise RuntimeError("Primary failed")


observed_fallback_task = (
    r.task("jk.fallback.observed")
    .middleware(fallback_observer_mw, task_mw.fallback.with_(fallback="default"))
    .run(always_fails)
    .build()
)


async def fallback_success(*, journal: Journal) -> str:
    SEEN.append(journal.get(FALLBACK_ACTIVE))
    return "success"


fallback_success_task = (
    r.task("jk.fallback.success")
    .middleware(task_mw.fallback.with_(fallback="unused"))
    .run(fallback_success)
    .build()
)

# -- rate limit ---------------------------------------------------------------------------------


async def rate_limited(*, journal: Journal) -> str:
    SEEN.append(
        (
            journal.get(RATE_LIMIT_REMAINING),
            journal.get(RATE_LIMIT_RESET_TIME),
            journal.get(RATE_LIMIT_LIMIT),
        )
    )
    return "ok"


rate_limited_task = (
    r.task("jk.rateLimit.task")
    .middleware(task_mw.rate_limit.with_(window_ms=60_000, max=2))
    .run(rate_limited)
    .build()
)


async def limit_observer(call: TaskCall, *, journal: Journal) -> Any:
    try:
        return await call.next(call.input)
    finally:
        SEEN.append((journal.get(RATE_LIMIT_REMAINING), journal.get(RATE_LIMIT_LIMIT)))


limit_observer_mw = r.middleware.task("jk.rateLimit.observer").run(limit_observer).build()


async def plain() -> str:
    return "ok"


observed_limit_task = (
    r.task("jk.rateLimit.observed")
    .middleware(limit_observer_mw, task_mw.rate_limit.with_(window_ms=60_000, max=1))
    .run(plain)
    .build()
)

# -- circuit breaker ----------------------------------------------------------------------------


async def breaker_reads(*, journal: Journal) -> str:
    SEEN.append((journal.get(CIRCUIT_BREAKER_STATE), journal.get(CIRCUIT_BREAKER_FAILURES)))
    return "ok"


breaker_task = (
    r.task("jk.circuitBreaker.task")
    .middleware(task_mw.circuit_breaker.with_(failure_threshold=3, reset_timeout=1000))
    .run(breaker_reads)
    .build()
)


async def breaker_observer(call: TaskCall, *, journal: Journal) -> Any:
    try:
        return await call.next(call.input)
    finally:
        SEEN.append((journal.get(CIRCUIT_BREAKER_STATE), journal.get(CIRCUIT_BREAKER_FAILURES)))


breaker_observer_mw = r.middleware.task("jk.circuitBreaker.observer").run(breaker_observer).build()


async def fails_on_demand() -> str:
    if MODE["breaker"] == "fail":
        raise RuntimeError("boom")
    return "ok"


transitions_task = (
    r.task("jk.circuitBreaker.transitions")
    .middleware(
        breaker_observer_mw,
        task_mw.circuit_breaker.with_(failure_threshold=1, reset_timeout=1),
    )
    .run(fails_on_demand)
    .build()
)

# -- timeout: the abort handle ---------------------------------------------------------------

ABORTS: list[TimeoutAbort] = []


async def abort_soon(call: TaskCall, *, journal: Journal) -> Any:
    """Runner's "timeout.abort.trigger": aborts the call shortly after it starts."""
    abort = journal.get(TIMEOUT_ABORT)
    if abort is None:
        raise RuntimeError("AbortController not set")
    ABORTS.append(abort)
    asyncio.get_running_loop().call_soon(abort.abort)
    return await call.next(call.input)


abort_mw = r.middleware.task("jk.timeout.abortTrigger").run(abort_soon).build()


async def never_finishes() -> str:
    await asyncio.Event().wait()
    return "done"


aborted_task = (
    r.task("jk.timeout.abortTask")
    .middleware(task_mw.timeout.with_(ttl=3_600_000), abort_mw)
    .run(never_finishes)
    .build()
)


async def quick(*, journal: Journal) -> str:
    abort = journal.get(TIMEOUT_ABORT)
    assert abort is not None
    ABORTS.append(abort)
    return "done"


quick_task = (
    r.task("jk.timeout.quick").middleware(task_mw.timeout.with_(ttl=60_000)).run(quick).build()
)

# -- a chain nobody journals: the built-ins write nothing, and look for no journal -------------


async def bare() -> str:
    return "ok"


bare_task = (
    r.task("jk.bare")
    .middleware(
        task_mw.retry.with_(retries=1, delay_strategy=no_delay),
        task_mw.fallback.with_(fallback="unused"),
        task_mw.rate_limit.with_(window_ms=60_000, max=100),
        task_mw.circuit_breaker.with_(),
        task_mw.cache.with_(),
        task_mw.timeout.with_(ttl=60_000),
    )
    .run(bare)
    .build()
)

app = (
    r.resource("jk.app")
    .register(
        globals.resources.cache,
        hit_observer_mw,
        fallback_observer_mw,
        limit_observer_mw,
        breaker_observer_mw,
        fail_once_task,
        retry_success_task,
        cached_task,
        falsy_task,
        cache_retry_task,
        failing_task,
        observed_fallback_task,
        fallback_success_task,
        rate_limited_task,
        observed_limit_task,
        breaker_task,
        transitions_task,
        abort_mw,
        aborted_task,
        quick_task,
        bare_task,
    )
    .build()
)
