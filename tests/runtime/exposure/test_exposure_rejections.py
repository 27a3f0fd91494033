"""Built-in rejections and hook failures as the exposure answers them, at the ASGI level."""

from __future__ import annotations

import logging
from typing import Any

import pytest

from runner_gen.runtime.errors import DisposedError, HookError, RunnerError, ShutdownLockdownError
from runner_gen.runtime.exposure import EventRoute, ExposureConfig, TaskRoute
from runner_gen.runtime.middleware import CircuitOpenError, RateLimitExceededError

from .helpers import TOKEN, serving


class OutOfStock(RunnerError):
    id = "app.errors.outOfStock"
    http_code = 409


def failing(error: BaseException, task_id: str = "app.tasks.fail") -> TaskRoute:
    async def run(_: Any) -> Any:
        raise error

    return TaskRoute(id=task_id, call=run)


def hook_failed(cause: BaseException) -> HookError:
    return HookError("app.hooks.mail", 1, "app.events.registered", cause)


async def test_a_rejection_needs_no_declaration_and_rounds_retry_after_up(
    caplog: pytest.LogCaptureFixture,
) -> None:
    refusal = RateLimitExceededError(key="user-7", limit=3, reset_at=0.0, retry_after=0.2)
    async with serving([failing(refusal)]) as served:
        with caplog.at_level(logging.INFO, logger="runner_gen.exposure"):
            response = await served.client.post("/task/app.tasks.fail", json={"input": 1})

    assert response.status_code == 429
    assert response.headers["retry-after"] == "1"  # 0.2 s: whole seconds, never 0
    error = response.json()["error"]
    assert error["data"] == {"message": error["message"], "retryAfter": 0.2, "limit": 3}
    assert "user-7" not in response.text  # the quota's key stays on the server
    [record] = [r for r in caplog.records if r.name == "runner_gen.exposure"]
    assert record.levelno == logging.WARNING
    assert record.exc_info is None
    assert record.error_id == "runner.errors.middleware.rateLimitExceeded"  # type: ignore[attr-defined]
    assert record.event == "exposure.task.rejected"  # type: ignore[attr-defined]


@pytest.mark.parametrize(
    ("refusal", "status"),
    [
        (ShutdownLockdownError("shutting down"), 503),
        (DisposedError("app"), 503),
        (CircuitOpenError("app.tasks.fail", 12.5), 503),
    ],
)
async def test_lifecycle_refusals_are_503s(refusal: RunnerError, status: int) -> None:
    async with serving([failing(refusal)]) as served:
        response = await served.client.post("/task/app.tasks.fail", json={"input": 1})
    assert response.status_code == status
    assert response.json()["error"]["id"] == refusal.id


async def test_an_event_whose_hook_raised_a_declared_error_answers_with_that_error() -> None:
    async def emit(payload: Any) -> None:
        raise hook_failed(OutOfStock("no stock", data={"sku": "x1"}))

    config = ExposureConfig(tokens=(TOKEN,), public_errors=(OutOfStock,))
    async with serving(events=[EventRoute("app.events.registered", emit)], config=config) as s:
        response = await s.client.post("/event/app.events.registered", json={"payload": 1})

    assert response.status_code == 409  # as Runner, which rethrows the listener's own error
    assert response.json()["error"]["id"] == "app.errors.outOfStock"


async def test_a_hooks_rejection_is_a_500_so_the_caller_does_not_redo_the_task(
    caplog: pytest.LogCaptureFixture,
) -> None:
    cause = RateLimitExceededError(key="k", limit=1, reset_at=0.0, retry_after=5.0)
    async with serving([failing(hook_failed(cause))]) as served:
        response = await served.client.post("/task/app.tasks.fail", json={"input": 1})

    assert response.status_code == 500
    assert "retry-after" not in response.headers
    [record] = [r for r in caplog.records if r.name == "runner_gen.exposure"]
    assert record.levelno == logging.ERROR  # a fault, with its traceback in the log


async def test_a_hook_failure_with_an_undeclared_cause_is_a_bare_500() -> None:
    async with serving([failing(hook_failed(ConnectionError("smtp down")))]) as served:
        response = await served.client.post("/task/app.tasks.fail", json={"input": 1})
    assert response.status_code == 500
    assert "smtp" not in response.text
