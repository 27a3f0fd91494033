"""Bad input of every kind gets a 4xx envelope, the task is never called, the server survives."""

from __future__ import annotations

import asyncio
import json
from collections.abc import AsyncIterator

import pytest
from pydantic import BaseModel, Field, TypeAdapter

from runner_gen.runtime.exposure import ExposureConfig, TaskRoute
from runner_gen.runtime.serializer import UNDEFINED

from .helpers import (
    TOKEN,
    Recorder,
    post_head,
    raw_connection,
    raw_exchange,
    read_response,
    serving,
)

INVALID_JSON = b'{"ok":false,"error":{"message":"Invalid JSON body","code":"INVALID_JSON"}}'
TASK_PATH = "/__runner/task/app.tasks.echo"


def small_limit(limit: int = 1024, **options: float) -> ExposureConfig:
    return ExposureConfig(tokens=(TOKEN,), body_limit=limit, **options)  # type: ignore[arg-type]


async def test_a_declared_length_over_the_limit_gets_413_before_the_body_is_sent() -> None:
    task = Recorder()
    async with serving([TaskRoute(id="app.tasks.echo", call=task)], config=small_limit()) as served:
        # Only the head goes out: the answer must not wait for the 1 MB that is never sent.
        response = await raw_exchange(
            served.running.port, post_head(TASK_PATH, "content-length: 1000000")
        )
    assert response.status == 413
    assert response.body == (
        b'{"ok":false,"error":{"message":"Payload too large","code":"PAYLOAD_TOO_LARGE"}}'
    )
    assert task.calls == []


async def test_runners_default_limit_is_2_mb() -> None:
    task = Recorder()
    async with serving([TaskRoute(id="app.tasks.echo", call=task)]) as served:
        over = await raw_exchange(
            served.running.port, post_head(TASK_PATH, f"content-length: {2 * 1024 * 1024 + 1}")
        )
        value = "x" * (2 * 1024 * 1024 - 100)
        under = await served.client.post("/task/app.tasks.echo", json={"input": value})
    assert over.status == 413
    assert under.status_code == 200


async def test_a_chunked_body_is_counted_and_cut_off_at_the_limit() -> None:
    task = Recorder()
    sent_chunks = 0

    async def chunks() -> AsyncIterator[bytes]:
        nonlocal sent_chunks
        for _ in range(5):
            sent_chunks += 1
            yield b" " * 500

    async with serving([TaskRoute(id="app.tasks.echo", call=task)], config=small_limit()) as served:
        response = await served.client.post("/task/app.tasks.echo", content=chunks())
    assert response.status_code == 413
    assert response.json()["error"]["code"] == "PAYLOAD_TOO_LARGE"
    assert task.calls == []


async def test_a_chunked_body_under_the_limit_is_accepted() -> None:
    async def chunks() -> AsyncIterator[bytes]:
        yield b'{"input":'
        yield b"[1,2,3]}"

    async with serving(
        [TaskRoute(id="app.tasks.echo", call=Recorder())], config=small_limit()
    ) as served:
        response = await served.client.post("/task/app.tasks.echo", content=chunks())
    assert response.json() == {"ok": True, "result": [1, 2, 3]}


async def test_a_body_of_exactly_the_limit_is_accepted_and_one_more_byte_is_not() -> None:
    body = json.dumps({"input": "x" * 1000}).encode()
    async with serving(
        [TaskRoute(id="app.tasks.echo", call=Recorder())], config=small_limit(len(body))
    ) as served:
        exact = await served.client.post("/task/app.tasks.echo", content=body)
        over = await served.client.post("/task/app.tasks.echo", content=body + b" ")
    assert exact.status_code == 200
    assert over.status_code == 413


async def test_bytes_after_the_declared_length_are_never_part_of_the_body() -> None:
    # The client declares 12 bytes and keeps writing: what follows is framed as the next
    # (pipelined) request, never appended to this body, whichever parser uvicorn uses.
    task = Recorder()
    async with serving([TaskRoute(id="app.tasks.echo", call=task)], config=small_limit()) as served:
        second = post_head(TASK_PATH, "content-length: 12") + b'{"input":34}'
        async with raw_connection(served.running.port) as (reader, writer):
            writer.write(post_head(TASK_PATH, "content-length: 12") + b'{"input":12}' + second)
            await writer.drain()
            first_response = await read_response(reader)
            second_response = await read_response(reader)
    assert (first_response.status, second_response.status) == (200, 200)
    assert task.calls == [12, 34]


async def test_both_content_length_and_chunked_are_refused_with_400() -> None:
    # h11 hands the request to the app, which refuses it with the envelope; httptools refuses
    # it itself with a plain-text 400. Either way the task is never called.
    task = Recorder()
    async with serving([TaskRoute(id="app.tasks.echo", call=task)]) as served:
        head = post_head(TASK_PATH, "content-length: 14", "transfer-encoding: chunked")
        response = await raw_exchange(
            served.running.port, head + b'd\r\n{"input": 1 }\r\n0\r\n\r\n'
        )
    assert response.status == 400
    if response.headers["content-type"].startswith("application/json"):
        assert json.loads(response.body)["error"]["code"] == "BAD_REQUEST"
    assert task.calls == []


