"""The serving layer as an attacker meets it: slow heads, huge heads, idle and surplus
connections. Real uvicorn on 127.0.0.1:0 and raw sockets; every wait polls with a deadline."""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import Awaitable, Callable
from typing import Any

import pytest

from runner_gen.runtime.exposure import ExposureConfig, TaskRoute
from runner_gen.runtime.exposure.limits import ServerLimits, derived_connection_cap

from .helpers import TOKEN, Recorder, post_head, raw_connection, read_response, serving

PATH = "/__runner/task/t"


async def eventually(check: Callable[[], Awaitable[bool] | bool], deadline: float = 15.0) -> None:
    loop = asyncio.get_running_loop()
    end = loop.time() + deadline
    while True:
        outcome = check()
        if not isinstance(outcome, bool):
            outcome = await outcome
        if outcome:
            return
        if loop.time() > end:
            pytest.fail(f"condition not reached within {deadline} s")
        await asyncio.sleep(0.02)


async def closed_by_server(reader: asyncio.StreamReader) -> bytes:
    """Everything the server sent until it closed the connection."""
    received = b""
    with contextlib.suppress(ConnectionError):
        while chunk := await reader.read(4096):
            received += chunk
    return received


def config(**limits: Any) -> ExposureConfig:
    return ExposureConfig(tokens=(TOKEN,), **limits)


async def test_slowloris_connections_are_closed_at_the_deadline_while_requests_are_served() -> None:
    # The deadline leaves room to open all 300 connections on a loaded CI machine (0.5 s did
    # not: the first ones were already answered 408 before the last was open).
    async with serving(
        [TaskRoute(id="t", call=Recorder())], config=config(header_timeout=3.0)
    ) as s:
        attackers = []
        for _ in range(300):
            reader, writer = await asyncio.open_connection("127.0.0.1", s.running.port)
            writer.write(b"POST /__runner/task/t HTTP/1.1\r\nhost: x\r\nx-slow: ")
            attackers.append((reader, writer))
        try:
            # Served while every slow connection is still open...
            served = await s.client.post("/task/t", json={"input": 1})
            assert served.status_code == 200
            assert s.running.connections >= 300
            # ...and each slow one is answered 408 and closed once its head is overdue.
            answers = await asyncio.gather(*(closed_by_server(r) for r, _ in attackers))
        finally:
            for _, writer in attackers:
                writer.close()
    assert all(answer.startswith(b"HTTP/1.1 408 ") for answer in answers)
    assert b'"code":"REQUEST_TIMEOUT"' in answers[0]


async def test_a_connection_that_sends_nothing_is_closed_at_the_header_deadline() -> None:
    async with serving(
        [TaskRoute(id="t", call=Recorder())], config=config(header_timeout=0.3)
    ) as s:
        async with raw_connection(s.running.port) as (reader, _):
            assert await asyncio.wait_for(closed_by_server(reader), 10) == b""
        await eventually(lambda: s.running.connections == 0)


async def test_a_trickled_head_over_the_limit_gets_431_before_it_is_all_sent() -> None:
    async with (
        serving([TaskRoute(id="t", call=Recorder())], config=config()) as s,
        raw_connection(s.running.port) as (reader, writer),
    ):
        writer.write(b"POST /__runner/task/t HTTP/1.1\r\nx-big: ")
        refused = b""
        for _ in range(64):  # up to 64 KiB, 4x the limit, never finishing the header
            writer.write(b"a" * 1024)
            with contextlib.suppress(ConnectionError):
                await writer.drain()
            with contextlib.suppress(asyncio.TimeoutError):
                refused += await asyncio.wait_for(reader.read(4096), 0.01)
            if refused:
                break
        refused += await closed_by_server(reader)
    assert refused.startswith(b"HTTP/1.1 431 Request Header Fields Too Large\r\n")
    assert b'"code":"HEADERS_TOO_LARGE"' in refused


@pytest.mark.parametrize(
    ("extra", "limits"),
    [
        ([f"x-big: {'a' * 20_000}"], {}),  # one header, 20 KB, sent in one write
        ([f"x-h{n}: v" for n in range(150)], {}),  # 150 small headers
        ([f"x-h{n}: v" for n in range(11)], {"max_headers": 10}),
        ([f"x-big: {'a' * 600}"], {"max_header_bytes": 512}),
    ],
    ids=["20KB-header", "150-headers", "max_headers", "max_header_bytes"],
)
async def test_a_head_over_the_limits_gets_431_and_never_reaches_the_app(
    extra: list[str], limits: dict[str, Any]
) -> None:
    task = Recorder()
    async with serving([TaskRoute(id="t", call=task)], config=config(**limits)) as s:
        async with raw_connection(s.running.port) as (reader, writer):
            writer.write(post_head(PATH, "content-length: 1", *extra) + b"1")
            await writer.drain()
            response = await read_response(reader)
            assert await closed_by_server(reader) == b""
        assert response.status == 431
        assert response.headers["connection"] == "close"
        # The same request under the limits is served: the limit, not the shape, refused it.
        ok = await s.client.post("/task/t", json={"input": 1})
    assert ok.status_code == 200
    assert task.calls == [1]


