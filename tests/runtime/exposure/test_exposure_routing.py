"""Routing: the allow-list is the route table, and refusals come in Runner's order."""

from __future__ import annotations

from typing import Any

import pytest

from runner_gen.runtime.exposure import EventRoute, ExposureApp, ExposureConfig, TaskRoute

from .helpers import Recorder, serving


def routes() -> tuple[list[TaskRoute], list[EventRoute]]:
    return [TaskRoute(id="app.tasks.public", call=Recorder())], [
        EventRoute(id="app.events.public", emit=Recorder())
    ]


async def test_unknown_and_unexposed_ids_get_the_same_403() -> None:
    # The app defines "app.tasks.hidden" but does not expose it; "app.tasks.absent" exists
    # nowhere. A caller must not be able to tell them apart.
    hidden = TaskRoute(id="app.tasks.hidden", call=Recorder())
    tasks, events = routes()
    assert hidden.id not in {t.id for t in tasks}
    async with serving(tasks, events) as served:
        responses = [
            await served.client.post(
                f"/task/{task_id}", json={"input": 1}, headers={"x-runner-request-id": "r1"}
            )
            for task_id in ("app.tasks.hidden", "app.tasks.absent")
        ]
    unexposed, unknown = responses
    assert unexposed.status_code == unknown.status_code == 403
    assert unexposed.content == (
        b'{"ok":false,"error":{"message":"Task app.tasks.hidden not exposed","code":"FORBIDDEN"}}'
    )
    assert unknown.content == unexposed.content.replace(b"hidden", b"absent")
    assert {k: v for k, v in unexposed.headers.items() if k != "date"} == {
        k: v for k, v in unknown.headers.items() if k != "date"
    }


async def test_an_unexposed_event_is_refused_with_runners_message() -> None:
    tasks, events = routes()
    async with serving(tasks, events) as served:
        response = await served.client.post("/event/app.events.private", json={"payload": 1})
    assert response.status_code == 403
    assert response.json()["error"] == {
        "message": "Event app.events.private not exposed",
        "code": "FORBIDDEN",
    }


async def test_a_task_id_is_not_an_event_id() -> None:
    tasks, events = routes()
    async with serving(tasks, events) as served:
        response = await served.client.post("/event/app.tasks.public", json={"payload": 1})
    assert response.status_code == 403


@pytest.mark.parametrize("method", ["GET", "PUT", "DELETE", "PATCH"])
async def test_a_task_path_answers_405_to_other_methods_before_checking_auth(method: str) -> None:
    tasks, events = routes()
    async with serving(tasks, events, client_headers={}) as served:
        known = await served.client.request(method, "/task/app.tasks.public")
        unknown = await served.client.request(method, "/task/app.tasks.nope")
        event = await served.client.request(method, "/event/app.events.public")
    for response in (known, unknown, event):
        assert response.status_code == 405
        assert response.json() == {
            "ok": False,
            "error": {"message": "Method Not Allowed", "code": "METHOD_NOT_ALLOWED"},
        }


async def test_without_cors_an_options_request_is_just_a_wrong_method() -> None:
    from .helpers import TOKEN

    config = ExposureConfig(tokens=(TOKEN,), cors_allow_origin=None)
    async with serving(*routes(), config=config) as served:
        response = await served.client.options("/task/app.tasks.public")
        refused = await served.client.post("/task/app.tasks.nope", json={"input": 1})
    assert response.status_code == 405
    assert "access-control-allow-origin" not in response.headers
    assert "access-control-allow-origin" not in refused.headers


@pytest.mark.parametrize("method", ["POST", "DELETE"])
async def test_discovery_answers_only_get_like_runner_5_5(method: str) -> None:
    async with serving(*routes()) as served:
        response = await served.client.request(method, "/discovery")
    assert response.status_code == 405


@pytest.mark.parametrize(
    "path",
    [
        "/__runner/task/app.tasks.public/",
        "/__runner//task/app.tasks.public",
        "/__runner/task//app.tasks.public",
    ],
)
async def test_empty_path_segments_are_ignored_like_runners_router(path: str) -> None:
    tasks, events = routes()
    async with serving(tasks, events) as served:
        response = await served.client.post(
            f"http://127.0.0.1:{served.running.port}{path}", json={"input": 5}
        )
    assert response.json() == {"ok": True, "result": 5}


async def test_discovery_with_trailing_segments_is_still_discovery() -> None:
    async with serving(*routes()) as served:
        response = await served.client.get("/discovery/")
    assert response.json()["result"]["allowList"]["tasks"] == ["app.tasks.public"]


