"""Several real processes sharing one Redis: the guarantees that only hold across processes.

Each worker is a small script under ``scripts/``; every test bounds its waits and kills every
process it started in a ``finally``.
"""

from __future__ import annotations

import asyncio
import json
import os
import signal
import sys
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any, cast

import pytest
from redis.asyncio import Redis

from runner_gen.runtime.info import DefinitionInfo
from runner_gen.runtime.middleware.circuit_breaker import CircuitState
from runner_gen.runtime.redis import (
    RedisCircuitBreakerConfig,
    RedisCircuitBreakerMiddleware,
    RedisEventTunnel,
    RedisEventTunnelConfig,
)
from tests.redis.conftest import REDIS_URL, eventually

SCRIPTS = Path(__file__).parent / "scripts"
ROOT = Path(__file__).parents[2]
EVENT = "mp.events.order_placed"
WAIT_S = 20.0  # generous: several interpreters start on two cores
POLLS = 400  # x 0.05 s = WAIT_S


class Workers:
    """Starts worker scripts as subprocesses; ``kill_all`` ends whatever is still running."""

    def __init__(self) -> None:
        self.procs: list[asyncio.subprocess.Process] = []

    async def start(self, script: str, *args: object) -> asyncio.subprocess.Process:
        env = {**os.environ, "PYTHONPATH": str(ROOT)}
        proc = await asyncio.create_subprocess_exec(
            sys.executable,
            str(SCRIPTS / script),
            *map(str, args),
            stdout=asyncio.subprocess.PIPE,
            env=env,
            cwd=ROOT,
        )
        self.procs.append(proc)
        return proc

    async def ready(self, proc: asyncio.subprocess.Process) -> None:
        assert await self.line(proc) == "ready"

    async def line(self, proc: asyncio.subprocess.Process) -> str:
        assert proc.stdout is not None
        async with asyncio.timeout(WAIT_S):
            return (await proc.stdout.readline()).decode().strip()

    async def result(self, proc: asyncio.subprocess.Process) -> Any:
        output = await self.line(proc)
        async with asyncio.timeout(WAIT_S):
            assert await proc.wait() == 0
        return json.loads(output)

    async def kill_all(self) -> None:
        for proc in self.procs:
            if proc.returncode is None:
                proc.kill()
            await proc.wait()


@pytest.fixture
async def workers() -> AsyncIterator[Workers]:
    started = Workers()
    try:
        yield started
    finally:
        await started.kill_all()


async def test_processes_hammering_one_key_admit_exactly_max_in_total(
    workers: Workers, prefix: str, redis: Redis
) -> None:
    processes, calls, limit = 4, 40, 25
    procs = [
        await workers.start("rate_limit_worker.py", REDIS_URL, prefix, 60_000, limit, calls)
        for _ in range(processes)
    ]
    for proc in procs:
        await workers.ready(proc)
    await redis.rpush(f"{prefix}:go", *range(processes))  # all start at once
    results = [await workers.result(proc) for proc in procs]
    assert [r["unexpected"] for r in results] == [[]] * processes
    assert sum(r["admitted"] for r in results) == limit
    assert sum(r["rejected"] for r in results) == processes * calls - limit
    # No lost update: every hit of every process was counted.
    assert int(await redis.get(f"{prefix}:mp.tasks.limited") or 0) == processes * calls


async def test_a_breaker_opened_in_one_process_fails_fast_in_another(
    workers: Workers, prefix: str
) -> None:
    trip = await workers.start("breaker_worker.py", REDIS_URL, prefix, "trip", 3, 30_000)
    assert await workers.result(trip) == {"mode": "trip", "failures": 3, "ran": 3}
    probe = await workers.start("breaker_worker.py", REDIS_URL, prefix, "probe", 3, 30_000)
    outcome = await workers.result(probe)
    assert outcome["rejected"] is True
    assert outcome["ran"] == 0
    assert 0 < outcome["retry_after"] <= 30
    observer = RedisCircuitBreakerMiddleware()
    observer.wrap(
        lambda input: asyncio.sleep(0, input),
        DefinitionInfo("mp.tasks.charge"),
        RedisCircuitBreakerConfig(prefix=prefix),
    )
    try:
        assert (await observer.snapshot("mp.tasks.charge")).state is CircuitState.OPEN
    finally:
        await observer.dispose()


