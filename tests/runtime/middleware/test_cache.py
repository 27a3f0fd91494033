from __future__ import annotations

import asyncio
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

import pytest
from pydantic import BaseModel

from runner_gen.runtime.info import DefinitionInfo, Next
from runner_gen.runtime.middleware import (
    CacheConfig,
    CacheEntry,
    CacheKeyError,
    CacheMiddleware,
    CacheProvider,
    MemoryCacheProvider,
    MiddlewareConfigError,
    stable_key,
)

from .fakes import FakeClock, settle, spawn

INFO = DefinitionInfo("app.tasks.lookup")


class Lookup:
    """Counts runs; returns a fresh value each run so a cache hit is distinguishable."""

    def __init__(self) -> None:
        self.runs = 0

    async def __call__(self, input: Any) -> Any:
        self.runs += 1
        return (input, self.runs)


def cached(task: Next, clock: FakeClock, **config: Any) -> tuple[CacheMiddleware, Next]:
    middleware = CacheMiddleware(clock=clock)
    return middleware, middleware.wrap(task, INFO, CacheConfig(**config))


def test_defaults_mirror_runner() -> None:
    config = CacheConfig()
    assert (config.ttl, config.max, config.key_fn) == (10_000, 100, None)


@pytest.mark.parametrize("kwargs", [{"ttl": -1}, {"max": 0}], ids=["ttl", "max"])
def test_invalid_config_is_a_config_error(kwargs: dict[str, Any]) -> None:
    with pytest.raises(MiddlewareConfigError):
        CacheConfig(**kwargs)


async def test_a_hit_is_served_without_running_the_task() -> None:
    task = Lookup()
    _, chain = cached(task, FakeClock())
    assert await chain("a") == ("a", 1)
    assert await chain("a") == ("a", 1)
    assert await chain("b") == ("b", 2)
    assert task.runs == 2


async def test_entries_expire_after_ttl_on_the_clock() -> None:
    clock = FakeClock()
    task = Lookup()
    _, chain = cached(task, clock, ttl=1000)
    await chain("a")
    await clock.advance(0.999)
    assert await chain("a") == ("a", 1)
    await clock.advance(0.001)
    assert await chain("a") == ("a", 2)


async def test_ttl_zero_keeps_entries_until_evicted() -> None:
    clock = FakeClock()
    task = Lookup()
    _, chain = cached(task, clock, ttl=0)
    await chain("a")
    await clock.advance(10**6)
    assert await chain("a") == ("a", 1)


async def test_least_recently_used_entry_is_evicted_beyond_max() -> None:
    task = Lookup()
    _, chain = cached(task, FakeClock(), max=2)
    await chain("a")
    await chain("b")
    await chain("a")  # a is now more recent than b
    await chain("c")  # evicts b
    assert await chain("a") == ("a", 1)
    assert await chain("b") == ("b", 4)


async def test_a_none_result_is_not_cached() -> None:
    """Runner 5.5 does not cache ``undefined``; a Python task returning nothing is that case."""
    runs = 0

    async def nothing(input: Any) -> Any:
        nonlocal runs
        runs += 1

    _, chain = cached(nothing, FakeClock())
    assert await chain(1) is None
    assert await chain(1) is None
    assert runs == 2


async def test_errors_are_not_cached() -> None:
    attempts = 0

    async def flaky(input: Any) -> Any:
        nonlocal attempts
        attempts += 1
        if attempts == 1:
            raise ValueError("first")
        return "second"

    _, chain = cached(flaky, FakeClock())
    with pytest.raises(ValueError):
        await chain(1)
    assert await chain(1) == "second"


async def test_invalidate_keys_and_clear_force_a_rerun() -> None:
    task = Lookup()
    middleware, chain = cached(task, FakeClock())
    await chain({"id": 1})
    await chain({"id": 2})
    key = f"{INFO.id}-{stable_key({'id': 1})}"
    assert await middleware.invalidate_keys(key, "absent") == 1
    assert await chain({"id": 1}) == ({"id": 1}, 3)
    assert await chain({"id": 2}) == ({"id": 2}, 2)
    await middleware.clear()
    assert await chain({"id": 2}) == ({"id": 2}, 4)


async def test_invalidation_reaches_every_wrapped_task() -> None:
    middleware = CacheMiddleware(clock=FakeClock())
    first, second = Lookup(), Lookup()
    config = CacheConfig(key_fn=lambda input: "shared")
    a = middleware.wrap(first, DefinitionInfo("app.a"), config)
    b = middleware.wrap(second, DefinitionInfo("app.b"), config)
    await a(1)
    await b(1)
    assert await a(1) == (1, 1)  # each task has its own store, even for the same key
    assert await b(1) == (1, 1)
    assert await middleware.invalidate_keys("shared") == 2


async def test_key_fn_replaces_the_default_key() -> None:
    task = Lookup()
    _, chain = cached(task, FakeClock(), key_fn=lambda input: input["user"])
    await chain({"user": "ann", "page": 1})
    assert await chain({"user": "ann", "page": 2}) == ({"user": "ann", "page": 1}, 1)


class Query(BaseModel):
    name: str
    tags: list[str]


@dataclass(frozen=True)
class Page:
    number: int
    query: Query


