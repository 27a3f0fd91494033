"""The happy paths of Runner 5.x's tunnel protocol, byte-compatible with what Runner 5.5 sends."""

from __future__ import annotations

import re
from datetime import UTC, datetime
from typing import Any

import httpx
from pydantic import BaseModel, TypeAdapter

from runner_gen.runtime.exposure import EventRoute, ExposureConfig, TaskRoute
from runner_gen.runtime.serializer import UNDEFINED

from .helpers import TOKEN, Recorder, serving

UUID = re.compile(r"[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}")


class AddInput(BaseModel):
    a: int
    b: int


class AddResult(BaseModel):
    sum: int
    at: datetime


async def add(value: AddInput) -> AddResult:
    return AddResult(sum=value.a + value.b, at=datetime(1970, 1, 1, tzinfo=UTC))


ADD = TaskRoute(
    id="app.tasks.add",
    call=add,
    decode_input=TypeAdapter(AddInput).validate_python,
    encode_result=lambda result: result.model_dump(),
)


async def test_task_call_answers_exactly_what_runner_5_5_answers() -> None:
    async with serving([ADD]) as served:
        response = await served.client.post("/task/app.tasks.add", json={"input": {"a": 1, "b": 2}})
    assert response.status_code == 200
    assert response.content == (
        b'{"ok":true,"result":{"sum":3,"at":{"__type":"Date","value":"1970-01-01T00:00:00.000Z"}}}'
    )


async def test_task_input_in_tree_format_reaches_the_task_decoded() -> None:
    seen = Recorder()
    route = TaskRoute(id="app.tasks.echo", call=seen)
    async with serving([route]) as served:
        body = b'{"input":{"when":{"__type":"Date","value":"2024-01-01T00:00:00.000Z"}}}'
        response = await served.client.post("/task/app.tasks.echo", content=body)
    assert response.status_code == 200
    assert seen.calls == [{"when": datetime(2024, 1, 1, tzinfo=UTC)}]
    assert response.json()["result"]["when"] == {
        "__type": "Date",
        "value": "2024-01-01T00:00:00.000Z",
    }


async def test_a_body_without_an_input_key_is_the_input_itself() -> None:
    seen = Recorder()
    async with serving([TaskRoute(id="t", call=seen)]) as served:
        as_object = await served.client.post("/task/t", json={"a": 1})
        as_number = await served.client.post("/task/t", json=42)
    assert seen.calls == [{"a": 1}, 42]
    assert as_object.json() == {"ok": True, "result": {"a": 1}}
    assert as_number.json() == {"ok": True, "result": 42}


async def test_a_task_returning_none_answers_result_null() -> None:
    async def nothing(_: Any) -> None:
        return None

    async with serving([TaskRoute(id="t", call=nothing)]) as served:
        response = await served.client.post("/task/t", json={"input": None})
    assert response.content == b'{"ok":true,"result":null}'


async def test_event_emit_answers_ok_and_hands_over_the_decoded_payload() -> None:
    emitted = Recorder()
    route = EventRoute(
        id="app.events.notify", emit=emitted, decode_payload=TypeAdapter(int).validate_python
    )
    async with serving(events=[route]) as served:
        response = await served.client.post("/event/app.events.notify", json={"payload": "7"})
    assert response.status_code == 200
    assert response.content == b'{"ok":true}'
    assert emitted.calls == [7]


async def test_an_event_body_without_payload_emits_undefined_as_in_runner() -> None:
    emitted = Recorder()
    async with serving(events=[EventRoute(id="e", emit=emitted)]) as served:
        await served.client.post("/event/e", json={})
        await served.client.post("/event/e", json=[1, 2])  # Runner reads body?.payload only
        await served.client.post("/event/e", content=b"")
        await served.client.post("/event/e", json={"payload": None})
    assert emitted.calls == [UNDEFINED, UNDEFINED, UNDEFINED, None]


async def test_return_payload_answers_with_the_payload_the_hooks_left() -> None:
    emitted = Recorder()

    async def emit_with_result(payload: Any) -> Any:
        return {**payload, "seen": True, "at": datetime(1970, 1, 1, tzinfo=UTC)}

    route = EventRoute(id="e", emit=emitted, emit_with_result=emit_with_result)
    async with serving(events=[route]) as served:
        with_result = await served.client.post(
            "/event/e", json={"payload": {"n": 1}, "returnPayload": True}
        )
        without = await served.client.post(
            "/event/e", json={"payload": {"n": 2}, "returnPayload": False}
        )
    assert with_result.content == (
        b'{"ok":true,"result":{"n":1,"seen":true,'
        b'"at":{"__type":"Date","value":"1970-01-01T00:00:00.000Z"}}}'
    )
    assert without.content == b'{"ok":true}'
    assert emitted.calls == [{"n": 2}]


async def test_return_payload_of_an_event_that_cannot_return_it_is_a_400() -> None:
    emitted = Recorder()
    async with serving(events=[EventRoute(id="app.events.fanout", emit=emitted)]) as served:
        response = await served.client.post(
            "/event/app.events.fanout", json={"payload": 1, "returnPayload": True}
        )
    assert response.status_code == 400
    assert response.json()["error"] == {
        "message": "Event app.events.fanout is marked parallel; returning a payload is not "
        "supported.",
        "code": "PARALLEL_EVENT_RETURN_UNSUPPORTED",
    }
    assert emitted.calls == []


