"""RedisEventTunnel against the real Redis: at-least-once delivery, retries, dead letters,
poison entries, a consumer that dies, shutdown while consuming, Redis faults."""

from __future__ import annotations

import asyncio
import os
import socket
from collections.abc import AsyncIterator, Awaitable, Callable
from datetime import UTC, datetime
from typing import Any, cast

import pytest
from redis.asyncio import Redis

from runner_gen.runtime.redis import (
    RedisConfigError,
    RedisEventTunnel,
    RedisEventTunnelConfig,
    RedisUnavailableError,
    TunnelClosedError,
    close_redis_event_tunnel,
    open_redis_event_tunnel,
)
from tests.redis.conftest import ManualClock

EVENT = "app.events.order_placed"


POLL_S = 0.02
POLLS = 250  # 5 s: far beyond what any of these waits needs


async def until(check: Callable[[], bool]) -> None:
    """Poll ``check`` (state another task or Redis changes) until it holds, for up to 5 s."""
    for _ in range(POLLS):
        if check():
            return
        await asyncio.sleep(POLL_S)
    pytest.fail("condition not reached within 5 s")


async def until_async(check: Callable[[], Awaitable[bool]]) -> None:
    for _ in range(POLLS):
        if await check():
            return
        await asyncio.sleep(POLL_S)
    pytest.fail("condition not reached within 5 s")


class Tunnels:
    """Makes tunnels on this test's stream names and closes every one at the end."""

    def __init__(self, prefix: str, redis: Redis) -> None:
        self.stream = f"{prefix}:events"
        self.dead = f"{prefix}:dead"
        self.redis = redis
        self.made: list[RedisEventTunnel] = []

    def config(self, **options: Any) -> RedisEventTunnelConfig:
        defaults: dict[str, Any] = {
            "stream": self.stream,
            "dead_letter_stream": self.dead,
            "group": "workers",
            "claim_idle_ms": 150,
            "block_ms": 50,
            "max_attempts": 3,
        }
        return RedisEventTunnelConfig(**{**defaults, **options})

    def __call__(self, *, clock: Any = None, **options: Any) -> RedisEventTunnel:
        extra = {} if clock is None else {"clock": clock}
        tunnel = RedisEventTunnel(self.config(**options), **extra)
        self.made.append(tunnel)
        return tunnel

    async def pending(self) -> int:
        summary = await self.redis.xpending(self.stream, "workers")
        return int(summary["pending"])

    async def nothing_pending(self) -> bool:
        return await self.pending() == 0

    async def dead_letters(self) -> list[dict[bytes, bytes]]:
        entries = await self.redis.xrange(self.dead)
        return [cast(dict[bytes, bytes], fields) for _, fields in entries or ()]


@pytest.fixture
async def tunnels(prefix: str, redis: Redis) -> AsyncIterator[Tunnels]:
    made = Tunnels(prefix, redis)
    yield made
    for tunnel in made.made:
        await tunnel.close()


class Recorder:
    """A handler that records payloads; its first ``failures`` calls raise."""

    def __init__(self, failures: int = 0) -> None:
        self.seen: list[object] = []
        self.failures = failures

    async def __call__(self, payload: object) -> None:
        self.seen.append(payload)
        if len(self.seen) <= self.failures:
            raise ValueError(f"attempt {len(self.seen)} failed")


async def started(tunnel: RedisEventTunnel, *handlers: Any) -> RedisEventTunnel:
    for handler in handlers:
        tunnel.subscribe(EVENT, handler)
    await tunnel.start()
    return tunnel


async def test_a_published_event_reaches_the_handler_and_is_acked(tunnels: Tunnels) -> None:
    handler = Recorder()
    await started(tunnels(), handler)
    producer = await started(tunnels(consume=False))
    assert not producer.consuming
    when = datetime(2026, 11, 22, 1, 2, 3, tzinfo=UTC)
    await producer.event(EVENT, {"order": 7, "at": when, "tags": {"gift"}})
    await until(lambda: bool(handler.seen))
    assert handler.seen == [{"order": 7, "at": when, "tags": {"gift"}}]
    await until_async(tunnels.nothing_pending)
    assert await tunnels.dead_letters() == []


async def test_events_published_before_any_consumer_started_are_not_lost(
    tunnels: Tunnels,
) -> None:
    producer = await started(tunnels(consume=False))
    for n in range(3):
        await producer.event(EVENT, n)
    handler = Recorder()
    await started(tunnels(), handler)
    await until(lambda: len(handler.seen) == 3)
    assert handler.seen == [0, 1, 2]


