"""Failures of the task itself: sanitized 500s with the detail in the log, public typed errors."""

from __future__ import annotations

import logging
from datetime import UTC, datetime
from typing import Any

import pytest

from runner_gen.runtime.errors import RunnerError
from runner_gen.runtime.exposure import EventRoute, ExposureConfig, TaskRoute

from .helpers import TOKEN, serving

INTERNAL = b'{"ok":false,"error":{"message":"Internal Error","code":"INTERNAL_ERROR"}}'


class InsufficientFunds(RunnerError):
    id = "app.errors.insufficient_funds"
    http_code = 402


class Teapot(RunnerError):
    id = "app.errors.teapot"
    http_code = 99  # not an HTTP error status


class Hidden(RunnerError):
    id = "app.errors.hidden"
    http_code = 409


def public(*errors: type[RunnerError]) -> ExposureConfig:
    return ExposureConfig(tokens=(TOKEN,), public_errors=errors)


def failing(error: BaseException) -> TaskRoute:
    async def run(_: Any) -> Any:
        raise error

    return TaskRoute(id="app.tasks.fail", call=run)


async def test_an_unexpected_exception_is_a_bare_500_and_its_detail_only_in_the_log(
    caplog: pytest.LogCaptureFixture,
) -> None:
    route = failing(ValueError("password=hunter2 at /srv/app/secret.py"))
    async with serving([route]) as served:
        with caplog.at_level(logging.ERROR, logger="runner_gen.exposure"):
            response = await served.client.post(
                "/task/app.tasks.fail", json={"input": 1}, headers={"x-runner-request-id": "req-42"}
            )
    assert response.status_code == 500
    assert response.content == INTERNAL
    assert response.headers["x-runner-request-id"] == "req-42"
    [record] = [r for r in caplog.records if r.name == "runner_gen.exposure"]
    assert record.event == "exposure.task.error"  # type: ignore[attr-defined]
    assert record.request_id == "req-42"  # type: ignore[attr-defined]
    assert record.definition_id == "app.tasks.fail"  # type: ignore[attr-defined]
    assert record.exc_info is not None
    assert isinstance(record.exc_info[1], ValueError)
    assert "req-42" in record.getMessage()


async def test_a_generated_request_id_ties_the_500_to_its_log_line(
    caplog: pytest.LogCaptureFixture,
) -> None:
    async with serving([failing(KeyError("k"))]) as served:
        with caplog.at_level(logging.ERROR, logger="runner_gen.exposure"):
            response = await served.client.post("/task/app.tasks.fail", json={"input": 1})
    [record] = [r for r in caplog.records if r.name == "runner_gen.exposure"]
    assert record.request_id == response.headers["x-runner-request-id"]  # type: ignore[attr-defined]


async def test_a_public_typed_error_reaches_the_client_as_runner_5_5_sends_it() -> None:
    error = InsufficientFunds(
        "Balance too low", data={"missing": 5, "at": datetime(1970, 1, 1, tzinfo=UTC)}
    )
    async with serving([failing(error)], config=public(InsufficientFunds)) as served:
        response = await served.client.post("/task/app.tasks.fail", json={"input": 1})
    assert response.status_code == 402
    assert response.content == (
        b'{"ok":false,"error":{"message":"Balance too low","code":"INTERNAL_ERROR",'
        b'"id":"app.errors.insufficient_funds","data":{"missing":5,'
        b'"at":{"__type":"Date","value":"1970-01-01T00:00:00.000Z"}},"httpCode":402}}'
    )


async def test_a_public_error_without_data_has_no_data_field() -> None:
    async with serving(
        [failing(InsufficientFunds("Low"))], config=public(InsufficientFunds)
    ) as served:
        response = await served.client.post("/task/app.tasks.fail", json={"input": 1})
    assert response.json()["error"] == {
        "message": "Low",
        "code": "INTERNAL_ERROR",
        "id": "app.errors.insufficient_funds",
        "httpCode": 402,
    }


async def test_a_public_error_whose_data_cannot_travel_is_sent_without_it() -> None:
    error = InsufficientFunds("Low", data={"handle": object()})
    async with serving([failing(error)], config=public(InsufficientFunds)) as served:
        response = await served.client.post("/task/app.tasks.fail", json={"input": 1})
    assert response.status_code == 402
    assert "data" not in response.json()["error"]