async def test_a_disabled_discovery_is_not_found_however_it_is_spelled() -> None:
    from .helpers import TOKEN

    config = ExposureConfig(tokens=(TOKEN,), disable_discovery=True)
    async with serving(*routes(), config=config) as served:
        response = await served.client.get("/discovery/")
    assert response.status_code == 404


@pytest.mark.parametrize(
    "path",
    [
        "/",
        "/__runner",
        "/__runner/",
        "/__runner/tasks/x",
        "/__runner/task",
        "/__runner/task/",
        "/__runnerx/task/x",
        "/other/task/x",
    ],
)
async def test_other_paths_get_404(path: str) -> None:
    async with serving(*routes()) as served:
        response = await served.client.post(f"http://127.0.0.1:{served.running.port}{path}")
    assert response.status_code == 404
    assert response.content == b'{"ok":false,"error":{"message":"Not Found","code":"NOT_FOUND"}}'


async def test_query_strings_are_ignored() -> None:
    tasks, events = routes()
    async with serving(tasks, events) as served:
        response = await served.client.post("/task/app.tasks.public?x=1", json={"input": 2})
    assert response.json() == {"ok": True, "result": 2}


def test_a_route_registered_under_another_id_is_a_wiring_error() -> None:
    async def noop(_: Any) -> None:
        return None

    with pytest.raises(ValueError, match="registered under 'a' but its id is 'b'"):
        ExposureApp(ExposureConfig(allow_anonymous=True), {"a": TaskRoute(id="b", call=noop)}, {})
    with pytest.raises(ValueError, match="registered under 'e' but its id is 'f'"):
        ExposureApp(ExposureConfig(allow_anonymous=True), {}, {"e": EventRoute(id="f", emit=noop)})


async def test_lifespan_startup_and_shutdown_are_acknowledged() -> None:
    app = ExposureApp(ExposureConfig(allow_anonymous=True), {}, {})
    incoming = [
        {"type": "lifespan.startup"},
        {"type": "lifespan.other"},
        {"type": "lifespan.shutdown"},
    ]
    sent: list[dict[str, Any]] = []

    async def receive() -> dict[str, Any]:
        return incoming.pop(0)

    async def send(message: Any) -> None:
        sent.append(dict(message))

    await app({"type": "lifespan"}, receive, send)
    assert sent == [{"type": "lifespan.startup.complete"}, {"type": "lifespan.shutdown.complete"}]


async def test_a_scope_it_does_not_speak_is_left_alone() -> None:
    app = ExposureApp(ExposureConfig(allow_anonymous=True), {}, {})
    sent: list[Any] = []

    async def receive() -> dict[str, Any]:
        raise AssertionError("must not read a websocket")

    async def send(message: Any) -> None:
        sent.append(message)

    await app({"type": "websocket"}, receive, send)
    assert sent == []


async def test_a_cors_preflight_gets_runners_default_answer_without_auth() -> None:
    async with serving(*routes(), client_headers={}) as served:
        response = await served.client.options(
            "/task/app.tasks.anything",
            headers={
                "origin": "https://app.example",
                "access-control-request-method": "POST",
                "access-control-request-headers": "content-type, x-runner-token",
            },
        )
    assert response.status_code == 204
    assert response.content == b""
    assert response.headers["access-control-allow-origin"] == "*"
    assert response.headers["access-control-allow-methods"] == "POST, OPTIONS"
    assert response.headers["access-control-allow-headers"] == "content-type, x-runner-token"


async def test_a_preflight_without_requested_headers_allows_none() -> None:
    async with serving(*routes()) as served:
        response = await served.client.options("/task/app.tasks.public")
    assert response.status_code == 204
    assert "access-control-allow-headers" not in response.headers


async def test_a_preflight_outside_the_base_path_is_not_found() -> None:
    async with serving(*routes()) as served:
        response = await served.client.options(f"http://127.0.0.1:{served.running.port}/other")
    assert response.status_code == 404


async def test_every_json_response_lets_the_configured_origin_read_it() -> None:
    from .helpers import TOKEN

    config = ExposureConfig(tokens=(TOKEN,), cors_allow_origin="https://app.example")
    tasks, events = routes()
    async with serving(tasks, events, config=config) as served:
        ok = await served.client.post("/task/app.tasks.public", json={"input": 1})
        refused = await served.client.post("/task/app.tasks.nope", json={"input": 1})
        preflight = await served.client.options("/event/app.events.public")
    for response in (ok, refused, preflight):
        assert response.headers["access-control-allow-origin"] == "https://app.example"