async def test_handlers_of_one_event_run_in_subscription_order(tunnels: Tunnels) -> None:
    order: list[str] = []

    async def first(payload: object) -> None:
        order.append(f"first {payload}")

    async def second(payload: object) -> None:
        order.append(f"second {payload}")

    tunnel = await started(tunnels(), first, second)
    await tunnel.event(EVENT, 1)
    await until(lambda: len(order) == 2)
    assert order == ["first 1", "second 1"]


async def test_a_failed_handler_is_retried_after_claim_idle_and_then_acked(
    tunnels: Tunnels,
) -> None:
    handler = Recorder(failures=1)
    tunnel = await started(tunnels(claim_idle_ms=100), handler)
    await tunnel.event(EVENT, "flaky")
    await until(lambda: len(handler.seen) == 2)
    assert handler.seen == ["flaky", "flaky"]
    await until_async(tunnels.nothing_pending)
    assert await tunnels.dead_letters() == []


async def test_more_failures_than_one_claim_batch_are_all_retried(tunnels: Tunnels) -> None:
    attempts: dict[object, int] = {}

    async def fails_once_each(payload: object) -> None:
        attempts[payload] = attempts.get(payload, 0) + 1
        if attempts[payload] == 1:
            raise ValueError("first attempt fails")

    tunnel = await started(tunnels(batch=1, claim_idle_ms=100), fails_once_each)
    for n in range(4):
        await tunnel.event(EVENT, n)
    await until(lambda: sorted(attempts.values()) == [2, 2, 2, 2])
    await until_async(tunnels.nothing_pending)


async def test_an_always_failing_handler_dead_letters_after_max_attempts(
    tunnels: Tunnels,
) -> None:
    handler = Recorder(failures=1_000)
    tunnel = await started(tunnels(max_attempts=3, claim_idle_ms=100), handler)
    await tunnel.event(EVENT, {"poison": True})
    await until_async(lambda: _has_dead_letters(tunnels, 1))
    [dead] = await tunnels.dead_letters()
    assert len(handler.seen) == 3
    assert dead[b"event"] == EVENT.encode()
    assert dead[b"payload"] == b'{"poison":true}'
    assert dead[b"error_type"] == b"ValueError"
    assert dead[b"error"] == b"attempt 3 failed"
    assert dead[b"deliveries"] == b"3"
    assert dead[b"group"] == b"workers"
    [(original_id, _)] = await tunnels.redis.xrange(tunnels.stream) or [(b"", None)]
    assert dead[b"original_id"] == original_id
    assert await tunnels.pending() == 0
    await asyncio.sleep(0.3)  # acked: never delivered again
    assert len(handler.seen) == 3


async def _has_dead_letters(tunnels: Tunnels, count: int) -> bool:
    return len(await tunnels.dead_letters()) == count


async def test_max_attempts_one_dead_letters_the_first_failure(tunnels: Tunnels) -> None:
    handler = Recorder(failures=1)
    tunnel = await started(tunnels(max_attempts=1), handler)
    await tunnel.event(EVENT, "once")
    await until_async(lambda: _has_dead_letters(tunnels, 1))
    assert handler.seen == ["once"]
    assert await tunnels.pending() == 0


async def test_events_nobody_here_subscribes_to_are_acked_and_skipped(
    tunnels: Tunnels,
) -> None:
    handler = Recorder()
    tunnel = await started(tunnels(), handler)
    await tunnel.event("app.events.unrelated", 1)
    await tunnel.event(EVENT, 2)
    await until(lambda: handler.seen == [2])
    await until_async(tunnels.nothing_pending)
    assert await tunnels.dead_letters() == []


@pytest.mark.parametrize(
    ("fields", "error_type"),
    [
        ({"something": "else"}, b"MalformedEntry"),
        ({"event": EVENT}, b"MalformedEntry"),
        ({"event": EVENT, "payload": "{not json"}, b"SerializerError"),
        ({"event": b"\xff\xfe", "payload": "1"}, b"UnicodeDecodeError"),
        ({"event": EVENT, "payload": '{"__type":"Nope","value":1}'}, b"SerializerTypeError"),
    ],
)
async def test_malformed_entries_go_to_the_dead_letter_stream_at_once(
    tunnels: Tunnels, fields: dict[Any, Any], error_type: bytes
) -> None:
    handler = Recorder()
    await started(tunnels(), handler)
    entry_id = await tunnels.redis.xadd(tunnels.stream, fields)
    await until_async(lambda: _has_dead_letters(tunnels, 1))
    [dead] = await tunnels.dead_letters()
    assert dead[b"error_type"] == error_type
    assert dead[b"original_id"] == entry_id
    assert dead[b"deliveries"] == b"1"
    assert handler.seen == []
    assert await tunnels.pending() == 0