async def test_subclasses_of_a_public_error_are_public_too() -> None:
    class Overdrawn(InsufficientFunds):
        id = "app.errors.overdrawn"

    async with serving(
        [failing(Overdrawn("Overdrawn"))], config=public(InsufficientFunds)
    ) as served:
        response = await served.client.post("/task/app.tasks.fail", json={"input": 1})
    assert response.status_code == 402
    assert response.json()["error"]["id"] == "app.errors.overdrawn"


async def test_a_typed_error_that_is_not_declared_public_stays_internal() -> None:
    async with serving(
        [failing(Hidden("secret detail"))], config=public(InsufficientFunds)
    ) as served:
        response = await served.client.post("/task/app.tasks.fail", json={"input": 1})
    assert response.status_code == 500
    assert response.content == INTERNAL


async def test_a_public_error_with_an_invalid_http_code_is_a_500_without_http_code() -> None:
    async with serving([failing(Teapot("short and stout"))], config=public(Teapot)) as served:
        response = await served.client.post("/task/app.tasks.fail", json={"input": 1})
    assert response.status_code == 500
    assert response.json()["error"] == {
        "message": "short and stout",
        "code": "INTERNAL_ERROR",
        "id": "app.errors.teapot",
    }


async def test_a_public_error_with_a_non_error_status_is_sent_as_500_with_its_http_code() -> None:
    class Moved(RunnerError):
        id = "app.errors.moved"
        http_code = 302

    async with serving([failing(Moved("elsewhere"))], config=public(Moved)) as served:
        response = await served.client.post("/task/app.tasks.fail", json={"input": 1})
    assert response.status_code == 500
    assert response.json()["error"]["httpCode"] == 302


async def test_a_result_the_serializer_cannot_write_is_a_500() -> None:
    async def unserializable(_: Any) -> Any:
        return {"handle": object()}

    async with serving([TaskRoute(id="app.tasks.fail", call=unserializable)]) as served:
        response = await served.client.post("/task/app.tasks.fail", json={"input": 1})
    assert response.status_code == 500
    assert response.content == INTERNAL


async def test_a_decoder_that_fails_for_another_reason_is_a_500_not_a_400(
    caplog: pytest.LogCaptureFixture,
) -> None:
    def broken(_: Any) -> Any:
        raise RuntimeError("decoder bug")

    async def never(_: Any) -> Any:
        raise AssertionError("not reached")

    route = TaskRoute(id="app.tasks.fail", call=never, decode_input=broken)
    event = EventRoute(id="app.events.fail", emit=never, decode_payload=broken)
    async with serving([route], [event]) as served:
        with caplog.at_level(logging.ERROR, logger="runner_gen.exposure"):
            task_response = await served.client.post("/task/app.tasks.fail", json={"input": 1})
            event_response = await served.client.post("/event/app.events.fail", json={"payload": 1})
    assert task_response.status_code == event_response.status_code == 500
    assert task_response.content == event_response.content == INTERNAL
    assert [r.event for r in caplog.records] == [  # type: ignore[attr-defined]
        "exposure.task.error",
        "exposure.event.error",
    ]


async def test_an_event_whose_hooks_fail_is_a_500_logged_as_an_event_error(
    caplog: pytest.LogCaptureFixture,
) -> None:
    async def emit(_: Any) -> None:
        raise OSError("disk full")

    async with serving(events=[EventRoute(id="app.events.x", emit=emit)]) as served:
        with caplog.at_level(logging.ERROR, logger="runner_gen.exposure"):
            response = await served.client.post("/event/app.events.x", json={"payload": 1})
    assert response.status_code == 500
    assert response.content == INTERNAL
    [record] = caplog.records
    assert record.event == "exposure.event.error"  # type: ignore[attr-defined]


async def test_a_public_error_raised_by_an_event_is_public() -> None:
    async def emit(_: Any) -> None:
        raise InsufficientFunds("Low")

    config = public(InsufficientFunds)
    async with serving(events=[EventRoute(id="app.events.x", emit=emit)], config=config) as served:
        response = await served.client.post("/event/app.events.x", json={"payload": 1})
    assert response.status_code == 402


async def test_a_task_raising_an_exposure_refusal_does_not_impersonate_the_server() -> None:
    from runner_gen.runtime.exposure import UnauthorizedError

    async with serving([failing(UnauthorizedError())]) as served:
        response = await served.client.post("/task/app.tasks.fail", json={"input": 1})
    assert response.status_code == 500
    assert response.content == INTERNAL