async def test_an_idle_kept_alive_connection_is_closed_after_the_keep_alive_timeout() -> None:
    async with (
        serving([TaskRoute(id="t", call=Recorder())], config=config(keep_alive_timeout=0.3)) as s,
        raw_connection(s.running.port) as (reader, writer),
    ):
        writer.write(post_head(PATH, "content-length: 1") + b"1")
        first = await read_response(reader)
        assert first.status == 200
        assert await asyncio.wait_for(closed_by_server(reader), 10) == b""


async def test_a_kept_alive_connection_serves_many_requests_within_the_limits() -> None:
    async with (
        serving([TaskRoute(id="t", call=Recorder())], config=config(header_timeout=5)) as s,
        raw_connection(s.running.port) as (reader, writer),
    ):
        for n in range(20):
            writer.write(post_head(PATH, "content-length: 1") + str(n % 10).encode())
            response = await read_response(reader)
            assert (response.status, response.body) == (
                200,
                b'{"ok":true,"result":%d}' % (n % 10),
            )


async def test_connections_over_the_cap_get_503_at_once_and_the_cap_frees_up() -> None:
    async with serving([TaskRoute(id="t", call=Recorder())], config=config(max_connections=3)) as s:
        held = [await asyncio.open_connection("127.0.0.1", s.running.port) for _ in range(3)]
        await eventually(lambda: s.running.connections == 3)
        async with raw_connection(s.running.port) as (reader, _):
            refused = await asyncio.wait_for(closed_by_server(reader), 10)
        assert refused.startswith(b"HTTP/1.1 503 Service Unavailable\r\n")
        assert b"connection: close" in refused
        _, writer = held.pop()
        writer.close()
        await eventually(lambda: s.running.connections == 2)
        async with raw_connection(s.running.port) as (reader, writer):
            writer.write(post_head(PATH, "content-length: 1") + b"7")
            served = await read_response(reader)
        for _, writer in held:
            writer.close()
    assert (served.status, served.body) == (200, b'{"ok":true,"result":7}')


def test_the_connection_cap_is_derived_from_the_fd_limit_leaving_a_reserve() -> None:
    import resource

    soft, _ = resource.getrlimit(resource.RLIMIT_NOFILE)
    cap = derived_connection_cap()
    assert 1 <= cap <= 10_000
    if soft != resource.RLIM_INFINITY:
        assert cap <= soft - 32
    assert ServerLimits(max_connections=5).connection_cap == 5
    assert ServerLimits().connection_cap == cap


@pytest.mark.parametrize(
    "bad",
    [
        {"header_timeout": 0},
        {"keep_alive_timeout": -1},
        {"max_header_bytes": 0},
        {"max_headers": 0},
        {"max_connections": 0},
    ],
)
def test_limits_that_would_refuse_everything_are_configuration_errors(bad: dict[str, Any]) -> None:
    with pytest.raises(ValueError, match=next(iter(bad))):
        config(**bad)


async def test_a_trickled_body_gets_408_at_the_body_deadline_and_the_task_never_runs() -> None:
    task = Recorder()
    async with (
        serving([TaskRoute(id="t", call=task)], config=config(body_timeout=0.3)) as s,
        raw_connection(s.running.port) as (reader, writer),
    ):
        writer.write(post_head(PATH, "content-length: 100") + b'{"input":')
        answer = await asyncio.wait_for(closed_by_server(reader), 10)
        # Served alongside: the deadline is per request.
        ok = await s.client.post("/task/t", json={"input": 1})
    assert answer.startswith(b"HTTP/1.1 408 ")
    assert b'"code":"REQUEST_TIMEOUT"' in answer
    assert ok.status_code == 200
    assert task.calls == [1]


async def test_a_body_nobody_reads_any_more_cannot_hold_the_connection() -> None:
    async with (
        serving([TaskRoute(id="t", call=Recorder())], config=config(body_timeout=0.3)) as s,
        raw_connection(s.running.port) as (reader, writer),
    ):
        # Refused before its body is read (wrong token), then the body trickles in: each byte
        # would restart a keep-alive timer, so only the body deadline can end this.
        writer.write(post_head(PATH, "content-length: 1000", token="wrong") + b"{")
        answer = b""
        for _ in range(500):
            with contextlib.suppress(ConnectionError):
                writer.write(b" ")
                await writer.drain()
            try:
                chunk = await asyncio.wait_for(reader.read(4096), 0.05)
            except TimeoutError:
                continue
            except ConnectionError:
                break
            if not chunk:
                break
            answer += chunk
        else:
            pytest.fail("the connection outlived the body deadline")
    assert answer.startswith(b"HTTP/1.1 401 ")
