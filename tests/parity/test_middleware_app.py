"""Built-in middleware in a generated app, ported from Runner 5.5's middleware tests.

Runner files: src/__tests__/globals/middleware/temporal.debounce.middleware.test.ts,
temporal.throttle.middleware.test.ts, concurrency.middleware.test.ts,
rateLimit.middleware.test.ts, src/__tests__/globals/cache.middleware.test.ts and
src/__tests__/globals/retry.middleware.test.ts (all at tag 5.5.0).
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable, Iterator

import pytest

from runner_gen.runtime.middleware import RateLimitExceededError, TaskTimeoutError
from tests.parity.apps import middleware as defs
from tests.support.build import build_app

wiring = build_app("tests.parity.apps.middleware:app")


@pytest.fixture(autouse=True)
def fresh_state() -> Iterator[None]:
    defs.reset()
    yield
    defs.reset()


async def test_debounce_runs_once_per_task_with_the_latest_input() -> None:
    """temporal.debounce: "should debounce task executions" (calls 1, 2, 3 -> one run with 3,
    every caller gets its result), checked against Runner 5.5 for different inputs."""
    async with wiring.running() as app:
        results = await asyncio.gather(*(app.tasks.debounced(i) for i in (1, 2, 3)))
    assert results == [30, 30, 30]
    assert defs.STATE.runs["debounced"] == [3]


async def test_debounce_starts_a_new_cycle_after_a_run() -> None:
    """temporal.debounce: "should handle multiple debounce cycles"."""
    async with wiring.running() as app:
        assert await app.tasks.debounced(1) == 10
        assert await app.tasks.debounced(2) == 20
    assert defs.STATE.runs["debounced"] == [1, 2]


async def test_a_shared_debounce_config_still_debounces_each_task_on_its_own() -> None:
    """Deliberate divergence (docs/runner-parity.md): Runner 5.5 keys debounce state by the
    config object, so task A's caller receives task B's result; here each task has its burst."""
    async with wiring.running() as app:
        results = await asyncio.gather(app.tasks.left(1), app.tasks.right(2))
    assert list(results) == ["left 1", "right 2"]


async def test_throttle_runs_the_first_call_and_the_latest_pending_one() -> None:
    """temporal.throttle: "should throttle task executions" (inputs 1, 2, 3 at once -> runs 1
    then 3; callers get 1, 3, 3 as observed on Runner 5.5)."""
    async with wiring.running() as app:
        results = await asyncio.gather(*(app.tasks.throttled(i) for i in (1, 2, 3)))
    assert results == [1, 3, 3]
    assert defs.STATE.runs["throttled"] == [1, 3]


async def _max_active(
    first: Callable[[str], Awaitable[str]], second: Callable[[str], Awaitable[str]]
) -> int:
    defs.STATE.gate = asyncio.Event()
    calls = [asyncio.ensure_future(first("x")), asyncio.ensure_future(second("y"))]
    for _ in range(50):  # let both calls reach their permit (or the queue), no time passing
        await asyncio.sleep(0)
    defs.STATE.gate.set()
    assert sorted(await asyncio.gather(*calls)) == ["x", "y"]
    return defs.STATE.max_active


async def test_tasks_sharing_one_concurrency_config_share_its_permits() -> None:
    """concurrency: "should share semaphore across tasks if they share the same middleware
    instance"."""
    async with wiring.running() as app:
        assert await _max_active(app.tasks.shared_a, app.tasks.shared_b) == 1


async def test_separate_concurrency_configs_have_separate_permits() -> None:
    """concurrency: "should limit concurrent executions using 'limit' config" (per config)."""
    async with wiring.running() as app:
        assert await _max_active(app.tasks.own_a, app.tasks.own_b) == 2


async def test_tasks_sharing_one_rate_limit_config_share_its_budget() -> None:
    """rateLimit: "should throw RateLimitError when exceeding limit", with the budget of one
    ``.with()`` result shared by two tasks as Runner 5.5 does (its state is keyed by config)."""
    async with wiring.running() as app:
        assert await app.tasks.limited_a("a") == "a"
        assert await app.tasks.limited_b("b") == "b"
        with pytest.raises(RateLimitExceededError, match="Rate limit exceeded"):
            await app.tasks.limited_a("again")


async def test_a_none_result_is_not_cached_but_a_value_is() -> None:
    """cache: "should return cached results for same inputs"; a ``None`` result is run again,
    as Runner 5.5 does for ``undefined`` (observed: 2 runs for undefined, 1 for null)."""
    async with wiring.running() as app:
        assert await app.tasks.maybe(-1) is None
        assert await app.tasks.maybe(-1) is None
        assert await app.tasks.maybe(4) == 4
        assert await app.tasks.maybe(4) == 4
    assert defs.STATE.runs["maybe"] == [-1, -1, 4]


async def test_the_default_cache_key_is_task_id_dash_json_of_the_input() -> None:
    """cache: the default ``keyBuilder`` is ``${taskId}-${JSON of input}``."""
    async with wiring.running() as app:
        await app.tasks.maybe(7)
        assert await app.resources.cache.invalidate_keys("pm.tasks.maybe-7") == 1
        await app.tasks.maybe(7)
    assert defs.STATE.runs["maybe"] == [7, 7]


async def test_key_builder_receives_the_task_id_and_the_input() -> None:
    """cache: "should handle custom key builders" (``keyBuilder(taskId, input)``)."""
    async with wiring.running() as app:
        assert await app.tasks.keyed({"a": 1}) == 1
        assert await app.tasks.keyed({"a": 2}) == 1  # same custom key: served from cache
    assert defs.STATE.keys == [("pm.tasks.keyed", {"a": 1}), ("pm.tasks.keyed", {"a": 2})]
    assert defs.STATE.runs["keyed"] == [{"a": 1}]


async def test_a_retry_backoff_past_the_timeout_ends_with_the_timeout_error() -> None:
    """retry: "should skip retries when timeout abort controller is aborted" (timeout wraps
    retry; observed on Runner 5.5: one attempt, then "Operation timed out after 30ms")."""
    async with wiring.running() as app:
        with pytest.raises(TaskTimeoutError, match="timed out after 30ms"):
            await app.tasks.timed_retry("x")
    assert defs.STATE.runs["always_fails"] == ["x"]