async def test_discovery_lists_the_allow_list_sorted() -> None:
    async def noop(_: Any) -> None:
        return None

    tasks = [TaskRoute(id="b.task", call=noop), TaskRoute(id="a.task", call=noop)]
    async with serving(tasks, [EventRoute(id="e.one", emit=noop)]) as served:
        response = await served.client.get("/discovery")
    assert response.status_code == 200
    assert response.content == (
        b'{"ok":true,"result":{"allowList":{"enabled":true,'
        b'"tasks":["a.task","b.task"],"events":["e.one"]}}}'
    )


async def test_discovery_can_be_disabled() -> None:
    config = ExposureConfig(tokens=(TOKEN,), disable_discovery=True)
    async with serving([ADD], config=config) as served:
        response = await served.client.get("/discovery")
    assert response.status_code == 404
    assert response.json()["error"]["code"] == "NOT_FOUND"


async def test_every_response_carries_the_security_headers() -> None:
    async with serving([ADD]) as served:
        ok = await served.client.post("/task/app.tasks.add", json={"input": {"a": 1, "b": 1}})
        refused = await served.client.post("/task/missing", json={"input": 1})
        lost = await served.client.get("/elsewhere")
    for response in (ok, refused, lost):
        assert response.headers["content-type"] == "application/json; charset=utf-8"
        assert response.headers["x-content-type-options"] == "nosniff"
        assert response.headers["x-frame-options"] == "DENY"
        assert int(response.headers["content-length"]) == len(response.content)
        assert "server" not in response.headers  # no stack advertised


async def test_a_valid_request_id_is_echoed() -> None:
    async with serving([ADD]) as served:
        response = await served.client.post(
            "/task/app.tasks.add",
            json={"input": {"a": 1, "b": 1}},
            headers={"x-runner-request-id": "trace-1.2:3_4-5"},
        )
    assert response.headers["x-runner-request-id"] == "trace-1.2:3_4-5"


async def test_an_invalid_or_missing_request_id_is_replaced_by_a_new_uuid() -> None:
    async with serving([ADD]) as served:
        cases = [{"x-runner-request-id": "x" * 129}, {"x-runner-request-id": "a b"}, {}]
        responses = [
            await served.client.post(
                "/task/app.tasks.add", json={"input": {"a": 1, "b": 1}}, headers=headers
            )
            for headers in cases
        ]
    ids = [response.headers["x-runner-request-id"] for response in responses]
    assert all(UUID.fullmatch(request_id) for request_id in ids)
    assert len(set(ids)) == 3


async def test_a_128_character_request_id_is_still_accepted() -> None:
    async with serving([ADD]) as served:
        response = await served.client.post(
            "/task/app.tasks.add",
            json={"input": {"a": 1, "b": 1}},
            headers={"x-runner-request-id": "r" * 128},
        )
    assert response.headers["x-runner-request-id"] == "r" * 128


async def test_base_path_is_normalized_like_runner() -> None:
    config = ExposureConfig(tokens=(TOKEN,), base_path="api/runner/")
    async with serving([ADD], config=config) as served:
        assert served.running.url.endswith("/api/runner")
        response = await served.client.post("/task/app.tasks.add", json={"input": {"a": 2, "b": 2}})
        outside = await served.client.post(
            f"http://127.0.0.1:{served.running.port}/__runner/task/app.tasks.add",
            json={"input": {"a": 2, "b": 2}},
        )
    assert response.json()["result"]["sum"] == 4
    assert outside.status_code == 404


async def test_an_empty_base_path_serves_at_the_root() -> None:
    config = ExposureConfig(tokens=(TOKEN,), base_path="/")
    async with serving([ADD], config=config) as served:
        response = await served.client.post(
            f"http://127.0.0.1:{served.running.port}/task/app.tasks.add",
            json={"input": {"a": 2, "b": 3}},
        )
    assert response.json()["result"]["sum"] == 5


async def test_ids_with_slashes_and_percent_encoding_are_routed() -> None:
    seen = Recorder()
    async with serving([TaskRoute(id="app/tasks/with space", call=seen)]) as served:
        response = await served.client.post("/task/app%2Ftasks%2Fwith%20space", json={"input": 1})
    assert response.json() == {"ok": True, "result": 1}


async def test_many_requests_share_one_keep_alive_connection() -> None:
    seen = Recorder()
    async with serving([TaskRoute(id="t", call=seen)]) as served:
        results = [
            (await served.client.post("/task/t", json={"input": n})).json()["result"]
            for n in range(20)
        ]
    assert results == list(range(20))


async def test_sync_httpx_client_works_too() -> None:
    async with serving([ADD]) as served:
        url = served.running.url + "/task/app.tasks.add"

        def call() -> httpx.Response:
            return httpx.post(
                url, json={"input": {"a": 3, "b": 4}}, headers={"x-runner-token": TOKEN}
            )

        import asyncio

        response = await asyncio.to_thread(call)
    assert response.json()["result"]["sum"] == 7