@pytest.mark.parametrize(
    "body",
    [
        b'{"input": ',
        b"not json",
        b'{"input": "\xff\xfe"}',
        b"[" * 100_000 + b"]" * 100_000,
        b'{"input": NaN}',
        b'{"input": Infinity}',
        b'{"input": 1' + b"0" * 5000 + b"}",
        b'\xef\xbb\xbf{"input": 1}',
        b'{"input": 1} trailing',
        b'{"input": {"__type": "Date", "value": "not a date"}}',
    ],
    ids=[
        "truncated",
        "not-json",
        "invalid-utf8",
        "deep-nesting",
        "nan",
        "infinity",
        "huge-int",
        "bom",
        "trailing-garbage",
        "bad-typed-record",
    ],
)
async def test_bodies_that_are_not_valid_runner_json_get_400_invalid_json(body: bytes) -> None:
    task = Recorder()
    async with serving(
        [TaskRoute(id="app.tasks.echo", call=task)], config=small_limit(1024 * 1024)
    ) as served:
        response = await served.client.post("/task/app.tasks.echo", content=body)
        after = await served.client.post("/task/app.tasks.echo", json={"input": "still up"})
    assert response.status_code == 400
    assert response.content == INVALID_JSON
    assert task.calls == ["still up"]
    assert after.status_code == 200


async def test_an_empty_body_is_an_undefined_input_as_in_runner() -> None:
    task = Recorder()
    async with serving([TaskRoute(id="app.tasks.echo", call=task)]) as served:
        response = await served.client.post("/task/app.tasks.echo", content=b"")
    assert response.status_code == 200
    assert task.calls == [UNDEFINED]
    assert response.json() == {"ok": True, "result": {"__type": "Undefined", "value": None}}


class Signup(BaseModel):
    email: str = Field(min_length=3)
    age: int


async def test_input_the_type_rejects_gets_400_with_where_and_why_but_not_the_values() -> None:
    task = Recorder()
    route = TaskRoute(
        id="app.tasks.signup", call=task, decode_input=TypeAdapter(Signup).validate_python
    )
    async with serving([route]) as served:
        response = await served.client.post(
            "/task/app.tasks.signup",
            json={"input": {"email": "x", "age": "hunter2-secret"}},
        )
    assert response.status_code == 400
    error = response.json()["error"]
    assert error["code"] == "INVALID_INPUT"
    assert error["message"] == "Invalid input"
    assert sorted(detail["loc"] for detail in error["details"]) == [["age"], ["email"]]
    assert {detail["type"] for detail in error["details"]} == {"int_parsing", "string_too_short"}
    assert all(set(detail) == {"loc", "msg", "type"} for detail in error["details"])
    assert b"hunter2-secret" not in response.content
    assert task.calls == []


async def test_an_event_payload_the_type_rejects_gets_400() -> None:
    from runner_gen.runtime.exposure import EventRoute

    emitted = Recorder()
    route = EventRoute(id="e", emit=emitted, decode_payload=TypeAdapter(int).validate_python)
    async with serving(events=[route]) as served:
        response = await served.client.post("/event/e", json={"payload": "many"})
    assert response.status_code == 400
    assert response.json()["error"]["details"] == [
        {
            "loc": [],
            "msg": "Input should be a valid integer, unable to parse string as an integer",
            "type": "int_parsing",
        }
    ]
    assert emitted.calls == []


async def test_a_body_that_stalls_gets_408_after_the_body_timeout() -> None:
    task = Recorder()
    config = small_limit(body_timeout=0.3)
    async with (
        serving([TaskRoute(id="app.tasks.echo", call=task)], config=config) as served,
        raw_connection(served.running.port) as (reader, writer),
    ):
        writer.write(post_head(TASK_PATH, "content-length: 100") + b'{"input":')
        await writer.drain()
        response = await read_response(reader)  # read_response gives up after 5 s
    assert response.status == 408
    assert json.loads(response.body)["error"]["code"] == "REQUEST_TIMEOUT"
    assert task.calls == []


async def test_a_client_that_disconnects_mid_body_does_not_hurt_the_server() -> None:
    task = Recorder()
    async with serving([TaskRoute(id="app.tasks.echo", call=task)]) as served:
        async with raw_connection(served.running.port) as (_, writer):
            writer.write(post_head(TASK_PATH, "content-length: 100") + b'{"input":')
            await writer.drain()
        await asyncio.sleep(0.05)  # let the server see the disconnect
        after = await served.client.post("/task/app.tasks.echo", json={"input": "next"})
    assert after.json() == {"ok": True, "result": "next"}
    assert task.calls == ["next"]


async def test_a_client_that_disconnects_while_the_task_runs_does_not_hurt_the_server(
    caplog: pytest.LogCaptureFixture,
) -> None:
    started = asyncio.Event()
    release = asyncio.Event()

    async def slow(value: object) -> object:
        started.set()
        await release.wait()
        return value

    async with serving([TaskRoute(id="app.tasks.echo", call=slow)]) as served:
        async with raw_connection(served.running.port) as (_, writer):
            writer.write(post_head(TASK_PATH, "content-length: 11") + b'{"input":1}')
            await writer.drain()
            await asyncio.wait_for(started.wait(), 5)
        await asyncio.sleep(0.05)
        release.set()
        after = await served.client.post("/task/app.tasks.echo", json={"input": 2})
    assert after.json() == {"ok": True, "result": 2}
    assert not [r for r in caplog.records if r.levelname == "ERROR"]