async def test_pydantic_models_and_dataclasses_key_by_value() -> None:
    task = Lookup()
    _, chain = cached(task, FakeClock())
    await chain(Page(1, Query(name="x", tags=["a"])))
    await chain(Page(1, Query(name="x", tags=["a"])))
    await chain(Page(2, Query(name="x", tags=["a"])))
    assert task.runs == 2


def test_stable_key_ignores_dict_order() -> None:
    assert stable_key({"b": 1, "a": [1, {"d": 2, "c": 3}]}) == stable_key(
        {"a": [1, {"c": 3, "d": 2}], "b": 1}
    )
    assert stable_key({"a": 1}) == '{"a":1}'


async def test_unserializable_input_is_a_typed_error_and_the_task_does_not_run() -> None:
    task = Lookup()
    _, chain = cached(task, FakeClock())
    with pytest.raises(CacheKeyError, match="object") as caught:
        await chain({"handle": object()})
    assert caught.value.id == "runner.errors.middleware.cacheKey"
    assert task.runs == 0
    with pytest.raises(CacheKeyError):
        stable_key(Page)  # a dataclass *type* is not a value


class Gate:
    """A task whose runs block until released; counts runs."""

    def __init__(self) -> None:
        self.runs = 0
        self.release = asyncio.Event()
        self.error: Exception | None = None

    async def __call__(self, input: Any) -> Any:
        self.runs += 1
        await self.release.wait()
        if self.error is not None:
            raise self.error
        return f"{input}#{self.runs}"


async def test_concurrent_misses_run_the_task_once() -> None:
    gate = Gate()
    _, chain = cached(gate, FakeClock())
    calls = [spawn(chain("k")) for _ in range(5)]
    await settle()
    gate.release.set()
    assert await asyncio.gather(*calls) == ["k#1"] * 5
    assert gate.runs == 1


async def test_a_failing_leader_shares_its_error_then_the_next_call_runs_again() -> None:
    gate = Gate()
    gate.error = ValueError("boom")
    _, chain = cached(gate, FakeClock())
    calls = [spawn(chain("k")) for _ in range(3)]
    await settle()
    gate.release.set()
    outcomes = await asyncio.gather(*calls, return_exceptions=True)
    assert all(outcome is gate.error for outcome in outcomes)
    gate.error = None
    assert await chain("k") == "k#2"


async def test_a_cancelled_leader_does_not_poison_its_followers() -> None:
    gate = Gate()
    _, chain = cached(gate, FakeClock())
    leader = spawn(chain("k"))
    await settle()
    followers = [spawn(chain("k")) for _ in range(3)]
    await settle()
    leader.cancel()
    await settle()
    assert gate.runs == 2  # one follower took over as the new leader
    gate.release.set()
    assert await asyncio.gather(*followers) == ["k#2"] * 3
    with pytest.raises(asyncio.CancelledError):
        await leader


async def test_a_cancelled_follower_does_not_cancel_the_leader() -> None:
    gate = Gate()
    _, chain = cached(gate, FakeClock())
    leader = spawn(chain("k"))
    await settle()
    follower = spawn(chain("k"))
    await settle()
    follower.cancel()
    await settle()
    gate.release.set()
    assert await leader == "k#1"
    with pytest.raises(asyncio.CancelledError):
        await follower


class DictProvider:
    """A second, independent provider: proves the factory hook plugs any store in."""

    def __init__(self) -> None:
        self.data: dict[str, Any] = {}

    async def get(self, key: str) -> CacheEntry | None:
        return CacheEntry(self.data[key]) if key in self.data else None

    async def set(self, key: str, value: Any) -> None:
        self.data[key] = value

    async def delete(self, key: str) -> bool:
        return self.data.pop(key, None) is not None

    async def clear(self) -> None:
        self.data.clear()

    async def invalidate_keys(self, keys: Iterable[str]) -> int:
        return sum(self.data.pop(key, None) is not None for key in keys)


async def test_provider_factory_builds_one_provider_per_task() -> None:
    built: list[tuple[str, int]] = []
    providers: list[DictProvider] = []

    def factory(info: DefinitionInfo, config: CacheConfig) -> CacheProvider:
        built.append((info.id, config.max))
        providers.append(DictProvider())
        return providers[-1]

    middleware = CacheMiddleware(provider_factory=factory)
    chain = middleware.wrap(Lookup(), INFO, CacheConfig(max=7))
    assert await chain(1) == (1, 1)
    assert await chain(1) == (1, 1)
    assert built == [(INFO.id, 7)]
    assert providers[0].data == {f"{INFO.id}-1": (1, 1)}


async def test_memory_provider_contract() -> None:
    clock = FakeClock()
    provider = MemoryCacheProvider(max_entries=3, ttl_ms=1000, clock=clock)
    await provider.set("a", 1)
    await provider.set("b", None)
    assert len(provider) == 2
    entry = await provider.get("b")
    assert entry is not None
    assert entry.value is None
    assert entry.expires_at == pytest.approx(clock.now() + 1.0)
    assert await provider.delete("a") is True
    assert await provider.delete("a") is False
    assert await provider.get("a") is None
    await clock.advance(1.0)
    assert await provider.get("b") is None
    assert len(provider) == 0  # expired entries are dropped when found