async def test_a_consumer_that_dies_mid_delivery_loses_nothing(tunnels: Tunnels) -> None:
    entered, never = asyncio.Event(), asyncio.Event()

    async def hangs(payload: object) -> None:
        entered.set()
        await never.wait()

    doomed = await started(tunnels(consumer="doomed", drain_timeout_ms=0), hangs)
    await doomed.event(EVENT, "in flight")
    await entered.wait()
    await doomed.close()  # cancels the handler: no ack
    assert await tunnels.pending() == 1
    survivor = Recorder()
    await started(tunnels(consumer="survivor", claim_idle_ms=100), survivor)
    await until(lambda: survivor.seen == ["in flight"])
    await until_async(tunnels.nothing_pending)


async def test_an_entry_whose_last_attempt_never_reported_is_dead_lettered_unrun(
    tunnels: Tunnels,
) -> None:
    entered, never = asyncio.Event(), asyncio.Event()

    async def hangs(payload: object) -> None:
        entered.set()
        await never.wait()

    doomed = await started(tunnels(max_attempts=1, drain_timeout_ms=0), hangs)
    await doomed.event(EVENT, "last attempt")
    await entered.wait()
    await doomed.close()
    survivor = Recorder()
    await started(tunnels(max_attempts=1, claim_idle_ms=100), survivor)
    await until_async(lambda: _has_dead_letters(tunnels, 1))
    [dead] = await tunnels.dead_letters()
    assert dead[b"error_type"] == b"DeliveriesExhausted"
    assert dead[b"deliveries"] == b"2"
    assert survivor.seen == []


async def test_close_lets_the_in_flight_handler_finish_and_acks_it(tunnels: Tunnels) -> None:
    entered, release = asyncio.Event(), asyncio.Event()
    finished: list[object] = []

    async def slow(payload: object) -> None:
        entered.set()
        await release.wait()
        finished.append(payload)

    tunnel = await started(tunnels(drain_timeout_ms=5_000), slow)
    await tunnel.event(EVENT, "draining")
    await entered.wait()
    closing = asyncio.create_task(tunnel.close())
    await asyncio.sleep(0.05)
    assert not closing.done()
    release.set()
    async with asyncio.timeout(2):
        await closing
    assert finished == ["draining"]
    assert not tunnel.consuming
    assert await tunnels.pending() == 0


async def test_close_cancels_a_handler_that_outlives_the_drain_budget(tunnels: Tunnels) -> None:
    entered, never = asyncio.Event(), asyncio.Event()
    cancelled: list[bool] = []

    async def hangs(payload: object) -> None:
        entered.set()
        try:
            await never.wait()
        except asyncio.CancelledError:
            cancelled.append(True)
            raise

    tunnel = await started(tunnels(drain_timeout_ms=100), hangs)
    await tunnel.event(EVENT, "stuck")
    await entered.wait()
    async with asyncio.timeout(2):
        await tunnel.close()
    assert cancelled == [True]
    assert await tunnels.pending() == 1  # left for another consumer


async def test_close_of_an_idle_consumer_returns_without_waiting_for_its_read(
    tunnels: Tunnels,
) -> None:
    tunnel = await started(tunnels(block_ms=10_000), Recorder())
    await asyncio.sleep(0.1)  # now blocked in XREADGROUP for up to 10 s
    async with asyncio.timeout(2):
        await tunnel.close()
    assert not tunnel.consuming


async def test_entries_fetched_but_not_started_at_close_stay_pending(tunnels: Tunnels) -> None:
    entered, release = asyncio.Event(), asyncio.Event()
    seen: list[object] = []

    async def slow(payload: object) -> None:
        seen.append(payload)
        entered.set()
        await release.wait()

    producer = await started(tunnels(consume=False))
    for n in range(3):
        await producer.event(EVENT, n)
    tunnel = await started(tunnels(batch=10), slow)
    await entered.wait()
    closing = asyncio.create_task(tunnel.close())
    await asyncio.sleep(0.05)
    release.set()
    await closing
    assert seen == [0]
    assert await tunnels.pending() == 2


async def test_a_closed_tunnel_refuses_events_and_restarts(tunnels: Tunnels) -> None:
    tunnel = await started(tunnels())
    await tunnel.start()  # idempotent
    await tunnel.close()
    await tunnel.close()  # idempotent
    with pytest.raises(TunnelClosedError):
        await tunnel.event(EVENT, 1)
    with pytest.raises(TunnelClosedError):
        await tunnel.start()