class Stream:
    """This test's stream, dead-letter stream and handled-log list, and a publisher."""

    def __init__(self, prefix: str, redis: Redis) -> None:
        self.name = f"{prefix}:events"
        self.dead = f"{prefix}:dead"
        self.log = f"{prefix}:handled"
        self.redis = redis
        self.publisher = RedisEventTunnel(
            RedisEventTunnelConfig(stream=self.name, group="workers", consume=False)
        )

    def args(
        self, consumer: str, mode: str, claim_idle_ms: int, max_attempts: int = 5
    ) -> list[Any]:
        return [
            REDIS_URL,
            self.name,
            self.dead,
            consumer,
            mode,
            self.log,
            claim_idle_ms,
            max_attempts,
        ]

    async def nothing_pending(self) -> bool:
        return int((await self.redis.xpending(self.name, "workers"))["pending"]) == 0

    async def has_dead_letters(self) -> bool:
        return bool(await self.redis.xlen(self.dead))

    async def handled(self, key: str | None = None) -> list[str]:
        items = await self.redis.lrange(key or self.log, 0, -1)
        return [cast(bytes, item).decode() for item in items]

    async def wait_handled(self, count: int, key: str | None = None) -> list[str]:
        async def enough() -> bool:
            return len(await self.handled(key)) >= count

        await eventually(enough, polls=POLLS, every=0.05)
        return await self.handled(key)


@pytest.fixture
async def stream(prefix: str, redis: Redis) -> AsyncIterator[Stream]:
    made = Stream(prefix, redis)
    await made.publisher.start()
    yield made
    await made.publisher.close()


async def stop(workers: Workers) -> None:
    """SIGTERM every running worker and wait for a clean exit (the graceful path)."""
    for proc in workers.procs:
        if proc.returncode is None:
            proc.send_signal(signal.SIGTERM)
    async with asyncio.timeout(WAIT_S):
        for proc in workers.procs:
            await proc.wait()


async def test_three_consumers_handle_each_event_exactly_once_when_nothing_fails(
    workers: Workers, stream: Stream
) -> None:
    events = 60
    procs = [
        await workers.start("tunnel_worker.py", *stream.args(f"c{n}", "ok", 10_000))
        for n in range(3)
    ]
    for proc in procs:
        await workers.ready(proc)
    for n in range(events):
        await stream.publisher.event(EVENT, n)
    handled = await stream.wait_handled(events)
    await asyncio.sleep(0.3)  # anything delivered twice would show up by now
    handled = await stream.handled()
    payloads = sorted(int(item.split(":")[1]) for item in handled)
    assert payloads == list(range(events))
    assert len({item.split(":")[0] for item in handled}) >= 2  # the group shares the work
    await stop(workers)
    assert [proc.returncode for proc in procs] == [0, 0, 0]
    assert await stream.nothing_pending()


async def test_a_consumer_killed_mid_handler_loses_no_event(
    workers: Workers, stream: Stream
) -> None:
    events = 20
    doomed = await workers.start("tunnel_worker.py", *stream.args("doomed", "hang-first", 500))
    await workers.ready(doomed)
    await stream.publisher.event(EVENT, 0)
    await stream.wait_handled(1, f"{stream.log}:hung")  # event 0 is inside doomed's handler
    others = [
        await workers.start("tunnel_worker.py", *stream.args(f"c{n}", "ok", 500)) for n in range(2)
    ]
    for proc in others:
        await workers.ready(proc)
    for n in range(1, events):
        await stream.publisher.event(EVENT, n)
    doomed.kill()  # SIGKILL: no cleanup, event 0 stays in its pending list
    await doomed.wait()
    handled = await stream.wait_handled(events)
    payloads = sorted(int(item.split(":")[1]) for item in handled)
    assert payloads == list(range(events))
    assert not any(item.startswith("doomed:") for item in handled)
    await eventually(stream.nothing_pending, polls=POLLS, every=0.05)


async def test_an_event_no_consumer_can_handle_is_dead_lettered_after_max_attempts(
    workers: Workers, stream: Stream
) -> None:
    procs = [
        await workers.start("tunnel_worker.py", *stream.args(f"c{n}", "fail", 200, 3))
        for n in range(2)
    ]
    for proc in procs:
        await workers.ready(proc)
    await stream.publisher.event(EVENT, "poison")
    await eventually(stream.has_dead_letters, polls=POLLS, every=0.05)
    await asyncio.sleep(0.5)  # acked: no fourth attempt comes
    attempts = await stream.handled(f"{stream.log}:attempts")
    assert [item.split(":")[1] for item in attempts] == ["poison"] * 3
    [(_, fields)] = await stream.redis.xrange(stream.dead) or [(b"", {})]
    dead = cast(dict[bytes, bytes], fields)
    assert dead[b"error_type"] == b"RuntimeError"
    assert dead[b"deliveries"] == b"3"
    assert dead[b"event"] == EVENT.encode()
    assert await stream.nothing_pending()