async def test_publishing_with_redis_down_is_a_typed_error_at_once(
    tunnels: Tunnels, down_url: str
) -> None:
    tunnel = tunnels(url=down_url)
    async with asyncio.timeout(5):
        with pytest.raises(RedisUnavailableError):
            await tunnel.event(EVENT, 1)
        with pytest.raises(RedisUnavailableError):
            await tunnel.start()
    assert not tunnel.consuming


async def test_an_unencodable_payload_is_refused_before_publishing(tunnels: Tunnels) -> None:
    tunnel = tunnels(consume=False)
    from runner_gen.runtime.serializer import SerializerError

    with pytest.raises(SerializerError):
        await tunnel.event(EVENT, object())


async def test_the_consumer_survives_a_deleted_stream_and_a_broken_key(
    tunnels: Tunnels, clock: ManualClock
) -> None:
    handler = Recorder()
    tunnel = await started(tunnels(clock=clock, retry_backoff_ms=20), handler)
    await tunnel.event(EVENT, "before")
    await until(lambda: handler.seen == ["before"])
    redis = tunnels.redis
    await redis.delete(tunnels.stream)
    await redis.set(tunnels.stream, "not a stream")  # every stream command now errors
    await until(lambda: len(clock.sleeps) >= 2)
    assert set(clock.sleeps) == {0.02}
    await redis.delete(tunnels.stream)  # NOGROUP: the loop recreates stream and group
    await until_async(lambda: redis.exists(tunnels.stream))  # type: ignore[arg-type,return-value]
    await tunnel.event(EVENT, "after")
    await until(lambda: handler.seen == ["before", "after"])
    assert tunnel.consuming


async def test_an_existing_group_is_joined_not_recreated(tunnels: Tunnels) -> None:
    first, second = Recorder(), Recorder()
    one = await started(tunnels(consumer="one"), first)
    await one.event(EVENT, 1)
    await until(lambda: first.seen == [1])
    await one.close()
    await started(tunnels(consumer="two"), second)
    await asyncio.sleep(0.2)
    assert second.seen == []  # the group remembers what was delivered


def test_the_resource_functions_open_an_unstarted_tunnel_and_close_it() -> None:
    config = RedisEventTunnelConfig(stream="test:unused", consume=False)
    tunnel = open_redis_event_tunnel(config)
    assert tunnel.config is config
    assert tunnel.consumer == f"{socket.gethostname()}-{os.getpid()}"
    assert not tunnel.consuming
    asyncio.run(close_redis_event_tunnel(tunnel))
    with pytest.raises(TunnelClosedError):
        asyncio.run(tunnel.event(EVENT, 1))


def test_url_env_overrides_the_url(monkeypatch: pytest.MonkeyPatch, down_url: str) -> None:
    monkeypatch.setenv("TEST_TUNNEL_REDIS", down_url)
    tunnel = RedisEventTunnel(RedisEventTunnelConfig(url_env="TEST_TUNNEL_REDIS"))

    async def publish() -> None:
        try:
            await tunnel.event(EVENT, 1)
        finally:
            await tunnel.close()

    with pytest.raises(RedisUnavailableError, match=down_url):
        asyncio.run(publish())


@pytest.mark.parametrize(
    "options",
    [
        {"tasks": ("app.tasks.x",)},
        {"max_attempts": 0},
        {"claim_idle_ms": 0},
        {"block_ms": 0},
        {"batch": 0},
        {"drain_timeout_ms": -1},
        {"retry_backoff_ms": -1},
    ],
)
def test_invalid_config_is_refused(options: dict[str, Any]) -> None:
    with pytest.raises(RedisConfigError):
        RedisEventTunnelConfig(**options)


def test_the_generator_facing_defaults() -> None:
    config = RedisEventTunnelConfig()
    assert (config.tasks, config.events, config.event_delivery, config.consume) == (
        (),
        (),
        "remote-only",
        True,
    )
    assert (config.stream, config.group, config.dead_letter_stream) == (
        "runner:events",
        "runner",
        "runner:events:dead",
    )
    assert (config.max_attempts, config.claim_idle_ms, config.block_ms, config.batch) == (
        5,
        30_000,
        1000,
        16,
    )


async def test_start_on_a_key_that_is_not_a_stream_is_a_typed_error(tunnels: Tunnels) -> None:
    await tunnels.redis.set(tunnels.stream, "not a stream")
    tunnel = tunnels()
    with pytest.raises(RedisUnavailableError, match="WRONGTYPE"):
        await tunnel.start()
    assert not tunnel.consuming
